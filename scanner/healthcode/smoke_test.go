package healthcode

import (
	"crypto"
	"testing"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
)

func TestSmokeIssueVerify(t *testing.T) {
	now := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	for _, alg := range []Algorithm{ES256, SM2} {
		key, err := GenerateKey(alg)
		if err != nil {
			t.Fatal(err)
		}
		e, err := NewKeyEntry(key.Public(), "110000", "BJHC")
		if err != nil {
			t.Fatal(err)
		}
		root, _ := GenerateKey(ES256)
		signed, err := SignTrustList(TrustListDoc{Version: 1, IssuedAt: now, ExpiresAt: now.Add(24 * time.Hour), Entries: []TrustListEntry{e}}, root)
		if err != nil {
			t.Fatal(err)
		}
		tl, err := ParseTrustList(signed, []crypto.PublicKey{root.Public()}, now)
		if err != nil {
			t.Fatal(err)
		}
		text, err := Issue(Claims{Issuer: "BJHC", Region: "110000", ID: NewCodeID(), Color: checkpoint.ColorGreen, IssuedAt: now, ExpiresAt: now.Add(5 * time.Minute), Kind: checkpoint.KindDynamic, HolderMasked: "张*"}, key)
		if err != nil {
			t.Fatal(err)
		}
		t.Log(alg, len(text), text)
		v := NewVerifier(tl, NewMemoryRevocations(), checkpoint.ClockFunc(func() time.Time { return now }), Options{})
		c, err := v.Verify(text)
		if err != nil {
			t.Fatal(err)
		}
		if c.Issuer != "110000:BJHC" || c.Color != checkpoint.ColorGreen {
			t.Fatalf("%+v", c)
		}
		if v.cache.len() != 1 {
			t.Fatal("not cached")
		}
	}
}
