package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/checkpoint-terminal/checkpoint"
	"github.com/checkpoint-terminal/checkpoint/healthcode"
	"github.com/checkpoint-terminal/checkpoint/sync/hub"
)

// readHashes collects hashes from --code, --codes-file and --hashes-file.
func readHashes(codes, codesFile, hashesFile string) ([]checkpoint.RevocationHash, error) {
	var hs []checkpoint.RevocationHash
	addCode := func(id string) error {
		h, err := healthcode.RevocationHashForCodeID(id)
		if err != nil {
			return fmt.Errorf("code id %q: %w", id, err)
		}
		hs = append(hs, h)
		return nil
	}
	for _, id := range strings.Split(codes, ",") {
		if id = strings.TrimSpace(id); id != "" {
			if err := addCode(id); err != nil {
				return nil, err
			}
		}
	}
	eachLine := func(path string, f func(string) error) error {
		if path == "" {
			return nil
		}
		fh, err := os.Open(path)
		if err != nil {
			return fmt.Errorf("reading %s: %w", path, err)
		}
		defer fh.Close()
		sc := bufio.NewScanner(fh)
		for n := 1; sc.Scan(); n++ {
			line := strings.TrimSpace(sc.Text())
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			if err := f(line); err != nil {
				return fmt.Errorf("%s:%d: %w", path, n, err)
			}
		}
		return sc.Err()
	}
	if err := eachLine(codesFile, addCode); err != nil {
		return nil, err
	}
	if hashesFile != "" {
		more, err := healthcode.ReadRevocationHashFile(hashesFile)
		if err != nil {
			return nil, err
		}
		hs = append(hs, more...)
	}
	return hs, nil
}

func revocationsAdd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, db := newFlags("revocations add", stderr)
	key := fs.String("key", "", "root private key (PEM) that signs the batch")
	codes := fs.String("code", "", "comma-separated code ids to revoke")
	codesFile := fs.String("codes-file", "", "file of code ids, one per line")
	hashesFile := fs.String("hashes-file", "", "file of revocation hashes (32 hex digits), one per line")
	valid := fs.Duration("valid", 0, "how long terminals may install the batch (default 2160h, 90 days)")
	if err := parse(fs, args); err != nil {
		return err
	}
	sign, err := readSigner(*key)
	if err != nil {
		return err
	}
	hs, err := readHashes(*codes, *codesFile, *hashesFile)
	if err != nil {
		return err
	}
	if len(hs) == 0 {
		return errors.New("nothing to revoke: give --code, --codes-file or --hashes-file")
	}
	return withAdmin(ctx, *db, func(a *hub.Admin) error {
		a.Validity = *valid
		seq, added, err := a.AddRevocations(ctx, hs, sign)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "revocation batch %d: %d new of %d given\n", seq, added, len(hs))
		return nil
	})
}

func revocationsSnapshot(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, db := newFlags("revocations snapshot", stderr)
	key := fs.String("key", "", "root private key (PEM) that signs the snapshot")
	newSeries := fs.Bool("new-dataset", false, "start a new series first (after restoring the database from a backup): terminals ahead of the hub take this snapshot")
	valid := fs.Duration("valid", 0, "how long terminals may install the snapshot (default 2160h, 90 days)")
	if err := parse(fs, args); err != nil {
		return err
	}
	sign, err := readSigner(*key)
	if err != nil {
		return err
	}
	return withAdmin(ctx, *db, func(a *hub.Admin) error {
		a.Validity = *valid
		seq, n, err := a.PublishSnapshot(ctx, sign, *newSeries)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "revocation snapshot at batch %d: %d hashes\n", seq, n)
		return nil
	})
}

func revocationsPrune(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, db := newFlags("revocations prune", stderr)
	if err := parse(fs, args); err != nil {
		return err
	}
	return withAdmin(ctx, *db, func(a *hub.Admin) error {
		n, err := a.PruneRevocations(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%d deltas covered by the newest snapshot deleted\n", n)
		return nil
	})
}
