package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/checkpoint-terminal/checkpoint"
	"github.com/checkpoint-terminal/checkpoint/healthcode"
)

func init() {
	register(command{
		name:    "revoke",
		summary: "print (or append to a file) the revocation hashes of codes, images or code ids",
		run:     runRevoke,
	})
}

func runRevoke(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("revoke", "[flags] [TEXT...]", stderr)
	var images, ids multiFlag
	fs.Var(&images, "image", "revoke the code in the QR of this image file; repeatable")
	fs.Var(&ids, "code-id", "revoke one of our codes by its id (hex, as records show it); repeatable")
	out := fs.String("out", "", "append the hashes to this revocation list file instead of printing them")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	texts := fs.Args()
	for _, p := range images {
		t, err := readQRFile(p)
		if err != nil {
			return err
		}
		texts = append(texts, t)
	}
	if len(texts)+len(ids) == 0 {
		fs.Usage()
		return errUsage
	}
	var hs []checkpoint.RevocationHash
	for _, t := range texts {
		h, err := healthcode.RevocationHashesOf(strings.TrimSpace(t))
		if err != nil {
			return err
		}
		hs = append(hs, h...)
	}
	for _, id := range ids {
		h, err := healthcode.RevocationHashForCodeID(id)
		if err != nil {
			return err
		}
		hs = append(hs, h)
	}
	if *out == "" {
		return healthcode.WriteRevocationHashes(stdout, hs)
	}
	f, err := openHashFile(*out)
	if err != nil {
		return err
	}
	if err := healthcode.WriteRevocationHashes(f, hs); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", *out, err)
	}
	fmt.Fprintf(stdout, "appended %d hash(es) to %s\n", len(hs), *out)
	return nil
}

// openHashFile opens a revocation hash file to append to: a new or empty
// file gets healthcode.RevocationHashHeader as its first line, so it is
// never read as a file of code ids; a file of code ids is refused.
func openHashFile(path string) (*os.File, error) {
	if _, err := healthcode.ReadRevocationHashFile(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	if st, err := f.Stat(); err == nil && st.Size() == 0 {
		if _, err := fmt.Fprintln(f, healthcode.RevocationHashHeader); err != nil {
			f.Close()
			return nil, fmt.Errorf("writing %s: %w", path, err)
		}
	}
	return f, nil
}
