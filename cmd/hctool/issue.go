package main

import (
	"context"
	"fmt"
	"image/png"
	"io"
	"os"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
	"github.com/checkpoint-terminal/checkpoint/healthcode"
	"github.com/checkpoint-terminal/checkpoint/scanner/qr"
)

func init() {
	register(command{
		name:    "issue",
		summary: "issue a signed health code of any colour and kind: prints the text, writes a PNG QR (level Q)",
		run:     runIssue,
	})
}

func runIssue(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("issue", "--key ISSUER.key --region DIVISION --issuer ID [flags]", stderr)
	keyPath := fs.String("key", "", "issuer private key (PEM); required")
	region := fs.String("region", "", "GB/T 2260 six-digit division code of the issuer, e.g. 110000; required")
	issuer := fs.String("issuer", "", "issuer id within the region, e.g. BJHC; required")
	colour := fs.String("color", "green", "colour: green, yellow or red")
	kind := fs.String("kind", "dynamic", "kind: dynamic (phone, valid minutes) or card (printed, long-lived)")
	valid := fs.Duration("valid", 0, "validity from issue (default: 5m for dynamic, 8760h for card)")
	id := fs.String("id", "", "code id in hex (default: a new random id)")
	since := fs.String("color-since", "", "RFC 3339 time the colour was assigned (optional)")
	issuedAt := fs.String("issued-at", "", "RFC 3339 issue time (default: now)")
	holder := fs.String("holder", "", "masked holder name: surname plus \"*\", e.g. 张*")
	idLast4 := fs.String("id-last4", "", "last four characters of the holder's ID number")
	birthYear := fs.Int("birth-year", 0, "holder's year of birth (0: not stated)")
	relation := fs.String("proxy-for", "", "issue a proxy code shown by a family member; the holder's relation to them, e.g. mother")
	pngOut := fs.String("png", "", "write the QR code as a PNG to this file")
	size := fs.Int("size", 480, "PNG width and height in pixels")
	facts := addFactFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *keyPath == "" || *region == "" || *issuer == "" || fs.NArg() != 0 {
		fs.Usage()
		return errUsage
	}
	key, err := healthcode.ReadPrivateKey(*keyPath)
	if err != nil {
		return err
	}
	c := healthcode.Claims{
		Issuer: *issuer, Region: *region, ID: *id,
		HolderMasked: *holder, IDLast4: *idLast4, BirthYear: *birthYear,
		Proxy: *relation != "", Relation: *relation,
	}
	if c.ID == "" {
		c.ID = healthcode.NewCodeID()
	}
	if c.Color, err = checkpoint.ParseColor(*colour); err != nil {
		return err
	}
	if c.Kind, err = checkpoint.ParseCodeKind(*kind); err != nil {
		return err
	}
	c.IssuedAt = time.Now().UTC().Truncate(time.Second)
	if *issuedAt != "" {
		if c.IssuedAt, err = time.Parse(time.RFC3339, *issuedAt); err != nil {
			return fmt.Errorf("--issued-at: %w", err)
		}
	}
	if *since != "" {
		if c.ColorSince, err = time.Parse(time.RFC3339, *since); err != nil {
			return fmt.Errorf("--color-since: %w", err)
		}
	}
	d := *valid
	if d == 0 {
		d = 5 * time.Minute
		if c.Kind == checkpoint.KindCard {
			d = 365 * 24 * time.Hour
		}
	}
	c.ExpiresAt = c.IssuedAt.Add(d)
	if err := facts.apply(&c); err != nil {
		return err
	}
	text, err := healthcode.Issue(c, key)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, text)
	if *pngOut != "" {
		img, err := qr.Encode(text, *size)
		if err != nil {
			return err
		}
		f, err := os.Create(*pngOut)
		if err != nil {
			return err
		}
		if err := png.Encode(f, img); err != nil {
			f.Close()
			return fmt.Errorf("writing %s: %w", *pngOut, err)
		}
		if err := f.Close(); err != nil {
			return fmt.Errorf("writing %s: %w", *pngOut, err)
		}
		fmt.Fprintf(stderr, "wrote %s (code id %s, expires %s)\n", *pngOut, c.ID, c.ExpiresAt.Format(time.RFC3339))
	}
	return nil
}
