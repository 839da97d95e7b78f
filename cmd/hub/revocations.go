package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/checkpoint-terminal/checkpoint"
	"github.com/checkpoint-terminal/checkpoint/healthcode"
	"github.com/checkpoint-terminal/checkpoint/sync/hub"
)

// revoking is one hash to act on and where it came from (for the echo).
type revoking struct {
	hash checkpoint.RevocationHash
	from string
}

// readHashes collects hashes from --code, --codes-file and --hashes-file.
// The files are typed (healthcode.ReadCodeIDFile, ReadRevocationHashFile):
// a hash file given as code ids is refused, not hashed again.
func readHashes(codes, codesFile, hashesFile string) ([]revoking, error) {
	var out []revoking
	var ids []string
	for _, id := range strings.Split(codes, ",") {
		if id = strings.TrimSpace(id); id != "" {
			ids = append(ids, id)
		}
	}
	if codesFile != "" {
		more, err := healthcode.ReadCodeIDFile(codesFile)
		if err != nil {
			return nil, err
		}
		ids = append(ids, more...)
	}
	for _, id := range ids {
		h, err := healthcode.RevocationHashForCodeID(id)
		if err != nil {
			return nil, fmt.Errorf("code id %q: %w", id, err)
		}
		out = append(out, revoking{h, "code " + strings.ToLower(id)})
	}
	if hashesFile != "" {
		more, err := healthcode.ReadRevocationHashFile(hashesFile)
		if err != nil {
			return nil, err
		}
		for _, h := range more {
			out = append(out, revoking{h, "hash file"})
		}
	}
	return out, nil
}

func hashesOf(rs []revoking) []checkpoint.RevocationHash {
	hs := make([]checkpoint.RevocationHash, len(rs))
	for i, r := range rs {
		hs[i] = r.hash
	}
	return hs
}

// echoRevoked prints one line per hash given: the hash, where it came
// from, and the batch that revoked it (or that it is not revoked).
func echoRevoked(ctx context.Context, a *hub.Admin, w io.Writer, rs []revoking) error {
	in, err := a.RevokedIn(ctx, hashesOf(rs))
	if err != nil {
		return err
	}
	for _, r := range rs {
		state := "not revoked"
		if seq, ok := in[r.hash]; ok {
			state = fmt.Sprintf("revoked in batch %d", seq)
		}
		fmt.Fprintf(w, "%x\t%s\t%s\n", r.hash[:], r.from, state)
	}
	return nil
}

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
	sign, err := readSigner(*key)
	if err != nil {
		return err
	}
	rs, err := readHashes(*codes, *codesFile, *hashesFile)
	if err != nil {
		return err
	}
	if len(rs) == 0 {
		return errors.New("nothing to revoke: give --code, --codes-file or --hashes-file")
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
