package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
	"github.com/checkpoint-terminal/checkpoint/internal/config"
	"github.com/checkpoint-terminal/checkpoint/internal/demo"
	"github.com/checkpoint-terminal/checkpoint/internal/doctor"
	"github.com/checkpoint-terminal/checkpoint/internal/terminal"
)

// runDoctor is `checkpoint doctor [-config PATH]`: every self-test as a
// table with next steps. It returns the exit status: 0 when nothing
// failed, 1 when a check failed, 2 for bad arguments.
func runDoctor(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("checkpoint doctor", flag.ContinueOnError)
	fs.SetOutput(stderr)
	configPath := fs.String("config", "", "TOML config file (none: check the demo's parts)")
	demoDir := fs.String("demo-dir", defaultDemoDir(), "where demo mode keeps its keys, lists and store")
	logLevel := fs.String("log-level", "error", "debug, info, warn or error")
	firstFrame := fs.Duration("first-frame", 0, "how long to wait for the camera's first frame (default 10s, 90s in demo mode)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "checkpoint doctor: unexpected arguments %v\n", fs.Args())
		return 2
	}
	log, err := newLogger(*logLevel, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "checkpoint doctor:", err)
		return 2
	}
	clock := checkpoint.SystemClock{}
	opts := doctor.Options{Clock: clock, Log: log, FirstFrame: *firstFrame}
	var cfg config.Config
	if *configPath == "" {
		fmt.Fprintf(stdout, "No -config given: checking the demo's parts in %s\n\n", *demoDir)
		dm, err := demo.Prepare(ctx, *demoDir, clock, log, demo.Options{})
		if err != nil {
			fmt.Fprintln(stderr, "checkpoint doctor: preparing the demo:", err)
			return 1
		}
		defer dm.Close()
		cfg = dm.Config
		if err := doctor.SeedDemo(cfg, clock.Now()); err != nil {
			fmt.Fprintln(stderr, "checkpoint doctor: seeding the demo store:", err)
		}
		rot := dm.NewRotator(ctx)
		defer rot.Close()
		opts.Demo, opts.Frames, opts.RevocationsRequired = true, rot, true
		if opts.FirstFrame == 0 {
			opts.FirstFrame = 90 * time.Second // the demo renders its video first
		}
	} else if cfg, err = config.Load(*configPath); err != nil {
		fmt.Fprintln(stderr, "checkpoint doctor:", err)
		return 1
	}
	opts.ConfigPath = *configPath
	report := doctor.Run(ctx, cfg, opts)
	if err := report.Write(stdout); err != nil {
		fmt.Fprintln(stderr, "checkpoint doctor:", err)
		return 1
	}
	if report.Failed() {
		fmt.Fprintln(stdout, "\ncheckpoint doctor: some checks failed")
		return 1
	}
	fmt.Fprintln(stdout, "\ncheckpoint doctor: all checks passed")
	return 0
}

// startChecks runs the doctor's checks other than the devices (the
// terminal owns them; their state is in the status bar) once the terminal
// is built, logs what does not pass and hands it to the terminal's status
// bar (SetSelfTest).
func startChecks(ctx context.Context, cfg config.Config, demoMode bool, t *terminal.Terminal, log *slog.Logger) {
	go func() {
		r := doctor.Run(ctx, cfg, doctor.Options{Log: log, SkipDevices: true, RevocationsRequired: demoMode})
		r.Log(log)
		t.SetSelfTest(r.NotPassed())
	}()
}

// doctorMain runs the doctor subcommand with the process's signals.
func doctorMain(ctx context.Context, args []string) {
	os.Exit(runDoctor(ctx, args, os.Stdout, os.Stderr))
}
