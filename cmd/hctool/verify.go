package main

import (
	"context"
	"fmt"
	_ "image/jpeg" // image files for --image
	_ "image/png"
	"io"
	"strings"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
	"github.com/checkpoint-terminal/checkpoint/healthcode"
	"github.com/checkpoint-terminal/checkpoint/scanner/qr"
)

func init() {
	register(command{
		name:    "verify",
		summary: "verify a code (text or image file) against a signed trust list: prints the claims and the verdict",
		run:     runVerify,
	})
}

func runVerify(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("verify", "--trustlist LIST.cose --root-pub ROOT.pub [flags] (TEXT | --image FILE)", stderr)
	listPath := fs.String("trustlist", "", "signed trust list (from hctool trustlist); required")
	var rootPubs multiFlag
	fs.Var(&rootPubs, "root-pub", "pinned root public key (PEM) the list must be signed by; repeatable; required")
	imagePath := fs.String("image", "", "read the code from the QR in this PNG or JPEG file instead of the argument")
	revoked := fs.String("revoked", "", "revocation list file (hex hashes, one per line, from hctool revoke)")
	at := fs.String("now", "", "verify at this RFC 3339 time instead of the clock")
	vf := addVerifyFlags(fs)
	grace := fs.Duration("trust-grace", checkpoint.DefaultPolicy().TrustListGrace, "how long past its expiry the trust list is still used (policy.trust_list_grace); after it every code is refused, as on the terminal")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *listPath == "" || (*imagePath == "") == (fs.NArg() != 1) || fs.NArg() > 1 {
		fs.Usage()
		return errUsage
	}
	now := time.Now()
	if *at != "" {
		t, err := time.Parse(time.RFC3339, *at)
		if err != nil {
			return fmt.Errorf("--now: %w", err)
		}
		now = t
	}
	roots, err := readRootPubs(rootPubs)
	if err != nil {
		return err
	}
	// Read the list as of its own lifetime, then apply the terminal's rule
	// (checkpoint.TrustListState) at now.
	tl, err := loadTrustList(*listPath, roots, time.Time{})
	if err != nil {
		return err
	}
	revs := healthcode.NewMemoryRevocations()
	if *revoked != "" {
		hs, err := healthcode.ReadRevocationHashFile(*revoked)
		if err != nil {
			return err
		}
		revs.Add(hs...)
	}
	text := fs.Arg(0)
	if *imagePath != "" {
		if text, err = readQRFile(*imagePath); err != nil {
			return err
		}
	}
	text = strings.TrimSpace(text)
	if err := checkTrustLife(stdout, tl.ExpiresAt(), now, *grace); err != nil {
		return err
	}

	if d, err := healthcode.Inspect(text); err == nil {
		printDecoded(stdout, d)
	}
	verify, err := vf.verifier(tl, revs, func() time.Time { return now })
	if err != nil {
		return err
	}
	code, err := verify(text)
	if err != nil {
		fmt.Fprintf(stdout, "verdict:     REFUSED (%s)\n", checkpoint.FailureOf(err))
		return fmt.Errorf("code refused: %w", err)
	}
	fmt.Fprintf(stdout, "verdict:     VALID: %s %s code of %s", code.Color, code.Kind, printable(code.Issuer))
	if code.Note != "" {
		fmt.Fprintf(stdout, " (%s)", printable(code.Note))
	}
	fmt.Fprintln(stdout)
	return nil
}

// readQRFile reads the largest code in an image file through the same
// still-image path as hctool decode (qr.ReadFile, then DecodeStill).
func readQRFile(path string) (string, error) {
	g, err := qr.ReadFile(path)
	if err != nil {
		return "", err
	}
	dec, err := qr.NewDecoder(qr.DefaultOptions())
	if err != nil {
		return "", err
	}
	defer dec.Close()
	rs, err := dec.DecodeStill(g)
	if err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	if len(rs) == 0 {
		return "", fmt.Errorf("%s: %w", path, qr.ErrNoCode)
	}
	return rs[0].Text, nil
}
