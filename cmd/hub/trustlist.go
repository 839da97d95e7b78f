package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/checkpoint-terminal/checkpoint/sync/hub"
)

func trustlistPublish(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, db := newFlags("trustlist publish", stderr)
	file := fs.String("file", "", "signed trust list (as hctool makes it); it must verify against a configured root")
	force := fs.Bool("force", false, "publish even when the version jumps more than a year of seconds ahead")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *file == "" {
		return errors.New("--file is required")
	}
	signed, err := os.ReadFile(*file)
	if err != nil {
		return fmt.Errorf("reading trust list: %w", err)
	}
	return withAdmin(ctx, *db, func(a *hub.Admin) error {
		a.Force = *force
		l, err := a.PublishTrustList(ctx, signed)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "trust list version %d published (%d keys, expires %s)\n", l.Version(), l.Len(), l.ExpiresAt().Format(time.RFC3339))
		return nil
	})
}
