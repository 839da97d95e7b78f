package healthcode

import (
	"bytes"
	"testing"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
)

func TestInspect(t *testing.T) {
	key := testKey(t, ES256, "issuer")
	c := greenClaims()
	c.Proxy, c.Relation = true, "father"
	d, err := Inspect(mustIssue(t, c, key))
	if err != nil {
		t.Fatal(err)
	}
	if d.Format != checkpoint.FormatHealthCode || d.Algorithm != "ES256" || d.Claims == nil || d.Claims.Relation != "father" ||
		d.Issuer != "110000:BJHC" || !bytes.Equal(d.Kid, mustKid(t, key.Public())) {
		t.Fatalf("%+v", d)
	}
	dsc := newDSC(t)
	d, err = Inspect(dsc.dccText(t, vaccination(2, 2, "2026-01-01"), t0, t0.Add(time.Hour)))
	if err != nil {
		t.Fatal(err)
	}
	if d.Format != checkpoint.FormatDCC || d.DCC["dob"] != "1964-08-12" {
		t.Fatalf("%+v", d)
	}
	if _, err := Inspect("HC1:??"); failureOf(err) != checkpoint.FailMalformed {
		t.Fatalf("garbage: %v", err)
	}
}

func TestRevocationHashFile(t *testing.T) {
	hs := []checkpoint.RevocationHash{checkpoint.HashForRevocation([]byte("a")), checkpoint.HashForRevocation([]byte("b"))}
	var buf bytes.Buffer
	buf.WriteString("# revoked on 2026-11-23\n\n")
	if err := WriteRevocationHashes(&buf, hs); err != nil {
		t.Fatal(err)
	}
	got, err := ReadRevocationHashes(&buf)
	if err != nil || len(got) != 2 || got[0] != hs[0] || got[1] != hs[1] {
		t.Fatalf("%x %v", got, err)
	}
	if _, err := ReadRevocationHashes(bytes.NewBufferString("abcd\n")); err == nil {
		t.Fatal("short hash accepted")
	}
}
