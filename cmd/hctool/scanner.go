package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
	"github.com/checkpoint-terminal/checkpoint/healthcode"
	"github.com/checkpoint-terminal/checkpoint/scanner/hid"
	"github.com/checkpoint-terminal/checkpoint/scanner/serialscan"
)

func init() {
	register(command{name: "scanner", summary: "read a hand scanner (serial or HID) and print one JSON line per code with its verification", run: runScanner})
}

// scannedCode is one JSON line of hctool scanner: the fields of hctool
// verify's output.
type scannedCode struct {
	Input     string    `json:"input"`
	At        time.Time `json:"at"`
	Verdict   string    `json:"verdict"` // VALID or REFUSED
	Failure   string    `json:"failure,omitempty"`
	Detail    string    `json:"detail,omitempty"`
	Format    string    `json:"format,omitempty"`
	Issuer    string    `json:"issuer,omitempty"`
	CodeID    string    `json:"code_id,omitempty"`
	Colour    string    `json:"colour,omitempty"`
	Kind      string    `json:"kind,omitempty"`
	IssuedAt  time.Time `json:"issued_at,omitzero"`
	ExpiresAt time.Time `json:"expires_at,omitzero"`
	Proxy     bool      `json:"proxy,omitempty"`
	Note      string    `json:"note,omitempty"`
	VerifyMs  float64   `json:"verify_ms"`
}

func runScanner(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("scanner", "(-port PATH [-baud N] [-suffix cr|lf|crlf|tab] | -evdev /dev/input/eventN) --trustlist LIST --root-pub ROOT.pub [flags]", stderr)
	port := fs.String("port", "", "serial scanner device (/dev/ttyACM0)")
	baud := fs.Int("baud", 9600, "serial: line speed")
	suffix := fs.String("suffix", "cr", "serial: terminator cr, lf, crlf, tab, auto or none")
	prefix := fs.String("prefix", "", "serial: prefix the scanner adds (stripped)")
	evdev := fs.String("evdev", "", "HID scanner input device instead of -port (grabbed while read)")
	listPath := fs.String("trustlist", "", "signed trust list (from hctool trustlist); required")
	var rootPubs multiFlag
	fs.Var(&rootPubs, "root-pub", "pinned root public key (PEM); repeatable; required")
	revoked := fs.String("revoked", "", "revocation list file (hex hashes, from hctool revoke)")
	at := fs.String("now", "", "verify at this RFC 3339 time instead of the clock")
	vf := addVerifyFlags(fs)
	count := fs.Int("codes", 0, "exit after this many codes (0: until interrupted)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if (*port == "") == (*evdev == "") || *listPath == "" || fs.NArg() > 0 {
		fs.Usage()
		return errUsage
	}
	now := func() time.Time { return time.Now() }
	if *at != "" {
		t, err := time.Parse(time.RFC3339, *at)
		if err != nil {
			return fmt.Errorf("-now: %w", err)
		}
		now = func() time.Time { return t }
	}
	roots, err := readRootPubs(rootPubs)
	if err != nil {
		return err
	}
	tl, err := loadTrustList(*listPath, roots, now())
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
	verify, err := vf.verifier(tl, revs, now)
	if err != nil {
		return err
	}

	var in interface {
		Name() string
		Run(context.Context, func(string, time.Time)) error
	}
	dev := *port + *evdev
	if _, err := os.Stat(dev); err != nil {
		return fmt.Errorf("scanner device: %w", err)
	}
	if *port != "" {
		cfg := serialscan.DefaultConfig()
		cfg.Port, cfg.Baud, cfg.Terminator, cfg.Prefix = *port, *baud, *suffix, *prefix
		if in, err = serialscan.New(cfg, nil); err != nil {
			return err
		}
	} else {
		cfg := hid.DefaultConfig()
		cfg.Device = *evdev
		if in, err = hid.New(cfg, nil); err != nil {
			return err
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	enc := json.NewEncoder(stdout)
	seen := 0
	err = in.Run(ctx, func(text string, arrived time.Time) {
		start := time.Now()
		code, verr := verify(text)
		out := scannedCode{Input: in.Name(), At: arrived, Verdict: "VALID", VerifyMs: float64(time.Since(start).Microseconds()) / 1000}
		if verr != nil {
			out.Verdict, out.Detail, out.Failure = "REFUSED", verr.Error(), checkpoint.FailMalformed.String()
			var ve *checkpoint.VerifyError
			if errors.As(verr, &ve) {
				out.Failure = ve.Failure.String()
			}
		} else {
			out.Format, out.Issuer, out.CodeID, out.Colour, out.Kind = string(code.Format), code.Issuer, code.ID, code.Color.String(), code.Kind.String()
			out.IssuedAt, out.ExpiresAt, out.Proxy, out.Note = code.IssuedAt, code.ExpiresAt, code.Proxy, code.Note
		}
		enc.Encode(out)
		if seen++; *count > 0 && seen >= *count {
			cancel()
		}
	})
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}
