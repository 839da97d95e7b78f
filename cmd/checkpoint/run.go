package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
	"github.com/checkpoint-terminal/checkpoint/internal/config"
	"github.com/checkpoint-terminal/checkpoint/internal/demo"
	"github.com/checkpoint-terminal/checkpoint/internal/terminal"
)

func newLogger(level string, w io.Writer) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("-log-level: %w", err)
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l})), nil
}

// run builds the terminal from the config (or the demo) and runs it with
// a window or headless until ctx ends.
func run(ctx context.Context, o options) error {
	log, err := newLogger(o.logLevel, os.Stderr)
	if err != nil {
		return err
	}
	defer quietDesktop(log)()
	if o.screenshot != "" {
		return runScreenshot(ctx, o, log)
	}
	clock := checkpoint.SystemClock{}
	start := time.Now()
	var (
		cfg  config.Config
		topt = terminal.Options{Clock: clock, Log: log, LoopVideo: !o.once}
		dm   *demo.Demo
	)
	if o.configPath == "" {
		log.Info("no -config given: starting in demo mode", "dir", o.demoDir)
		dopts := o.demoOpts
		dopts.Once = dopts.Once || o.once
		dm, err = demo.Prepare(ctx, o.demoDir, clock, log, dopts)
		if err != nil {
			return fmt.Errorf("preparing the demo: %w", err)
		}
		defer dm.Close()
		cfg = dm.Config
		topt.Frames, topt.Demo = dm.NewRotator(ctx), true
	} else if cfg, err = config.Load(o.configPath); err != nil {
		return err
	}
	o.overrides(&cfg)
	if err := checkOperatorPIN(cfg, o.configPath, dm != nil, log); err != nil {
		return err
	}
	t, err := terminal.Build(ctx, cfg, topt)
	if err != nil {
		if topt.Frames != nil {
			topt.Frames.Close()
		}
		return err
	}
	startChecks(ctx, cfg, dm != nil, t, log)
	log.Info("terminal built", "took", time.Since(start).Round(time.Millisecond), "terminal", cfg.TerminalID, "site", cfg.SiteID)
	if o.headless {
		out := o.stdout
		if out == nil {
			out = os.Stdout
		}
		notifySystemd(ctx, t, nil, log)
		return runHeadless(ctx, t, out)
	}
	return runGUI(ctx, t, guiOptions{configPath: o.configPath, start: start, demo: dm != nil}, log)
}
