package healthcode

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
	"github.com/veraison/go-cose"
)

// Conformance of the EU DCC rules (docs/healthcode-format.md section 8),
// one test per rule, against document signers made here.

var dscKeys sync.Map // name -> crypto.Signer

func dscKey(t testing.TB, name string) crypto.Signer {
	t.Helper()
	if k, ok := dscKeys.Load(name); ok {
		return k.(crypto.Signer)
	}
	var k crypto.Signer
	var err error
	switch name {
	case "P-384":
		k, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	case "P-521":
		k, err = ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
	case "RSA":
		k, err = rsa.GenerateKey(rand.Reader, 2048)
	default:
		k, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	}
	if err != nil {
		t.Fatal(err)
	}
	actual, _ := dscKeys.LoadOrStore(name, k)
	return actual.(crypto.Signer)
}

// newDSCAt makes a document signer certificate valid from..to.
func newDSCAt(t testing.TB, key crypto.Signer, from, to time.Time) *dscFixture {
	t.Helper()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{Country: []string{"DE"}, CommonName: "Test DSC"},
		NotBefore:    from, NotAfter: to,
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

// dccSign signs a Sig_structure as a DCC issuer with any key: ECDSA with
// SHA-256 on the key's curve (COSE ES256, r||s of the curve's size), or
// RSASSA-PSS with SHA-256 (PS256).
func dccSign(t testing.TB, key crypto.Signer) (int64, func([]byte) []byte) {
	if _, ok := key.Public().(*rsa.PublicKey); ok {
		return AlgPS256, func(tbs []byte) []byte {
			h := sha256.Sum256(tbs)
			sig, err := key.Sign(rand.Reader, h[:], &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: crypto.SHA256})
			if err != nil {
				t.Fatal(err)
			}
			return sig
		}
	}
	return AlgES256, func(tbs []byte) []byte {
		h := sha256.Sum256(tbs)
		der, err := key.Sign(rand.Reader, h[:], crypto.SHA256)
		if err != nil {
			t.Fatal(err)
		}
		raw, err := asn1ToRaw(der, curveBytes(key.Public().(*ecdsa.PublicKey).Curve))
		if err != nil {
			t.Fatal(err)
		}
		return raw
	}
}

func (d *dscFixture) dccTextAny(t testing.TB, dgcContent map[string]any, iat, exp time.Time) string {
	t.Helper()
	payload := marshalCBOR(t, map[int]any{1: "DE", 4: exp.Unix(), 6: iat.Unix(), -260: map[int]any{1: dgcContent}})
	alg, sign := dccSign(t, d.key)
	return craft(t, DCCPrefix, map[any]any{cose.HeaderLabelAlgorithm: cose.Algorithm(alg), cose.HeaderLabelKeyID: kidOf(d.der)}, nil, payload, sign)
}

func dccVerify(t testing.TB, trust *TrustList, text string, now time.Time, opts Options) (checkpoint.Code, error) {
	t.Helper()
	opts.CacheSize = -1
	return NewVerifier(trust, NewMemoryRevocations(), &fixedClock{t: now}, opts).Verify(text)
}

// Rule 7: the document signer's window is checked at verification time and
// exp may not outlive it.
func TestDCCSignerValidityAtVerification(t *testing.T) {
	key := dscKey(t, "P-256")
	vacc := vaccination(2, 2, "2026-01-01")
	for _, tc := range []struct {
		name     string
		from, to time.Time
		iat, exp time.Time
		want     checkpoint.Failure
	}{
		{"iat before the signer's notBefore, signer valid now", t0.AddDate(0, -1, 0), t0.AddDate(1, 0, 0), t0.AddDate(0, -2, 0), t0.AddDate(0, 6, 0), checkpoint.FailNone},
		{"signer expired since, although valid at iat", t0.AddDate(-1, 0, 0), t0.Add(-time.Hour), t0.AddDate(0, -2, 0), t0.Add(-2 * time.Hour), checkpoint.FailExpired},
		{"signer expired since, certificate exp still ahead", t0.AddDate(-1, 0, 0), t0.Add(-time.Hour), t0.AddDate(0, -2, 0), t0.AddDate(0, 1, 0), checkpoint.FailExpired},
		{"signer not yet valid now", t0.Add(time.Hour), t0.AddDate(1, 0, 0), t0.Add(-time.Minute), t0.AddDate(0, 1, 0), checkpoint.FailNotYetValid},
		{"exp one second after the signer's notAfter", t0.AddDate(-1, 0, 0), t0.AddDate(0, 6, 0), t0.AddDate(0, -1, 0), t0.AddDate(0, 6, 0).Add(time.Second), checkpoint.FailExpired},
		{"exp at the signer's notAfter", t0.AddDate(-1, 0, 0), t0.AddDate(0, 6, 0), t0.AddDate(0, -1, 0), t0.AddDate(0, 6, 0), checkpoint.FailNone},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dsc := newDSCAt(t, key, tc.from, tc.to)
			_, err := dccVerify(t, dsc.list, dsc.dccTextAny(t, vacc, tc.iat, tc.exp), t0, Options{})
			if got := failureOf(err); got != tc.want {
				t.Fatalf("got %v (%v), want %v", got, err, tc.want)
			}
		})
	}
}

func vaccinations(doses ...map[string]any) map[string]any {
	m := vaccination(1, 1, "2026-01-01")
	var vs []any
	for _, d := range doses {
		e := map[string]any{"tg": "840539006", "co": "DE", "is": "RKI", "ci": "URN:UVCI:01DE/IZ12345A/5CWLU12RNOB9RXSEOP6FG8#W", "mp": "EU/1/20/1528"}
		for k, v := range d {
			e[k] = v
		}
		vs = append(vs, e)
	}
	m["v"] = vs
	m["ver"] = "1.0.0"
	return m
}

// Rules 8 and 10: several entries of one type (the latest dose decides);
// boosters count at once, a completed primary series waits.
func TestDCCVaccinationEntries(t *testing.T) {
	dsc := newDSC(t)
	iat, exp := t0.AddDate(0, -1, 0), t0.AddDate(1, 0, 0)
	day := func(d int) string { return t0.AddDate(0, 0, d).Format("2006-01-02") }
	dose := func(dn, sd float64, d int, mp string) map[string]any {
		return map[string]any{"dn": dn, "sd": sd, "dt": day(d), "mp": mp}
	}
	for _, tc := range []struct {
		name    string
		dgc     map[string]any
		policy  DCCPolicy
		want    checkpoint.Failure
		noteHas string
	}{
		{"two entries, 1/2 then 2/2 (schema 1.0 national test certificate)", vaccinations(dose(1, 2, -60, "EU/1/20/1528"), dose(2, 2, -30, "EU/1/20/1528")), DCCPolicy{}, checkpoint.FailNone, "2/2"},
		{"two entries in reverse order", vaccinations(dose(2, 2, -30, "EU/1/20/1528"), dose(1, 2, -60, "EU/1/20/1528")), DCCPolicy{}, checkpoint.FailNone, "2/2"},
		{"two entries, the latest 2/2 only 3 days old", vaccinations(dose(1, 2, -60, "EU/1/20/1528"), dose(2, 2, -3, "EU/1/20/1528")), DCCPolicy{}, checkpoint.FailNotAccepted, ""},
		{"two entries, the latest a booster 3/2 of 3 days ago", vaccinations(dose(2, 2, -200, "EU/1/20/1528"), dose(3, 2, -3, "EU/1/20/1528")), DCCPolicy{}, checkpoint.FailNone, "booster"},
		{"booster 2/1 after a one-dose product, today", vaccinations(dose(2, 1, 0, "EU/1/20/1528")), DCCPolicy{}, checkpoint.FailNone, "booster"},
		{"completed primary series 2/2, 13 days ago", vaccinations(dose(2, 2, -13, "EU/1/20/1528")), DCCPolicy{}, checkpoint.FailNotAccepted, ""},
		{"completed primary series 2/2, 14 days ago", vaccinations(dose(2, 2, -14, "EU/1/20/1528")), DCCPolicy{}, checkpoint.FailNone, "2/2"},
		{"1/1 of a two-dose product, 3 days ago, one dose after recovery counts", vaccinations(dose(1, 1, -3, "EU/1/20/1528")), DCCPolicy{OneDoseAfterRecovery: true}, checkpoint.FailNone, "booster"},
		{"1/1 of a two-dose product, 3 days ago, policy off", vaccinations(dose(1, 1, -3, "EU/1/20/1528")), DCCPolicy{}, checkpoint.FailNotAccepted, ""},
		{"1/1 of the one-dose Janssen product, 3 days ago, policy on", vaccinations(dose(1, 1, -3, "EU/1/20/1525")), DCCPolicy{OneDoseAfterRecovery: true}, checkpoint.FailNotAccepted, ""},
		{"booster dated in the future", vaccinations(dose(3, 2, 2, "EU/1/20/1528")), DCCPolicy{}, checkpoint.FailNotAccepted, ""},
		{"vaccination and recovery entries mixed", func() map[string]any {
			m := vaccinations(dose(2, 2, -30, "EU/1/20/1528"))
			m["r"] = recovery(day(-10), day(100))["r"]
			return m
		}(), DCCPolicy{}, checkpoint.FailInvalidClaims, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, err := dccVerify(t, dsc.list, dsc.dccText(t, tc.dgc, iat, exp), t0, Options{DCC: tc.policy, Location: time.UTC})
			if got := failureOf(err); got != tc.want {
				t.Fatalf("got %v (%v), want %v", got, err, tc.want)
			}
			if err == nil && !strings.Contains(code.Note, tc.noteHas) {
				t.Fatalf("note %q, want it to mention %q", code.Note, tc.noteHas)
			}
		})
	}
	t.Run("every UVCI of the entries can be revoked", func(t *testing.T) {
		m := vaccinations(dose(1, 2, -60, "EU/1/20/1528"), dose(2, 2, -30, "EU/1/20/1528"))
		m["v"].([]any)[0].(map[string]any)["ci"] = "URN:UVCI:01DE/FIRST"
		text := dsc.dccText(t, m, iat, exp)
		v := NewVerifier(dsc.list, NewMemoryRevocations(checkpoint.HashForRevocation([]byte("URN:UVCI:01DE/FIRST"))), &fixedClock{t: t0}, Options{Location: time.UTC})
		if _, err := v.Verify(text); failureOf(err) != checkpoint.FailRevoked {
			t.Fatalf("revoked first-dose UVCI: %v", err)
		}
	})
}

// Rule 9: sample times without a zone are UTC; date-only fields are
// calendar days of the terminal's zone.
func TestDCCDatesAsIssuersWriteThem(t *testing.T) {
	dsc := newDSC(t)
	iat, exp := t0.AddDate(0, -1, 0), t0.AddDate(1, 0, 0)
	east := time.FixedZone("UTC+8", 8*3600)
	west := time.FixedZone("UTC-5", -5*3600)
	for _, tc := range []struct {
		name string
		dgc  map[string]any
		now  time.Time
		loc  *time.Location
		want checkpoint.Failure
	}{
		{"sample time without zone, 5 hours old", testEntry(testNegative, "2026-11-23T03:00:00"), t0, time.UTC, checkpoint.FailNone},
		{"sample time without zone, with microseconds", testEntry(testNegative, "2026-11-23T03:00:00.123456"), t0, time.UTC, checkpoint.FailNone},
		{"sample time without zone is UTC: 73 hours old", testEntry(testNegative, "2026-11-20T07:00:00"), t0, east, checkpoint.FailNotAccepted},
		{"sample time with a +0100 offset", testEntry(testNegative, "2026-11-23T04:00:00+0100"), t0, time.UTC, checkpoint.FailNone},
		{"sample time with fraction and offset", testEntry(testNegative, "2026-11-23T04:00:00.5+01:00"), t0, time.UTC, checkpoint.FailNone},
		// 2026-11-22T20:00Z is 04:00 on the 23rd at UTC+8: day 14 after
		// a dose on the 9th has begun there.
		{"east of UTC: the 14th day has begun locally", vaccination(2, 2, "2026-11-09"), time.Date(2026, 11, 22, 20, 0, 0, 0, time.UTC), east, checkpoint.FailNone},
		{"east of UTC: the day before", vaccination(2, 2, "2026-11-09"), time.Date(2026, 11, 22, 15, 0, 0, 0, time.UTC), east, checkpoint.FailNotAccepted},
		{"west of UTC: UTC has reached day 14, the terminal has not", vaccination(2, 2, "2026-11-09"), time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC), west, checkpoint.FailNotAccepted},
		{"west of UTC: recovery valid until the 22nd, still the 22nd locally", recovery("2026-06-01", "2026-11-22"), time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC), west, checkpoint.FailNone},
		{"west of UTC: recovery valid until the 22nd, the 23rd locally", recovery("2026-06-01", "2026-11-22"), time.Date(2026, 11, 23, 6, 0, 0, 0, time.UTC), west, checkpoint.FailNotAccepted},
		{"east of UTC: recovery valid until the 22nd, the 23rd locally", recovery("2026-06-01", "2026-11-22"), time.Date(2026, 11, 22, 17, 0, 0, 0, time.UTC), east, checkpoint.FailNotAccepted},
		{"east of UTC: recovery valid from the 23rd, the 23rd locally", recovery("2026-11-23", "2027-05-01"), time.Date(2026, 11, 22, 17, 0, 0, 0, time.UTC), east, checkpoint.FailNone},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := dccVerify(t, dsc.list, dsc.dccText(t, tc.dgc, iat, exp), tc.now, Options{Location: tc.loc})
			if got := failureOf(err); got != tc.want {
				t.Fatalf("got %v (%v), want %v", got, err, tc.want)
			}
		})
	}
}

// Rule 11: the SIGNATURE revocation hash is over r for ECDSA on every
// curve, over the whole signature for RSA.
func TestDCCSignatureRevocationEveryCurve(t *testing.T) {
	vacc := vaccination(2, 2, "2026-01-01")
	iat, exp := t0.AddDate(0, -1, 0), t0.AddDate(0, 6, 0)
	for _, tc := range []struct {
		key  string
		half bool
	}{{"P-256", true}, {"P-384", true}, {"P-521", true}, {"RSA", false}} {
		t.Run(tc.key, func(t *testing.T) {
			dsc := newDSCAt(t, dscKey(t, tc.key), t0.AddDate(-1, 0, 0), t0.AddDate(1, 0, 0))
			text := dsc.dccTextAny(t, vacc, iat, exp)
			if _, err := dccVerify(t, dsc.list, text, t0, Options{}); err != nil {
				t.Fatalf("not revoked: %v", err)
			}
			env, _, err := decodeEnvelope(text)
			if err != nil {
				t.Fatal(err)
			}
			sig := env.msg.Signature
			if tc.half {
				sig = sig[:len(sig)/2]
			}
			h := checkpoint.HashForRevocation(sig)
			hs, err := RevocationHashesOf(text)
			if err != nil || hs[len(hs)-1] != h {
				t.Fatalf("SIGNATURE hash %x, want %x (%v)", hs, h, err)
			}
			v := NewVerifier(dsc.list, NewMemoryRevocations(h), &fixedClock{t: t0}, Options{})
			if _, err := v.Verify(text); failureOf(err) != checkpoint.FailRevoked {
				t.Fatalf("revoked by signature hash: %v", err)
			}
		})
	}
}

// The CBOR rule of section 1 for DCCs: indefinite lengths are read in every
// layer (envelope and claims alike), longer heads too, and bytes after the
// zlib stream are refused as for HCN1.
func TestDCCCBORRule(t *testing.T) {
	dsc := newDSC(t)
	payload := marshalCBOR(t, map[int]any{1: "DE", 4: t0.AddDate(0, 6, 0).Unix(), 6: t0.AddDate(0, -1, 0).Unix(), -260: map[int]any{1: vaccination(2, 2, "2026-01-01")}})
	prot := protectedHeader(t, AlgES256, kidOf(dsc.der))
	indefClaims := append(append([]byte{0xbf}, payload[1:]...), 0xff)
	for _, tc := range []struct {
		name    string
		payload []byte
		shape   sign1Shape
		extra   []byte
		want    checkpoint.Failure
	}{
		{"indefinite-length COSE array", payload, sign1Shape{tags: []uint64{18}, indefArray: true}, nil, checkpoint.FailNone},
		{"indefinite-length claims map", indefClaims, sign1Shape{tags: []uint64{18}}, nil, checkpoint.FailNone},
		{"both, tags 61+18 in long heads", indefClaims, sign1Shape{tags: []uint64{61, 18}, tagWidth: 4, indefArray: true}, nil, checkpoint.FailNone},
		{"a byte after the zlib stream", payload, sign1Shape{tags: []uint64{18}}, []byte{0}, checkpoint.FailMalformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			z, err := deflate(handSign1(t, dsc.key, prot, tc.payload, tc.shape))
			if err != nil {
				t.Fatal(err)
			}
			text := DCCPrefix + base45Encode(append(z, tc.extra...))
			_, err = dccVerify(t, dsc.list, text, t0, Options{})
			if got := failureOf(err); got != tc.want {
				t.Fatalf("got %v (%v), want %v", got, err, tc.want)
			}
		})
	}
}
