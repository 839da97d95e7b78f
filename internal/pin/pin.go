// Package pin stores and checks the operator PIN as a salted, slow
// argon2id hash (RFC 9106) in the PHC string format
//
//	$argon2id$v=19$m=19456,t=2,p=1$<salt, base64>$<hash, base64>
//
// so the config file never holds the PIN itself. The parameters are the
// OWASP Password Storage Cheat Sheet's minimum for argon2id (19 MiB, two
// passes, one lane): about 40 ms on a small ARM board, a few hundred
// guesses a second for whoever copies the file; a four-digit PIN still
// falls in minutes offline, which is why the lockout guards the pad and the
// config file must not be world-readable.
package pin

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Default is the PIN of the demo and of a config that sets none; outside
// demo mode the terminal refuses to start with it.
const Default = "1234"

// Argon2id parameters of new hashes (memory in KiB).
const (
	memoryKiB = 19 * 1024
	passes    = 2
	lanes     = 1
	saltLen   = 16
	hashLen   = 32
	prefix    = "$argon2id$"
)

// Limits on the parameters a stored hash may ask for, so a tampered config
// cannot make every PIN check allocate gigabytes.
const (
	maxMemoryKiB = 256 * 1024
	maxPasses    = 10
)

// ErrMalformed means a stored value starts like an argon2id hash but cannot
// be read as one.
var ErrMalformed = errors.New("malformed argon2id PIN hash")

// MinLength is the fewest characters a PIN may have.
const MinLength = 4

// Hash returns the PHC string of pin under a fresh random salt. The PIN
// must have at least MinLength characters.
func Hash(pin string) (string, error) {
	if len(pin) < MinLength {
		return "", fmt.Errorf("a PIN needs at least %d characters", MinLength)
	}
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("hashing the PIN: %w", err)
	}
	sum := argon2.IDKey([]byte(pin), salt, passes, memoryKiB, lanes, hashLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("%sv=%d$m=%d,t=%d,p=%d$%s$%s", prefix, argon2.Version, memoryKiB, passes, lanes,
		b64.EncodeToString(salt), b64.EncodeToString(sum)), nil
}

// IsHash reports whether stored is (or claims to be) an argon2id hash
// rather than a PIN in plain text.
func IsHash(stored string) bool { return strings.HasPrefix(stored, prefix) }

type params struct {
	m, t   uint32
	p      uint8
	salt   []byte
	sum    []byte
	verNum int
}

func parse(stored string) (params, error) {
	var ps params
	f := strings.Split(stored, "$")
	// "", "argon2id", "v=19", "m=..,t=..,p=..", salt, hash
	if len(f) != 6 || f[1] != "argon2id" {
		return ps, ErrMalformed
	}
	if _, err := fmt.Sscanf(f[2], "v=%d", &ps.verNum); err != nil || ps.verNum != argon2.Version {
		return ps, fmt.Errorf("%w: version %q, want v=%d", ErrMalformed, f[2], argon2.Version)
	}
	var p uint32
	if _, err := fmt.Sscanf(f[3], "m=%d,t=%d,p=%d", &ps.m, &ps.t, &p); err != nil {
		return ps, fmt.Errorf("%w: parameters %q", ErrMalformed, f[3])
	}
	if ps.m < 8 || ps.m > maxMemoryKiB || ps.t < 1 || ps.t > maxPasses || p < 1 || p > 16 {
		return ps, fmt.Errorf("%w: parameters %q out of range (m <= %d KiB, t <= %d)", ErrMalformed, f[3], maxMemoryKiB, maxPasses)
	}
	ps.p = uint8(p)
	var err error
	if ps.salt, err = base64.RawStdEncoding.DecodeString(f[4]); err != nil || len(ps.salt) < 8 {
		return ps, fmt.Errorf("%w: salt", ErrMalformed)
	}
	if ps.sum, err = base64.RawStdEncoding.DecodeString(f[5]); err != nil || len(ps.sum) < 16 || len(ps.sum) > 64 {
		return ps, fmt.Errorf("%w: hash", ErrMalformed)
	}
	return ps, nil
}

// Validate checks a stored value: a well-formed argon2id hash, or a plain
// PIN of at least MinLength characters (accepted, but the terminal warns).
func Validate(stored string) error {
	if IsHash(stored) {
		_, err := parse(stored)
		return err
	}
	if len(stored) < MinLength {
		return fmt.Errorf("a PIN needs at least %d characters", MinLength)
	}
	return nil
}

// Check reports whether pin matches stored (an argon2id hash, or a plain
// PIN compared in constant time). An empty stored value matches nothing.
func Check(stored, pin string) (bool, error) {
	if stored == "" {
		return false, nil
	}
	if !IsHash(stored) {
		return subtle.ConstantTimeCompare([]byte(stored), []byte(pin)) == 1, nil
	}
	ps, err := parse(stored)
	if err != nil {
		return false, err
	}
	sum := argon2.IDKey([]byte(pin), ps.salt, ps.t, ps.m, ps.p, uint32(len(ps.sum)))
	return subtle.ConstantTimeCompare(sum, ps.sum) == 1, nil
}

// IsDefault reports whether stored lets Default in: the plain default or a
// hash of it.
func IsDefault(stored string) bool {
	ok, _ := Check(stored, Default)
	return ok
}
