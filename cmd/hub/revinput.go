package main

import (
	"context"
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

// batchInput reads what revocations add and withdraw both take: the root
// key that signs the batch and the typed code ids and hashes, at least one
// (verb says what would be done with them, for the message).
func batchInput(key, codes, codesFile, hashesFile, verb string) (hub.Sign, []revoking, error) {
	sign, err := readSigner(key)
	if err != nil {
		return nil, nil, err
	}
	rs, err := readHashes(codes, codesFile, hashesFile)
	if err != nil {
		return nil, nil, err
	}
	if len(rs) == 0 {
		return nil, nil, fmt.Errorf("nothing to %s: give --code, --codes-file or --hashes-file", verb)
	}
	return sign, rs, nil
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
