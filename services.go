package checkpoint

import (
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"time"
)

// Clock gives the current time. Everything that compares times takes one,
// because offline terminals drift and tests must cover skew.
type Clock interface {
	Now() time.Time
}

// SystemClock is the machine's clock.
type SystemClock struct{}

// Now returns time.Now().
func (SystemClock) Now() time.Time { return time.Now() }

// ClockFunc adapts a function to Clock (tests, skewed clocks).
type ClockFunc func() time.Time

// Now calls f.
func (f ClockFunc) Now() time.Time { return f() }

// TrustedKey is one entry of a verified trust list: a key that may sign
// codes of one format for one issuer, within a validity window.
type TrustedKey struct {
	// Kid is the key identifier codes carry: the first 8 bytes of SHA-256
	// of the key's SPKI DER or certificate DER.
	Kid    []byte
	Format Format
	// Issuer and Region name the authority (see Code.Issuer, Code.Region).
	Issuer string
	Region string
	// Algorithm is the COSE algorithm identifier the key signs with.
	Algorithm int64
	PublicKey crypto.PublicKey
	// Certificate is the signing certificate when the list carries one
	// (DCC document signers); nil for bare keys.
	Certificate *x509.Certificate
	// ValidFrom and ValidTo bound when codes signed by this key are accepted;
	// a zero value is unbounded.
	ValidFrom, ValidTo time.Time
	// Kinds lists the code kinds the key may sign; empty means all.
	Kinds []CodeKind
}

// TrustStore looks up trusted keys. Implementations hold only lists whose
// own signature was verified against a pinned root.
type TrustStore interface {
	// KeysFor returns every key of the format whose kid equals kid: a
	// verifier must try each (kids may collide). No match is an empty slice
	// and a nil error; an error means the store itself failed.
	KeysFor(format Format, kid []byte) ([]TrustedKey, error)
}

// RevocationHash is a revoked identifier as the lists carry it: SHA-256
// truncated to 16 bytes, as the EU DCC revocation scheme does.
type RevocationHash [16]byte

// HashForRevocation truncates SHA-256 of b to a RevocationHash.
func HashForRevocation(b []byte) RevocationHash {
	s := sha256.Sum256(b)
	var h RevocationHash
	copy(h[:], s[:16])
	return h
}

// RevocationChecker answers whether an identifier is revoked.
type RevocationChecker interface {
	// IsRevoked reports whether h is on the list. An error means the list
	// could not be read; callers must not treat that as "not revoked"
	// silently.
	IsRevoked(h RevocationHash) (bool, error)
}

// RecordLog stores records durably.
type RecordLog interface {
	// Append stores r (assigning r.ID when empty) and returns only once it is
	// durable: committed and synced to disk. It returns the stored record.
	Append(ctx context.Context, r Record) (Record, error)
}
