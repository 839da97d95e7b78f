package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/checkpoint-terminal/checkpoint/sync/hub"
)

func timeFlag(name, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("--%s: want RFC 3339 (2026-11-23T08:00:00Z): %w", name, err)
	}
	return t, nil
}

func query(ctx context.Context, name, what string, args []string, stdout, stderr io.Writer, q func(*hub.Admin, string, time.Time, time.Time) (int, error)) error {
	fs, db := newFlags(name, stderr)
	key := fs.String(what, "", what+" to look for")
	from := fs.String("from", "", "start time, RFC 3339 (default: the beginning)")
	to := fs.String("to", "", "end time (exclusive), RFC 3339 (default: no end)")
	operator := fs.String("operator", defaultOperator(), "who asks (written to the audit table; default $SUDO_USER or $USER)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *key == "" || *operator == "" {
		return fmt.Errorf("--%s and --operator are required", what)
	}
	t1, err := timeFlag("from", *from)
	if err != nil {
		return err
	}
	t2, err := timeFlag("to", *to)
	if err != nil {
		return err
	}
	return withAdmin(ctx, *db, func(a *hub.Admin) error {
		a.Operator = *operator
		n, err := q(a, *key, t1, t2)
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "%d records\n", n)
		return nil
	})
}

func querySite(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return query(ctx, "query site", "site", args, stdout, stderr, func(a *hub.Admin, k string, t1, t2 time.Time) (int, error) {
		return a.QuerySite(ctx, stdout, k, t1, t2)
	})
}

func queryCode(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return query(ctx, "query code", "code", args, stdout, stderr, func(a *hub.Admin, k string, t1, t2 time.Time) (int, error) {
		return a.QueryCode(ctx, stdout, k, t1, t2)
	})
}

func defaultOperator() string {
	if u := os.Getenv("SUDO_USER"); u != "" {
		return u
	}
	return os.Getenv("USER")
}
