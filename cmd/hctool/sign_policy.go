package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
	"github.com/checkpoint-terminal/checkpoint/healthcode"
	"github.com/checkpoint-terminal/checkpoint/sync/wire"
)

func runSignPolicy(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("sign-policy", "--root ROOT.key --dataset HEX --version N [--policy POLICY.json] --out POLICY.cose", stderr)
	root := fs.String("root", "", "root private key that signs the policy (PEM)")
	dataset := fs.String("dataset", "", "the hub's dataset (hub revocations next: dataset=)")
	version := fs.Uint64("version", 0, "policy version, above every one published (hub revocations next: policy_version=)")
	file := fs.String("policy", "", "policy as JSON (checkpoint.Policy fields; unknown keys refused); empty: the default policy")
	valid := fs.Duration("valid", 90*24*time.Hour, "how long terminals may install the policy (its signed expiry)")
	out := fs.String("out", "", "file to write the signed policy to")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *root == "" || *out == "" || fs.NArg() != 0 {
		fs.Usage()
		return errUsage
	}
	ds, err := datasetFlag(*dataset)
	if err != nil {
		return err
	}
	if *version == 0 {
		return errors.New("-version is required (hub revocations next prints policy_version=)")
	}
	if *valid <= 0 {
		return fmt.Errorf("-valid %s: want a positive duration", *valid)
	}
	p := checkpoint.DefaultPolicy()
	if *file != "" {
		b, err := os.ReadFile(*file)
		if err != nil {
			return fmt.Errorf("reading policy: %w", err)
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&p); err != nil {
			return fmt.Errorf("decoding policy %s: %w", *file, err)
		}
		if dec.More() {
			return fmt.Errorf("decoding policy %s: data after the policy object", *file)
		}
	}
	if err := p.Validate(); err != nil {
		return fmt.Errorf("policy %s: %w", *file, err)
	}
	key, err := healthcode.ReadPrivateKey(*root)
	if err != nil {
		return err
	}
	issued := time.Now().UTC().Truncate(time.Second)
	payload, err := json.Marshal(wire.PolicyDoc{Version: *version, Dataset: ds, IssuedAt: issued, ExpiresAt: issued.Add(*valid), Policy: p})
	if err != nil {
		return err
	}
	signed, err := healthcode.SignDocument(payload, key)
	if err != nil {
		return fmt.Errorf("signing the policy: %w", err)
	}
	if err := os.WriteFile(*out, signed, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s: policy version %d of dataset %s; upload it with hub policy publish --signed\n", *out, *version, ds)
	return nil
}
