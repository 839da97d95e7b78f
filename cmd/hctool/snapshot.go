package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/checkpoint-terminal/checkpoint/healthcode"
	"github.com/checkpoint-terminal/checkpoint/sync/wire"
)

func init() {
	register(command{
		name:    "snapshot",
		summary: "sign a revocation snapshot of a hash file (from hctool revoke) for [trust] revocations",
		run:     runSnapshot,
	})
}

// runSnapshot signs the whole revocation set as one snapshot document, the
// file an offline terminal is seeded with ([trust] revocations).
func runSnapshot(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("snapshot", "--root ROOT.key --hashes REVOKED.txt --out REVOCATIONS.cose", stderr)
	root := fs.String("root", "", "root private key that signs the snapshot (PEM)")
	hashes := fs.String("hashes", "", "revocation hash file (hctool revoke --out), the whole set")
	out := fs.String("out", "", "file to write the signed snapshot to")
	seq := fs.Uint64("seq", uint64(time.Now().Unix()), "snapshot sequence (a terminal installs it only above the one it holds; default: the current Unix time)")
	valid := fs.Duration("valid", 2160*time.Hour, "how long the snapshot stays installable (as hub revocations snapshot --valid)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *root == "" || *hashes == "" || *out == "" || fs.NArg() != 0 || *valid <= 0 {
		fs.Usage()
		return errUsage
	}
	key, err := healthcode.ReadPrivateKey(*root)
	if err != nil {
		return err
	}
	hs, err := healthcode.ReadRevocationHashFile(*hashes)
	if err != nil {
		return err
	}
	now := time.Now().UTC().Truncate(time.Second)
	doc := wire.RevocationDoc{Kind: wire.KindSnapshot, Seq: *seq, IssuedAt: now, ExpiresAt: now.Add(*valid), Hashes: hs}
	signed, err := healthcode.SignDocument(doc.Marshal(), key)
	if err != nil {
		return fmt.Errorf("signing the snapshot: %w", err)
	}
	if err := os.WriteFile(*out, signed, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s: revocation snapshot %d, %d hash(es)\n", *out, *seq, len(hs))
	return nil
}
