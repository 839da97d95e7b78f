package sync

import (
	"crypto"
	"time"

	"github.com/checkpoint-terminal/checkpoint/healthcode"
)

// openDocument checks a signed document against the pinned roots.
func openDocument(signed []byte, roots []crypto.PublicKey) ([]byte, error) {
	return healthcode.OpenDocument(signed, roots)
}

// parseTrustList verifies and parses a signed trust list as of now.
func parseTrustList(signed []byte, roots []crypto.PublicKey, now time.Time) (trustList, error) {
	return healthcode.ParseTrustList(signed, roots, now)
}
