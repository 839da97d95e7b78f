package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/checkpoint-terminal/checkpoint"
	"github.com/checkpoint-terminal/checkpoint/healthcode"
	"github.com/checkpoint-terminal/checkpoint/scanner"
	"github.com/checkpoint-terminal/checkpoint/scanner/camera"
	"github.com/checkpoint-terminal/checkpoint/scanner/qr"
)

func init() {
	register(command{
		name:    "scan",
		summary: "run the scan loop on a camera source and print one JSON line per presentation",
		run:     runScan,
	})
}

// runScan is the headless terminal: camera, decoder and verifier exactly as
// the terminal wires them, presentations printed as JSON lines.
func runScan(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("scan", "[flags] SOURCE   (0, /dev/video0, file.avi, rtsp://..., http://.../mjpg, a folder of images)", stderr)
	trust := fs.String("trust", "", "signed trust list file (required)")
	var roots multiFlag
	fs.Var(&roots, "root", "PEM file with a trust-list root public key (required; repeatable)")
	width := fs.Int("width", 1280, "requested frame width (devices and streams)")
	height := fs.Int("height", 720, "requested frame height (devices and streams)")
	fps := fs.Int("fps", 30, "requested frame rate (devices and streams)")
	holdOff := fs.Duration("holdoff", scanner.DefaultHoldOff, "how long a code must be out of sight before it is presented again")
	realtime := fs.Bool("realtime", false, "play files and folders at their frame rate, dropping frames the decoder cannot keep up with, as a live camera does (default: every frame, capture times are media times)")
	loop := fs.Bool("loop", false, "replay a file or folder forever (implies -realtime)")
	noLocator := fs.Bool("no-locator", false, "do not use OpenCV's QRCodeDetector as a locator (gozxing steps only)")
	verbose := fs.Bool("v", false, "log camera state and decode errors to stderr")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errUsage
	}
	if *trust == "" || len(roots) == 0 {
		return errors.New("need -trust and at least one -root to verify codes")
	}
	pubs, err := healthcode.ReadPublicKeys(roots...)
	if err != nil {
		return fmt.Errorf("root key: %w", err)
	}
	signed, err := os.ReadFile(*trust)
	if err != nil {
		return fmt.Errorf("reading trust list: %w", err)
	}
	clock := checkpoint.SystemClock{}
	tl, err := healthcode.ParseTrustList(signed, pubs, clock.Now())
	if err != nil {
		return fmt.Errorf("loading trust list %s: %w", *trust, err)
	}
	ver := healthcode.NewVerifier(tl, nil, clock, healthcode.Options{})

	level := slog.LevelError
	if *verbose {
		level = slog.LevelInfo
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	cam, err := camera.Open(ctx, camera.Config{Source: fs.Arg(0), Width: *width, Height: *height, FPS: *fps,
		Loop: *loop, Lockstep: !*realtime && !*loop}, log)
	if err != nil {
		return err
	}
	defer cam.Close()
	opts := qr.DefaultOptions()
	opts.NoLocator = *noLocator
	dec, err := qr.NewDecoder(opts)
	if err != nil {
		return err
	}
	defer dec.Close()
	s := scanner.New(cam, dec, ver, clock, scanner.Config{HoldOff: *holdOff, Log: log})
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	enc := json.NewEncoder(stdout)
	var werr error
	for p := range s.Presentations() {
		if werr == nil {
			if werr = enc.Encode(p); werr != nil {
				cancel()
			}
		}
	}
	if err := <-done; err != nil {
		return err
	}
	if werr != nil {
		return fmt.Errorf("writing presentations: %w", werr)
	}
	if st := cam.Status(); st.State == camera.StateFailed {
		return fmt.Errorf("camera failed: %w", st.Err)
	}
	return nil
}
