package rules

import (
	"crypto"
	"encoding/json"
	"fmt"

	"github.com/checkpoint-terminal/checkpoint/healthcode"
)

// Sign checks a set (valid, its own tests pass) and signs its JSON with a
// root key as a COSE_Sign1 document (healthcode.SignDocument).
func Sign(s *Set, root crypto.Signer) ([]byte, error) {
	b, err := json.Marshal(s)
	if err != nil {
		return nil, fmt.Errorf("signing rule set: %w", err)
	}
	if _, err := Parse(b); err != nil {
		return nil, fmt.Errorf("signing rule set: %w", err)
	}
	if _, err := s.Test(); err != nil {
		return nil, fmt.Errorf("signing rule set: %w", err)
	}
	return healthcode.SignDocument(b, root)
}

// Open verifies a signed rule set against the pinned roots, parses it and
// runs its embedded tests: a set whose tests fail is refused (wrapping
// ErrTestsFailed) and never activated. Signature errors are
// *checkpoint.VerifyError (healthcode.OpenDocument); malformed sets wrap
// ErrInvalidSet.
func Open(signed []byte, roots []crypto.PublicKey) (*Set, error) {
	payload, err := healthcode.OpenDocument(signed, roots)
	if err != nil {
		return nil, fmt.Errorf("opening rule set: %w", err)
	}
	s, err := Parse(payload)
	if err != nil {
		return nil, fmt.Errorf("opening rule set: %w", err)
	}
	if _, err := s.Test(); err != nil {
		return nil, fmt.Errorf("opening rule set: %w", err)
	}
	return s, nil
}
