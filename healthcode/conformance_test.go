package healthcode

import (
	"crypto"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand"
	"strings"
	"testing"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
	b45 "github.com/checkpoint-terminal/checkpoint/healthcode/base45"
)

// Conformance of HCN1 (docs/healthcode-format.md sections 1-4): one test
// per rule of the section 4 table, written the way an independent issuer
// would produce the bytes, plus the property that Issue and the verifier
// apply the same claim limits.

// cb is a helper to write CBOR by hand, head by head.
type cb []byte

// head appends a CBOR head of major type mt and argument n in the given
// width (0: the shortest form; 1, 2, 4, 8: that many argument bytes).
func (b cb) head(mt byte, n uint64, width int) cb {
	if width == 0 {
		switch {
		case n < 24:
			return append(b, mt<<5|byte(n))
		case n <= 0xff:
			width = 1
		case n <= 0xffff:
			width = 2
		case n <= 0xffffffff:
			width = 4
		default:
			width = 8
		}
	}
	ai := map[int]byte{1: 24, 2: 25, 4: 26, 8: 27}[width]
	b = append(b, mt<<5|ai)
	for i := width - 1; i >= 0; i-- {
		b = append(b, byte(n>>(8*i)))
	}
	return b
}

func (b cb) bstr(v []byte, width int) cb { return append(b.head(2, uint64(len(v)), width), v...) }

// hcnSign1 encodes a COSE_Sign1 by hand: tags (outermost first), the array
// head width (or indefinite), the protected map bytes, the unprotected map
// bytes and the payload, signed with key.
type sign1Shape struct {
	tags        []uint64
	tagWidth    int
	arrayWidth  int
	indefArray  bool
	bstrWidth   int
	unprotected []byte // default: empty map
	trailing    []byte
}

func handSign1(t testing.TB, key crypto.Signer, protected, payload []byte, sh sign1Shape) []byte {
	t.Helper()
	env := &envelope{protected: protected}
	env.msg.Payload = payload
	sig := signerFor(t, key)(env.toBeSigned())
	var b cb
	for _, tag := range sh.tags {
		b = b.head(6, tag, sh.tagWidth)
	}
	if sh.indefArray {
		b = append(b, 0x9f)
	} else {
		b = b.head(4, 4, sh.arrayWidth)
	}
	b = b.bstr(protected, sh.bstrWidth)
	if sh.unprotected == nil {
		b = append(b, 0xa0)
	} else {
		b = append(b, sh.unprotected...)
	}
	b = b.bstr(payload, sh.bstrWidth)
	b = b.bstr(sig, sh.bstrWidth)
	if sh.indefArray {
		b = append(b, 0xff)
	}
	return append(b, sh.trailing...)
}

// protectedHeader is the CBOR of {1: alg, 4: kid} (either may be left out).
func protectedHeader(t testing.TB, alg int64, kid []byte) []byte {
	t.Helper()
	m := map[int]any{}
	if alg != 0 {
		m[1] = alg
	}
	if kid != nil {
		m[4] = kid
	}
	if len(m) == 0 {
		return nil
	}
	b, err := cborEnc.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func seal(t testing.TB, prefix string, cose []byte) string {
	t.Helper()
	z, err := deflate(cose)
	if err != nil {
		t.Fatal(err)
	}
	return prefix + b45.Encode(z)
}

// rawCWT builds the claims set of c without the claim rules, as a careless
// or hostile issuer would.
func rawCWT(c Claims) map[int]any {
	id, _ := hex.DecodeString(c.ID)
	h := map[int]any{1: int(c.Color), 3: int(c.Kind)}
	if c.HolderMasked != "" {
		h[4] = c.HolderMasked
	}
	if c.IDLast4 != "" {
		h[5] = c.IDLast4
	}
	if c.BirthYear != 0 {
		h[6] = c.BirthYear
	}
	if c.Proxy {
		h[7] = true
	}
	if c.Relation != "" {
		h[8] = c.Relation
	}
	return map[int]any{1: c.Region + ":" + c.Issuer, 4: c.ExpiresAt.Unix(), 6: c.IssuedAt.Unix(), 7: id, ClaimHealthCode: h}
}

func marshalCBOR(t testing.TB, v any) []byte {
	t.Helper()
	b, err := cborEnc.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func verifyAt(t testing.TB, trust checkpoint.TrustStore, text string, now time.Time) (checkpoint.Code, checkpoint.Failure, error) {
	t.Helper()
	v := NewVerifier(trust, NewMemoryRevocations(), &fixedClock{t: now}, Options{CacheSize: -1})
	code, err := v.Verify(text)
	if err == nil {
		return code, checkpoint.FailNone, nil
	}
	var ve *checkpoint.VerifyError
	if !errors.As(err, &ve) {
		t.Fatalf("error %T is not a *checkpoint.VerifyError: %v", err, err)
	}
	return code, ve.Failure, err
}

func TestHCN1Conformance(t *testing.T) {
	es := newIssuer(t, ES256)
	kid := mustKid(t, es.key.Public())
	prot := protectedHeader(t, AlgES256, kid)
	good := greenClaims()
	goodPayload := payloadOf(t, good)
	withClaims := func(edit func(m map[int]any)) []byte {
		m := rawCWT(good)
		edit(m)
		return marshalCBOR(t, m)
	}
	hc := func(m map[int]any) map[int]any { return m[ClaimHealthCode].(map[int]any) }
	text := func(protected, payload []byte, sh sign1Shape) func(t *testing.T) string {
		return func(t *testing.T) string { return seal(t, Prefix, handSign1(t, es.key, protected, payload, sh)) }
	}
	windowed := mustList(t, withValidity(es.entry, good.IssuedAt.Add(time.Second), time.Time{}))
	for _, tc := range []struct {
		rule  string
		name  string
		trust *TrustList
		text  func(t *testing.T) string
		want  checkpoint.Failure
	}{
		// Rule 1: alg and kid from the protected header only.
		{"1", "empty protected header, alg and kid unprotected", nil, text(nil, goodPayload, sign1Shape{unprotected: marshalCBOR(t, map[int]any{1: AlgES256, 4: kid})}), checkpoint.FailUnsupportedAlgorithm},
		{"1", "alg protected, kid only unprotected", nil, text(protectedHeader(t, AlgES256, nil), goodPayload, sign1Shape{unprotected: marshalCBOR(t, map[int]any{4: kid})}), checkpoint.FailUnknownIssuer},
		{"1", "kid protected, alg only unprotected", nil, text(protectedHeader(t, 0, kid), goodPayload, sign1Shape{unprotected: marshalCBOR(t, map[int]any{1: AlgES256})}), checkpoint.FailUnsupportedAlgorithm},
		{"1", "alg and kid in both headers (protected ones used)", nil, text(prot, goodPayload, sign1Shape{unprotected: marshalCBOR(t, map[int]any{1: AlgPS256, 4: []byte("other")})}), checkpoint.FailNone},
		// Rule 2: CBOR through the decoder. Longer heads are the same items.
		{"2", "tag 18 in a two-byte head (d8 12)", nil, text(prot, goodPayload, sign1Shape{tags: []uint64{18}, tagWidth: 1}), checkpoint.FailNone},
		{"2", "tags 61 and 18 in three-byte heads", nil, text(prot, goodPayload, sign1Shape{tags: []uint64{61, 18}, tagWidth: 2}), checkpoint.FailNone},
		{"2", "array head in a two-byte form (98 04), untagged", nil, text(prot, goodPayload, sign1Shape{arrayWidth: 1}), checkpoint.FailNone},
		{"2", "byte-string heads in four-byte forms", nil, text(prot, goodPayload, sign1Shape{tags: []uint64{18}, bstrWidth: 4}), checkpoint.FailNone},
		{"2", "claims map in a longer head, keys unsorted", nil, text(prot, append(cb(nil).head(5, 5, 2), goodPayload[1:]...), sign1Shape{tags: []uint64{18}}), checkpoint.FailNone},
		{"2", "indefinite-length COSE array", nil, text(prot, goodPayload, sign1Shape{tags: []uint64{18}, indefArray: true}), checkpoint.FailMalformed},
		{"2", "indefinite-length claims map", nil, text(prot, append(append([]byte{0xbf}, goodPayload[1:]...), 0xff), sign1Shape{tags: []uint64{18}}), checkpoint.FailMalformed},
		{"2", "indefinite-length text string inside the claims", nil, text(prot, []byte(strings.Replace(string(goodPayload), "\x6b110000:BJHC", "\x7f\x6b110000:BJHC\xff", 1)), sign1Shape{tags: []uint64{18}}), checkpoint.FailMalformed},
		{"2", "tag 61 around the untagged array", nil, text(prot, goodPayload, sign1Shape{tags: []uint64{61}}), checkpoint.FailMalformed},
		{"2", "another tag (98, COSE_Sign) where 18 belongs", nil, text(prot, goodPayload, sign1Shape{tags: []uint64{98}}), checkpoint.FailMalformed},
		{"2", "bytes after the COSE message", nil, text(prot, goodPayload, sign1Shape{tags: []uint64{18}, trailing: []byte{0x00}}), checkpoint.FailMalformed},
		{"2", "duplicate claim key", nil, text(prot, append(append(cb(nil).head(5, 6, 0), goodPayload[1:]...), 0x01, 0x61, 'x'), sign1Shape{tags: []uint64{18}}), checkpoint.FailMalformed},
		// Rule 3: the claim limits of Issue, on verify.
		{"3", "holder name of 17 characters", nil, text(prot, withClaims(func(m map[int]any) { hc(m)[4] = "张" + strings.Repeat("*", 16) }), sign1Shape{}), checkpoint.FailInvalidClaims},
		{"3", "holder name without *", nil, text(prot, withClaims(func(m map[int]any) { hc(m)[4] = "张三" }), sign1Shape{}), checkpoint.FailInvalidClaims},
		{"3", "full ID number", nil, text(prot, withClaims(func(m map[int]any) { hc(m)[5] = "11010519491231002X" }), sign1Shape{}), checkpoint.FailInvalidClaims},
		{"3", "relation of 33 bytes", nil, text(prot, withClaims(func(m map[int]any) { hc(m)[7], hc(m)[8] = true, strings.Repeat("m", 33) }), sign1Shape{}), checkpoint.FailInvalidClaims},
		{"3", "empty relation without proxy", nil, text(prot, withClaims(func(m map[int]any) { hc(m)[8] = "" }), sign1Shape{}), checkpoint.FailInvalidClaims},
		{"3", "relation without proxy", nil, text(prot, withClaims(func(m map[int]any) { hc(m)[8] = "mother" }), sign1Shape{}), checkpoint.FailInvalidClaims},
		{"3", "proxy without relation", nil, text(prot, withClaims(func(m map[int]any) { hc(m)[7] = true }), sign1Shape{}), checkpoint.FailInvalidClaims},
		{"3", "iat as a float", nil, text(prot, withClaims(func(m map[int]any) { m[6] = float64(good.IssuedAt.Unix()) }), sign1Shape{}), checkpoint.FailInvalidClaims},
		{"3", "exp as a float with a fraction", nil, text(prot, withClaims(func(m map[int]any) { m[4] = float64(good.ExpiresAt.Unix()) + 0.5 }), sign1Shape{}), checkpoint.FailInvalidClaims},
		{"3", "negative iat", nil, text(prot, withClaims(func(m map[int]any) { m[6] = -1 }), sign1Shape{}), checkpoint.FailInvalidClaims},
		{"3", "colour-since as a float", nil, text(prot, withClaims(func(m map[int]any) { hc(m)[2] = float64(good.ColorSince.Unix()) }), sign1Shape{}), checkpoint.FailInvalidClaims},
		{"3", "exp equal to iat", nil, text(prot, withClaims(func(m map[int]any) { m[4] = m[6] }), sign1Shape{}), checkpoint.FailInvalidClaims},
		{"3", "exp before iat", nil, text(prot, withClaims(func(m map[int]any) { m[4], m[6] = m[6], m[4] }), sign1Shape{}), checkpoint.FailInvalidClaims},
		{"3", "code id of 4 bytes", nil, text(prot, withClaims(func(m map[int]any) { m[7] = []byte{1, 2, 3, 4} }), sign1Shape{}), checkpoint.FailInvalidClaims},
		{"3", "iss without the division code", nil, text(prot, withClaims(func(m map[int]any) { m[1] = "BJHC" }), sign1Shape{}), checkpoint.FailInvalidClaims},
		{"3", "kind 3", nil, text(prot, withClaims(func(m map[int]any) { hc(m)[3] = 3 }), sign1Shape{}), checkpoint.FailInvalidClaims},
		{"3", "issued before its key's window opened", windowed, text(prot, goodPayload, sign1Shape{}), checkpoint.FailInvalidClaims},
		// Rule 4: nothing after the zlib stream.
		{"4", "a byte after the Adler-32", nil, func(t *testing.T) string {
			z, _ := deflate(handSign1(t, es.key, prot, goodPayload, sign1Shape{tags: []uint64{18}}))
			return Prefix + b45.Encode(append(z, 0))
		}, checkpoint.FailMalformed},
		{"4", "a second zlib stream after the first", nil, func(t *testing.T) string {
			z, _ := deflate(handSign1(t, es.key, prot, goodPayload, sign1Shape{tags: []uint64{18}}))
			return Prefix + b45.Encode(append(z, z...))
		}, checkpoint.FailMalformed},
	} {
		t.Run(fmt.Sprintf("rule %s: %s", tc.rule, tc.name), func(t *testing.T) {
			trust := es.list
			if tc.trust != nil {
				trust = tc.trust
			}
			code, f, err := verifyAt(t, trust, tc.text(t), t0)
			if f != tc.want {
				t.Fatalf("got %v (%v), want %v", f, err, tc.want)
			}
			if f == checkpoint.FailNone && (code.ID != good.ID || code.Issuer != "110000:BJHC") {
				t.Fatalf("verified as %+v", code)
			}
		})
	}
}

// Rule 5: a trust-list key of format HC names its issuer; a list (or an
// entry) without one is refused when it is built, signed or installed.
func TestTrustListHCKeyNamesItsIssuer(t *testing.T) {
	es := newIssuer(t, ES256)
	root := testKey(t, ES256, "root")
	for _, issuer := range []string{"", "110000", "BJHC", "000000:BJHC", "110000:", "110000:BJ HC"} {
		t.Run(fmt.Sprintf("issuer %q", issuer), func(t *testing.T) {
			e := es.entry
			e.Issuer = issuer
			if _, err := NewTrustList(e); err == nil {
				t.Error("NewTrustList accepted the entry")
			}
			if _, err := SignTrustList(TrustListDoc{Version: 1, IssuedAt: t0, ExpiresAt: t0.Add(time.Hour), Entries: []TrustListEntry{e}}, root); err == nil {
				t.Error("SignTrustList accepted the entry")
			}
			// An independent list builder that does not check: installing
			// its list is what must fail.
			w := trustListWire{Type: trustListType, Version: 1, IssuedAt: t0.Unix(), ExpiresAt: t0.Add(time.Hour).Unix(),
				Entries: []trustEntryWire{{Format: "HC", Issuer: issuer, PublicKey: e.PublicKeyDER}}}
			signed, err := SignDocument(marshalCBOR(t, w), root)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := ParseTrustList(signed, []crypto.PublicKey{root.Public()}, t0); err == nil {
				t.Error("ParseTrustList installed the list")
			}
		})
	}
	t.Run("region disagreeing with the issuer", func(t *testing.T) {
		e := es.entry
		e.Region = "310000"
		if _, err := NewTrustList(e); err == nil {
			t.Error("accepted")
		}
	})
}

// TestIssueVerifyProperty: every code Issue makes verifies, to the same
// claims; every claims set Issue refuses, signed anyway, is refused by the
// verifier as invalid_claims; and every Code the verifier returns could
// have been issued (it passes the same limits).
func TestIssueVerifyProperty(t *testing.T) {
	es := newIssuer(t, ES256)
	rng := rand.New(rand.NewSource(11))
	issued, refused := 0, 0
	for i := 0; i < 300; i++ {
		c := greenClaims()
		// Each field is within the limits most of the time, so that about
		// half the claims sets are valid and every limit is crossed often.
		bad := rng.Intn(2) == 0
		edge := func(good, wrong []string) string {
			if bad && rng.Intn(4) == 0 {
				return wrong[rng.Intn(len(wrong))]
			}
			return good[rng.Intn(len(good))]
		}
		c.ID = edge([]string{strings.Repeat("ab", 8), strings.Repeat("01", 16), strings.Repeat("ff", 32)}, []string{"abcd", strings.Repeat("00", 33), "xyz"})
		c.Color = checkpoint.Color(1 + rng.Intn(3))
		c.Kind = checkpoint.CodeKind(1 + rng.Intn(2))
		if bad && rng.Intn(8) == 0 {
			c.Color, c.Kind = checkpoint.Color(rng.Intn(5)*4), checkpoint.CodeKind(rng.Intn(4)*3)
		}
		c.HolderMasked = edge([]string{"", "张*", "欧阳**", "张" + strings.Repeat("*", 15), "*"}, []string{"张" + strings.Repeat("*", 16), "张三", "Zhang San"})
		c.IDLast4 = edge([]string{"", "123X", "1234", "X"}, []string{"12345", "11010519491231002X"})
		c.BirthYear = []int{0, 1950, 9999}[rng.Intn(3)]
		if bad && rng.Intn(6) == 0 {
			c.BirthYear = 10000
		}
		c.Proxy = rng.Intn(2) == 0
		c.Relation = ""
		if c.Proxy {
			c.Relation = edge([]string{"mother", strings.Repeat("r", 32), "外祖母"}, []string{strings.Repeat("r", 33), ""})
		} else if bad && rng.Intn(6) == 0 {
			c.Relation = "mother"
		}
		life := 5 * time.Minute
		if bad && rng.Intn(6) == 0 {
			life = []time.Duration{-time.Minute, 0}[rng.Intn(2)]
		}
		c.ExpiresAt = c.IssuedAt.Add(life)
		text, err := Issue(c, es.key)
		if err == nil {
			issued++
			code, f, verr := verifyAt(t, es.list, text, t0)
			if f != checkpoint.FailNone {
				t.Fatalf("issued %+v, refused: %v", c, verr)
			}
			if code.ID != c.ID || code.Color != c.Color || code.Kind != c.Kind || code.HolderMasked != c.HolderMasked ||
				code.Proxy != c.Proxy || code.Relation != c.Relation || !code.ExpiresAt.Equal(c.ExpiresAt) {
				t.Fatalf("issued %+v, verified as %+v", c, code)
			}
			// The Code could have been issued: its fields pass the rules.
			back := c
			back.HolderMasked, back.Relation, back.Proxy = code.HolderMasked, code.Relation, code.Proxy
			back.Region, back.Issuer, _ = strings.Cut(code.Issuer, ":")
			if back.Region != code.Region {
				t.Fatalf("Code region %q, issuer %q", code.Region, code.Issuer)
			}
			if err := back.validate(); err != nil {
				t.Fatalf("verified Code %+v breaks the issue rules: %v", code, err)
			}
			continue
		}
		refused++
		// The same claims signed by an issuer that does not check.
		forged := seal(t, Prefix, handSign1(t, es.key, protectedHeader(t, AlgES256, mustKid(t, es.key.Public())), marshalCBOR(t, rawCWT(c)), sign1Shape{tags: []uint64{18}}))
		if _, f, verr := verifyAt(t, es.list, forged, t0); f != checkpoint.FailInvalidClaims {
			t.Fatalf("Issue refused %+v (%v), the verifier said %v (%v)", c, err, f, verr)
		}
	}
	t.Logf("%d issued and verified, %d refused by both", issued, refused)
	if issued < 10 || refused < 10 {
		t.Fatalf("generator too narrow: %d issued, %d refused", issued, refused)
	}
}

// TestSpecRuleTable has one refused code per rule 1-19 of the section 4
// table of docs/healthcode-format.md (rules 20-22 are the terminal's and
// are tested with checkpoint.Decide and internal/station), each numbered as
// the table numbers it, and checks that no rule is left without a row.
func TestSpecRuleTable(t *testing.T) {
	es := newIssuer(t, ES256)
	sm := newIssuer(t, SM2)
	stranger := testKey(t, ES256, "stranger")
	kid := mustKid(t, es.key.Public())
	prot := protectedHeader(t, AlgES256, kid)
	good := greenClaims()
	goodPayload := payloadOf(t, good)
	hand := func(protected, payload []byte, sh sign1Shape) string {
		return seal(t, Prefix, handSign1(t, es.key, protected, payload, sh))
	}
	withClaims := func(edit func(m map[int]any)) []byte {
		m := rawCWT(good)
		edit(m)
		return marshalCBOR(t, m)
	}
	// A COSE array whose elements are given as raw CBOR.
	rawArray := func(items ...[]byte) string {
		b := cb(nil).head(4, uint64(len(items)), 0)
		for _, it := range items {
			b = append(b, it...)
		}
		return seal(t, Prefix, append([]byte{0xd2}, b...))
	}
	bstr := func(v []byte) []byte { return cb(nil).bstr(v, 0) }
	both := mustList(t, es.entry, sm.entry)
	smKid := mustKid(t, sm.key.Public())
	rows := []struct {
		rule  int
		name  string
		trust *TrustList
		revs  *MemoryRevocations
		now   time.Time
		text  string
		want  checkpoint.Failure
	}{
		{1, "a URL", nil, nil, t0, "https://example.com/?HCN1:", checkpoint.FailUnknownFormat},
		{1, "lower-case prefix", nil, nil, t0, "hcn1:" + mustIssue(t, good, es.key)[len(Prefix):], checkpoint.FailUnknownFormat},
		{2, "text above 8 KiB", nil, nil, t0, Prefix + strings.Repeat("0", MaxTextLen), checkpoint.FailMalformed},
		{3, "a character outside Base45", nil, nil, t0, Prefix + "ABC#", checkpoint.FailMalformed},
		{3, "a Base45 triple above 65535", nil, nil, t0, Prefix + "GGW", checkpoint.FailMalformed},
		{4, "a bad Adler-32", nil, nil, t0, func() string {
			z, _ := deflate(handSign1(t, es.key, prot, goodPayload, sign1Shape{}))
			z[len(z)-1] ^= 1
			return Prefix + b45.Encode(z)
		}(), checkpoint.FailMalformed},
		{4, "a byte after the Adler-32", nil, nil, t0, func() string {
			z, _ := deflate(handSign1(t, es.key, prot, goodPayload, sign1Shape{}))
			return Prefix + b45.Encode(append(z, 0x42))
		}(), checkpoint.FailMalformed},
		{5, "indefinite-length array", nil, nil, t0, hand(prot, goodPayload, sign1Shape{indefArray: true}), checkpoint.FailMalformed},
		{5, "duplicate key in the protected header", nil, nil, t0, hand(append(append([]byte{0xa3}, prot[1:]...), 0x01, 0x26), goodPayload, sign1Shape{}), checkpoint.FailMalformed},
		{6, "three-element array", nil, nil, t0, rawArray(bstr(prot), []byte{0xa0}, bstr(goodPayload)), checkpoint.FailMalformed},
		{6, "null payload (detached)", nil, nil, t0, rawArray(bstr(prot), []byte{0xa0}, []byte{0xf6}, bstr(make([]byte, 64))), checkpoint.FailMalformed},
		{6, "protected header that is not a map", nil, nil, t0, rawArray(bstr([]byte{0x01}), []byte{0xa0}, bstr(goodPayload), bstr(make([]byte, 64))), checkpoint.FailMalformed},
		{7, "alg only in the unprotected header", nil, nil, t0, hand(protectedHeader(t, 0, kid), goodPayload, sign1Shape{unprotected: marshalCBOR(t, map[int]any{1: AlgES256})}), checkpoint.FailUnsupportedAlgorithm},
		{7, "ES384", nil, nil, t0, hand(protectedHeader(t, -35, kid), goodPayload, sign1Shape{}), checkpoint.FailUnsupportedAlgorithm},
		{8, "kid only in the unprotected header", nil, nil, t0, hand(protectedHeader(t, AlgES256, nil), goodPayload, sign1Shape{unprotected: marshalCBOR(t, map[int]any{4: kid})}), checkpoint.FailUnknownIssuer},
		{9, "kid as a text string", nil, nil, t0, hand(marshalCBOR(t, map[int]any{1: AlgES256, 4: hex.EncodeToString(kid)}), goodPayload, sign1Shape{}), checkpoint.FailMalformed},
		{10, "a stranger's key", nil, nil, t0, mustIssue(t, good, stranger), checkpoint.FailUnknownIssuer},
		{11, "SM2-SM3 header on an ES256 key's kid", both, nil, t0, hand(protectedHeader(t, AlgSM2SM3, kid), goodPayload, sign1Shape{}), checkpoint.FailUnsupportedAlgorithm},
		{11, "ES256 header on an SM2 key's kid", both, nil, t0, hand(protectedHeader(t, AlgES256, smKid), goodPayload, sign1Shape{}), checkpoint.FailUnsupportedAlgorithm},
		{12, "signed by a stranger under the issuer's kid", nil, nil, t0, seal(t, Prefix, handSign1(t, stranger, prot, goodPayload, sign1Shape{})), checkpoint.FailBadSignature},
		{13, "full name as holder", nil, nil, t0, hand(prot, withClaims(func(m map[int]any) { m[ClaimHealthCode].(map[int]any)[4] = "张三丰" }), sign1Shape{}), checkpoint.FailInvalidClaims},
		{13, "holder given as a number", nil, nil, t0, hand(prot, withClaims(func(m map[int]any) { m[ClaimHealthCode].(map[int]any)[4] = 7 }), sign1Shape{}), checkpoint.FailInvalidClaims},
		{14, "another issuer's iss", nil, nil, t0, hand(prot, withClaims(func(m map[int]any) { m[1] = "310000:SHHC" }), sign1Shape{}), checkpoint.FailUnknownIssuer},
		{15, "key valid only from tomorrow", mustList(t, withValidity(es.entry, t0.Add(24*time.Hour), time.Time{})), nil, t0, mustIssue(t, good, es.key), checkpoint.FailNotYetValid},
		{15, "key retired yesterday", mustList(t, withValidity(es.entry, time.Time{}, t0.Add(-24*time.Hour))), nil, t0, mustIssue(t, good, es.key), checkpoint.FailExpired},
		{16, "exp passed beyond the skew", nil, nil, good.ExpiresAt.Add(2*time.Minute + time.Second), mustIssue(t, good, es.key), checkpoint.FailExpired},
		{16, "iat ahead beyond the skew", nil, nil, good.IssuedAt.Add(-2*time.Minute - time.Second), mustIssue(t, good, es.key), checkpoint.FailNotYetValid},
		{17, "iat a second before the key's window", mustList(t, withValidity(es.entry, good.IssuedAt.Add(time.Second), time.Time{})), nil, t0, mustIssue(t, good, es.key), checkpoint.FailInvalidClaims},
		{18, "a dynamic code by a card-only key", mustList(t, func() TrustListEntry { e := es.entry; e.Kinds = []checkpoint.CodeKind{checkpoint.KindCard}; return e }()), nil, t0, mustIssue(t, good, es.key), checkpoint.FailKeyUsage},
		{19, "revoked code id", nil, func() *MemoryRevocations {
			h, _ := RevocationHashForCodeID(good.ID)
			return NewMemoryRevocations(h)
		}(), t0, mustIssue(t, good, es.key), checkpoint.FailRevoked},
	}
	covered := map[int]bool{}
	for _, r := range rows {
		covered[r.rule] = true
		t.Run(fmt.Sprintf("rule %d: %s", r.rule, r.name), func(t *testing.T) {
			trust, revs := es.list, r.revs
			if r.trust != nil {
				trust = r.trust
			}
			if revs == nil {
				revs = NewMemoryRevocations()
			}
			v := NewVerifier(trust, revs, &fixedClock{t: r.now}, Options{CacheSize: -1})
			_, err := v.Verify(r.text)
			if got := failureOf(err); got != r.want {
				t.Fatalf("got %v (%v), want %v", got, err, r.want)
			}
		})
	}
	for rule := 1; rule <= 19; rule++ {
		if !covered[rule] {
			t.Errorf("rule %d of the table has no test row", rule)
		}
	}
}

// TestUnknownClaimsAreIgnored: section 3 lets a later minor revision add
// optional claims: unknown CWT claims (integer or text keys) and unknown
// health-code fields do not refuse a code, and an explicit proxy=false is
// the default.
func TestUnknownClaimsAreIgnored(t *testing.T) {
	es := newIssuer(t, ES256)
	m := map[any]any{}
	for k, v := range rawCWT(greenClaims()) {
		m[k] = v
	}
	m["note"] = "x"
	m[99] = []any{1, "a"}
	hc := m[ClaimHealthCode].(map[int]any)
	hc[99], hc[7] = "a later field", false
	text := seal(t, Prefix, handSign1(t, es.key, protectedHeader(t, AlgES256, mustKid(t, es.key.Public())), marshalCBOR(t, m), sign1Shape{}))
	if _, f, err := verifyAt(t, es.list, text, t0); f != checkpoint.FailNone {
		t.Fatalf("refused: %v", err)
	}
}
