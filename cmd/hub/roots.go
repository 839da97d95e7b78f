package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/checkpoint-terminal/checkpoint/sync/hub"
)

func rootsAdd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, db := newFlags("roots add", stderr)
	file := fs.String("file", "", "root public key (PEM) that signs the trust list, policies and revocations")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *file == "" {
		return errors.New("--file is required")
	}
	b, err := os.ReadFile(*file)
	if err != nil {
		return fmt.Errorf("reading root key: %w", err)
	}
	return withAdmin(ctx, *db, func(a *hub.Admin) error {
		fp, err := a.AddRoot(ctx, b)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "root %s configured\n", fp)
		return nil
	})
}
