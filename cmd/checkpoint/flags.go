package main

import (
	"flag"
	"fmt"
	"io"
	"path/filepath"

	"github.com/checkpoint-terminal/checkpoint/internal/config"
	"github.com/checkpoint-terminal/checkpoint/internal/demo"
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
