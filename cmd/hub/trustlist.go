package main

import (
	"context"
	"crypto"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/checkpoint-terminal/checkpoint/healthcode"
	"github.com/checkpoint-terminal/checkpoint/sync/hub"
)

// readRoot reads the root public key (PEM) a list must verify against.
func readRoot(path string) ([]crypto.PublicKey, error) {
	if path == "" {
		return nil, errors.New("--root is required")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading root key: %w", err)
	}
	k, err := healthcode.ParsePublicKeyPEM(b)
	if err != nil {
		return nil, fmt.Errorf("reading root key %s: %w", path, err)
	}
	return []crypto.PublicKey{k}, nil
}

func trustlistPublish(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, db := newFlags("trustlist publish", stderr)
	file := fs.String("file", "", "signed trust list (as hctool makes it)")
	root := fs.String("root", "", "root public key (PEM) the list must verify against")
	if err := parse(fs, args); err != nil {
		return err
	}
	roots, err := readRoot(*root)
	if err != nil {
		return err
	}
	signed, err := os.ReadFile(*file)
	if err != nil {
		return fmt.Errorf("reading trust list: %w", err)
	}
	l, err := healthcode.ParseTrustList(signed, roots, time.Now())
	if err != nil {
		return fmt.Errorf("verifying trust list %s: %w", *file, err)
	}
	return withAdmin(ctx, *db, func(a *hub.Admin) error {
		if err := a.PublishTrustList(ctx, l.Version(), signed); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "trust list version %d published (%d keys, expires %s)\n", l.Version(), l.Len(), l.ExpiresAt().Format(time.RFC3339))
		return nil
	})
}
