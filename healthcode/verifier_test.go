package healthcode

import (
	"crypto"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
	b45 "github.com/checkpoint-terminal/checkpoint/healthcode/base45"
	"github.com/veraison/go-cose"
)

func TestIssueVerifyRoundTrip(t *testing.T) {
	for _, alg := range []Algorithm{ES256, SM2} {
		t.Run(string(alg), func(t *testing.T) {
			f := newIssuer(t, alg)
			for _, tc := range []struct {
				name  string
				edit  func(*Claims)
				check func(*testing.T, checkpoint.Code)
			}{
				{"green dynamic code", func(*Claims) {}, func(t *testing.T, c checkpoint.Code) {
					if c.Color != checkpoint.ColorGreen || c.Kind != checkpoint.KindDynamic {
						t.Errorf("colour %v kind %v", c.Color, c.Kind)
					}
				}},
				{"red card for an elderly holder", func(c *Claims) {
					c.Color, c.Kind, c.ExpiresAt = checkpoint.ColorRed, checkpoint.KindCard, t0.AddDate(1, 0, 0)
				}, func(t *testing.T, c checkpoint.Code) {
					if c.Color != checkpoint.ColorRed || c.Kind != checkpoint.KindCard || !c.ExpiresAt.Equal(t0.AddDate(1, 0, 0)) {
						t.Errorf("got %+v", c)
					}
				}},
				{"yellow code shown by a daughter for her mother", func(c *Claims) {
					c.Color, c.Proxy, c.Relation = checkpoint.ColorYellow, true, "mother"
				}, func(t *testing.T, c checkpoint.Code) {
					if c.Color != checkpoint.ColorYellow || !c.Proxy || c.Relation != "mother" {
						t.Errorf("got %+v", c)
					}
				}},
			} {
				t.Run(tc.name, func(t *testing.T) {
					cl := greenClaims()
					tc.edit(&cl)
					text := mustIssue(t, cl, f.key)
					if !strings.HasPrefix(text, Prefix) {
						t.Fatalf("text %q lacks prefix", text)
					}
					for _, r := range text {
						if !strings.ContainsRune(b45.Alphabet, r) {
							t.Fatalf("character %q is outside the QR alphanumeric set", r)
						}
					}
					v := NewVerifier(f.list, NewMemoryRevocations(), &fixedClock{t: t0}, Options{})
					code, err := v.Verify(text)
					if err != nil {
						t.Fatal(err)
					}
					if code.Format != checkpoint.FormatHealthCode || code.Issuer != "110000:BJHC" || code.Region != "110000" ||
						code.ID != cl.ID || code.HolderMasked != "张*" || !code.IssuedAt.Equal(cl.IssuedAt.Truncate(time.Second)) ||
						!code.ColorSince.Equal(cl.ColorSince) {
						t.Errorf("code %+v does not carry the claims %+v", code, cl)
					}
					tc.check(t, code)
				})
			}
		})
	}
}

func TestVerifyRefuses(t *testing.T) {
	es := newIssuer(t, ES256)
	sm := newIssuer(t, SM2)
	other := testKey(t, ES256, "stranger")
	otherSM2 := testKey(t, SM2, "stranger")

	second := newNamedIssuer(t, ES256, "second")
	// A list trusting all three issuers, for kid swapping and algorithm
	// confusion.
	both, err := NewTrustList(es.entry, sm.entry, second.entry)
	if err != nil {
		t.Fatal(err)
	}
	cardOnly := newNamedIssuer(t, ES256, "card-only", checkpoint.KindCard)
	esKid := mustKid(t, es.key.Public())
	smKid := mustKid(t, sm.key.Public())

	type row struct {
		name  string
		trust checkpoint.TrustStore
		text  func(t *testing.T) string
		now   time.Time
		want  checkpoint.Failure
	}
	good := greenClaims()
	rows := []row{
		{"signed by a key not in the list (wrong key, same kid)", es.list, func(t *testing.T) string {
			return craft(t, Prefix, map[any]any{cose.HeaderLabelAlgorithm: cose.AlgorithmES256, cose.HeaderLabelKeyID: esKid}, nil, payloadOf(t, good), signerFor(t, other))
		}, t0, checkpoint.FailBadSignature},
		{"unknown issuer", es.list, func(t *testing.T) string { return mustIssue(t, good, other) }, t0, checkpoint.FailUnknownIssuer},
		{"kid swapped to another trusted issuer's key", both, func(t *testing.T) string {
			return craft(t, Prefix, map[any]any{cose.HeaderLabelAlgorithm: cose.AlgorithmES256, cose.HeaderLabelKeyID: mustKid(t, second.key.Public())}, nil, payloadOf(t, good), signerFor(t, es.key))
		}, t0, checkpoint.FailBadSignature},
		{"SM2 signature labelled with the ES256 issuer's kid", both, func(t *testing.T) string {
			return craft(t, Prefix, map[any]any{cose.HeaderLabelAlgorithm: cose.Algorithm(AlgSM2SM3), cose.HeaderLabelKeyID: esKid}, nil, payloadOf(t, good), signerFor(t, sm.key))
		}, t0, checkpoint.FailUnsupportedAlgorithm},
		{"ES256 header on the SM2 issuer's kid (algorithm confusion)", both, func(t *testing.T) string {
			return craft(t, Prefix, map[any]any{cose.HeaderLabelAlgorithm: cose.AlgorithmES256, cose.HeaderLabelKeyID: smKid}, nil, payloadOf(t, good), signerFor(t, es.key))
		}, t0, checkpoint.FailUnsupportedAlgorithm},
		{"SM2 signature by a stranger with the SM2 issuer's kid", sm.list, func(t *testing.T) string {
			return craft(t, Prefix, map[any]any{cose.HeaderLabelAlgorithm: cose.Algorithm(AlgSM2SM3), cose.HeaderLabelKeyID: smKid}, nil, payloadOf(t, good), signerFor(t, otherSM2))
		}, t0, checkpoint.FailBadSignature},
		{"HMAC 256/256 (alg 5)", es.list, func(t *testing.T) string {
			return craft(t, Prefix, map[any]any{cose.HeaderLabelAlgorithm: cose.Algorithm(5), cose.HeaderLabelKeyID: esKid}, nil, payloadOf(t, good), nil)
		}, t0, checkpoint.FailUnsupportedAlgorithm},
		{"alg \"none\" as text", es.list, func(t *testing.T) string {
			return craft(t, Prefix, map[any]any{cose.HeaderLabelAlgorithm: "none", cose.HeaderLabelKeyID: esKid}, nil, payloadOf(t, good), nil)
		}, t0, checkpoint.FailUnsupportedAlgorithm},
		{"no alg at all", es.list, func(t *testing.T) string {
			return craft(t, Prefix, map[any]any{cose.HeaderLabelKeyID: esKid}, nil, payloadOf(t, good), nil)
		}, t0, checkpoint.FailUnsupportedAlgorithm},
		{"PS256 on our code", es.list, func(t *testing.T) string {
			return craft(t, Prefix, map[any]any{cose.HeaderLabelAlgorithm: cose.AlgorithmPS256, cose.HeaderLabelKeyID: esKid}, nil, payloadOf(t, good), nil)
		}, t0, checkpoint.FailUnsupportedAlgorithm},
		{"no kid", es.list, func(t *testing.T) string {
			return craft(t, Prefix, map[any]any{cose.HeaderLabelAlgorithm: cose.AlgorithmES256}, nil, payloadOf(t, good), signerFor(t, es.key))
		}, t0, checkpoint.FailUnknownIssuer},
		{"expired beyond skew", es.list, func(t *testing.T) string { return mustIssue(t, good, es.key) }, good.ExpiresAt.Add(2*time.Minute + time.Second), checkpoint.FailExpired},
		{"issued in the future beyond skew", es.list, func(t *testing.T) string { return mustIssue(t, good, es.key) }, good.IssuedAt.Add(-2*time.Minute - time.Second), checkpoint.FailNotYetValid},
		{"signing key not yet valid", mustList(t, withValidity(es.entry, t0.Add(time.Hour), time.Time{})), func(t *testing.T) string { return mustIssue(t, good, es.key) }, t0, checkpoint.FailNotYetValid},
		{"signing key retired", mustList(t, withValidity(es.entry, time.Time{}, t0.Add(-time.Hour))), func(t *testing.T) string { return mustIssue(t, good, es.key) }, t0, checkpoint.FailExpired},
		{"key allowed only for cards signs a dynamic code", cardOnly.list, func(t *testing.T) string { return mustIssue(t, good, cardOnly.key) }, t0, checkpoint.FailKeyUsage},
		{"issuer's key claims another region's issuer", es.list, func(t *testing.T) string {
			c := good
			c.Region, c.Issuer = "310000", "SHHC"
			return mustIssue(t, c, es.key)
		}, t0, checkpoint.FailUnknownIssuer},
		{"signed claims without the health-code claim", es.list, func(t *testing.T) string {
			p, _ := cborEnc.Marshal(map[int]any{1: "110000:BJHC", 6: t0.Unix(), 4: t0.Add(time.Minute).Unix(), 7: []byte("12345678")})
			return craft(t, Prefix, map[any]any{cose.HeaderLabelAlgorithm: cose.AlgorithmES256, cose.HeaderLabelKeyID: esKid}, nil, p, signerFor(t, es.key))
		}, t0, checkpoint.FailInvalidClaims},
		{"signed colour 9", es.list, func(t *testing.T) string {
			w, _ := good.toCWT()
			w.HCN.Color = 9
			p, _ := cborEnc.Marshal(w)
			return craft(t, Prefix, map[any]any{cose.HeaderLabelAlgorithm: cose.AlgorithmES256, cose.HeaderLabelKeyID: esKid}, nil, p, signerFor(t, es.key))
		}, t0, checkpoint.FailInvalidClaims},
		{"no trust list loaded", nil, func(t *testing.T) string { return mustIssue(t, good, es.key) }, t0, checkpoint.FailTrustListUnavailable},
		{"unknown prefix", es.list, func(t *testing.T) string { return "https://example.com/" }, t0, checkpoint.FailUnknownFormat},
		{"empty text", es.list, func(t *testing.T) string { return "" }, t0, checkpoint.FailUnknownFormat},
		{"base45 garbage", es.list, func(t *testing.T) string { return Prefix + "abc" }, t0, checkpoint.FailMalformed},
		{"not zlib", es.list, func(t *testing.T) string { return Prefix + b45.Encode([]byte("plain bytes")) }, t0, checkpoint.FailMalformed},
		{"zlib bomb", es.list, func(t *testing.T) string {
			z, _ := deflate(make([]byte, 1<<20))
			return Prefix + b45.Encode(z)
		}, t0, checkpoint.FailMalformed},
		{"text longer than any QR", es.list, func(t *testing.T) string { return Prefix + strings.Repeat("0", MaxTextLen) }, t0, checkpoint.FailMalformed},
		{"deeply nested CBOR payload", es.list, func(t *testing.T) string {
			p := append([]byte(strings.Repeat("\x81", 200)), 0x00)
			return craft(t, Prefix, map[any]any{cose.HeaderLabelAlgorithm: cose.AlgorithmES256, cose.HeaderLabelKeyID: esKid}, nil, p, signerFor(t, es.key))
		}, t0, checkpoint.FailMalformed},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			text := r.text(t)
			var trust checkpoint.TrustStore = r.trust
			if r.trust == (*TrustList)(nil) || r.trust == nil {
				trust = nil
			}
			v := NewVerifier(trust, NewMemoryRevocations(), &fixedClock{t: r.now}, Options{})
			code, err := v.Verify(text)
			if err == nil {
				t.Fatalf("accepted: %+v", code)
			}
			var ve *checkpoint.VerifyError
			if !errors.As(err, &ve) {
				t.Fatalf("error %T is not a *checkpoint.VerifyError: %v", err, err)
			}
			if ve.Failure != r.want {
				t.Fatalf("failure %v (%v), want %v", ve.Failure, err, r.want)
			}
		})
	}
}

func mustList(t testing.TB, e ...TrustListEntry) *TrustList {
	t.Helper()
	tl, err := NewTrustList(e...)
	if err != nil {
		t.Fatal(err)
	}
	return tl
}

func withValidity(e TrustListEntry, from, to time.Time) TrustListEntry {
	e.ValidFrom, e.ValidTo = from, to
	return e
}

func TestTrailingLineBreakIsIgnored(t *testing.T) {
	f := newIssuer(t, SM2)
	text := mustIssue(t, greenClaims(), f.key)
	v := NewVerifier(f.list, nil, &fixedClock{t: t0}, Options{})
	if _, err := v.Verify(text + "\r\n"); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(text + " "); err == nil {
		t.Fatal("a trailing space (a Base45 character) was ignored")
	}
}

func TestSkewIsTolerated(t *testing.T) {
	f := newIssuer(t, ES256)
	c := greenClaims()
	text := mustIssue(t, c, f.key)
	clock := &fixedClock{}
	v := NewVerifier(f.list, nil, clock, Options{CacheSize: -1})
	for _, now := range []time.Time{c.ExpiresAt.Add(2 * time.Minute), c.IssuedAt.Add(-2 * time.Minute)} {
		clock.Set(now)
		if _, err := v.Verify(text); err != nil {
			t.Errorf("at %s (within the 2 min skew): %v", now, err)
		}
	}
	strict := NewVerifier(f.list, nil, clock, Options{ClockSkew: FixedSkew(0), CacheSize: -1})
	clock.Set(c.ExpiresAt.Add(time.Second))
	if _, err := strict.Verify(text); failureOf(err) != checkpoint.FailExpired {
		t.Errorf("without skew, one second after expiry: %v", err)
	}
}

func TestOneFlippedByteAnywhereIsRefused(t *testing.T) {
	for _, alg := range []Algorithm{ES256, SM2} {
		f := newIssuer(t, alg)
		text := mustIssue(t, greenClaims(), f.key)
		env, _, err := decodeEnvelope(text)
		if err != nil {
			t.Fatal(err)
		}
		z, _ := b45.Decode(text[len(Prefix):])
		raw, _ := inflate(z)
		_ = env
		v := NewVerifier(f.list, nil, &fixedClock{t: t0}, Options{CacheSize: -1})
		for i := range raw {
			for _, mask := range []byte{0x01, 0x80} {
				mod := append([]byte(nil), raw...)
				mod[i] ^= mask
				zz, err := deflate(mod)
				if err != nil {
					t.Fatal(err)
				}
				if code, err := v.Verify(Prefix + b45.Encode(zz)); err == nil {
					t.Fatalf("%s: byte %d ^ %#x of the COSE message accepted: %+v", alg, i, mask, code)
				} else if _, ok := err.(*checkpoint.VerifyError); !ok {
					t.Fatalf("%s: byte %d: untyped error %v", alg, i, err)
				}
			}
		}
		// And every character of the QR text itself.
		for i := len(Prefix); i < len(text); i++ {
			r := []byte(text)
			r[i] = b45.Alphabet[(strings.IndexByte(b45.Alphabet, r[i])+1)%45]
			if _, err := v.Verify(string(r)); err == nil {
				t.Fatalf("%s: text character %d changed and accepted", alg, i)
			}
		}
	}
}

func TestRevocationAndCache(t *testing.T) {
	f := newIssuer(t, ES256)
	c := greenClaims()
	c.Kind, c.ExpiresAt = checkpoint.KindCard, t0.Add(365*24*time.Hour)
	text := mustIssue(t, c, f.key)
	revs := NewMemoryRevocations()
	clock := &fixedClock{t: t0}
	v := NewVerifier(f.list, revs, clock, Options{CacheSize: 2})
	if _, err := v.Verify(text); err != nil {
		t.Fatal(err)
	}
	if v.cache.len() != 1 {
		t.Fatalf("cache holds %d entries after one verification", v.cache.len())
	}
	hs, err := RevocationHashesOf(text)
	if err != nil || len(hs) != 1 {
		t.Fatalf("RevocationHashesOf: %v %v", hs, err)
	}
	if h, _ := RevocationHashForCodeID(c.ID); h != hs[0] {
		t.Fatal("hash of the code id differs from the hash of the text")
	}
	revs.Add(hs...)
	if _, err := v.Verify(text); failureOf(err) != checkpoint.FailRevoked {
		t.Fatalf("revoked card served from cache: %v", err)
	}
	revs.Remove(hs...)
	if _, err := v.Verify(text); err != nil {
		t.Fatalf("un-revoked: %v", err)
	}
	clock.Set(c.ExpiresAt.Add(time.Hour))
	if _, err := v.Verify(text); failureOf(err) != checkpoint.FailExpired {
		t.Fatalf("expired card served from cache: %v", err)
	}
	// Bounded: many distinct codes never grow the cache beyond its size.
	clock.Set(t0)
	for i := 0; i < 5; i++ {
		c2 := greenClaims()
		c2.ID = NewCodeID()
		if _, err := v.Verify(mustIssue(t, c2, f.key)); err != nil {
			t.Fatal(err)
		}
	}
	if v.cache.len() != 2 {
		t.Fatalf("cache holds %d entries, bound is 2", v.cache.len())
	}
}

// erroringStore fails every lookup: the verifier must not pass codes then.
type erroringStore struct{}

func (erroringStore) KeysFor(checkpoint.Format, []byte) ([]checkpoint.TrustedKey, error) {
	return nil, errors.New("disk on fire")
}

type erroringRevocations struct{}

func (erroringRevocations) IsRevoked(checkpoint.RevocationHash) (bool, error) {
	return false, errors.New("bbolt closed")
}

func TestStoreErrorsRefuse(t *testing.T) {
	f := newIssuer(t, ES256)
	text := mustIssue(t, greenClaims(), f.key)
	if _, err := NewVerifier(erroringStore{}, nil, &fixedClock{t: t0}, Options{}).Verify(text); failureOf(err) != checkpoint.FailTrustListUnavailable {
		t.Errorf("trust store error: %v", err)
	}
	if _, err := NewVerifier(f.list, erroringRevocations{}, &fixedClock{t: t0}, Options{}).Verify(text); failureOf(err) != checkpoint.FailTrustListUnavailable {
		t.Errorf("revocation store error: %v", err)
	}
}

func TestCacheNoticesKeyRemovedFromTrust(t *testing.T) {
	f := newIssuer(t, ES256)
	text := mustIssue(t, greenClaims(), f.key)
	store := &swappableStore{ts: f.list}
	v := NewVerifier(store, nil, &fixedClock{t: t0}, Options{})
	if _, err := v.Verify(text); err != nil {
		t.Fatal(err)
	}
	store.ts = mustList(t) // a new list without the issuer
	if _, err := v.Verify(text); failureOf(err) != checkpoint.FailUnknownIssuer {
		t.Fatalf("cached code verified after its key left the trust list: %v", err)
	}
}

type swappableStore struct{ ts checkpoint.TrustStore }

func (s *swappableStore) KeysFor(f checkpoint.Format, kid []byte) ([]checkpoint.TrustedKey, error) {
	return s.ts.KeysFor(f, kid)
}

func TestIssueRejectsBadClaims(t *testing.T) {
	key := testKey(t, ES256, "issuer")
	for _, tc := range []struct {
		name string
		edit func(*Claims)
	}{
		{"region not six digits", func(c *Claims) { c.Region = "11000" }},
		{"issuer with a colon", func(c *Claims) { c.Issuer = "BJ:HC" }},
		{"id not hex", func(c *Claims) { c.ID = "not hex" }},
		{"unknown colour", func(c *Claims) { c.Color = checkpoint.ColorUnknown }},
		{"unknown kind", func(c *Claims) { c.Kind = checkpoint.KindUnknown }},
		{"expiry before issue", func(c *Claims) { c.ExpiresAt = c.IssuedAt.Add(-time.Second) }},
		{"proxy without relation", func(c *Claims) { c.Proxy = true }},
		{"unmasked name", func(c *Claims) { c.HolderMasked = "张三" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := greenClaims()
			tc.edit(&c)
			if _, err := Issue(c, key); err == nil {
				t.Fatal("issued")
			}
		})
	}
	rsaLike := crypto.Signer(nil)
	if _, err := Issue(greenClaims(), rsaLike); err == nil {
		t.Fatal("issued without a key")
	}
}

func TestConcurrentVerifyWithRevocations(t *testing.T) {
	f := newIssuer(t, ES256)
	var texts []string
	for i := 0; i < 4; i++ {
		c := greenClaims()
		c.ID = NewCodeID()
		texts = append(texts, mustIssue(t, c, f.key))
	}
	revs := NewMemoryRevocations()
	v := NewVerifier(f.list, revs, &fixedClock{t: t0}, Options{CacheSize: 2})
	hs, _ := RevocationHashesOf(texts[0])
	done := make(chan error, 8)
	for g := 0; g < 8; g++ {
		go func() {
			var bad error
			for i := 0; i < 50; i++ {
				text := texts[(g+i)%len(texts)]
				_, err := v.Verify(text)
				if err != nil && (text != texts[0] || failureOf(err) != checkpoint.FailRevoked) {
					bad = err
				}
				if g == 0 && i == 10 {
					revs.Add(hs...)
				}
			}
			done <- bad
		}()
	}
	for g := 0; g < 8; g++ {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
	if _, err := v.Verify(texts[0]); failureOf(err) != checkpoint.FailRevoked {
		t.Fatalf("after revocation: %v", err)
	}
}

func TestCachedDCCNoteFollowsTheClock(t *testing.T) {
	dsc := newDSC(t)
	text := dsc.dccText(t, testEntry(testNegative, t0.Add(-time.Hour).Format(time.RFC3339)), t0.Add(-time.Hour), t0.AddDate(0, 1, 0))
	clock := &fixedClock{t: t0}
	v := NewVerifier(dsc.list, nil, clock, Options{})
	c1, err := v.Verify(text)
	if err != nil {
		t.Fatal(err)
	}
	clock.Set(t0.Add(10 * time.Hour))
	c2, err := v.Verify(text)
	if err != nil || c1.Note == c2.Note || !strings.Contains(c2.Note, "11h") {
		t.Fatalf("notes %q then %q (%v)", c1.Note, c2.Note, err)
	}
	clock.Set(t0.Add(80 * time.Hour))
	if _, err := v.Verify(text); failureOf(err) != checkpoint.FailNotAccepted {
		t.Fatalf("a cached test certificate outlived the policy: %v", err)
	}
}

// The tolerance is read at every verification: a policy that changes the
// skew while the terminal runs applies to the next code, cached or not.
func TestClockSkewIsReadLive(t *testing.T) {
	f := newIssuer(t, ES256)
	c := greenClaims()
	text := mustIssue(t, c, f.key)
	clock := &fixedClock{}
	var skew atomic.Int64
	skew.Store(int64(5 * time.Minute))
	v := NewVerifier(f.list, nil, clock, Options{ClockSkew: func() time.Duration { return time.Duration(skew.Load()) }})
	clock.Set(c.ExpiresAt.Add(3 * time.Minute))
	if _, err := v.Verify(text); err != nil {
		t.Fatalf("3 min after expiry with a 5 min skew: %v", err)
	}
	skew.Store(int64(time.Minute))
	if _, err := v.Verify(text); failureOf(err) != checkpoint.FailExpired {
		t.Errorf("after the skew narrowed to 1 min, 3 min after expiry: %v, want expired", err)
	}
	skew.Store(0)
	clock.Set(c.ExpiresAt.Add(time.Second))
	if _, err := v.Verify(text); failureOf(err) != checkpoint.FailExpired {
		t.Errorf("a skew of 0 means none (not a default): one second after expiry: %v", err)
	}
}
