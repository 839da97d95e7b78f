package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
	"github.com/checkpoint-terminal/checkpoint/internal/config"
	"github.com/checkpoint-terminal/checkpoint/internal/demo"
	"github.com/checkpoint-terminal/checkpoint/internal/terminal"
)

// options are the command line: a config file and the flags that override it.
type options struct {
	configPath string
	headless   bool
	once       bool
	demoDir    string
	lang       string
	screenshot string
	logLevel   string
	camera     string
	sensorPort string
	protocol   string
	terminalID string
	siteID     string
	hubURL     string
	windowed   bool
	memProfile string
	version    bool
	// demoOpts tune demo mode (size and rate from flags; tests shorten it).
	demoOpts demo.Options
	// stdout receives headless output (os.Stdout when nil).
	stdout io.Writer
}

func parseFlags(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("checkpoint", flag.ContinueOnError)
	fs.StringVar(&o.configPath, "config", "", "TOML config file (none: demo mode)")
	fs.BoolVar(&o.headless, "headless", false, "no window: print one JSON line per verdict on stdout")
	fs.BoolVar(&o.once, "once", false, "play a file camera source (or the demo video) once, then exit")
	fs.StringVar(&o.demoDir, "demo-dir", defaultDemoDir(), "where demo mode keeps its keys, lists and store")
	fs.StringVar(&o.lang, "lang", "", "UI language: en or zh-CN (overrides the config; default: system locale)")
	fs.StringVar(&o.screenshot, "screenshot-state", "", "show one UI state for screenshots (ready, pass, deny-yellow, ...) and nothing else")
	fs.StringVar(&o.logLevel, "log-level", "info", "debug, info, warn or error")
	fs.StringVar(&o.camera, "camera", "", "override camera.source")
	fs.StringVar(&o.sensorPort, "sensor-port", "", "override thermometer.port")
	fs.StringVar(&o.protocol, "sensor-protocol", "", "override thermometer.protocol")
	fs.StringVar(&o.terminalID, "terminal-id", "", "override terminal_id")
	fs.StringVar(&o.siteID, "site-id", "", "override site_id")
	fs.StringVar(&o.hubURL, "hub", "", "override hub.url")
	fs.BoolVar(&o.windowed, "windowed", false, "run in a window instead of full screen")
	fs.BoolVar(&o.version, "version", false, "print the version and exit")
	fs.StringVar(&o.memProfile, "memprofile", "", "write a heap profile to this file at exit (go tool pprof)")
	fs.IntVar(&o.demoOpts.Width, "demo-width", 0, "demo video width (default 640)")
	fs.IntVar(&o.demoOpts.Height, "demo-height", 0, "demo video height (default 480)")
	fs.IntVar(&o.demoOpts.FPS, "demo-fps", 0, "demo video frame rate (default 15)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	return o, nil
}

func defaultDemoDir() string {
	return filepath.Join(config.Default().DataDir, "demo")
}

// overrides applies the flags over the file's values.
func (o options) overrides(cfg *config.Config) {
	set := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	set(&cfg.Camera.Source, o.camera)
	set(&cfg.Thermometer.Port, o.sensorPort)
	set(&cfg.Thermometer.Protocol, o.protocol)
	set(&cfg.TerminalID, o.terminalID)
	set(&cfg.SiteID, o.siteID)
	set(&cfg.Hub.URL, o.hubURL)
	set(&cfg.Language, o.lang)
	if o.windowed {
		cfg.UI.Fullscreen = false
	}
}

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
		topt.Frames = dm.NewRotator(ctx)
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
	if dm != nil {
		if err := t.Store.ApplyRevocationDelta(dm.Revocations, t.Roots); err != nil {
			log.Error("installing the demo revocation list", "err", err)
		}
	}
	log.Info("terminal built", "took", time.Since(start).Round(time.Millisecond), "terminal", cfg.TerminalID, "site", cfg.SiteID)
	if o.headless {
		out := o.stdout
		if out == nil {
			out = os.Stdout
		}
		return runHeadless(ctx, t, out)
	}
	return runGUI(ctx, t, guiOptions{configPath: o.configPath, demo: dm != nil, start: start}, log)
}
