package healthcode

import (
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
	b45 "github.com/checkpoint-terminal/checkpoint/healthcode/base45"
	"github.com/veraison/go-cose"
)

// dscFixture is a synthetic DCC document signer: a P-256 key and its
// certificate, with optional key-usage OIDs.
type dscFixture struct {
	key  crypto.Signer
	der  []byte
	list *TrustList
}

func newDSC(t testing.TB, usages ...dccType) *dscFixture {
	t.Helper()
	key := testKey(t, ES256, "dsc")
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{Country: []string{"DE"}, CommonName: "Test DSC"},
		NotBefore:    t0.AddDate(-1, 0, 0), NotAfter: t0.AddDate(1, 0, 0),
	}
	for _, u := range usages {
		tmpl.UnknownExtKeyUsage = append(tmpl.UnknownExtKeyUsage, asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 1847, 2021, 1, int(u)})
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	e, err := NewCertificateEntry(der, "")
	if err != nil {
		t.Fatal(err)
	}
	return &dscFixture{key: key, der: der, list: mustList(t, e)}
}

// dccText issues an HC1 text with the given eu_dgc_v1 content.
func (d *dscFixture) dccText(t testing.TB, dgcContent map[string]any, iat, exp time.Time) string {
	t.Helper()
	payload, err := cborEnc.Marshal(map[int]any{1: "DE", 4: exp.Unix(), 6: iat.Unix(), -260: map[int]any{1: dgcContent}})
	if err != nil {
		t.Fatal(err)
	}
	return craft(t, DCCPrefix, map[any]any{cose.HeaderLabelAlgorithm: cose.AlgorithmES256, cose.HeaderLabelKeyID: kidOf(d.der)}, nil, payload, signerFor(t, d.key))
}

func vaccination(dn, sd int, date string) map[string]any {
	return map[string]any{"ver": "1.3.0", "nam": map[string]any{"fnt": "MUSTERMANN", "gnt": "ERIKA"}, "dob": "1964-08-12",
		"v": []any{map[string]any{"tg": "840539006", "dn": dn, "sd": sd, "dt": date, "co": "DE", "is": "RKI", "ci": "URN:UVCI:01DE/IZ12345A/5CWLU12RNOB9RXSEOP6FG8#W"}}}
}

func testEntry(result, sampled string) map[string]any {
	return map[string]any{"ver": "1.3.0", "nam": map[string]any{"fnt": "MUSTERMANN"}, "dob": "1964-08-12",
		"t": []any{map[string]any{"tg": "840539006", "tt": "LP6464-4", "sc": sampled, "tr": result, "co": "DE", "is": "RKI", "ci": "URN:UVCI:01DE/T1"}}}
}

func recovery(from, until string) map[string]any {
	return map[string]any{"ver": "1.3.0", "nam": map[string]any{"fnt": "MUSTERMANN"}, "dob": "1964-08-12",
		"r": []any{map[string]any{"tg": "840539006", "fr": "2026-10-01", "df": from, "du": until, "co": "DE", "is": "RKI", "ci": "URN:UVCI:01DE/R1"}}}
}

func TestDCCSitePolicy(t *testing.T) {
	dsc := newDSC(t)
	iat, exp := t0.AddDate(0, -1, 0), t0.AddDate(1, 0, 0)
	day := func(d int) string { return t0.AddDate(0, 0, d).Format("2006-01-02") }
	for _, tc := range []struct {
		name     string
		dgc      map[string]any
		policy   DCCPolicy
		want     checkpoint.Failure
		noteHas  string
		reasonIs string
	}{
		{"complete vaccination 30 days ago", vaccination(2, 2, day(-30)), DCCPolicy{}, checkpoint.FailNone, "vaccination 2/2", ""},
		{"booster 3/3", vaccination(3, 3, day(-30)), DCCPolicy{}, checkpoint.FailNone, "vaccination 3/3", ""},
		{"first of two doses", vaccination(1, 2, day(-30)), DCCPolicy{}, checkpoint.FailNotAccepted, "", "incomplete"},
		{"complete, but only 3 days ago", vaccination(2, 2, day(-3)), DCCPolicy{}, checkpoint.FailNotAccepted, "", "counts only from"},
		{"complete 3 days ago, site without waiting period", vaccination(2, 2, day(-3)), DCCPolicy{VaccinationWait: -1}, checkpoint.FailNone, "vaccination 2/2", ""},
		{"vaccination at a site that takes only tests", vaccination(2, 2, day(-30)), DCCPolicy{RejectVaccination: true}, checkpoint.FailNotAccepted, "", "not accepted here"},
		{"negative test 5 hours ago", testEntry(testNegative, t0.Add(-5*time.Hour).Format(time.RFC3339)), DCCPolicy{}, checkpoint.FailNone, "negative test", ""},
		{"positive test", testEntry("260373001", t0.Add(-5*time.Hour).Format(time.RFC3339)), DCCPolicy{}, checkpoint.FailNotAccepted, "", "not negative"},
		{"negative test 80 hours ago", testEntry(testNegative, t0.Add(-80*time.Hour).Format(time.RFC3339)), DCCPolicy{}, checkpoint.FailNotAccepted, "", "old"},
		{"negative test 30 hours ago, site allows 24", testEntry(testNegative, t0.Add(-30*time.Hour).Format(time.RFC3339)), DCCPolicy{TestValidity: 24 * time.Hour}, checkpoint.FailNotAccepted, "", "old"},
		{"sample time in the future", testEntry(testNegative, t0.Add(3*time.Hour).Format("2006-01-02T15:04:05-0700")), DCCPolicy{}, checkpoint.FailNotAccepted, "", "future"},
		{"recovery within its window", recovery(day(-10), day(100)), DCCPolicy{}, checkpoint.FailNone, "recovery until", ""},
		{"recovery valid until yesterday", recovery(day(-100), day(-1)), DCCPolicy{}, checkpoint.FailNotAccepted, "", "until"},
		{"recovery valid only from tomorrow", recovery(day(1), day(100)), DCCPolicy{}, checkpoint.FailNotAccepted, "", "from"},
		{"vaccination and test in one certificate", func() map[string]any {
			m := vaccination(2, 2, day(-30))
			m["t"] = testEntry(testNegative, t0.Format(time.RFC3339))["t"]
			return m
		}(), DCCPolicy{}, checkpoint.FailInvalidClaims, "", "exactly one"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := NewVerifier(dsc.list, NewMemoryRevocations(), &fixedClock{t: t0}, Options{DCC: tc.policy})
			code, err := v.Verify(dsc.dccText(t, tc.dgc, iat, exp))
			if tc.want == checkpoint.FailNone {
				if err != nil {
					t.Fatal(err)
				}
				if code.Format != checkpoint.FormatDCC || code.Kind != checkpoint.KindCard || code.Color != checkpoint.ColorGreen ||
					code.Issuer != "DE" || code.Region != "DE" || len(code.ID) != 32 || code.HolderMasked != "M*" || !strings.Contains(code.Note, tc.noteHas) {
					t.Fatalf("code %+v", code)
				}
				return
			}
			if failureOf(err) != tc.want || !strings.Contains(err.Error(), tc.reasonIs) {
				t.Fatalf("got %v, want %v mentioning %q", err, tc.want, tc.reasonIs)
			}
		})
	}
}

func TestDCCKeyUsage(t *testing.T) {
	iat, exp := t0.AddDate(0, -1, 0), t0.AddDate(1, 0, 0)
	vacc := vaccination(2, 2, "2026-01-01")
	for _, tc := range []struct {
		name   string
		usages []dccType
		ok     bool
	}{
		{"no DCC key usage: may sign all", nil, true},
		{"vaccination usage", []dccType{dccVaccination}, true},
		{"test usage only", []dccType{dccTest}, false},
		{"test and recovery usages", []dccType{dccTest, dccRecovery}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dsc := newDSC(t, tc.usages...)
			_, err := NewVerifier(dsc.list, nil, &fixedClock{t: t0}, Options{}).Verify(dsc.dccText(t, vacc, iat, exp))
			if tc.ok != (err == nil) || !tc.ok && failureOf(err) != checkpoint.FailKeyUsage {
				t.Fatalf("err = %v", err)
			}
		})
	}
}

func TestDCCRevocationHashes(t *testing.T) {
	dsc := newDSC(t)
	text := dsc.dccText(t, vaccination(2, 2, "2026-01-01"), t0.AddDate(0, -1, 0), t0.AddDate(1, 0, 0))
	hs, err := RevocationHashesOf(text)
	if err != nil {
		t.Fatal(err)
	}
	uci := "URN:UVCI:01DE/IZ12345A/5CWLU12RNOB9RXSEOP6FG8#W"
	if len(hs) != 3 || hs[0] != checkpoint.HashForRevocation([]byte(uci)) || hs[1] != checkpoint.HashForRevocation([]byte("DE"+uci)) {
		t.Fatalf("hashes %x", hs)
	}
	env, _, _ := decodeEnvelope(text)
	if hs[2] != checkpoint.HashForRevocation(env.msg.Signature[:32]) {
		t.Fatal("signature hash is not of the r half of the ECDSA signature")
	}
	for i, h := range hs {
		v := NewVerifier(dsc.list, NewMemoryRevocations(h), &fixedClock{t: t0}, Options{})
		if _, err := v.Verify(text); failureOf(err) != checkpoint.FailRevoked {
			t.Errorf("revoking hash %d: %v", i, err)
		}
	}
}

func TestDCCTagsAndKidPlacement(t *testing.T) {
	dsc := newDSC(t)
	payload, _ := cborEnc.Marshal(map[int]any{1: "DE", 4: t0.AddDate(1, 0, 0).Unix(), 6: t0.AddDate(0, -1, 0).Unix(), -260: map[int]any{1: vaccination(2, 2, "2026-01-01")}})
	kid := kidOf(dsc.der)
	v := NewVerifier(dsc.list, nil, &fixedClock{t: t0}, Options{})
	alg := map[any]any{cose.HeaderLabelAlgorithm: cose.AlgorithmES256}
	// kid only in the unprotected header
	if _, err := v.Verify(craft(t, DCCPrefix, alg, map[any]any{cose.HeaderLabelKeyID: kid}, payload, signerFor(t, dsc.key))); err != nil {
		t.Errorf("kid in the unprotected header: %v", err)
	}
	// a wrong kid in the protected header is not rescued by a right one in
	// the unprotected header
	if _, err := v.Verify(craft(t, DCCPrefix, map[any]any{cose.HeaderLabelAlgorithm: cose.AlgorithmES256, cose.HeaderLabelKeyID: []byte("12345678")}, map[any]any{cose.HeaderLabelKeyID: kid}, payload, signerFor(t, dsc.key))); err == nil {
		t.Error("wrong protected kid accepted")
	}
	// untagged and double-tagged (CWT 61 + COSE 18) messages
	text := craft(t, DCCPrefix, map[any]any{cose.HeaderLabelAlgorithm: cose.AlgorithmES256, cose.HeaderLabelKeyID: kid}, nil, payload, signerFor(t, dsc.key))
	z, _ := b45.Decode(text[len(DCCPrefix):])
	raw, _ := inflate(z)
	if raw[0] != 0xd2 {
		t.Fatal("go-cose did not tag the message")
	}
	for name, msg := range map[string][]byte{"untagged": raw[1:], "double tag 61+18": append([]byte{0xd8, 61}, raw...)} {
		zz, _ := deflate(msg)
		if _, err := v.Verify(DCCPrefix + base45Encode(zz)); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	// PS256 claimed for an EC key: algorithm confusion is refused.
	if _, err := v.Verify(craft(t, DCCPrefix, map[any]any{cose.HeaderLabelAlgorithm: cose.AlgorithmPS256, cose.HeaderLabelKeyID: kid}, nil, payload, signerFor(t, dsc.key))); failureOf(err) != checkpoint.FailUnsupportedAlgorithm {
		t.Errorf("PS256 header on an EC key: %v", err)
	}
	// SM2 is not a DCC algorithm.
	if _, err := v.Verify(craft(t, DCCPrefix, map[any]any{cose.HeaderLabelAlgorithm: cose.Algorithm(AlgSM2SM3), cose.HeaderLabelKeyID: kid}, nil, payload, nil)); failureOf(err) != checkpoint.FailUnsupportedAlgorithm {
		t.Errorf("SM2 on a DCC: %v", err)
	}
}
