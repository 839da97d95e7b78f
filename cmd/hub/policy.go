package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/checkpoint-terminal/checkpoint"
	"github.com/checkpoint-terminal/checkpoint/healthcode"
	"github.com/checkpoint-terminal/checkpoint/sync/hub"
)

// readSigner reads the root private key (PEM) that signs policies and
// revocation batches on the operator's machine.
func readSigner(path string) (hub.Sign, error) {
	if path == "" {
		return nil, errors.New("--key (the root private key, PEM) is required")
	}
	k, err := healthcode.ReadPrivateKey(path)
	if err != nil {
		return nil, fmt.Errorf("signing key: %w", err)
	}
	return func(p []byte) ([]byte, error) { return healthcode.SignDocument(p, k) }, nil
}

func policyPublish(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, db := newFlags("policy publish", stderr)
	key := fs.String("key", "", "root private key (PEM) that signs the policy")
	file := fs.String("file", "", "policy as JSON (checkpoint.Policy fields; durations in nanoseconds); empty: the default policy")
	version := fs.Uint64("version", 0, "policy version (0: one more than the newest ever published)")
	force := fs.Bool("force", false, "publish even when --version jumps more than a year of seconds ahead")
	valid := fs.Duration("valid", 0, "how long terminals may install the policy (default 2160h, 90 days)")
	if err := parse(fs, args); err != nil {
		return err
	}
	sign, err := readSigner(*key)
	if err != nil {
		return err
	}
	p := checkpoint.DefaultPolicy()
	if *file != "" {
		b, err := os.ReadFile(*file)
		if err != nil {
			return fmt.Errorf("reading policy: %w", err)
		}
		// Unknown keys are refused: a misspelt field would otherwise be
		// dropped and the default published in the operator's name.
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&p); err != nil {
			return fmt.Errorf("decoding policy %s: %w", *file, err)
		}
		if dec.More() {
			return fmt.Errorf("decoding policy %s: trailing data after the policy", *file)
		}
	}
	return withAdmin(ctx, *db, func(a *hub.Admin) error {
		a.Force, a.Validity = *force, *valid
		v, err := a.PublishPolicy(ctx, *version, p, sign)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "policy version %d published\n", v)
		return nil
	})
}
