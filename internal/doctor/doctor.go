// Package doctor is the terminal's self-test: the checks `checkpoint
// doctor` prints as a table and the terminal runs at start. Each check
// opens the real part (camera, thermometer, store, hub) as the terminal
// would, reports what it found and, on failure, the next step for the
// installer.
package doctor

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
	"github.com/checkpoint-terminal/checkpoint/internal/config"
	"github.com/checkpoint-terminal/checkpoint/scanner"
	"github.com/checkpoint-terminal/checkpoint/scanner/camera"
)

// Result is a check's outcome.
type Result int

const (
	OK   Result = iota // works
	Warn               // works, but needs attention soon
	Fail               // does not work: the terminal cannot do its job
	Skip               // not configured
)

func (r Result) String() string {
	switch r {
	case OK:
		return "ok"
	case Warn:
		return "WARN"
	case Fail:
		return "FAIL"
	case Skip:
		return "skip"
	}
	return "?"
}

// Check is one line of the report.
type Check struct {
	Name   string
	Result Result
	Detail string // what was found
	Next   string // for Warn and Fail: what to do
}

// Report is every check, in the order run.
type Report []Check

// Failed reports whether any check failed.
func (r Report) Failed() bool {
	for _, c := range r {
		if c.Result == Fail {
			return true
		}
	}
	return false
}

// Find returns the check named name.
func (r Report) Find(name string) (Check, bool) {
	for _, c := range r {
		if c.Name == name {
			return c, true
		}
	}
	return Check{}, false
}

// Write prints the report as a table, then the next steps of the checks
// that did not pass.
func (r Report) Write(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "CHECK\tRESULT\tDETAIL")
	for _, c := range r {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", c.Name, c.Result, oneLine(c.Detail))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	first := true
	for _, c := range r {
		if (c.Result == Fail || c.Result == Warn) && c.Next != "" {
			if first {
				fmt.Fprintln(w, "\nNext steps:")
				first = false
			}
			fmt.Fprintf(w, "- %s: %s\n", c.Name, c.Next)
		}
	}
	return nil
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// FrameSource is a camera already opened by the caller (the demo's video
// rotator); the doctor reads frames from it and does not close it.
type FrameSource interface {
	scanner.Frames
	Status() camera.Status
}

// Options are the choices not in the config file.
type Options struct {
	Clock checkpoint.Clock // nil: the system clock
	Log   *slog.Logger     // nil: discard
	// Demo is true for the demo's configuration: the camera is the demo
	// video and the thermometer the simulator, reported as such.
	Demo bool
	// Frames, when set, is checked instead of opening cfg.Camera.
	Frames FrameSource
	// FirstFrame is how long to wait for the camera's first frame
	// (0: 10 s; the demo renders its video first, give it 60 s).
	FirstFrame time.Duration
	// Window is how long frames are counted for the frame rate and the
	// sensor is listened to (0: 2 s).
	Window time.Duration
	// SensorWait is how long to wait for the thermometer's first value
	// (0: 5 s).
	SensorWait time.Duration
	// NTP is the clock-sync probe; nil runs timedatectl when it exists.
	NTP func(ctx context.Context) (synced bool, known bool)
	// MinFreeDisk is the free space below which the store check fails
	// (0: 50 MB); below ten times it warns.
	MinFreeDisk uint64
	// ConfigPath is the config file cfg was loaded from (empty: demo
	// mode), for the file-mode check of the files holding secrets.
	ConfigPath string
	// SkipDevices leaves out the camera, thermometer, hand-scanner and gate
	// checks: at start the terminal owns them and shows their state in the
	// status bar.
	SkipDevices bool
	// RevocationsRequired makes a missing revocation list a failure
	// rather than a warning (the demo installs one).
	RevocationsRequired bool
}

func (o *Options) defaults() {
	if o.Clock == nil {
		o.Clock = checkpoint.SystemClock{}
	}
	if o.Log == nil {
		o.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if o.FirstFrame == 0 {
		o.FirstFrame = 10 * time.Second
	}
	if o.Window == 0 {
		o.Window = 2 * time.Second
	}
	if o.SensorWait == 0 {
		o.SensorWait = 5 * time.Second
	}
	if o.NTP == nil {
		o.NTP = timedatectl
	}
	if o.MinFreeDisk == 0 {
		o.MinFreeDisk = 50 << 20
	}
}

// Run runs every check against cfg. Parts are opened and closed again; the
// store is opened only when no other process holds it (a running terminal
// does), otherwise its file is checked page by page without the lock.
func Run(ctx context.Context, cfg config.Config, opts Options) Report {
	opts.defaults()
	var r Report
	if err := cfg.Validate(); err != nil {
		r = append(r, Check{Name: "config", Result: Fail, Detail: err.Error(), Next: "fix the config file (see README, Configuration)"})
		return r
	}
	r = append(r, Check{Name: "config", Result: OK, Detail: fmt.Sprintf("terminal %s at site %s", cfg.TerminalID, cfg.SiteID)})
	r = append(r, checkPerms(cfg, opts))
	st := checkStore(ctx, cfg, opts)
	r = append(r, st.checks...)
	r = append(r, checkClock(ctx, st, opts))
	if !opts.SkipDevices {
		r = append(r, checkCamera(ctx, cfg, opts))
		r = append(r, checkSensor(ctx, cfg, opts))
		r = append(r, checkScanners(cfg)...)
		r = append(r, checkGate(ctx, cfg, st.inUse))
	}
	r = append(r, checkHub(ctx, cfg, st.roots, opts))
	return r
}

// NotPassed returns the names of the checks that failed and of those that
// warned, in the order run (their details and next steps are in Log's
// lines and the doctor's table).
func (r Report) NotPassed() (failed, warned []string) {
	for _, c := range r {
		switch c.Result {
		case Fail:
			failed = append(failed, c.Name)
		case Warn:
			warned = append(warned, c.Name)
		}
	}
	return failed, warned
}

// Log writes the checks that did not pass to log: failures as errors,
// warnings as warnings, each with its next step.
func (r Report) Log(log *slog.Logger) {
	for _, c := range r {
		switch c.Result {
		case Fail:
			log.Error("self-test: "+c.Name+" failed", "detail", c.Detail, "next", c.Next)
		case Warn:
			log.Warn("self-test: "+c.Name, "detail", c.Detail, "next", c.Next)
		}
	}
}
