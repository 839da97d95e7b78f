package healthcode

import (
	"crypto/ecdsa"
	"crypto/sha256"
	"testing"

	"github.com/emmansun/gmsm/sm2"
)

// The benchmarks compare the whole text-to-verified-Code path with the bare
// signature check of the same key over the same bytes, in the same run:
// scripts/bench-healthcode.sh prints the ratio.

func benchAlgs() []Algorithm { return []Algorithm{ES256, SM2} }

// BenchmarkVerify is text to verified Code, uncached: prefix, Base45, zlib,
// COSE, CWT, trust lookup, signature, times, revocation.
func BenchmarkVerify(b *testing.B) {
	for _, alg := range benchAlgs() {
		b.Run(string(alg), func(b *testing.B) {
			f := newIssuer(b, alg)
			text := mustIssue(b, greenClaims(), f.key)
			v := NewVerifier(f.list, NewMemoryRevocations(), &fixedClock{t: t0}, Options{CacheSize: -1})
			b.ReportAllocs()
			for b.Loop() {
				if _, err := v.Verify(text); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkVerifyCached is the same text seen again in the next frame: a
// cache hit that still re-checks trust, expiry and revocation.
func BenchmarkVerifyCached(b *testing.B) {
	for _, alg := range benchAlgs() {
		b.Run(string(alg), func(b *testing.B) {
			f := newIssuer(b, alg)
			text := mustIssue(b, greenClaims(), f.key)
			v := NewVerifier(f.list, NewMemoryRevocations(), &fixedClock{t: t0}, Options{})
			if _, err := v.Verify(text); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := v.Verify(text); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkBareSignature is the floor: the library's signature check of the
// same key over the same Sig_structure (SHA-256 + ECDSA P-256 from the
// standard library; SM3 + SM2 from gmsm).
func BenchmarkBareSignature(b *testing.B) {
	for _, alg := range benchAlgs() {
		b.Run(string(alg), func(b *testing.B) {
			f := newIssuer(b, alg)
			text := mustIssue(b, greenClaims(), f.key)
			env, _, err := decodeEnvelope(text)
			if err != nil {
				b.Fatal(err)
			}
			tbs := env.toBeSigned()
			der, err := rawToASN1(env.msg.Signature)
			if err != nil {
				b.Fatal(err)
			}
			pub := f.key.Public().(*ecdsa.PublicKey)
			b.ReportAllocs()
			for b.Loop() {
				var ok bool
				if alg == SM2 {
					ok = sm2.VerifyASN1WithSM2(pub, sm2UID, tbs, der)
				} else {
					h := sha256.Sum256(tbs)
					ok = ecdsa.VerifyASN1(pub, h[:], der)
				}
				if !ok {
					b.Fatal("signature does not verify")
				}
			}
		})
	}
}
