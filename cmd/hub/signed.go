package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/checkpoint-terminal/checkpoint/healthcode"
	"github.com/checkpoint-terminal/checkpoint/sync/hub"
)

// Documents signed away from the hub, where the root key lives: hctool
// signs them to files with the numbers `hub revocations next` prints, and
// these commands upload them; the hub checks every number and signature.

func revocationsNext(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, db := newFlags("revocations next", stderr)
	if err := parse(fs, args); err != nil {
		return err
	}
	return withAdmin(ctx, *db, func(a *hub.Admin) error {
		n, err := a.Next(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "dataset=%s\nrevocation_seq=%d\nsnapshot_seq=%d\npolicy_version=%d\n", n.Dataset, n.RevocationSeq, n.RevocationSeq-1, n.PolicyVersion)
		return nil
	})
}

func revocationsPublish(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, db := newFlags("revocations publish", stderr)
	file := fs.String("file", "", "signed revocation delta, withdrawal or snapshot (hctool sign-revocations, hctool snapshot)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *file == "" {
		return errors.New("--file is required")
	}
	signed, err := os.ReadFile(*file)
	if err != nil {
		return fmt.Errorf("reading signed revocations: %w", err)
	}
	return withAdmin(ctx, *db, func(a *hub.Admin) error {
		d, err := a.PublishSignedRevocations(ctx, signed)
		if err != nil {
			return err
		}
		for _, h := range d.Hashes {
			fmt.Fprintf(stdout, "%x\t%s %d\n", h[:], d.Kind, d.Seq)
		}
		fmt.Fprintf(stdout, "revocation %s %d published: %d hash(es)\n", d.Kind, d.Seq, len(d.Hashes))
		return nil
	})
}

func revocationsWithdraw(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, db := newFlags("revocations withdraw", stderr)
	key := fs.String("key", "", "root private key (PEM) that signs the withdrawal (or sign offline: hctool sign-revocations --withdraw)")
	codes := fs.String("code", "", "comma-separated code ids to withdraw")
	codesFile := fs.String("codes-file", "", "file of code ids, one per line")
	hashesFile := fs.String("hashes-file", "", "file of revocation hashes, one per line")
	valid := fs.Duration("valid", 0, "how long terminals may install the withdrawal (default 2160h, 90 days)")
	if err := parse(fs, args); err != nil {
		return err
	}
	sign, rs, err := batchInput(*key, *codes, *codesFile, *hashesFile, "withdraw")
	if err != nil {
		return err
	}
	return withAdmin(ctx, *db, func(a *hub.Admin) error {
		a.Validity = *valid
		seq, gone, err := a.WithdrawRevocations(ctx, hashesOf(rs), sign)
		if err != nil {
			return err
		}
		if err := echoRevoked(ctx, a, stdout, rs); err != nil {
			return err
		}
		if seq == 0 {
			fmt.Fprintf(stdout, "none of the %d given is revoked: nothing published\n", len(rs))
			return nil
		}
		fmt.Fprintf(stdout, "withdrawal %d: %d of %d given withdrawn\n", seq, len(gone), len(rs))
		return nil
	})
}

func revocationsExport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, db := newFlags("revocations export", stderr)
	if err := parse(fs, args); err != nil {
		return err
	}
	return withAdmin(ctx, *db, func(a *hub.Admin) error {
		set, seq, err := a.RevocationSet(ctx)
		if err != nil {
			return err
		}
		n, err := a.Next(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s\n# dataset %s, as of batch %d (sign a snapshot with --seq %d)\n", healthcode.RevocationHashHeader, n.Dataset, seq, seq)
		return healthcode.WriteRevocationHashes(stdout, set)
	})
}

// policyPublishOrSigned is "policy publish": with --signed it uploads a
// policy hctool signed; otherwise policyPublish signs one here.
func policyPublishOrSigned(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	for _, a := range args {
		if a == "--" {
			break
		}
		if name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "="); strings.HasPrefix(a, "-") && name == "signed" {
			return policyPublishSigned(ctx, args, stdout, stderr)
		}
	}
	return policyPublish(ctx, args, stdout, stderr)
}

func policyPublishSigned(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, db := newFlags("policy publish --signed", stderr)
	file := fs.String("signed", "", "policy document signed offline (hctool sign-policy)")
	force := fs.Bool("force", false, "publish even when the version jumps more than a year of seconds ahead")
	if err := parse(fs, args); err != nil {
		return err
	}
	signed, err := os.ReadFile(*file)
	if err != nil {
		return fmt.Errorf("reading signed policy: %w", err)
	}
	return withAdmin(ctx, *db, func(a *hub.Admin) error {
		a.Force = *force
		d, err := a.PublishSignedPolicy(ctx, signed)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "policy version %d published (signed offline, expires %s)\n", d.Version, d.ExpiresAt.Format("2006-01-02T15:04:05Z07:00"))
		return nil
	})
}
