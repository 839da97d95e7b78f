// Package healthcode turns the text of a scanned QR code into a verified
// checkpoint.Code, offline: our own signed three-colour health code
// (prefix "HCN1:", see docs/healthcode-format.md) and the EU Digital COVID
// Certificate ("HC1:", HCERT).
//
// Both share one envelope: prefix, Base45 (RFC 9285), zlib, COSE_Sign1
// (RFC 9052) over a CWT (RFC 8392). A code is trusted only when its
// signature verifies with a key from a trust list that was itself signed by
// a pinned root; validity times are checked against an injected clock and
// revocation by hashed identifiers. Every failure is a *checkpoint.VerifyError
// with a typed checkpoint.Failure; no input panics.
package healthcode

import (
	"container/list"
	"crypto"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
)

// Options tune a Verifier. The zero value is the default.
type Options struct {
	// ClockSkew gives the tolerance on every time comparison; it is read at
	// every verification, so a policy changed while running applies at
	// once (the terminal passes its policy's clock_skew). nil means
	// DefaultClockSkew; a negative result counts as none.
	ClockSkew func() time.Duration
	// CacheSize bounds the cache of verified texts (the same code seen in
	// the next frames is not verified again; expiry, revocation and trust
	// are still checked on every use). Zero means 256; negative disables.
	CacheSize int
	// DCC is the site's policy for EU DCCs.
	DCC DCCPolicy
	// Location is the terminal's time zone: a DCC's date-only fields
	// (vaccination date, recovery valid-from and valid-until) name calendar
	// days there. Nil means time.Local.
	Location *time.Location
}

func (o Options) location() *time.Location {
	if o.Location == nil {
		return time.Local
	}
	return o.Location
}

// DefaultClockSkew is the tolerance a Verifier applies without
// Options.ClockSkew: checkpoint.DefaultPolicy's clock_skew.
const DefaultClockSkew = 2 * time.Minute

// FixedSkew is an Options.ClockSkew that is always d.
func FixedSkew(d time.Duration) func() time.Duration { return func() time.Duration { return d } }

// skew is the tolerance in force now.
func (v *Verifier) skew() time.Duration {
	if v.opts.ClockSkew == nil {
		return DefaultClockSkew
	}
	return max(v.opts.ClockSkew(), 0)
}

// Verifier verifies texts; it is safe for concurrent use.
type Verifier struct {
	trust   checkpoint.TrustStore
	revoked checkpoint.RevocationChecker
	clock   checkpoint.Clock
	opts    Options
	cache   *lru
}

// NewVerifier returns a verifier over a trust store, a revocation checker
// (nil: nothing is revoked) and a clock (nil: the system clock).
func NewVerifier(trust checkpoint.TrustStore, revoked checkpoint.RevocationChecker, clock checkpoint.Clock, opts Options) *Verifier {
	if clock == nil {
		clock = checkpoint.SystemClock{}
	}
	v := &Verifier{trust: trust, revoked: revoked, clock: clock, opts: opts}
	switch {
	case opts.CacheSize == 0:
		v.cache = newLRU(256)
	case opts.CacheSize > 0:
		v.cache = newLRU(opts.CacheSize)
	}
	return v
}

// verified is what the cache keeps of a verified text: enough to re-check
// everything that can change between two frames.
type verified struct {
	code   checkpoint.Code
	kid    []byte
	key    checkpoint.TrustedKey
	iat    time.Time
	exp    time.Time
	hashes []checkpoint.RevocationHash
	dgc    *dgc // DCC only: the policy is re-applied at each use
	hasIat bool
	hasExp bool
}

// Verify decodes and verifies text at the clock's now. The error is always
// a *checkpoint.VerifyError.
func (v *Verifier) Verify(text string) (checkpoint.Code, error) {
	now := v.clock.Now()
	var key [32]byte
	if v.cache != nil {
		key = sha256.Sum256([]byte(text))
		if r, ok := v.cache.get(key); ok {
			code, err := v.recheck(r, now)
			return code, withRefusedCode(text, err)
		}
	}
	r, _, err := v.verify(text, now)
	if err != nil {
		return checkpoint.Code{}, withRefusedCode(text, err)
	}
	if v.cache != nil {
		v.cache.put(key, r)
	}
	return r.code, nil
}

// recheck repeats, for a cached result, every check whose outcome can change
// after the signature verified: the key still trusted, the times, the DCC
// policy (whose note, e.g. a test's age, is refreshed) and revocation.
func (v *Verifier) recheck(r *verified, now time.Time) (checkpoint.Code, error) {
	var none checkpoint.Code
	keys, err := v.keysFor(r.code.Format, r.kid)
	if err != nil {
		return none, err
	}
	found := false
	for _, k := range keys {
		if k.Algorithm == r.key.Algorithm && publicKeyEqual(k.PublicKey, r.key.PublicKey) {
			r2 := *r
			r2.key = k
			if err := v.checkKey(&r2, now); err != nil {
				return none, err
			}
			if r.code.Format == checkpoint.FormatHealthCode {
				if k.Issuer != r.code.Issuer {
					return none, checkpoint.Failf(checkpoint.FailUnknownIssuer, "key now belongs to %s, not %s", k.Issuer, r.code.Issuer)
				}
				if err := issuedInKeyWindow(r.code.IssuedAt, k); err != nil {
					return none, err
				}
				if len(k.Kinds) > 0 && !slices.Contains(k.Kinds, r.code.Kind) {
					return none, checkpoint.Failf(checkpoint.FailKeyUsage, "key may no longer sign %s codes", r.code.Kind)
				}
			}
			found = true
			break
		}
	}
	if !found {
		return none, checkpoint.Failf(checkpoint.FailUnknownIssuer, "signing key no longer in the trust list")
	}
	if r.code.Format == checkpoint.FormatDCC {
		err = v.checkDCCTimes(r, now)
	} else {
		err = v.checkTimes(r, now)
	}
	if err != nil {
		return none, err
	}
	code := r.code
	if r.dgc != nil {
		note, err := v.opts.DCC.accept(r.dgc, now, v.skew(), v.opts.location())
		if err != nil {
			return none, err
		}
		code.Note = note
	}
	if err := v.checkRevoked(r.hashes); err != nil {
		return none, err
	}
	return code, nil
}

// failureOf returns the Failure of a *checkpoint.VerifyError, or FailNone.
func failureOf(err error) checkpoint.Failure {
	var ve *checkpoint.VerifyError
	if errors.As(err, &ve) {
		return ve.Failure
	}
	return checkpoint.FailNone
}

func publicKeyEqual(a, b crypto.PublicKey) bool {
	e, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && e.Equal(b)
}

func (v *Verifier) keysFor(f checkpoint.Format, kid []byte) ([]checkpoint.TrustedKey, error) {
	if v.trust == nil {
		return nil, checkpoint.Failf(checkpoint.FailTrustListUnavailable, "no trust list loaded")
	}
	keys, err := v.trust.KeysFor(f, kid)
	if err != nil {
		var ve *checkpoint.VerifyError
		if errors.As(err, &ve) {
			return nil, err
		}
		return nil, &checkpoint.VerifyError{Failure: checkpoint.FailTrustListUnavailable, Err: fmt.Errorf("looking up kid %x: %w", kid, err)}
	}
	return keys, nil
}

// verify runs the whole pipeline and reports the stage it reached.
func (v *Verifier) verify(text string, now time.Time) (r *verified, st stage, err error) {
	defer func() {
		// Defence in depth: the libraries below are not ours. A panic on a
		// hostile input becomes a malformed code, never a crashed terminal.
		// (The fuzz targets call verifyStages directly, so panics there are
		// found, not hidden.)
		if p := recover(); p != nil {
			r, st, err = nil, stageUnprefix, checkpoint.Failf(checkpoint.FailMalformed, "decoder panic: %v", p)
		}
	}()
	return v.verifyStages(text, now)
}

func (v *Verifier) verifyStages(text string, now time.Time) (r *verified, st stage, err error) {
	env, st, err := decodeEnvelope(text)
	if err != nil {
		return nil, st, err
	}
	st = stageClaims
	claims, claimsErr := decodePayload(env)
	if claimsErr != nil && failureOf(claimsErr) != checkpoint.FailInvalidClaims {
		return nil, st, claimsErr
	}
	st = stageSignature
	key, err := v.checkSignature(env)
	if err != nil {
		return nil, st, err
	}
	// Claims that are well-formed CBOR but break the claim types are
	// judged only once the signature shows who wrote them.
	if claimsErr != nil {
		return nil, stageClaims, claimsErr
	}
	r = &verified{kid: env.kid, key: key}
	if claims.Iat != nil {
		r.iat, r.hasIat = claims.Iat.t, true
	}
	if claims.Exp != nil {
		r.exp, r.hasExp = claims.Exp.t, true
	}
	switch env.format {
	case checkpoint.FormatHealthCode:
		c, err := claimsFromCWT(claims)
		if err != nil {
			return nil, st, err
		}
		if key.Issuer != c.Region+":"+c.Issuer {
			return nil, st, checkpoint.Failf(checkpoint.FailUnknownIssuer, "code claims issuer %s:%s but is signed by a key of %s", c.Region, c.Issuer, key.Issuer)
		}
		r.code = c.Code()
		cti, _ := hexDecode(c.ID)
		r.hashes = []checkpoint.RevocationHash{checkpoint.HashForRevocation(cti)}
		st = stageTime
		if err := v.checkKey(r, now); err != nil {
			return nil, st, err
		}
		if err := v.checkTimes(r, now); err != nil {
			return nil, st, err
		}
		if err := issuedInKeyWindow(r.code.IssuedAt, key); err != nil {
			return nil, stageClaims, err
		}
		st = stageKeyUsage
		if len(key.Kinds) > 0 && !slices.Contains(key.Kinds, c.Kind) {
			return nil, st, checkpoint.Failf(checkpoint.FailKeyUsage, "key %x may not sign %s codes", env.kid, c.Kind)
		}
	case checkpoint.FormatDCC:
		st = stageTime
		if err := v.checkDCCTimes(r, now); err != nil {
			return nil, st, err
		}
		d, err := decodeDGC(claims)
		if err != nil {
			return nil, st, err
		}
		st = stageKeyUsage
		if err := checkKeyUsage(key.Certificate, d.kind()); err != nil {
			return nil, st, err
		}
		st = stagePolicy
		note, err := v.opts.DCC.accept(d, now, v.skew(), v.opts.location())
		if err != nil {
			return nil, st, err
		}
		r.dgc = d
		r.code = dccCode(claims, d, note)
		r.hashes = dccRevocationHashes(env, claims.Iss, d)
	default:
		return nil, st, checkpoint.Failf(checkpoint.FailUnknownFormat, "format %q", env.format)
	}
	st = stageRevocation
	if err := v.checkRevoked(r.hashes); err != nil {
		return nil, st, err
	}
	return r, stageDone, nil
}

// issuedInKeyWindow: a key signs nothing outside its window, so a code
// whose iat lies before the key's valid-from (or after its valid-to) was not
// issued with it as the trust list allows (invalid_claims). Both are
// issuer-side times, so no clock skew applies.
func issuedInKeyWindow(iat time.Time, key checkpoint.TrustedKey) error {
	if !key.ValidFrom.IsZero() && iat.Before(key.ValidFrom) {
		return checkpoint.Failf(checkpoint.FailInvalidClaims, "issued at %s, before its key's window opened at %s", iat.Format(time.RFC3339), key.ValidFrom.Format(time.RFC3339))
	}
	if !key.ValidTo.IsZero() && iat.After(key.ValidTo) {
		return checkpoint.Failf(checkpoint.FailInvalidClaims, "issued at %s, after its key's window closed at %s", iat.Format(time.RFC3339), key.ValidTo.Format(time.RFC3339))
	}
	return nil
}

// checkSignature tries every trusted key with the envelope's kid.
func (v *Verifier) checkSignature(env *envelope) (checkpoint.TrustedKey, error) {
	if !acceptedAlgorithm(env.format, env.alg) {
		return checkpoint.TrustedKey{}, checkpoint.Failf(checkpoint.FailUnsupportedAlgorithm, "%s codes may not use %s", env.format, AlgorithmName(env.alg))
	}
	if env.kidErr != nil {
		return checkpoint.TrustedKey{}, env.kidErr
	}
	if len(env.kid) == 0 {
		return checkpoint.TrustedKey{}, checkpoint.Failf(checkpoint.FailUnknownIssuer, "no kid in either header")
	}
	keys, err := v.keysFor(env.format, env.kid)
	if err != nil {
		return checkpoint.TrustedKey{}, err
	}
	if len(keys) == 0 {
		return checkpoint.TrustedKey{}, checkpoint.Failf(checkpoint.FailUnknownIssuer, "no trusted %s key with kid %x", env.format, env.kid)
	}
	algMatched := false
	for _, k := range keys {
		if k.Algorithm != env.alg {
			continue
		}
		algMatched = true
		if env.verifyWith(env.alg, k.PublicKey) == nil {
			return k, nil
		}
	}
	if !algMatched {
		return checkpoint.TrustedKey{}, checkpoint.Failf(checkpoint.FailUnsupportedAlgorithm, "code says %s but the key with kid %x is for %s", AlgorithmName(env.alg), env.kid, AlgorithmName(keys[0].Algorithm))
	}
	return checkpoint.TrustedKey{}, checkpoint.Failf(checkpoint.FailBadSignature, "signature does not verify with any of %d key(s) with kid %x", len(keys), env.kid)
}

// checkKey checks that the signing key's validity window covers now, with
// the clock skew: a retired key or document signer signs nothing more that
// we accept, as the DCC reference verifiers check the DSC at verification
// time.
func (v *Verifier) checkKey(r *verified, now time.Time) error {
	if !r.key.ValidFrom.IsZero() && now.Add(v.skew()).Before(r.key.ValidFrom) {
		return checkpoint.Failf(checkpoint.FailNotYetValid, "signing key valid only from %s", r.key.ValidFrom.Format(time.RFC3339))
	}
	if !r.key.ValidTo.IsZero() && now.Add(-v.skew()).After(r.key.ValidTo) {
		return checkpoint.Failf(checkpoint.FailExpired, "signing key expired at %s", r.key.ValidTo.Format(time.RFC3339))
	}
	return nil
}

// checkDCCTimes applies the DCC validity rules: the document signer valid
// now (checkKey), both iat and exp present, exp not after the signer
// certificate's notAfter (HCERT: a DCC may not outlive its signer; both are
// issuer-side times, so without skew), and exp and iat against now
// (checkTimes).
func (v *Verifier) checkDCCTimes(r *verified, now time.Time) error {
	// In the order of the spec's table: the signer's window first.
	if err := v.checkKey(r, now); err != nil {
		return err
	}
	if !r.hasExp || !r.hasIat {
		return checkpoint.Failf(checkpoint.FailInvalidClaims, "DCC without iat or exp")
	}
	if c := r.key.Certificate; c != nil && r.exp.After(c.NotAfter) {
		return checkpoint.Failf(checkpoint.FailExpired, "certificate expiry %s is after its document signer's notAfter %s", r.exp.Format(time.RFC3339), c.NotAfter.Format(time.RFC3339))
	}
	return v.checkTimes(r, now)
}

// checkTimes checks exp and iat against now with the clock skew.
func (v *Verifier) checkTimes(r *verified, now time.Time) error {
	if r.hasExp && now.Add(-v.skew()).After(r.exp) {
		return checkpoint.Failf(checkpoint.FailExpired, "expired at %s", r.exp.Format(time.RFC3339))
	}
	if r.hasIat && r.iat.After(now.Add(v.skew())) {
		return checkpoint.Failf(checkpoint.FailNotYetValid, "issued at %s, in the future", r.iat.Format(time.RFC3339))
	}
	return nil
}

func (v *Verifier) checkRevoked(hs []checkpoint.RevocationHash) error {
	if v.revoked == nil {
		return nil
	}
	for _, h := range hs {
		bad, err := v.revoked.IsRevoked(h)
		if err != nil {
			return &checkpoint.VerifyError{Failure: checkpoint.FailTrustListUnavailable, Err: fmt.Errorf("reading revocation list: %w", err)}
		}
		if bad {
			return checkpoint.Failf(checkpoint.FailRevoked, "identifier hash %x is revoked", h[:])
		}
	}
	return nil
}

// lru is a bounded cache of verified texts by SHA-256 of the text.
type lru struct {
	mu    sync.Mutex
	max   int
	ll    *list.List
	items map[[32]byte]*list.Element
}

type lruItem struct {
	key [32]byte
	val *verified
}

func newLRU(n int) *lru {
	return &lru{max: n, ll: list.New(), items: make(map[[32]byte]*list.Element, n)}
}

func (c *lru) get(k [32]byte) (*verified, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.items[k]
	if !ok {
		return nil, false
	}
	c.ll.MoveToFront(e)
	return e.Value.(*lruItem).val, true
}

func (c *lru) put(k [32]byte, v *verified) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.items[k]; ok {
		e.Value.(*lruItem).val = v
		c.ll.MoveToFront(e)
		return
	}
	c.items[k] = c.ll.PushFront(&lruItem{key: k, val: v})
	for c.ll.Len() > c.max {
		old := c.ll.Back()
		c.ll.Remove(old)
		delete(c.items, old.Value.(*lruItem).key)
	}
}

func (c *lru) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ll.Len()
}
