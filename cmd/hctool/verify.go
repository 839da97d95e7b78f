package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	_ "image/jpeg" // image files for --image
	_ "image/png"
	"io"
	"os"
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
	skew := fs.Duration("skew", 2*time.Minute, "clock skew tolerance")
	testHours := fs.Duration("dcc-test-validity", 72*time.Hour, "DCC: how long a negative test counts")
	vaccWait := fs.Duration("dcc-vaccination-wait", 14*24*time.Hour, "DCC: how long after the last dose a vaccination counts")
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
		f, err := os.Open(*revoked)
		if err != nil {
			return err
		}
		hs, err := healthcode.ReadRevocationHashes(f)
		f.Close()
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
	switch checkpoint.TrustListState(tl.ExpiresAt(), now, *grace) {
	case checkpoint.ListExpiredInGrace:
		fmt.Fprintf(stdout, "trust list:  EXPIRED at %s; still used for the %s grace (until %s)\n",
			fmtTime(tl.ExpiresAt()), *grace, fmtTime(tl.ExpiresAt().Add(*grace)))
	case checkpoint.ListExpired:
		fmt.Fprintf(stdout, "trust list:  EXPIRED at %s, grace %s over\n", fmtTime(tl.ExpiresAt()), *grace)
		fmt.Fprintf(stdout, "verdict:     REFUSED (%s)\n", checkpoint.FailTrustListUnavailable)
		return fmt.Errorf("code refused: trust list expired at %s and its %s grace is over", fmtTime(tl.ExpiresAt()), *grace)
	}

	if d, err := healthcode.Inspect(text); err == nil {
		printDecoded(stdout, d)
	}
	opts := healthcode.Options{ClockSkew: *skew, DCC: healthcode.DCCPolicy{TestValidity: *testHours, VaccinationWait: *vaccWait}}
	if *skew == 0 {
		opts.ClockSkew = -1
	}
	if *vaccWait == 0 {
		opts.DCC.VaccinationWait = -1
	}
	v := healthcode.NewVerifier(tl, revs, checkpoint.ClockFunc(func() time.Time { return now }), opts)
	code, err := v.Verify(text)
	if err != nil {
		var ve *checkpoint.VerifyError
		if errors.As(err, &ve) {
			fmt.Fprintf(stdout, "verdict:     REFUSED (%s)\n", ve.Failure)
		}
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

func printDecoded(w io.Writer, d *healthcode.Decoded) {
	fmt.Fprintf(w, "format:      %s (%s, kid %s)\n", d.Format, d.Algorithm, hex.EncodeToString(d.Kid))
	fmt.Fprintf(w, "issuer:      %s\n", printable(d.Issuer))
	fmt.Fprintf(w, "issued at:   %s\n", fmtTime(d.IssuedAt))
	fmt.Fprintf(w, "expires at:  %s\n", fmtTime(d.ExpiresAt))
	if c := d.Claims; c != nil {
		fmt.Fprintf(w, "code id:     %s\n", c.ID)
		fmt.Fprintf(w, "colour:      %s", c.Color)
		if !c.ColorSince.IsZero() {
			fmt.Fprintf(w, " since %s", fmtTime(c.ColorSince))
		}
		fmt.Fprintf(w, "\nkind:        %s\n", c.Kind)
		fmt.Fprintf(w, "holder:      %s  ID …%s  born %d\n", printable(c.HolderMasked), printable(c.IDLast4), c.BirthYear)
		if c.Proxy {
			fmt.Fprintf(w, "proxy:       shown on behalf of the holder (%s)\n", printable(c.Relation))
		}
	}
	if d.DCC != nil {
		b, err := json.MarshalIndent(d.DCC, "             ", "  ")
		if err == nil {
			fmt.Fprintf(w, "certificate: %s\n", jsonPrintable(b))
		}
	}
}
