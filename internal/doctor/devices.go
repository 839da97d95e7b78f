package doctor

import (
	"context"
	"crypto"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/checkpoint-terminal/checkpoint/internal/config"
	"github.com/checkpoint-terminal/checkpoint/scanner/camera"
	cpsync "github.com/checkpoint-terminal/checkpoint/sync"
	"github.com/checkpoint-terminal/checkpoint/thermometer"
)

// timedatectl asks systemd whether the clock is synchronised (NTP).
func timedatectl(ctx context.Context) (synced, known bool) {
	if _, err := exec.LookPath("timedatectl"); err != nil {
		return false, false
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "timedatectl", "show", "-p", "NTPSynchronized", "--value").Output()
	if err != nil {
		return false, false
	}
	switch strings.TrimSpace(string(out)) {
	case "yes":
		return true, true
	case "no":
		return false, true
	}
	return false, false
}

func checkClock(ctx context.Context, f *storeFacts, opts Options) Check {
	now := opts.Clock.Now()
	if !f.newest.IsZero() && now.Before(f.newest) {
		return Check{Name: "clock", Result: Fail,
			Detail: fmt.Sprintf("%s is before the newest list or record (%s)", now.Format(time.RFC3339), f.newest.Format(time.RFC3339)),
			Next:   "set the clock (timedatectl set-time, or enable NTP with timedatectl set-ntp true); codes are judged by it"}
	}
	c := Check{Name: "clock", Result: OK, Detail: now.Format(time.RFC3339)}
	switch synced, known := opts.NTP(ctx); {
	case !known:
		c.Detail += ", NTP state unknown"
	case synced:
		c.Detail += ", NTP synchronised"
	default:
		c.Result, c.Detail = Warn, c.Detail+", NTP not synchronised"
		c.Next = "enable time sync (timedatectl set-ntp true) or check that the NTP server is reachable"
	}
	return c
}

func checkCamera(ctx context.Context, cfg config.Config, opts Options) Check {
	src := opts.Frames
	name := cfg.Camera.Source
	if opts.Demo {
		name = "demo video"
	}
	next := "check the cable and `v4l2-ctl --list-devices`; the service user needs the video group (the package's udev rule)"
	if src == nil {
		cam, err := camera.Open(ctx, camera.Config{
			Source: cfg.Camera.Source, Width: cfg.Camera.Width, Height: cfg.Camera.Height, FPS: cfg.Camera.FPS, Clock: opts.Clock,
		}, opts.Log)
		if err != nil {
			return Check{Name: "camera", Result: Fail, Detail: fmt.Sprintf("%s: %v", name, err), Next: next}
		}
		defer cam.Close()
		src = cam
	}
	wait, cancel := context.WithTimeout(ctx, opts.FirstFrame)
	fr, err := src.Next(wait)
	cancel()
	if err != nil {
		detail := fmt.Sprintf("%s: no frame within %s", name, opts.FirstFrame)
		if st := src.Status(); st.Err != nil {
			detail += ": " + st.Err.Error()
		}
		return Check{Name: "camera", Result: Fail, Detail: detail, Next: next}
	}
	w, h := fr.Width, fr.Height
	first := fr.Seq
	start := time.Now()
	win, cancel := context.WithTimeout(ctx, opts.Window)
	defer cancel()
	last := first
	for {
		fr, err := src.Next(win)
		if err != nil {
			break
		}
		last = fr.Seq
	}
	fps := float64(last-first) / time.Since(start).Seconds()
	c := Check{Name: "camera", Result: OK, Detail: fmt.Sprintf("%s: %dx%d at %.1f fps", name, w, h, fps)}
	if fps < 5 {
		c.Result, c.Next = Warn, "the frame rate is low for scanning: check the light, the USB bus and camera.fps"
	}
	return c
}

// Readings an infrared thermometer can give pointed at a room or a face;
// anything else is a wiring or protocol fault.
const (
	minSensible = -20.0
	maxSensible = 60.0
)

func checkSensor(ctx context.Context, cfg config.Config, opts Options) Check {
	if !cfg.Thermometer.Enabled {
		return Check{Name: "thermometer", Result: Skip, Detail: "disabled: guards measure by hand"}
	}
	name := cfg.Thermometer.Port
	if opts.Demo {
		name = "simulated sensor at " + name
	}
	next := fmt.Sprintf("check %s exists (ls -l %s), the wiring, thermometer.protocol (%s) and baud; the service user needs the dialout group", cfg.Thermometer.Port, cfg.Thermometer.Port, cfg.Thermometer.Protocol)
	s, err := thermometer.New(cfg.Thermometer.Config, opts.Clock, opts.Log)
	if err != nil {
		return Check{Name: "thermometer", Result: Fail, Detail: err.Error(), Next: next}
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); s.Run(ctx) }()
	defer func() { cancel(); <-done }()
	timeout := time.After(opts.SensorWait)
	select {
	case v := <-s.Samples():
		if v < minSensible || v > maxSensible {
			return Check{Name: "thermometer", Result: Fail, Detail: fmt.Sprintf("%s: implausible value %.1f °C", name, v), Next: next}
		}
		return Check{Name: "thermometer", Result: OK, Detail: fmt.Sprintf("%s (%s): %.1f °C", name, cfg.Thermometer.Protocol, v)}
	case <-timeout:
		st := s.Status()
		detail := fmt.Sprintf("%s: no value within %s (%s)", name, opts.SensorWait, st.State)
		if st.LastError != "" {
			detail += ": " + st.LastError
		}
		return Check{Name: "thermometer", Result: Fail, Detail: detail, Next: next}
	}
}

func checkHub(ctx context.Context, cfg config.Config, roots []crypto.PublicKey, opts Options) Check {
	h := cfg.Hub
	if h.URL == "" {
		return Check{Name: "hub", Result: Skip, Detail: "no hub configured: offline only"}
	}
	token, err := os.ReadFile(h.TokenFile)
	if err != nil {
		return Check{Name: "hub", Result: Fail, Detail: err.Error(), Next: "hub.token_file must hold the token from `hub device register`"}
	}
	// The probe stores nothing; a throwaway store satisfies the client.
	dir, err := os.MkdirTemp("", "checkpoint-doctor-")
	if err != nil {
		return Check{Name: "hub", Result: Fail, Detail: err.Error()}
	}
	defer os.RemoveAll(dir)
	s, err := cpsync.Open(dir+"/probe.db", cpsync.Options{})
	if err != nil {
		return Check{Name: "hub", Result: Fail, Detail: err.Error()}
	}
	defer s.Close()
	cc := cpsync.ClientConfig{HubURL: h.URL, DeviceID: h.DeviceID, Token: strings.TrimSpace(string(token)), Roots: roots, RequestTimeout: 10 * time.Second}
	if h.CAFile != "" {
		if cc.CAPEM, err = os.ReadFile(h.CAFile); err != nil {
			return Check{Name: "hub", Result: Fail, Detail: err.Error(), Next: "hub.ca_file must be a readable PEM file"}
		}
	}
	if h.PinSHA256 != "" {
		if cc.PinSHA256, err = hex.DecodeString(h.PinSHA256); err != nil || len(cc.PinSHA256) != 32 {
			return Check{Name: "hub", Result: Fail, Detail: "hub.pin_sha256 is not 64 hex digits", Next: "fix hub.pin_sha256"}
		}
	}
	c, err := cpsync.NewClient(s, cc, opts.Clock, opts.Log)
	if err != nil {
		return Check{Name: "hub", Result: Fail, Detail: err.Error(), Next: "fix the [hub] section of the config"}
	}
	switch err := c.Probe(ctx); {
	case errors.Is(err, cpsync.ErrNotAccepted):
		return Check{Name: "hub", Result: Fail, Detail: err.Error(), Next: fmt.Sprintf("register device %q on the hub (hub device register) and put its token in %s", h.DeviceID, h.TokenFile)}
	case err != nil:
		return Check{Name: "hub", Result: Fail, Detail: err.Error(), Next: "check the network, hub.url and the hub's certificate; the terminal keeps working offline meanwhile"}
	}
	return Check{Name: "hub", Result: OK, Detail: fmt.Sprintf("%s accepts device %s", h.URL, h.DeviceID)}
}
