package healthcode

import (
	"encoding/hex"
	"fmt"
	"strings"
	"sync"

	"github.com/checkpoint-terminal/checkpoint"
)

// MemoryRevocations is an in-memory revocation list; it implements
// checkpoint.RevocationChecker and is safe for concurrent use.
type MemoryRevocations struct {
	mu sync.RWMutex
	m  map[checkpoint.RevocationHash]struct{}
}

// NewMemoryRevocations returns a list holding h.
func NewMemoryRevocations(h ...checkpoint.RevocationHash) *MemoryRevocations {
	r := &MemoryRevocations{m: make(map[checkpoint.RevocationHash]struct{}, len(h))}
	r.Add(h...)
	return r
}

// Add puts hashes on the list.
func (r *MemoryRevocations) Add(h ...checkpoint.RevocationHash) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, x := range h {
		r.m[x] = struct{}{}
	}
}

// Remove takes hashes off the list.
func (r *MemoryRevocations) Remove(h ...checkpoint.RevocationHash) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, x := range h {
		delete(r.m, x)
	}
}

// Len is the number of hashes on the list.
func (r *MemoryRevocations) Len() int {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return len(r.m)
}

// IsRevoked reports whether h is on the list; it never fails.
func (r *MemoryRevocations) IsRevoked(h checkpoint.RevocationHash) (bool, error) {
	r.mu.RLock()
	_, ok := r.m[h]
	r.mu.RUnlock()
	return ok, nil
}

// RevocationHashForCodeID is the revocation hash of one of our codes given
// its id as Code.ID shows it (hex): HashForRevocation of the id's bytes.
func RevocationHashForCodeID(id string) (checkpoint.RevocationHash, error) {
	b, err := hex.DecodeString(strings.TrimSpace(id))
	if err != nil || len(b) == 0 {
		return checkpoint.RevocationHash{}, fmt.Errorf("code id %q is not hex", id)
	}
	return checkpoint.HashForRevocation(b), nil
}

// RevocationHashesOf returns what an operator revokes to revoke the code in
// text. The text is decoded but not verified (revoking needs no trust):
//   - our code: HashForRevocation of the code id (cti) bytes;
//   - a DCC: the three hash types of the DCC revocation scheme, in order
//     UCI (SHA-256 of the UVCI), COUNTRYCODEUCI (of the issuing country's
//     code, the CWT iss claim as sent, followed by the UVCI) and SIGNATURE (of the
//     COSE signature; for ECDSA only its r half), each truncated to 16 bytes.
func RevocationHashesOf(text string) ([]checkpoint.RevocationHash, error) {
	env, _, err := decodeEnvelope(text)
	if err != nil {
		return nil, fmt.Errorf("revocation hashes: %w", err)
	}
	claims, err := decodePayload(env)
	if err != nil {
		return nil, fmt.Errorf("revocation hashes: %w", err)
	}
	switch env.format {
	case checkpoint.FormatHealthCode:
		if len(claims.Cti) == 0 {
			return nil, checkpoint.Failf(checkpoint.FailInvalidClaims, "revocation hashes: code has no id")
		}
		return []checkpoint.RevocationHash{checkpoint.HashForRevocation(claims.Cti)}, nil
	case checkpoint.FormatDCC:
		d, err := decodeDGC(claims)
		if err != nil {
			return nil, fmt.Errorf("revocation hashes: %w", err)
		}
		return dccRevocationHashes(env, claims.Iss, d), nil
	}
	return nil, checkpoint.Failf(checkpoint.FailUnknownFormat, "revocation hashes: format %q", env.format)
}

// dccRevocationHashes returns the UCI and COUNTRYCODEUCI hashes of every
// distinct UVCI of the certificate's entries, then the SIGNATURE hash: for
// ECDSA (COSE ES256, on any curve: P-256, P-384, P-521) of the r half of
// the signature, for RSA (PS256) of the whole signature. COUNTRYCODEUCI is
// over the issuing country as the CWT iss claim carries it (not the entry's
// "co", the country where the vaccination or test took place, which may
// differ), as the DCC revocation scheme and its reference apps compute it.
func dccRevocationHashes(env *envelope, iss string, d *dgc) []checkpoint.RevocationHash {
	var out []checkpoint.RevocationHash
	seen := map[string]bool{}
	for _, e := range d.entries() {
		if e.CI == "" || seen[e.CI] {
			continue
		}
		seen[e.CI] = true
		out = append(out,
			checkpoint.HashForRevocation([]byte(e.CI)),
			checkpoint.HashForRevocation([]byte(iss+e.CI)))
	}
	return append(out, checkpoint.HashForRevocation(signatureForRevocation(env.alg, env.msg.Signature)))
}

// signatureForRevocation is the part of a COSE signature the SIGNATURE
// revocation hash is over: r (the first half of r||s) for ECDSA, the whole
// signature otherwise.
func signatureForRevocation(alg int64, sig []byte) []byte {
	if alg == AlgES256 && len(sig) > 0 && len(sig)%2 == 0 {
		return sig[:len(sig)/2]
	}
	return sig
}
