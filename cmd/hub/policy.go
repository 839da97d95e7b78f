package main

import (
	"context"
	"crypto"
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
	k, err := readSigningKey(path)
	if err != nil {
		return nil, err
	}
	return func(p []byte) ([]byte, error) { return healthcode.SignDocument(p, k) }, nil
}

// readSigningKey reads the PEM private key --key names.
func readSigningKey(path string) (crypto.Signer, error) {
	if path == "" {
		return nil, errors.New("--key (the root private key, PEM) is required")
	}
	k, err := healthcode.ReadPrivateKey(path)
	if err != nil {
		return nil, fmt.Errorf("signing key: %w", err)
	}
	return k, nil
}

func policyPublish(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, db := newFlags("policy publish", stderr)
	key := fs.String("key", "", "root private key (PEM) that signs the policy")
	file := fs.String("file", "", `policy as a JSON object of checkpoint.Policy keys, durations as strings ("10s"); keys it omits keep the default; unknown keys are refused; empty: the default policy`)
	version := fs.Uint64("version", 0, "policy version (0: one more than the newest ever published)")
	force := fs.Bool("force", false, "publish even when --version jumps more than a year of seconds ahead")
	valid := fs.Duration("valid", 0, "how long terminals may install the policy (default 2160h, 90 days)")
	dryRun := fs.Bool("dry-run", false, "check the file and show the difference to the policy in force, but sign and publish nothing")
	if err := parse(fs, args); err != nil {
		return err
	}
	k, err := readSigningKey(*key)
	if err != nil {
		return err
	}
	p := checkpoint.DefaultPolicy()
	if *file != "" {
		b, err := os.ReadFile(*file)
		if err != nil {
			return fmt.Errorf("reading policy: %w", err)
		}
		if p, err = decodePolicyFile(b, p); err != nil {
			return fmt.Errorf("%s: %w", *file, err)
		}
	}
	return withAdmin(ctx, *db, func(a *hub.Admin) error {
		showPolicyDiff(ctx, stdout, a, k.Public(), p)
		if *dryRun {
			fmt.Fprintln(stdout, "dry run: nothing signed or published")
			return nil
		}
		a.Force, a.Validity = *force, *valid
		sign := func(b []byte) ([]byte, error) { return healthcode.SignDocument(b, k) }
		v, err := a.PublishPolicy(ctx, *version, p, sign)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "policy version %d published\n", v)
		return nil
	})
}
