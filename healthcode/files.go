package healthcode

import (
	"crypto"
	"fmt"
	"os"

	"github.com/checkpoint-terminal/checkpoint"
)

// Key and revocation files as the operator's tools write them (hctool
// keygen, hctool revoke) and the terminal, the hub and hctool read them.
// These are the package's only file reads; every error names the file.

// ReadPublicKeys reads one PKIX "PUBLIC KEY" PEM file per path (P-256, SM2
// or RSA; ParsePublicKeyPEM), e.g. the pinned roots, in order.
func ReadPublicKeys(paths ...string) ([]crypto.PublicKey, error) {
	keys := make([]crypto.PublicKey, 0, len(paths))
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("reading public key: %w", err)
		}
		k, err := ParsePublicKeyPEM(b)
		if err != nil {
			return nil, fmt.Errorf("public key %s: %w", p, err)
		}
		keys = append(keys, k)
	}
	return keys, nil
}

// ReadPrivateKey reads a PKCS#8 "PRIVATE KEY" PEM file holding a P-256 or
// SM2 key (ParsePrivateKeyPEM), as hctool keygen writes it.
func ReadPrivateKey(path string) (crypto.Signer, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading private key: %w", err)
	}
	k, err := ParsePrivateKeyPEM(b)
	if err != nil {
		return nil, fmt.Errorf("private key %s: %w", path, err)
	}
	return k, nil
}

// ReadRevocationHashFile reads a file of revocation hashes in the format
// of WriteRevocationHashes (32 hex digits a line; blank lines and '#'
// comments skipped), as hctool revoke writes it.
func ReadRevocationHashFile(path string) ([]checkpoint.RevocationHash, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading revocation hashes: %w", err)
	}
	defer f.Close()
	hs, err := ReadRevocationHashes(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return hs, nil
}
