package main

import (
	"context"
	"fmt"
	"io"

	"github.com/checkpoint-terminal/checkpoint/healthcode"
	"github.com/checkpoint-terminal/checkpoint/sync/hub"
)

func revocationsAdd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, db := newFlags("revocations add", stderr)
	key := fs.String("key", "", "root private key (PEM) that signs the batch")
	codes := fs.String("code", "", "comma-separated code ids to revoke")
	codesFile := fs.String("codes-file", "", "file of code ids, one per line (32-digit ids need the first line \""+healthcode.CodeIDHeader+"\")")
	hashesFile := fs.String("hashes-file", "", "file of revocation hashes (hctool revoke --out), one per line")
	valid := fs.Duration("valid", 0, "how long terminals may install the batch (default 2160h, 90 days)")
	if err := parse(fs, args); err != nil {
		return err
	}
	sign, rs, err := batchInput(*key, *codes, *codesFile, *hashesFile, "revoke")
	if err != nil {
		return err
	}
	return withAdmin(ctx, *db, func(a *hub.Admin) error {
		a.Validity = *valid
		seq, added, err := a.AddRevocations(ctx, hashesOf(rs), sign)
		if err != nil {
			return err
		}
		if err := echoRevoked(ctx, a, stdout, rs); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "revocation batch %d: %d new of %d given\n", seq, added, len(rs))
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
