package healthcode

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/checkpoint-terminal/checkpoint"
	"github.com/veraison/go-cose"
)

// hostileText signs, with a trusted key, a code whose holder and relation
// claims are whatever the test says: a real issuer's bug or a stolen key
// can put anything there.
func hostileText(t *testing.T, f *issuerFixture, holder, relation string) string {
	t.Helper()
	w, err := greenClaims().toCWT()
	if err != nil {
		t.Fatal(err)
	}
	w.HCN.Holder, w.HCN.Relation, w.HCN.Proxy = holder, nil, relation != ""
	if relation != "" {
		w.HCN.Relation = &relation
	}
	payload, err := cborEnc.Marshal(w)
	if err != nil {
		t.Fatal(err)
	}
	return craft(t, Prefix, map[any]any{cose.HeaderLabelAlgorithm: cose.AlgorithmES256, cose.HeaderLabelKeyID: mustKid(t, f.key.Public())}, nil, payload, signerFor(t, f.key))
}

func TestVerifiedTextClaimsAreCleanedOnce(t *testing.T) {
	f := newIssuer(t, ES256)
	rows := []struct {
		name, holder, relation string
		wantHolder, wantRel    string
	}{
		{"newline that would add a PASS line", "A*\nPASS", "", "A* PASS", ""},
		{"RTL override that would read as PASS", "\u202eSSAP*", "", "SSAP*", ""},
		{"isolates and zero-width characters", "\u2066张\u200b*\u2069", "", "张*", ""},
		{"relation with control characters", "张*", "mother\r\n\x1b[2J", "张*", "mother [2J"},
		{"relation of only invisible characters still marks a proxy", "张*", "\u200b\u202e", "张*", "?"},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			v := NewVerifier(f.list, NewMemoryRevocations(), &fixedClock{t: t0}, Options{})
			code, err := v.Verify(hostileText(t, f, r.holder, r.relation))
			if err != nil {
				t.Fatalf("verify: %v", err)
			}
			if code.HolderMasked != r.wantHolder || code.Relation != r.wantRel {
				t.Errorf("holder %q relation %q, want %q %q", code.HolderMasked, code.Relation, r.wantHolder, r.wantRel)
			}
			if r.relation != "" && !code.Proxy {
				t.Errorf("proxy flag lost")
			}
			d, err := Inspect(hostileText(t, f, r.holder, r.relation))
			if err != nil {
				t.Fatal(err)
			}
			if d.Claims.HolderMasked != r.wantHolder {
				t.Errorf("Inspect holder %q, want %q", d.Claims.HolderMasked, r.wantHolder)
			}
		})
	}
}

// TestLongNameIsCutThenRefused: a 3,000-character name is cut (CleanText)
// before the claim rules judge it, so the refusal (invalid_claims: more
// than 16 characters) and its detail, which logs and the operator see,
// never carry the name itself.
func TestLongNameIsCutThenRefused(t *testing.T) {
	f := newIssuer(t, ES256)
	v := NewVerifier(f.list, NewMemoryRevocations(), &fixedClock{t: t0}, Options{})
	_, err := v.Verify(hostileText(t, f, strings.Repeat("W", 3000), ""))
	if checkpoint.FailureOf(err) != checkpoint.FailInvalidClaims {
		t.Fatalf("3000-character name: %v, want invalid_claims", err)
	}
	if msg := err.Error(); len(msg) > 200 || !strings.Contains(msg, fmt.Sprintf("%d characters", checkpoint.MaxClaimRunes)) {
		t.Errorf("refusal %q: want the cut length named and no name in it", msg)
	}
}

func TestIssueRefusesUncleanTextClaims(t *testing.T) {
	f := newIssuer(t, ES256)
	for _, holder := range []string{"A*\nPASS", "\u202eA*", "A\u200b*", "A*\t"} {
		c := greenClaims()
		c.HolderMasked = holder
		if _, err := Issue(c, f.key); err == nil || !strings.Contains(err.Error(), "control, line-break") {
			t.Errorf("Issue with holder %q: err %v, want a refusal naming the characters", holder, err)
		}
	}
}

func TestDCCNameIsMaskedFromItsFirstVisibleLetter(t *testing.T) {
	d := newDSC(t)
	for _, name := range []string{"\u202eMUSTERMANN", "\u200b\nMUSTERMANN", "\x00\u2066MUSTERMANN"} {
		content := vaccination(2, 2, "2021-01-01")
		content["nam"] = map[string]any{"fnt": name, "gnt": "ERIKA"}
		v := NewVerifier(d.list, NewMemoryRevocations(), &fixedClock{t: t0}, Options{})
		code, err := v.Verify(d.dccText(t, content, t0.Add(-time.Hour), t0.Add(24*time.Hour)))
		if err != nil {
			t.Fatalf("%q: %v", name, err)
		}
		if code.HolderMasked != "M*" {
			t.Errorf("family name %q masked as %q, want %q", name, code.HolderMasked, "M*")
		}
		if !utf8.ValidString(code.Region) || code.Region != "DE" {
			t.Errorf("region %q", code.Region)
		}
	}
}

func TestRefusedGenuineCodeKeepsItsID(t *testing.T) {
	f := newIssuer(t, ES256)
	c := greenClaims()
	text := mustIssue(t, c, f.key)
	cti, _ := hexDecode(c.ID)
	revs := NewMemoryRevocations()
	revs.Add(checkpoint.HashForRevocation(cti))
	for _, cacheSize := range []int{0, -1} {
		v := NewVerifier(f.list, revs, &fixedClock{t: t0}, Options{CacheSize: cacheSize})
		for range 2 { // the second time from the cache, when there is one
			_, err := v.Verify(text)
			var ve *checkpoint.VerifyError
			if !errors.As(err, &ve) || ve.Failure != checkpoint.FailRevoked || ve.Code == nil || ve.Code.ID != c.ID {
				t.Fatalf("revoked code: %v (code %+v), want FailRevoked carrying id %s", err, ve, c.ID)
			}
		}
	}
	// Expired: also genuine, also kept.
	v := NewVerifier(f.list, NewMemoryRevocations(), &fixedClock{t: t0.Add(time.Hour)}, Options{})
	_, err := v.Verify(text)
	var ve *checkpoint.VerifyError
	if !errors.As(err, &ve) || ve.Failure != checkpoint.FailExpired || ve.Code == nil || ve.Code.ID != c.ID {
		t.Errorf("expired code: %v, want its id kept", err)
	}
	// A forged signature: nothing about the code is believed.
	other := newNamedIssuer(t, ES256, "forger")
	forged := craft(t, Prefix, map[any]any{cose.HeaderLabelAlgorithm: cose.AlgorithmES256, cose.HeaderLabelKeyID: mustKid(t, f.key.Public())}, nil, payloadOf(t, c), signerFor(t, other.key))
	_, err = NewVerifier(f.list, nil, &fixedClock{t: t0}, Options{}).Verify(forged)
	if !errors.As(err, &ve) || ve.Failure != checkpoint.FailBadSignature || ve.Code != nil {
		t.Errorf("forged code: %v (code %v), want a bad signature with no code", err, ve.Code)
	}
}
