package healthcode_test

// An independent issuer: codes built here from docs/healthcode-format.md
// alone (own CBOR writer, own Sig_structure, own zlib/Base45 wrapping, own
// keys and certificates), not with the package's encoder, each checked
// against the outcome the spec's rule table gives.

import (
	"bytes"
	"compress/zlib"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"math"
	"math/big"
	mrand "math/rand"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
	"github.com/checkpoint-terminal/checkpoint/healthcode"
	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/sm3"
	"github.com/fxamacker/cbor/v2"
	"github.com/veraison/go-cose"
)

// ---- a small CBOR writer with control over every head ----

// ih writes a head of major type mt with argument n, in the shortest form
// (w = 0) or with a 1, 2, 4 or 8 byte argument.
func ih(mt byte, n uint64, w int) []byte {
	mt <<= 5
	if w == 0 {
		switch {
		case n < 24:
			return []byte{mt | byte(n)}
		case n <= 0xff:
			w = 1
		case n <= 0xffff:
			w = 2
		case n <= 0xffffffff:
			w = 4
		default:
			w = 8
		}
	}
	b := []byte{mt | map[int]byte{1: 24, 2: 25, 4: 26, 8: 27}[w]}
	for i := w - 1; i >= 0; i-- {
		b = append(b, byte(n>>(8*i)))
	}
	return b
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
func iu(n uint64) []byte         { return ih(0, n, 0) }
func ineg(n int64) []byte        { return ih(1, uint64(-1-n), 0) } // n < 0
func iint(n int64) []byte {
	if n < 0 {
		return ineg(n)
	}
	return iu(uint64(n))
}
func ibs(b []byte) []byte               { return cat(ih(2, uint64(len(b)), 0), b) }
func its(s string) []byte               { return cat(ih(3, uint64(len(s)), 0), []byte(s)) }
func itag(n uint64, item []byte) []byte { return cat(ih(6, n, 0), item) }
func iarr(items ...[]byte) []byte {
	return cat(ih(4, uint64(len(items)), 0), cat(items...))
}

// kv is one map pair, already encoded.
type kv struct{ k, v []byte }

func imap(pairs ...kv) []byte {
	b := ih(5, uint64(len(pairs)), 0)
	for _, p := range pairs {
		b = append(b, p.k...)
		b = append(b, p.v...)
	}
	return b
}

func imapIndef(pairs ...kv) []byte {
	b := []byte{0xbf}
	for _, p := range pairs {
		b = append(b, p.k...)
		b = append(b, p.v...)
	}
	return append(b, 0xff)
}

func ifloat(f float64) []byte {
	b := []byte{0xfb}
	u := math.Float64bits(f)
	for i := 7; i >= 0; i-- {
		b = append(b, byte(u>>(8*i)))
	}
	return b
}

// ---- signing, wrapping ----

func sigStructure(protected, payload []byte) []byte {
	return iarr(its("Signature1"), ibs(protected), ibs(nil), ibs(payload))
}

// signES signs with ECDSA + SHA-256 on the key's curve (COSE ES256), r||s.
func signES(t *testing.T, key *ecdsa.PrivateKey, tbs []byte) []byte {
	h := sha256.Sum256(tbs)
	r, s, err := ecdsa.Sign(rand.Reader, key, h[:])
	if err != nil {
		t.Fatal(err)
	}
	n := (key.Curve.Params().BitSize + 7) / 8
	out := make([]byte, 2*n)
	r.FillBytes(out[:n])
	s.FillBytes(out[n:])
	return out
}

func signPS(t *testing.T, key *rsa.PrivateKey, tbs []byte) []byte {
	h := sha256.Sum256(tbs)
	sig, err := rsa.SignPSS(rand.Reader, key, crypto.SHA256, h[:], &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
	if err != nil {
		t.Fatal(err)
	}
	return sig
}

// sign1Parts are the pieces of a COSE_Sign1 an issuer chooses.
type sign1Parts struct {
	protected   []byte // content of the protected bstr
	unprotected []byte // encoded map; nil: {}
	payload     []byte
	sign        func(tbs []byte) []byte
	// wrap turns the encoded array into the message (tags); nil: tag 18.
	wrap func(arr []byte) []byte
	// arrHead replaces the array head (e.g. a long form); nil: 0x84.
	arrHead []byte
}

func (p sign1Parts) encode() []byte {
	un := p.unprotected
	if un == nil {
		un = imap()
	}
	sig := p.sign(sigStructure(p.protected, p.payload))
	head := p.arrHead
	if head == nil {
		head = []byte{0x84}
	}
	arr := cat(head, ibs(p.protected), un, ibs(p.payload), ibs(sig))
	if p.wrap == nil {
		return itag(18, arr)
	}
	return p.wrap(arr)
}

const b45chars = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"

func b45(b []byte) string {
	var sb strings.Builder
	for i := 0; i+1 < len(b); i += 2 {
		n := int(b[i])*256 + int(b[i+1])
		sb.WriteByte(b45chars[n%45])
		sb.WriteByte(b45chars[n/45%45])
		sb.WriteByte(b45chars[n/2025])
	}
	if len(b)%2 == 1 {
		n := int(b[len(b)-1])
		sb.WriteByte(b45chars[n%45])
		sb.WriteByte(b45chars[n/45])
	}
	return sb.String()
}

func zlibOf(t *testing.T, b []byte, level int) []byte {
	var buf bytes.Buffer
	w, err := zlib.NewWriterLevel(&buf, level)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

func wrapText(t *testing.T, prefix string, msg []byte) string {
	return prefix + b45(zlibOf(t, msg, zlib.DefaultCompression))
}

type clockAt time.Time

func (c clockAt) Now() time.Time { return time.Time(c) }

func failureOf(err error) checkpoint.Failure {
	var ve *checkpoint.VerifyError
	if errors.As(err, &ve) {
		return ve.Failure
	}
	if err != nil {
		return -1
	}
	return checkpoint.FailNone
}

// ---- HCN1 ----

var indNow = time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)

type hcnIssuer struct {
	key *ecdsa.PrivateKey
	kid []byte
}

func newHCNIssuer(t *testing.T) *hcnIssuer {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	s := sha256.Sum256(der)
	return &hcnIssuer{key: k, kid: s[:8]}
}

func (is *hcnIssuer) list(t *testing.T, from, to time.Time) *healthcode.TrustList {
	e, err := healthcode.NewKeyEntry(&is.key.PublicKey, "110000", "BJHC")
	if err != nil {
		t.Fatal(err)
	}
	e.ValidFrom, e.ValidTo = from, to
	l, err := healthcode.NewTrustList(e)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func (is *hcnIssuer) prot() []byte {
	return imap(kv{iu(1), ineg(-7)}, kv{iu(4), ibs(is.kid)})
}

// hcnClaims are the pairs of a valid claims set, in the order given, with
// the health-code map's pairs in hc.
func hcnClaimPairs(iat, exp time.Time, hc []kv) []kv {
	return []kv{
		{iu(1), its("110000:BJHC")},
		{iu(4), iu(uint64(exp.Unix()))},
		{iu(6), iu(uint64(iat.Unix()))},
		{iu(7), ibs([]byte("0123456789abcdef"))},
		{ineg(-65537), imap(hc...)},
	}
}

func greenHC() []kv {
	return []kv{{iu(1), iu(1)}, {iu(3), iu(1)}, {iu(4), its("张*")}, {iu(5), its("123X")}}
}

func (is *hcnIssuer) text(t *testing.T, prot, payload []byte) string {
	p := sign1Parts{protected: prot, payload: payload, sign: func(tbs []byte) []byte { return signES(t, is.key, tbs) }}
	return wrapText(t, healthcode.Prefix, p.encode())
}

func verifyHCN(t *testing.T, list *healthcode.TrustList, text string, now time.Time) (checkpoint.Code, error) {
	v := healthcode.NewVerifier(list, healthcode.NewMemoryRevocations(), clockAt(now), healthcode.Options{CacheSize: -1})
	return v.Verify(text)
}

func TestIndependentIssuerHCN1(t *testing.T) {
	is := newHCNIssuer(t)
	list := is.list(t, time.Time{}, time.Time{})
	iat, exp := indNow.Add(-time.Minute), indNow.Add(4*time.Minute)
	std := hcnClaimPairs(iat, exp, greenHC())
	payload := imap(std...)
	sign := func(tbs []byte) []byte { return signES(t, is.key, tbs) }

	// Every case is a (protected, payload, message) choice and an outcome.
	type tc struct {
		name string
		text string
		want checkpoint.Failure
	}
	var cases []tc
	add := func(name string, want checkpoint.Failure, text string) { cases = append(cases, tc{name, text, want}) }
	msg := func(p sign1Parts) string {
		if p.protected == nil {
			p.protected = is.prot()
		}
		if p.payload == nil {
			p.payload = payload
		}
		if p.sign == nil {
			p.sign = sign
		}
		return wrapText(t, healthcode.Prefix, p.encode())
	}
	withClaims := func(pairs ...kv) string { return msg(sign1Parts{payload: imap(pairs...)}) }
	withHC := func(hc ...kv) string { return withClaims(hcnClaimPairs(iat, exp, hc)...) }
	replace := func(pairs []kv, key []byte, v []byte) []kv {
		out := make([]kv, 0, len(pairs))
		for _, p := range pairs {
			if bytes.Equal(p.k, key) {
				if v == nil {
					continue
				}
				p.v = v
			}
			out = append(out, p)
		}
		return out
	}

	// go-cose as the signing library, the usual way.
	{
		s, err := cose.NewSigner(cose.AlgorithmES256, is.key)
		if err != nil {
			t.Fatal(err)
		}
		hdr := cose.Headers{Protected: cose.ProtectedHeader{cose.HeaderLabelAlgorithm: cose.AlgorithmES256, cose.HeaderLabelKeyID: is.kid}}
		m, err := cose.Sign1(rand.Reader, s, hdr, payload, nil)
		if err != nil {
			t.Fatal(err)
		}
		add("go-cose Sign1", checkpoint.FailNone, wrapText(t, healthcode.Prefix, m))
		// fxamacker's default (not deterministic) encoding of the claims.
		claims := map[any]any{1: "110000:BJHC", 4: exp.Unix(), 6: iat.Unix(), 7: []byte("0123456789abcdef"),
			-65537: map[int]any{1: 1, 3: 1, 4: "张*"}}
		p2, err := cbor.Marshal(claims)
		if err != nil {
			t.Fatal(err)
		}
		m, err = cose.Sign1(rand.Reader, s, hdr, p2, nil)
		if err != nil {
			t.Fatal(err)
		}
		add("fxamacker default encoding", checkpoint.FailNone, wrapText(t, healthcode.Prefix, m))
	}

	// Other encodings of the same values (section 1: accepted).
	add("own encoder, deterministic", checkpoint.FailNone, msg(sign1Parts{}))
	rev := make([]kv, len(std))
	for i := range std {
		rev[i] = std[len(std)-1-i]
	}
	add("claims keys in reverse order", checkpoint.FailNone, withClaims(rev...))
	add("claims map head and ints in long forms", checkpoint.FailNone, msg(sign1Parts{payload: cat(ih(5, 5, 8),
		ih(0, 1, 4), cat(ih(3, 11, 2), []byte("110000:BJHC")),
		ih(0, 4, 1), ih(0, uint64(exp.Unix()), 8),
		ih(0, 6, 2), ih(0, uint64(iat.Unix()), 8),
		ih(0, 7, 8), cat(ih(2, 16, 4), []byte("0123456789abcdef")),
		ineg(-65537), cat(ih(5, 2, 1), ih(0, 1, 1), ih(0, 1, 8), ih(0, 3, 2), ih(0, 1, 4)))}))
	add("protected header alg in a long form", checkpoint.FailNone, msg(sign1Parts{protected: imap(kv{ih(0, 4, 1), ibs(is.kid)}, kv{ih(0, 1, 8), ih(1, 6, 4)})}))
	add("tag 18 as d8 12, array head 98 04", checkpoint.FailNone, msg(sign1Parts{arrHead: ih(4, 4, 1), wrap: func(a []byte) []byte { return cat(ih(6, 18, 1), a) }}))
	add("untagged", checkpoint.FailNone, msg(sign1Parts{wrap: func(a []byte) []byte { return a }}))
	add("61 around 18, both long", checkpoint.FailNone, msg(sign1Parts{wrap: func(a []byte) []byte { return cat(ih(6, 61, 2), ih(6, 18, 4), a) }}))
	add("18 around 61", checkpoint.FailMalformed, msg(sign1Parts{wrap: func(a []byte) []byte { return itag(18, itag(61, a)) }}))
	add("61 around the untagged array", checkpoint.FailMalformed, msg(sign1Parts{wrap: func(a []byte) []byte { return itag(61, a) }}))
	add("tag 98 (COSE_Sign)", checkpoint.FailMalformed, msg(sign1Parts{wrap: func(a []byte) []byte { return itag(98, a) }}))
	add("unknown claims, nested", checkpoint.FailNone, withClaims(append(std, kv{iu(99), imap(kv{its("x"), iarr(ifloat(1.5), itag(1, iu(5)))})})...))
	add("level 0 zlib", checkpoint.FailNone, healthcode.Prefix+b45(zlibOf(t, itag(18, cat([]byte{0x84}, ibs(is.prot()), imap(), ibs(payload), ibs(sign(sigStructure(is.prot(), payload))))), zlib.NoCompression)))

	// What section 1 refuses.
	add("indefinite claims map", checkpoint.FailMalformed, msg(sign1Parts{payload: imapIndef(std...)}))
	add("indefinite health-code map", checkpoint.FailMalformed, withClaims(replace(std, ineg(-65537), imapIndef(greenHC()...))...))
	add("indefinite holder text", checkpoint.FailMalformed, withHC(kv{iu(1), iu(1)}, kv{iu(3), iu(1)}, kv{iu(4), cat([]byte{0x7f}, its("张"), its("*"), []byte{0xff})}))
	add("indefinite unknown array", checkpoint.FailMalformed, withClaims(append(std, kv{iu(99), []byte{0x9f, 0x01, 0xff}})...))
	add("indefinite protected map", checkpoint.FailMalformed, msg(sign1Parts{protected: imapIndef(kv{iu(1), ineg(-7)}, kv{iu(4), ibs(is.kid)})}))
	add("indefinite COSE array", checkpoint.FailMalformed, msg(sign1Parts{arrHead: []byte{0x9f}, wrap: func(a []byte) []byte { return itag(18, append(a, 0xff)) }}))
	add("duplicate iss", checkpoint.FailMalformed, withClaims(append(std, kv{iu(1), its("110000:BJHC")})...))
	add("duplicate iss, once in a long head", checkpoint.FailMalformed, withClaims(append(std, kv{ih(0, 1, 8), its("110000:BJHC")})...))
	add("duplicate kid in the protected header, once in a long head", checkpoint.FailMalformed, msg(sign1Parts{protected: imap(kv{iu(1), ineg(-7)}, kv{iu(4), ibs(is.kid)}, kv{ih(0, 4, 2), ibs(is.kid)})}))
	add("duplicate unknown claim", checkpoint.FailMalformed, withClaims(append(std, kv{iu(99), iu(1)}, kv{iu(99), iu(1)})...))
	add("duplicate key in the health-code map", checkpoint.FailMalformed, withHC(append(greenHC(), kv{iu(1), iu(1)})...))
	add("duplicate key in the protected header", checkpoint.FailMalformed, msg(sign1Parts{protected: imap(kv{iu(1), ineg(-7)}, kv{iu(4), ibs(is.kid)}, kv{iu(1), ineg(-7)})}))
	add("invalid UTF-8 in an unknown claim", checkpoint.FailMalformed, withClaims(append(std, kv{iu(99), cat(ih(3, 2, 0), []byte{0xc3, 0x28})})...))
	add("integer beyond int64 in an unknown claim", checkpoint.FailMalformed, withClaims(append(std, kv{iu(99), ih(0, math.MaxUint64, 8)})...))
	add("exp beyond int64", checkpoint.FailMalformed, withClaims(replace(std, iu(4), ih(0, math.MaxUint64, 8))...))
	add("nesting 17 deep", checkpoint.FailMalformed, withClaims(append(std, kv{iu(99), cat(bytes.Repeat([]byte{0x81}, 17), iu(0))})...))
	add("bytes after the claims map", checkpoint.FailMalformed, msg(sign1Parts{payload: append(imap(std...), 0x00)}))
	add("bytes after the COSE message", checkpoint.FailMalformed, wrapText(t, healthcode.Prefix, append(itag(18, cat([]byte{0x84}, ibs(is.prot()), imap(), ibs(payload), ibs(sign(sigStructure(is.prot(), payload))))), 0xf6)))
	{
		good := itag(18, cat([]byte{0x84}, ibs(is.prot()), imap(), ibs(payload), ibs(sign(sigStructure(is.prot(), payload)))))
		z := zlibOf(t, good, 9)
		add("bytes after the Adler-32", checkpoint.FailMalformed, healthcode.Prefix+b45(append(z, 0x00)))
		add("a second zlib stream", checkpoint.FailMalformed, healthcode.Prefix+b45(append(z, zlibOf(t, []byte{1}, 9)...)))
		add("bad Adler-32", checkpoint.FailMalformed, healthcode.Prefix+b45(append(z[:len(z)-1], z[len(z)-1]^1)))
	}

	// Text and Base45 (rules 1-3).
	good := msg(sign1Parts{})
	add("lower-case Base45", checkpoint.FailMalformed, healthcode.Prefix+strings.ToLower(good[len(healthcode.Prefix):]))
	add("Base45 triple above 65535", checkpoint.FailMalformed, good+":::")
	add("Base45 pair above 255", checkpoint.FailMalformed, good[:len(good)-len(good[len(healthcode.Prefix):])%3]+"::")
	add("Base45 length 1 mod 3", checkpoint.FailMalformed, good+"0")
	add("trailing CR LF", checkpoint.FailNone, good+"\r\n")
	add("trailing space", checkpoint.FailMalformed, good+" ")
	add("lower-case prefix", checkpoint.FailUnknownFormat, "hcn1:"+good[len(healthcode.Prefix):])
	add("text above 8 KiB", checkpoint.FailMalformed, good+strings.Repeat("0", 8<<10))

	// Headers (rules 7-9).
	add("empty protected header, alg and kid unprotected", checkpoint.FailUnsupportedAlgorithm, msg(sign1Parts{protected: []byte{}, unprotected: imap(kv{iu(1), ineg(-7)}, kv{iu(4), ibs(is.kid)})}))
	add("empty protected map, alg and kid unprotected", checkpoint.FailUnsupportedAlgorithm, msg(sign1Parts{protected: imap(), unprotected: imap(kv{iu(1), ineg(-7)}, kv{iu(4), ibs(is.kid)})}))
	add("kid only unprotected", checkpoint.FailUnknownIssuer, msg(sign1Parts{protected: imap(kv{iu(1), ineg(-7)}), unprotected: imap(kv{iu(4), ibs(is.kid)})}))
	add("unprotected alg and kid ignored", checkpoint.FailNone, msg(sign1Parts{unprotected: imap(kv{iu(1), ineg(-35)}, kv{iu(4), ibs([]byte("other"))})}))
	add("kid as text", checkpoint.FailMalformed, msg(sign1Parts{protected: imap(kv{iu(1), ineg(-7)}, kv{iu(4), its("db866d55")})}))
	add("alg ES384 and kid as text (rule 7 before 9)", checkpoint.FailUnsupportedAlgorithm, msg(sign1Parts{protected: imap(kv{iu(1), ineg(-35)}, kv{iu(4), its("db866d55")})}))
	add("alg ES384", checkpoint.FailUnsupportedAlgorithm, msg(sign1Parts{protected: imap(kv{iu(1), ineg(-35)}, kv{iu(4), ibs(is.kid)})}))
	add("alg PS256", checkpoint.FailUnsupportedAlgorithm, msg(sign1Parts{protected: imap(kv{iu(1), ineg(-37)}, kv{iu(4), ibs(is.kid)})}))
	add("alg SM2-SM3 for a P-256 key", checkpoint.FailUnsupportedAlgorithm, msg(sign1Parts{protected: imap(kv{iu(1), ineg(-65537)}, kv{iu(4), ibs(is.kid)})}))
	add("alg as text", checkpoint.FailUnsupportedAlgorithm, msg(sign1Parts{protected: imap(kv{iu(1), its("ES256")}, kv{iu(4), ibs(is.kid)})}))
	add("protected header an array", checkpoint.FailMalformed, msg(sign1Parts{protected: iarr(iu(1))}))
	add("unknown kid", checkpoint.FailUnknownIssuer, msg(sign1Parts{protected: imap(kv{iu(1), ineg(-7)}, kv{iu(4), ibs([]byte("12345678"))})}))
	add("signature over another payload", checkpoint.FailBadSignature, msg(sign1Parts{sign: func([]byte) []byte { return sign(sigStructure(is.prot(), imap())) }}))

	// Claims (rule 13), each from an otherwise valid code.
	add("iat a float", checkpoint.FailInvalidClaims, withClaims(replace(std, iu(6), ifloat(float64(iat.Unix())))...))
	add("exp a float", checkpoint.FailInvalidClaims, withClaims(replace(std, iu(4), ifloat(float64(exp.Unix())))...))
	add("iat negative", checkpoint.FailInvalidClaims, withClaims(replace(std, iu(6), ineg(-5))...))
	add("iat with tag 1", checkpoint.FailInvalidClaims, withClaims(replace(std, iu(6), itag(1, iu(uint64(iat.Unix()))))...))
	add("exp equal to iat", checkpoint.FailInvalidClaims, withClaims(replace(std, iu(4), iu(uint64(iat.Unix())))...))
	add("exp before iat", checkpoint.FailInvalidClaims, withClaims(replace(std, iu(4), iu(uint64(iat.Unix()-1)))...))
	add("no iat", checkpoint.FailInvalidClaims, withClaims(replace(std, iu(6), nil)...))
	add("no cti", checkpoint.FailInvalidClaims, withClaims(replace(std, iu(7), nil)...))
	add("cti of 7 bytes", checkpoint.FailInvalidClaims, withClaims(replace(std, iu(7), ibs([]byte("1234567")))...))
	add("cti of 33 bytes", checkpoint.FailInvalidClaims, withClaims(replace(std, iu(7), ibs(bytes.Repeat([]byte{1}, 33)))...))
	add("cti as text", checkpoint.FailInvalidClaims, withClaims(replace(std, iu(7), its("0123456789abcdef"))...))
	add("iss division 000000", checkpoint.FailInvalidClaims, withClaims(replace(std, iu(1), its("000000:BJHC"))...))
	add("iss without issuer id", checkpoint.FailInvalidClaims, withClaims(replace(std, iu(1), its("110000:"))...))
	add("iss of another issuer", checkpoint.FailUnknownIssuer, withClaims(replace(std, iu(1), its("440300:SZHC"))...))
	add("no health-code map", checkpoint.FailInvalidClaims, withClaims(replace(std, ineg(-65537), nil)...))
	add("colour 0", checkpoint.FailInvalidClaims, withHC(kv{iu(1), iu(0)}, kv{iu(3), iu(1)}))
	add("colour 4", checkpoint.FailInvalidClaims, withHC(kv{iu(1), iu(4)}, kv{iu(3), iu(1)}))
	add("no colour", checkpoint.FailInvalidClaims, withHC(kv{iu(3), iu(1)}))
	add("kind 3", checkpoint.FailInvalidClaims, withHC(kv{iu(1), iu(1)}, kv{iu(3), iu(3)}))
	add("colour as text", checkpoint.FailInvalidClaims, withHC(kv{iu(1), its("green")}, kv{iu(3), iu(1)}))
	add("holder of 17 characters", checkpoint.FailInvalidClaims, withHC(kv{iu(1), iu(1)}, kv{iu(3), iu(1)}, kv{iu(4), its("欧阳" + strings.Repeat("*", 15))}))
	add("holder of 16 characters", checkpoint.FailNone, withHC(kv{iu(1), iu(1)}, kv{iu(3), iu(1)}, kv{iu(4), its("欧阳" + strings.Repeat("*", 14))}))
	add("holder unmasked", checkpoint.FailInvalidClaims, withHC(kv{iu(1), iu(1)}, kv{iu(3), iu(1)}, kv{iu(4), its("张三")}))
	add("holder as a number", checkpoint.FailInvalidClaims, withHC(kv{iu(1), iu(1)}, kv{iu(3), iu(1)}, kv{iu(4), iu(7)}))
	add("ID part of 5", checkpoint.FailInvalidClaims, withHC(kv{iu(1), iu(1)}, kv{iu(3), iu(1)}, kv{iu(5), its("0123X")}))
	add("full ID number", checkpoint.FailInvalidClaims, withHC(kv{iu(1), iu(1)}, kv{iu(3), iu(1)}, kv{iu(5), its("11010519491231002X")}))
	add("relation of 33 bytes", checkpoint.FailInvalidClaims, withHC(kv{iu(1), iu(1)}, kv{iu(3), iu(2)}, kv{iu(7), []byte{0xf5}}, kv{iu(8), its(strings.Repeat("m", 33))}))
	add("relation of 32 bytes", checkpoint.FailNone, withHC(kv{iu(1), iu(1)}, kv{iu(3), iu(2)}, kv{iu(7), []byte{0xf5}}, kv{iu(8), its(strings.Repeat("m", 32))}))
	add("empty relation without proxy", checkpoint.FailInvalidClaims, withHC(kv{iu(1), iu(1)}, kv{iu(3), iu(2)}, kv{iu(8), its("")}))
	add("relation with proxy false", checkpoint.FailInvalidClaims, withHC(kv{iu(1), iu(1)}, kv{iu(3), iu(2)}, kv{iu(7), []byte{0xf4}}, kv{iu(8), its("mother")}))
	add("proxy without relation", checkpoint.FailInvalidClaims, withHC(kv{iu(1), iu(1)}, kv{iu(3), iu(2)}, kv{iu(7), []byte{0xf5}}))
	add("proxy as 1", checkpoint.FailInvalidClaims, withHC(kv{iu(1), iu(1)}, kv{iu(3), iu(2)}, kv{iu(7), iu(1)}, kv{iu(8), its("mother")}))
	add("colour since a float", checkpoint.FailInvalidClaims, withHC(kv{iu(1), iu(1)}, kv{iu(2), ifloat(1e9)}, kv{iu(3), iu(1)}))
	add("birth year 10000", checkpoint.FailInvalidClaims, withHC(kv{iu(1), iu(1)}, kv{iu(3), iu(1)}, kv{iu(6), iu(10000)}))
	// Revision 1.1 facts.
	add("test sampled before iat", checkpoint.FailNone, withHC(kv{iu(1), iu(1)}, kv{iu(3), iu(1)}, kv{iu(9), imap(kv{iu(1), iu(uint64(iat.Unix() - 3600))}, kv{iu(2), iu(1)}, kv{iu(3), iu(1)})}))
	add("test sampled after iat", checkpoint.FailInvalidClaims, withHC(kv{iu(1), iu(1)}, kv{iu(3), iu(1)}, kv{iu(9), imap(kv{iu(1), iu(uint64(iat.Unix() + 30))}, kv{iu(2), iu(1)}, kv{iu(3), iu(1)})}))
	add("test without a type", checkpoint.FailInvalidClaims, withHC(kv{iu(1), iu(1)}, kv{iu(3), iu(1)}, kv{iu(9), imap(kv{iu(1), iu(uint64(iat.Unix() - 3600))}, kv{iu(2), iu(1)})}))
	add("test sampling time a float", checkpoint.FailInvalidClaims, withHC(kv{iu(1), iu(1)}, kv{iu(3), iu(1)}, kv{iu(9), imap(kv{iu(1), ifloat(float64(iat.Unix() - 3600))}, kv{iu(2), iu(1)}, kv{iu(3), iu(1)})}))
	day := uint64(iat.Truncate(24 * time.Hour).Unix())
	add("vaccination 3 of 2", checkpoint.FailNone, withHC(kv{iu(1), iu(1)}, kv{iu(3), iu(1)}, kv{iu(10), imap(kv{iu(1), iu(3)}, kv{iu(2), iu(day - 86400*40)}, kv{iu(3), iu(2)})}))
	add("vaccination last dose after iat", checkpoint.FailInvalidClaims, withHC(kv{iu(1), iu(1)}, kv{iu(3), iu(1)}, kv{iu(10), imap(kv{iu(1), iu(3)}, kv{iu(2), iu(day + 86400)}, kv{iu(3), iu(2)})}))
	add("vaccination 21 doses", checkpoint.FailInvalidClaims, withHC(kv{iu(1), iu(1)}, kv{iu(3), iu(1)}, kv{iu(10), imap(kv{iu(1), iu(21)}, kv{iu(2), iu(day - 86400)})}))
	add("vaccination doses without a date", checkpoint.FailInvalidClaims, withHC(kv{iu(1), iu(1)}, kv{iu(3), iu(1)}, kv{iu(10), imap(kv{iu(1), iu(2)})}))
	add("vaccination 0 doses with a date", checkpoint.FailInvalidClaims, withHC(kv{iu(1), iu(1)}, kv{iu(3), iu(1)}, kv{iu(10), imap(kv{iu(1), iu(0)}, kv{iu(2), iu(day - 86400)})}))

	// Times (rules 15-17).
	add("expired beyond the skew", checkpoint.FailExpired, withClaims(hcnClaimPairs(indNow.Add(-10*time.Minute), indNow.Add(-3*time.Minute), greenHC())...))
	add("expired within the skew", checkpoint.FailNone, withClaims(hcnClaimPairs(indNow.Add(-10*time.Minute), indNow.Add(-time.Minute), greenHC())...))
	add("issued in the future beyond the skew", checkpoint.FailNotYetValid, withClaims(hcnClaimPairs(indNow.Add(3*time.Minute), indNow.Add(8*time.Minute), greenHC())...))

	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, err := verifyHCN(t, list, c.text, indNow)
			if got := failureOf(err); got != c.want {
				t.Errorf("got %v (%v), want %v", got, err, c.want)
			}
			if err == nil && (code.Issuer != "110000:BJHC" || code.Color != checkpoint.ColorGreen) {
				t.Errorf("code %+v", code)
			}
		})
	}

	t.Run("key windows", func(t *testing.T) {
		text := withClaims(std...)
		for _, w := range []struct {
			name     string
			from, to time.Time
			want     checkpoint.Failure
		}{
			{"iat one second before the window opened (now inside)", iat.Add(time.Second), time.Time{}, checkpoint.FailInvalidClaims},
			{"iat at the window's opening", iat, time.Time{}, checkpoint.FailNone},
			{"window opens after now beyond the skew", indNow.Add(3 * time.Minute), time.Time{}, checkpoint.FailNotYetValid},
			{"window closed before now beyond the skew", time.Time{}, indNow.Add(-3 * time.Minute), checkpoint.FailExpired},
			{"window closed within the skew, after iat", time.Time{}, indNow.Add(-30 * time.Second), checkpoint.FailNone},
		} {
			_, err := verifyHCN(t, is.list(t, w.from, w.to), text, indNow)
			if got := failureOf(err); got != w.want {
				t.Errorf("%s: got %v (%v), want %v", w.name, got, err, w.want)
			}
		}
	})
	t.Run("revoked", func(t *testing.T) {
		v := healthcode.NewVerifier(list, healthcode.NewMemoryRevocations(checkpoint.HashForRevocation([]byte("0123456789abcdef"))), clockAt(indNow), healthcode.Options{})
		for i := 0; i < 2; i++ { // verified, then from the cache
			if _, err := v.Verify(withClaims(rev...)); failureOf(err) != checkpoint.FailRevoked {
				t.Fatalf("use %d: %v, want revoked", i, err)
			}
		}
	})
}

// ---- trust lists from another signer's tooling ----

func TestIndependentTrustListEntries(t *testing.T) {
	root, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	is := newHCNIssuer(t)
	spki, _ := x509.MarshalPKIXPublicKey(&is.key.PublicKey)
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	spki384, _ := x509.MarshalPKIXPublicKey(&p384.PublicKey)
	list := func(entries ...[]byte) []byte {
		payload := imap(kv{iu(0), its("checkpoint-trustlist-v1")}, kv{iu(1), iu(3)},
			kv{iu(2), iint(indNow.Add(-time.Hour).Unix())}, kv{iu(3), iint(indNow.Add(time.Hour).Unix())},
			kv{iu(4), iarr(entries...)})
		signed, err := healthcode.SignDocument(payload, root)
		if err != nil {
			t.Fatal(err)
		}
		return signed
	}
	for _, c := range []struct {
		name  string
		entry []byte
		ok    bool
	}{
		{"complete HC entry", imap(kv{iu(2), its("HC")}, kv{iu(3), its("110000:BJHC")}, kv{iu(6), ibs(spki)}), true},
		{"HC entry without an issuer", imap(kv{iu(2), its("HC")}, kv{iu(6), ibs(spki)}), false},
		{"HC entry with an empty issuer", imap(kv{iu(2), its("HC")}, kv{iu(3), its("")}, kv{iu(6), ibs(spki)}), false},
		{"HC entry with an issuer id only", imap(kv{iu(2), its("HC")}, kv{iu(3), its("BJHC")}, kv{iu(6), ibs(spki)}), false},
		{"HC entry with another region", imap(kv{iu(2), its("HC")}, kv{iu(3), its("110000:BJHC")}, kv{iu(4), its("440300")}, kv{iu(6), ibs(spki)}), false},
		{"entry without a format", imap(kv{iu(3), its("110000:BJHC")}, kv{iu(6), ibs(spki)}), false},
		{"entry with format hc", imap(kv{iu(2), its("hc")}, kv{iu(3), its("110000:BJHC")}, kv{iu(6), ibs(spki)}), false},
		{"entry without a key", imap(kv{iu(2), its("HC")}, kv{iu(3), its("110000:BJHC")}), false},
		{"HC entry with a P-384 key", imap(kv{iu(2), its("HC")}, kv{iu(3), its("110000:BJHC")}, kv{iu(6), ibs(spki384)}), false},
		{"DCC entry with a P-384 key, no issuer", imap(kv{iu(2), its("DCC")}, kv{iu(6), ibs(spki384)}), true},
		{"HC entry with an alg that does not fit", imap(kv{iu(2), its("HC")}, kv{iu(3), its("110000:BJHC")}, kv{iu(5), ineg(-37)}, kv{iu(6), ibs(spki)}), false},
		{"HC entry with an unknown kind", imap(kv{iu(2), its("HC")}, kv{iu(3), its("110000:BJHC")}, kv{iu(6), ibs(spki)}, kv{iu(10), iarr(its("sticker"))}), false},
		{"HC entry valid to before from", imap(kv{iu(2), its("HC")}, kv{iu(3), its("110000:BJHC")}, kv{iu(6), ibs(spki)}, kv{iu(8), iu(2000)}, kv{iu(9), iu(1000)}), false},
		{"HC entry with a duplicate key", imap(kv{iu(2), its("HC")}, kv{iu(3), its("110000:BJHC")}, kv{iu(3), its("440300:SZHC")}, kv{iu(6), ibs(spki)}), false},
	} {
		_, err := healthcode.ParseTrustList(list(c.entry), []crypto.PublicKey{&root.PublicKey}, indNow)
		if (err == nil) != c.ok {
			t.Errorf("%s: err %v, want ok=%v", c.name, err, c.ok)
		}
	}
	// A key of our format signs for exactly one issuer (section 6): the
	// same key listed for two issuers is refused whatever the order, or
	// which entry verified a code would decide whose code it is. The same
	// key twice for one issuer (two windows) is a rotation, and fine.
	bj := imap(kv{iu(2), its("HC")}, kv{iu(3), its("110000:BJHC")}, kv{iu(6), ibs(spki)}, kv{iu(9), iu(uint64(indNow.Unix()))})
	bj2 := imap(kv{iu(2), its("HC")}, kv{iu(3), its("110000:BJHC")}, kv{iu(6), ibs(spki)}, kv{iu(8), iu(uint64(indNow.Unix()))})
	sz := imap(kv{iu(2), its("HC")}, kv{iu(3), its("440300:SZHC")}, kv{iu(4), its("440300")}, kv{iu(6), ibs(spki)})
	for _, c := range []struct {
		name    string
		entries [][]byte
		ok      bool
	}{
		{"one key, two issuers", [][]byte{bj, sz}, false},
		{"one key, two issuers, other order", [][]byte{sz, bj}, false},
		{"one key, one issuer, two windows", [][]byte{bj, bj2}, true},
	} {
		_, err := healthcode.ParseTrustList(list(c.entries...), []crypto.PublicKey{&root.PublicKey}, indNow)
		if (err == nil) != c.ok {
			t.Errorf("%s: err %v, want ok=%v", c.name, err, c.ok)
		}
	}
	e1, _ := healthcode.NewKeyEntry(&is.key.PublicKey, "110000", "BJHC")
	e2, _ := healthcode.NewKeyEntry(&is.key.PublicKey, "440300", "SZHC")
	if _, err := healthcode.SignTrustList(healthcode.TrustListDoc{Version: 1, IssuedAt: indNow, ExpiresAt: indNow.Add(time.Hour), Entries: []healthcode.TrustListEntry{e1, e2}}, root); err == nil {
		t.Error("SignTrustList signed one key for two issuers")
	}
	if _, err := healthcode.NewTrustList(e2, e1); err == nil {
		t.Error("NewTrustList took one key for two issuers")
	}
}

// ---- EU DCC ----

type dccSigner struct {
	key  crypto.Signer
	der  []byte
	list *healthcode.TrustList
}

var dccKeys = map[string]crypto.Signer{}

func dccKeyFor(t *testing.T, curve string) crypto.Signer {
	if k, ok := dccKeys[curve]; ok {
		return k
	}
	var k crypto.Signer
	var err error
	switch curve {
	case "P-256":
		k, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case "P-384":
		k, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	case "P-521":
		k, err = ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
	case "RSA":
		k, err = rsa.GenerateKey(rand.Reader, 2048)
	}
	if err != nil {
		t.Fatal(err)
	}
	dccKeys[curve] = k
	return k
}

func newDCCSigner(t *testing.T, curve string, from, to time.Time, eku ...asn1.ObjectIdentifier) *dccSigner {
	key := dccKeyFor(t, curve)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{Country: []string{"AT"}, CommonName: "DSC"},
		NotBefore: from, NotAfter: to, UnknownExtKeyUsage: eku}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	e, err := healthcode.NewCertificateEntry(der, "")
	if err != nil {
		t.Fatal(err)
	}
	l, err := healthcode.NewTrustList(e)
	if err != nil {
		t.Fatal(err)
	}
	return &dccSigner{key: key, der: der, list: l}
}

func (d *dccSigner) kid() []byte { s := sha256.Sum256(d.der); return s[:8] }

func (d *dccSigner) sign(t *testing.T, tbs []byte) []byte {
	switch k := d.key.(type) {
	case *ecdsa.PrivateKey:
		return signES(t, k, tbs)
	case *rsa.PrivateKey:
		return signPS(t, k, tbs)
	}
	t.Fatal("key")
	return nil
}

func (d *dccSigner) alg() int64 {
	if _, ok := d.key.(*rsa.PrivateKey); ok {
		return -37
	}
	return -7
}

// dccOpts are an issuer's choices for one DCC.
type dccOpts struct {
	iat, exp   []byte // encoded NumericDates; nil: iat = now-1d, exp = now+1y
	dgc        []byte // encoded eu_dgc_v1
	indefinite bool
	protected  []byte
	unprot     []byte
}

func (d *dccSigner) text(t *testing.T, o dccOpts) (string, []byte) {
	if o.iat == nil {
		o.iat = iu(uint64(indNow.AddDate(0, 0, -1).Unix()))
	}
	if o.exp == nil {
		o.exp = iu(uint64(indNow.AddDate(0, 6, 0).Unix()))
	}
	m := imap
	if o.indefinite {
		m = imapIndef
	}
	payload := m(kv{iu(1), its("AT")}, kv{iu(4), o.exp}, kv{iu(6), o.iat}, kv{ineg(-260), m(kv{iu(1), o.dgc})})
	prot := o.protected
	if prot == nil {
		prot = imap(kv{iu(1), iint(d.alg())}, kv{iu(4), ibs(d.kid())})
	}
	var sig []byte
	p := sign1Parts{protected: prot, unprotected: o.unprot, payload: payload, sign: func(tbs []byte) []byte { sig = d.sign(t, tbs); return sig }}
	return wrapText(t, healthcode.DCCPrefix, p.encode()), sig
}

func dgcMap(indef bool, kind string, entries ...[]byte) []byte {
	m, a := imap, iarr
	if indef {
		m = imapIndef
		a = func(items ...[]byte) []byte { return cat([]byte{0x9f}, cat(items...), []byte{0xff}) }
	}
	return m(kv{its("ver"), its("1.3.0")}, kv{its("nam"), m(kv{its("fn"), its("Musterfrau")}, kv{its("fnt"), its("MUSTERFRAU")})},
		kv{its("dob"), its("1990-01-01")}, kv{its(kind), a(entries...)})
}

func vEntry(dn, sd int, dt, mp, ci string) []byte {
	return imap(kv{its("tg"), its("840539006")}, kv{its("vp"), its("1119349007")}, kv{its("mp"), its(mp)},
		kv{its("ma"), its("ORG-100030215")}, kv{its("dn"), iu(uint64(dn))}, kv{its("sd"), iu(uint64(sd))},
		kv{its("dt"), its(dt)}, kv{its("co"), its("AT")}, kv{its("is"), its("BMSGPK")}, kv{its("ci"), its(ci)})
}

func tEntry(sc, tr string) []byte {
	return imap(kv{its("tg"), its("840539006")}, kv{its("tt"), its("LP6464-4")}, kv{its("sc"), its(sc)},
		kv{its("tr"), its(tr)}, kv{its("tc"), its("Lab")}, kv{its("co"), its("AT")}, kv{its("is"), its("BMSGPK")}, kv{its("ci"), its("URN:UVCI:01:AT:T1")})
}

func rEntry(fr, df, du string) []byte {
	return imap(kv{its("tg"), its("840539006")}, kv{its("fr"), its(fr)}, kv{its("df"), its(df)}, kv{its("du"), its(du)},
		kv{its("co"), its("AT")}, kv{its("is"), its("BMSGPK")}, kv{its("ci"), its("URN:UVCI:01:AT:R1")})
}

func TestIndependentIssuerDCC(t *testing.T) {
	year := func(d int) (time.Time, time.Time) { return indNow.AddDate(-1, 0, 0), indNow.AddDate(d, 0, 0) }
	from, to := year(2)
	p256 := newDCCSigner(t, "P-256", from, to)
	day := func(d int) string { return indNow.AddDate(0, 0, d).Format("2006-01-02") }
	comirnaty := "EU/1/20/1528"
	vacc := func(es ...[]byte) []byte { return dgcMap(false, "v", es...) }
	shanghai, _ := time.LoadLocation("Asia/Shanghai")
	ny, _ := time.LoadLocation("America/New_York")

	type tc struct {
		name   string
		signer *dccSigner
		o      dccOpts
		now    time.Time
		pol    healthcode.DCCPolicy
		loc    *time.Location
		want   checkpoint.Failure
	}
	cases := []tc{
		{name: "2/2 40 days ago", o: dccOpts{dgc: vacc(vEntry(2, 2, day(-40), comirnaty, "A"))}},
		{name: "indefinite lengths everywhere", o: dccOpts{dgc: dgcMap(true, "v", vEntry(2, 2, day(-40), comirnaty, "A")), indefinite: true}},
		{name: "float iat and exp", o: dccOpts{iat: ifloat(float64(indNow.AddDate(0, 0, -1).Unix()) + 0.5), exp: ifloat(float64(indNow.AddDate(0, 1, 0).Unix())), dgc: vacc(vEntry(2, 2, day(-40), comirnaty, "A"))}},
		{name: "no exp", o: dccOpts{exp: []byte{}, dgc: vacc(vEntry(2, 2, day(-40), comirnaty, "A"))}, want: checkpoint.FailMalformed},
		{name: "kid and alg unprotected", o: dccOpts{protected: []byte{}, unprot: imap(kv{iu(1), ineg(-7)}, kv{iu(4), ibs(p256.kid())}), dgc: vacc(vEntry(2, 2, day(-40), comirnaty, "A"))}},
		{name: "P-384 signer", signer: newDCCSigner(t, "P-384", from, to), o: dccOpts{dgc: vacc(vEntry(2, 2, day(-40), comirnaty, "A"))}},
		{name: "P-521 signer", signer: newDCCSigner(t, "P-521", from, to), o: dccOpts{dgc: vacc(vEntry(2, 2, day(-40), comirnaty, "A"))}},
		{name: "RSA signer", signer: newDCCSigner(t, "RSA", from, to), o: dccOpts{dgc: vacc(vEntry(2, 2, day(-40), comirnaty, "A"))}},
		// Several entries.
		{name: "two entries, latest 2/2 complete", o: dccOpts{dgc: vacc(vEntry(2, 2, day(-40), comirnaty, "B"), vEntry(1, 2, day(-80), comirnaty, "A"))}},
		{name: "two entries, latest 2/2 not yet 14 days", o: dccOpts{dgc: vacc(vEntry(1, 2, day(-80), comirnaty, "A"), vEntry(2, 2, day(-3), comirnaty, "B"))}, want: checkpoint.FailNotAccepted},
		{name: "three entries, booster 3/3 after 2/2", o: dccOpts{dgc: vacc(vEntry(1, 2, day(-300), comirnaty, "A"), vEntry(3, 3, day(-2), comirnaty, "C"), vEntry(2, 2, day(-250), comirnaty, "B"))}, want: checkpoint.FailNotAccepted},
		{name: "mixed vaccination and test", o: dccOpts{dgc: dgcMap(false, "v", vEntry(2, 2, day(-40), comirnaty, "A"))[:0]}, want: -2},
		// Boosters.
		{name: "3/2 yesterday", o: dccOpts{dgc: vacc(vEntry(3, 2, day(-1), comirnaty, "A"))}},
		{name: "3/2 today", o: dccOpts{dgc: vacc(vEntry(3, 2, day(0), comirnaty, "A"))}},
		{name: "3/2 tomorrow", o: dccOpts{dgc: vacc(vEntry(3, 2, day(1), comirnaty, "A"))}, want: checkpoint.FailNotAccepted},
		{name: "2/1 yesterday", o: dccOpts{dgc: vacc(vEntry(2, 1, day(-1), "EU/1/20/1525", "A"))}},
		{name: "2/2 yesterday", o: dccOpts{dgc: vacc(vEntry(2, 2, day(-1), comirnaty, "A"))}, want: checkpoint.FailNotAccepted},
		{name: "1/2", o: dccOpts{dgc: vacc(vEntry(1, 2, day(-100), comirnaty, "A"))}, want: checkpoint.FailNotAccepted},
		{name: "1/1 comirnaty yesterday, default", o: dccOpts{dgc: vacc(vEntry(1, 1, day(-1), comirnaty, "A"))}, want: checkpoint.FailNotAccepted},
		{name: "1/1 comirnaty yesterday, after recovery", o: dccOpts{dgc: vacc(vEntry(1, 1, day(-1), comirnaty, "A"))}, pol: healthcode.DCCPolicy{OneDoseAfterRecovery: true}},
		{name: "1/1 janssen yesterday, after recovery", o: dccOpts{dgc: vacc(vEntry(1, 1, day(-1), "EU/1/20/1525", "A"))}, pol: healthcode.DCCPolicy{OneDoseAfterRecovery: true}, want: checkpoint.FailNotAccepted},
		{name: "2/2 exactly 14 days (UTC terminal)", o: dccOpts{dgc: vacc(vEntry(2, 2, day(-14), comirnaty, "A"))}, loc: time.UTC},
		{name: "2/2 13 days (UTC terminal)", o: dccOpts{dgc: vacc(vEntry(2, 2, day(-13), comirnaty, "A"))}, loc: time.UTC, want: checkpoint.FailNotAccepted},
		{name: "2/2 with a wait of 0", o: dccOpts{dgc: vacc(vEntry(2, 2, day(0), comirnaty, "A"))}, pol: healthcode.DCCPolicy{VaccinationWait: -1}},
		// Local calendar days: now is 16:00 in Shanghai on the 23rd, 03:00 in New York.
		{name: "Shanghai: 2/2 of the 9th local counts on the 23rd", o: dccOpts{dgc: vacc(vEntry(2, 2, "2026-11-09", comirnaty, "A"))}, loc: shanghai},
		{name: "New York 03:00 on the 23rd: 2/2 of the 9th", o: dccOpts{dgc: vacc(vEntry(2, 2, "2026-11-09", comirnaty, "A"))}, loc: ny},
		{name: "New York 23:50 on the 22nd: 2/2 of the 9th", o: dccOpts{dgc: vacc(vEntry(2, 2, "2026-11-09", comirnaty, "A"))}, now: time.Date(2026, 11, 23, 4, 50, 0, 0, time.UTC), loc: ny, want: checkpoint.FailNotAccepted},
		{name: "Shanghai 07:30 on the 23rd: 2/2 of the 9th", o: dccOpts{dgc: vacc(vEntry(2, 2, "2026-11-09", comirnaty, "A"))}, now: time.Date(2026, 11, 22, 23, 30, 0, 0, time.UTC), loc: shanghai},
		{name: "Shanghai 07:30 on the 22nd: 2/2 of the 9th", o: dccOpts{iat: iu(uint64(indNow.AddDate(0, 0, -5).Unix())), dgc: vacc(vEntry(2, 2, "2026-11-09", comirnaty, "A"))}, now: time.Date(2026, 11, 21, 23, 30, 0, 0, time.UTC), loc: shanghai, want: checkpoint.FailNotAccepted},
		{name: "vaccination date as a date-time", o: dccOpts{dgc: vacc(vEntry(2, 2, day(-40)+"T00:00:00", comirnaty, "A"))}},
		// Tests.
		{name: "test Z", o: dccOpts{dgc: dgcMap(false, "t", tEntry("2026-11-22T08:00:00Z", "260415000"))}},
		{name: "test no zone", o: dccOpts{dgc: dgcMap(false, "t", tEntry("2026-11-22T08:00:00", "260415000"))}},
		{name: "test no zone, microseconds", o: dccOpts{dgc: dgcMap(false, "t", tEntry("2026-11-22T08:00:00.123456", "260415000"))}},
		{name: "test +01:00 with millis", o: dccOpts{dgc: dgcMap(false, "t", tEntry("2026-11-22T08:00:00.123+01:00", "260415000"))}},
		{name: "test +0100", o: dccOpts{dgc: dgcMap(false, "t", tEntry("2026-11-22T08:00:00+0100", "260415000"))}},
		{name: "test +01", o: dccOpts{dgc: dgcMap(false, "t", tEntry("2026-11-22T08:00:00+01", "260415000"))}},
		{name: "test -05:00 fraction", o: dccOpts{dgc: dgcMap(false, "t", tEntry("2026-11-22T08:00:00.5-05:00", "260415000"))}},
		{name: "test lower-case t and z (RFC 3339 5.6)", o: dccOpts{dgc: dgcMap(false, "t", tEntry("2026-11-22t08:00:00z", "260415000"))}},
		{name: "test comma fraction (ISO 8601)", o: dccOpts{dgc: dgcMap(false, "t", tEntry("2026-11-22T08:00:00,25Z", "260415000"))}},
		{name: "test 10 fraction digits, no zone", o: dccOpts{dgc: dgcMap(false, "t", tEntry("2026-11-22T08:00:00.1234567891", "260415000"))}},
		{name: "test no zone, 72h old exactly", o: dccOpts{dgc: dgcMap(false, "t", tEntry("2026-11-20T08:00:00", "260415000"))}},
		{name: "test no zone, 72h and 1s old", o: dccOpts{dgc: dgcMap(false, "t", tEntry("2026-11-20T07:59:59", "260415000"))}, want: checkpoint.FailNotAccepted},
		{name: "test no zone, 1 min in the future", o: dccOpts{dgc: dgcMap(false, "t", tEntry("2026-11-23T08:01:00", "260415000"))}},
		{name: "test 3 min in the future", o: dccOpts{dgc: dgcMap(false, "t", tEntry("2026-11-23T08:03:00Z", "260415000"))}, want: checkpoint.FailNotAccepted},
		{name: "test positive", o: dccOpts{dgc: dgcMap(false, "t", tEntry("2026-11-22T08:00:00Z", "260373001"))}, want: checkpoint.FailNotAccepted},
		{name: "two tests, latest negative", o: dccOpts{dgc: dgcMap(false, "t", tEntry("2026-11-19T08:00:00Z", "260373001"), tEntry("2026-11-22T08:00:00", "260415000"))}},
		// Recovery.
		{name: "recovery until today (New York 23:00 on the 22nd)", o: dccOpts{dgc: dgcMap(false, "r", rEntry(day(-100), day(-89), "2026-11-22"))}, now: time.Date(2026, 11, 23, 4, 0, 0, 0, time.UTC), loc: ny},
		{name: "recovery until yesterday (Shanghai)", o: dccOpts{dgc: dgcMap(false, "r", rEntry(day(-100), day(-89), "2026-11-22"))}, loc: shanghai, want: checkpoint.FailNotAccepted},
		{name: "recovery from tomorrow (Shanghai: today)", o: dccOpts{dgc: dgcMap(false, "r", rEntry(day(-10), "2026-11-23", day(100)))}, loc: shanghai},
		{name: "recovery from tomorrow (New York)", o: dccOpts{dgc: dgcMap(false, "r", rEntry(day(-10), "2026-11-23", day(100)))}, now: indNow.Add(-8 * time.Hour), loc: ny, want: checkpoint.FailNotAccepted},
		// Signer windows.
		{name: "iat before the signer's notBefore", signer: newDCCSigner(t, "P-384", indNow.AddDate(0, 0, -1), to), o: dccOpts{iat: iu(uint64(indNow.AddDate(0, 0, -3).Unix())), dgc: vacc(vEntry(2, 2, day(-40), comirnaty, "A"))}},
		{name: "signer expired", signer: newDCCSigner(t, "P-521", from, indNow.Add(-time.Hour)), o: dccOpts{exp: iu(uint64(indNow.Add(-2 * time.Hour).Unix())), dgc: vacc(vEntry(2, 2, day(-40), comirnaty, "A"))}, want: checkpoint.FailExpired},
		{name: "exp after the signer's notAfter", signer: newDCCSigner(t, "P-521", from, indNow.AddDate(0, 1, 0)), o: dccOpts{exp: iu(uint64(indNow.AddDate(0, 1, 1).Unix())), dgc: vacc(vEntry(2, 2, day(-40), comirnaty, "A"))}, want: checkpoint.FailExpired},
		{name: "test signed by a vaccination-only signer", signer: newDCCSigner(t, "P-384", from, to, asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 1847, 2021, 1, 2}), o: dccOpts{dgc: dgcMap(false, "t", tEntry("2026-11-22T08:00:00Z", "260415000"))}, want: checkpoint.FailKeyUsage},
	}
	// Mixed types.
	cases[11].o.dgc = imap(kv{its("ver"), its("1.0.0")}, kv{its("v"), iarr(vEntry(2, 2, day(-40), comirnaty, "A"))}, kv{its("t"), iarr(tEntry("2026-11-22T08:00:00Z", "260415000"))})
	cases[11].want = checkpoint.FailInvalidClaims
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := c.signer
			if s == nil {
				s = p256
			}
			now := c.now
			if now.IsZero() {
				now = indNow
			}
			text, _ := s.text(t, c.o)
			if c.name == "no exp" {
				// drop the exp pair: rebuild the payload without it
				text = dccWithoutExp(t, s, c.o.dgc)
			}
			v := healthcode.NewVerifier(s.list, nil, clockAt(now), healthcode.Options{DCC: c.pol, Location: c.loc, CacheSize: -1})
			code, err := v.Verify(text)
			want := c.want
			if c.name == "no exp" {
				want = checkpoint.FailInvalidClaims
			}
			if got := failureOf(err); got != want {
				t.Errorf("got %v (%v), want %v", got, err, want)
			}
			if err == nil && (code.Format != checkpoint.FormatDCC || code.Color != checkpoint.ColorGreen) {
				t.Errorf("code %+v", code)
			}
		})
	}

	t.Run("signature revocation on every curve", func(t *testing.T) {
		for _, curve := range []string{"P-256", "P-384", "P-521", "RSA"} {
			s := newDCCSigner(t, curve, from, to)
			text, sig := s.text(t, dccOpts{dgc: vacc(vEntry(2, 2, day(-40), comirnaty, "URN:UVCI:X"+curve))})
			part := sig
			if curve != "RSA" {
				part = sig[:len(sig)/2]
			}
			for _, revoked := range [][]byte{part, []byte("URN:UVCI:X" + curve), []byte("AT" + "URN:UVCI:X" + curve)} {
				v := healthcode.NewVerifier(s.list, healthcode.NewMemoryRevocations(checkpoint.HashForRevocation(revoked)), clockAt(indNow), healthcode.Options{})
				if _, err := v.Verify(text); failureOf(err) != checkpoint.FailRevoked {
					t.Errorf("%s: revoked %x: %v", curve, revoked, err)
				}
			}
			// iss is "AT"; the entry's co is "AT" too here: see below.
			hs, err := healthcode.RevocationHashesOf(text)
			if err != nil || len(hs) != 3 || hs[2] != checkpoint.HashForRevocation(part) {
				t.Errorf("%s: RevocationHashesOf: %v %v", curve, hs, err)
			}
		}
	})
}

func dccWithoutExp(t *testing.T, s *dccSigner, dgc []byte) string {
	payload := imap(kv{iu(1), its("AT")}, kv{iu(6), iu(uint64(indNow.AddDate(0, 0, -1).Unix()))}, kv{ineg(-260), imap(kv{iu(1), dgc})})
	prot := imap(kv{iu(1), iint(s.alg())}, kv{iu(4), ibs(s.kid())})
	p := sign1Parts{protected: prot, payload: payload, sign: func(tbs []byte) []byte { return s.sign(t, tbs) }}
	return wrapText(t, healthcode.DCCPrefix, p.encode())
}

// COUNTRYCODEUCI is over the CWT iss (the issuing country), as the DCC
// revocation scheme and its reference apps compute it, not over the entry's
// co (where the dose was given): a certificate issued by AT for a dose given
// in FR is revoked by SHA-256("AT" + UVCI), and "FR" + UVCI revokes nothing.
func TestIndependentDCCCountryCodeUCIIsOverIss(t *testing.T) {
	from, to := indNow.AddDate(-1, 0, 0), indNow.AddDate(1, 0, 0)
	s := newDCCSigner(t, "P-256", from, to)
	entry := bytes.Replace(vEntry(2, 2, indNow.AddDate(0, 0, -40).Format("2006-01-02"), "EU/1/20/1528", "URN:UVCI:01:AT:ABROAD"),
		cat(its("co"), its("AT")), cat(its("co"), its("FR")), 1)
	text, _ := s.text(t, dccOpts{dgc: dgcMap(false, "v", entry)})
	for _, c := range []struct {
		pre     string
		revoked bool
	}{{"AT", true}, {"FR", false}} {
		v := healthcode.NewVerifier(s.list, healthcode.NewMemoryRevocations(checkpoint.HashForRevocation([]byte(c.pre+"URN:UVCI:01:AT:ABROAD"))), clockAt(indNow), healthcode.Options{})
		_, err := v.Verify(text)
		if got := failureOf(err) == checkpoint.FailRevoked; got != c.revoked {
			t.Errorf("%s + UVCI on the list: revoked %v (%v), want %v", c.pre, got, err, c.revoked)
		}
	}
	hs, err := healthcode.RevocationHashesOf(text)
	if err != nil || len(hs) != 3 || hs[1] != checkpoint.HashForRevocation([]byte("ATURN:UVCI:01:AT:ABROAD")) {
		t.Errorf("RevocationHashesOf: %x %v", hs, err)
	}
}

// SM2-SM3 as section 2 states it, computed here step by step: e =
// SM3(Z_A || ToBeSigned) with the default ID_A, signed as a plain digest,
// r||s of 32 bytes each, alg -65537, kid over the SM2 SPKI.
func TestIndependentIssuerSM2(t *testing.T) {
	k, err := sm2.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	e, err := healthcode.NewKeyEntry(&k.PublicKey, "440300", "SZHC")
	if err != nil {
		t.Fatal(err)
	}
	list, err := healthcode.NewTrustList(e)
	if err != nil {
		t.Fatal(err)
	}
	kid := sha256.Sum256(e.PublicKeyDER)
	iat, exp := indNow.Add(-time.Minute), indNow.Add(4*time.Minute)
	pairs := hcnClaimPairs(iat, exp, greenHC())
	pairs[0].v = its("440300:SZHC")
	payload := imap(pairs...)
	sign := func(tbs []byte) []byte {
		za, err := sm2.CalculateZA(&k.PublicKey, []byte("1234567812345678"))
		if err != nil {
			t.Fatal(err)
		}
		h := sm3.New()
		h.Write(za)
		h.Write(tbs)
		der, err := sm2.SignASN1(rand.Reader, k, h.Sum(nil), nil)
		if err != nil {
			t.Fatal(err)
		}
		var sig struct{ R, S *big.Int }
		if _, err := asn1.Unmarshal(der, &sig); err != nil {
			t.Fatal(err)
		}
		out := make([]byte, 64)
		sig.R.FillBytes(out[:32])
		sig.S.FillBytes(out[32:])
		return out
	}
	for _, c := range []struct {
		name string
		alg  []byte
		want checkpoint.Failure
	}{
		{"alg -65537", ineg(-65537), checkpoint.FailNone},
		{"alg -65537 in an 8-byte head", ih(1, 65536, 8), checkpoint.FailNone},
		{"alg ES256 for an SM2 key", ineg(-7), checkpoint.FailUnsupportedAlgorithm},
	} {
		p := sign1Parts{protected: imap(kv{iu(1), c.alg}, kv{iu(4), ibs(kid[:8])}), payload: payload, sign: sign}
		code, err := verifyHCN(t, list, wrapText(t, healthcode.Prefix, p.encode()), indNow)
		if got := failureOf(err); got != c.want {
			t.Errorf("%s: got %v (%v), want %v", c.name, got, err, c.want)
		} else if err == nil && code.Issuer != "440300:SZHC" {
			t.Errorf("%s: code %+v", c.name, code)
		}
	}
}

// The refusal of a test just past its validity says by how much: "72h0m1s
// old, more than 72h0m0s", not "72h0m0s old, more than 72h0m0s".
func TestIndependentDCCTestTooOldSaysHowOld(t *testing.T) {
	s := newDCCSigner(t, "P-256", indNow.AddDate(-1, 0, 0), indNow.AddDate(1, 0, 0))
	text, _ := s.text(t, dccOpts{dgc: dgcMap(false, "t", tEntry("2026-11-20T07:59:59", "260415000"))})
	_, err := healthcode.NewVerifier(s.list, nil, clockAt(indNow), healthcode.Options{}).Verify(text)
	if failureOf(err) != checkpoint.FailNotAccepted || !strings.Contains(err.Error(), "72h0m1s old") {
		t.Fatalf("%v", err)
	}
}

// The DCC rows of section 8 in their order: a signer expired now decides
// before a missing exp (the code-times row).
func TestIndependentDCCSignerWindowBeforeCodeTimes(t *testing.T) {
	s := newDCCSigner(t, "P-521", indNow.AddDate(-1, 0, 0), indNow.Add(-time.Hour))
	text := dccWithoutExp(t, s, dgcMap(false, "v", vEntry(2, 2, "2026-10-01", "EU/1/20/1528", "A")))
	if _, err := healthcode.NewVerifier(s.list, nil, clockAt(indNow), healthcode.Options{}).Verify(text); failureOf(err) != checkpoint.FailExpired {
		t.Fatalf("%v, want expired", err)
	}
	if _, err := healthcode.NewVerifier(s.list, nil, clockAt(indNow.Add(-2*time.Hour)), healthcode.Options{}).Verify(text); failureOf(err) != checkpoint.FailInvalidClaims {
		t.Fatalf("signer valid: %v, want invalid_claims", err)
	}
}

// rndEnc encodes v (maps with integer keys, text, bytes, integers, bools)
// with a random head width for every item and map keys in random order:
// each one another well-formed, definite-length encoding of the same value.
func rndEnc(r *mrand.Rand, v any) []byte {
	w := func(n uint64) int {
		ws := []int{0, 1, 2, 4, 8}
		for {
			x := ws[r.Intn(len(ws))]
			if x == 0 || x == 8 || x == 4 && n <= math.MaxUint32 || x == 2 && n <= math.MaxUint16 || x == 1 && n <= math.MaxUint8 {
				return x
			}
		}
	}
	switch x := v.(type) {
	case uint64:
		return ih(0, x, w(x))
	case int64:
		if x >= 0 {
			return ih(0, uint64(x), w(uint64(x)))
		}
		n := uint64(-1 - x)
		return ih(1, n, w(n))
	case string:
		return cat(ih(3, uint64(len(x)), w(uint64(len(x)))), []byte(x))
	case []byte:
		return cat(ih(2, uint64(len(x)), w(uint64(len(x)))), x)
	case bool:
		if x {
			return []byte{0xf5}
		}
		return []byte{0xf4}
	case map[int64]any:
		keys := make([]int64, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		r.Shuffle(len(keys), func(i, j int) { keys[i], keys[j] = keys[j], keys[i] })
		b := ih(5, uint64(len(x)), w(uint64(len(x))))
		for _, k := range keys {
			b = append(b, rndEnc(r, k)...)
			b = append(b, rndEnc(r, x[k])...)
		}
		return b
	}
	panic(fmt.Sprintf("rndEnc: %T", v))
}

// Every encoding of a valid code's values verifies with the same Code; each
// with one field rule broken is refused as invalid_claims, whatever the
// encoding.
func TestIndependentEncodingsOfTheSameValues(t *testing.T) {
	is := newHCNIssuer(t)
	list := is.list(t, time.Time{}, time.Time{})
	r := mrand.New(mrand.NewSource(11))
	iat, exp := indNow.Add(-time.Minute), indNow.Add(4*time.Minute)
	valid := func() map[int64]any {
		return map[int64]any{
			1: "110000:BJHC", 4: uint64(exp.Unix()), 6: uint64(iat.Unix()), 7: []byte("0123456789abcdef"), 99: "unknown",
			-65537: map[int64]any{1: uint64(1), 2: uint64(iat.Add(-24 * time.Hour).Unix()), 3: uint64(2), 4: "欧阳*", 5: "123X", 6: uint64(1950),
				7: true, 8: "mother",
				9:  map[int64]any{1: uint64(iat.Add(-time.Hour).Unix()), 2: uint64(1), 3: uint64(1)},
				10: map[int64]any{1: uint64(3), 2: uint64(iat.Truncate(24 * time.Hour).Add(-48 * time.Hour).Unix()), 3: uint64(2)}},
		}
	}
	hc := func(m map[int64]any) map[int64]any { return m[-65537].(map[int64]any) }
	broken := map[string]func(m map[int64]any){
		"holder of 17":       func(m map[int64]any) { hc(m)[4] = "欧阳" + strings.Repeat("*", 15) },
		"ID part of 5":       func(m map[int64]any) { hc(m)[5] = "0123X" },
		"relation of 33":     func(m map[int64]any) { hc(m)[8] = strings.Repeat("m", 33) },
		"relation, no proxy": func(m map[int64]any) { delete(hc(m), 7) },
		"exp = iat":          func(m map[int64]any) { m[4] = m[6] },
		"iat negative":       func(m map[int64]any) { m[6] = int64(-1) },
		"test after iat":     func(m map[int64]any) { hc(m)[9].(map[int64]any)[1] = uint64(iat.Unix() + 1) },
		"colour 4":           func(m map[int64]any) { hc(m)[1] = uint64(4) },
	}
	var first checkpoint.Code
	for i := 0; i < 40; i++ {
		prot := rndEnc(r, map[int64]any{1: int64(-7), 4: is.kid})
		code, err := verifyHCN(t, list, is.text(t, prot, rndEnc(r, valid())), indNow)
		if err != nil {
			t.Fatalf("encoding %d: %v", i, err)
		}
		if i == 0 {
			first = code
		} else if !reflect.DeepEqual(code, first) {
			t.Fatalf("encoding %d gave %+v, the first %+v", i, code, first)
		}
		for name, brk := range broken {
			m := valid()
			brk(m)
			if _, err := verifyHCN(t, list, is.text(t, prot, rndEnc(r, m)), indNow); failureOf(err) != checkpoint.FailInvalidClaims {
				t.Fatalf("encoding %d, %s: %v, want invalid_claims", i, name, err)
			}
		}
	}
}
