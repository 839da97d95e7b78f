package healthcode

import (
	"crypto"
	"errors"
	"testing"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
)

// FuzzVerify drives the whole text-to-Code path (without the verifier's
// panic guard, so a panic anywhere below is found): every input ends in a
// Code or a *checkpoint.VerifyError.
func FuzzVerify(f *testing.F) {
	es := newIssuer(f, ES256)
	sm := newIssuer(f, SM2)
	dsc := newDSC(f)
	list := mustList(f, es.entry, sm.entry)
	f.Add(mustIssue(f, greenClaims(), es.key))
	f.Add(mustIssue(f, greenClaims(), sm.key))
	f.Add(dsc.dccText(f, vaccination(2, 2, "2026-01-01"), t0.AddDate(0, -1, 0), t0.AddDate(1, 0, 0)))
	f.Add(dsc.dccText(f, testEntry(testNegative, t0.Format(time.RFC3339)), t0.AddDate(0, -1, 0), t0.AddDate(1, 0, 0)))
	for _, s := range dccSeeds(f) {
		f.Add(s)
	}
	f.Add("")
	f.Add(Prefix)
	f.Add(DCCPrefix + "6BF")
	dccEntries := dsc.list.Entries()
	trust := &multiStore{list, dccEntries}
	v := NewVerifier(trust, NewMemoryRevocations(), &fixedClock{t: t0}, Options{CacheSize: -1})
	f.Fuzz(func(t *testing.T, text string) {
		code, _, err := v.verifyStages(text, t0)
		if err != nil {
			var ve *checkpoint.VerifyError
			if !errors.As(err, &ve) || ve.Failure == checkpoint.FailNone {
				t.Fatalf("untyped error %T: %v", err, err)
			}
			return
		}
		if code == nil || code.code.Format == "" || code.code.Color == checkpoint.ColorUnknown {
			t.Fatalf("verified without a usable code: %+v", code)
		}
		if _, err := RevocationHashesOf(text); err != nil {
			t.Fatalf("verified text has no revocation hashes: %v", err)
		}
		if code.code.Format == checkpoint.FormatHealthCode {
			// Every Code the verifier returns could have been issued.
			d, err := Inspect(text)
			if err != nil || d.Claims == nil {
				t.Fatalf("verified code does not inspect: %v", err)
			}
			if err := d.Claims.validate(); err != nil {
				t.Fatalf("verified claims %+v break the issue rules: %v", d.Claims, err)
			}
		}
	})
}

// multiStore answers health-code lookups from a list and DCC lookups from
// fixed keys.
type multiStore struct {
	hc  *TrustList
	dcc []checkpoint.TrustedKey
}

func (m *multiStore) KeysFor(f checkpoint.Format, kid []byte) ([]checkpoint.TrustedKey, error) {
	if f == checkpoint.FormatHealthCode {
		return m.hc.KeysFor(f, kid)
	}
	var out []checkpoint.TrustedKey
	for _, k := range m.dcc {
		if string(k.Kid) == string(kid) {
			out = append(out, k)
		}
	}
	return out, nil
}

// FuzzParseTrustList feeds arbitrary bytes to the trust-list parser (the
// document a hub serves): refused or parsed, never a panic.
func FuzzParseTrustList(f *testing.F) {
	root := testKey(f, ES256, "root")
	es := newIssuer(f, ES256)
	signed, err := SignTrustList(TrustListDoc{Version: 1, IssuedAt: t0, ExpiresAt: t0.Add(time.Hour), Entries: []TrustListEntry{es.entry}}, root)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(signed)
	f.Add([]byte{0xd2, 0x84, 0x40, 0xa0, 0xf6, 0x40})
	roots := []crypto.PublicKey{root.Public()}
	f.Fuzz(func(t *testing.T, b []byte) {
		tl, err := ParseTrustList(b, roots, t0)
		if err != nil {
			return
		}
		// Whatever parsed was signed by the root and is not expired.
		if _, err := OpenDocument(b, roots); err != nil || !tl.ExpiresAt().After(t0) {
			t.Fatalf("parsed a list that does not open (%v) or has expired (%s)", err, tl.ExpiresAt())
		}
	})
}
