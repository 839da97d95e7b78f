package main

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/checkpoint-terminal/checkpoint/sync/hub"
)

func deviceRegister(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, db := newFlags("device register", stderr)
	id := fs.String("id", "", "device (terminal) id, as the terminal's records carry it")
	site := fs.String("site", "", "site the device stands at; it may push records only for this site (required)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *id == "" || *site == "" {
		return errors.New("--id and --site are required")
	}
	return withAdmin(ctx, *db, func(a *hub.Admin) error {
		token, err := a.RegisterDevice(ctx, *id, *site)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, token)
		fmt.Fprintf(stderr, "device %s registered; give it the token above (it is not shown again)\n", *id)
		return nil
	})
}

func deviceRevoke(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, db := newFlags("device revoke", stderr)
	id := fs.String("id", "", "device id")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *id == "" {
		return errors.New("--id is required")
	}
	return withAdmin(ctx, *db, func(a *hub.Admin) error {
		if err := a.RevokeDevice(ctx, *id); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "device %s revoked\n", *id)
		return nil
	})
}

func deviceList(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, db := newFlags("device list", stderr)
	if err := parse(fs, args); err != nil {
		return err
	}
	return withAdmin(ctx, *db, func(a *hub.Admin) error {
		ds, err := a.Devices(ctx)
		if err != nil {
			return err
		}
		w := csv.NewWriter(stdout)
		w.Write([]string{"id", "site", "registered", "revoked", "last_seen"}) //nolint:errcheck // checked at Flush
		ts := func(t *time.Time) string {
			if t == nil {
				return ""
			}
			return t.UTC().Format(time.RFC3339)
		}
		for _, d := range ds {
			w.Write([]string{d.ID, d.Site, d.Created.UTC().Format(time.RFC3339), ts(d.Revoked), ts(d.LastSeen)}) //nolint:errcheck
		}
		w.Flush()
		return w.Error()
	})
}
