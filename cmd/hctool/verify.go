package main

import (
	"context"
	"flag"
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

// verifyFlags are the verification settings hctool verify and hctool
// scanner share, so that both give one code the same verdict.
type verifyFlags struct {
	skew, testHours, vaccWait, maxDynAge *time.Duration
	oneDose                              *bool
	tz                                   *string
}

func addVerifyFlags(fs *flag.FlagSet) verifyFlags {
	return verifyFlags{
		skew:      fs.Duration("skew", 2*time.Minute, "clock skew tolerance"),
		testHours: fs.Duration("dcc-test-validity", 72*time.Hour, "DCC: how long a negative test counts"),
		vaccWait:  fs.Duration("dcc-vaccination-wait", 14*24*time.Hour, "DCC: how long after the last dose a completed primary series counts (boosters count at once)"),
		oneDose:   fs.Bool("dcc-one-dose-after-recovery", false, "DCC: a 1/1 vaccination with a two-dose product counts at once"),
		maxDynAge: fs.Duration("max-dynamic-age", 5*time.Minute, "the terminal policy's max_dynamic_age: a dynamic code older than this, or living (exp - iat) longer, is refused; 0 skips the policy"),
		tz:        fs.String("tz", "Local", "time zone whose calendar days DCC date-only fields name (IANA name, UTC or Local)"),
	}
}

// verifier verifies a code as the flags say at now(), then applies the
// terminal policy's rules on verified codes, as Decide applies them (the
// replay rule needs a terminal's history and is not here).
func (f verifyFlags) verifier(tl checkpoint.TrustStore, revs checkpoint.RevocationChecker, now func() time.Time) (func(string) (checkpoint.Code, error), error) {
	loc, err := time.LoadLocation(*f.tz)
	if err != nil {
		return nil, fmt.Errorf("--tz: %w", err)
	}
	opts := healthcode.Options{ClockSkew: healthcode.FixedSkew(*f.skew), Location: loc,
		DCC: healthcode.DCCPolicy{TestValidity: *f.testHours, VaccinationWait: *f.vaccWait, OneDoseAfterRecovery: *f.oneDose}}
	if *f.vaccWait == 0 {
		opts.DCC.VaccinationWait = -1
	}
	v := healthcode.NewVerifier(tl, revs, checkpoint.ClockFunc(now), opts)
	return func(text string) (checkpoint.Code, error) {
		code, err := v.Verify(text)
		if err == nil && *f.maxDynAge > 0 {
			pol := checkpoint.DefaultPolicy()
			pol.MaxDynamicAge, pol.ClockSkew, pol.RequireTemperature = *f.maxDynAge, max(*f.skew, 0), false
			t := now()
			if d := checkpoint.Decide(checkpoint.Presentation{Code: &code, CapturedAt: t}, nil, pol, t); d.Failure != checkpoint.FailNone {
				err = checkpoint.Failf(d.Failure, "terminal policy: %s", d.Reason)
			}
		}
		return code, err
	}, nil
}
