package main

import (
	"context"
	"fmt"
	"image"
	"io"
	"log/slog"
	"path/filepath"
	gosync "sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"

	"github.com/checkpoint-terminal/checkpoint"
	"github.com/checkpoint-terminal/checkpoint/internal/config"
	"github.com/checkpoint-terminal/checkpoint/internal/station"
	"github.com/checkpoint-terminal/checkpoint/internal/terminal"
	"github.com/checkpoint-terminal/checkpoint/scanner/camera"
	"github.com/checkpoint-terminal/checkpoint/thermometer"
	"github.com/checkpoint-terminal/checkpoint/ui"
	"github.com/checkpoint-terminal/checkpoint/ui/sound"
)

const appID = "org.checkpoint.terminal"

type guiOptions struct {
	configPath string // where settings are saved; empty in demo mode
	demo       bool
	start      time.Time
}

// runGUI shows the guard's screen and runs the terminal behind it until the
// window closes or ctx ends; records in flight are stored before it returns.
func runGUI(ctx context.Context, t *terminal.Terminal, o guiOptions, log *slog.Logger) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	a := app.NewWithID(appID)
	w := a.NewWindow("Checkpoint")
	cfg := t.Config
	// Opened even when muted: the operator may unmute, and the UI honours
	// the mute setting itself. One audio context per process.
	player := sound.Open(ctx, log.With("part", "sound"))
	saved := settingsFromConfig(cfg) // what Save compares against: only edits are written
	term := ui.New(a, w, ui.Config{
		Settings: settingsFromConfig(cfg), PIN: cfg.UI.PIN, PreviewFPS: cfg.UI.PreviewFPS, FontPath: cfg.UI.Font,
		ExportDir: filepath.Join(cfg.DataDir, "exports"), Demo: o.demo,
	}, ui.Deps{
		Clock: checkpoint.SystemClock{}, Log: log.With("part", "ui"), Sound: player,
		Records: recordSource{t},
		SaveSettings: func(s ui.Settings) error {
			if err := saveSettings(t, o, saved, s, log); err != nil {
				return err
			}
			saved = s
			return nil
		},
		ManualReading: t.ManualReading,
		SyncNow:       syncNow(t),
		ExportCSV: func(_ context.Context, w io.Writer) error {
			return t.Store.ExportCSV(w, time.Time{}, time.Now().Add(time.Hour))
		},
		TestCode:   t.TestCode,
		Lockout:    t.Store,
		TestDevice: deviceTester(t),
	})
	w.SetFullScreen(cfg.UI.Fullscreen)
	if !cfg.UI.Fullscreen {
		w.Resize(fyne.NewSize(1280, 800))
	}
	term.SetCounters(todaysCounters(t, time.Now()))
	go term.Run(ctx)
	quit := quitter(a)
	term.GuardClose(quit.quit)

	storeErr := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		err := t.Run(ctx, func(ev station.Event) {
			term.ShowVerdict(ev.Verdict)
			if ev.Final {
				msg := ""
				if ev.StoreErr != nil {
					msg = ev.StoreErr.Error()
				}
				select {
				case <-storeErr:
				default:
				}
				storeErr <- msg
			}
		})
		done <- err
		quit.quit() // the source ended (-once) or ctx ended (SIGTERM)
	}()
	go feedStatus(ctx, t, term, o.demo, storeErr)
	fyne.Do(func() { log.Info("ready to scan", "startup", time.Since(o.start).Round(time.Millisecond)) })
	w.ShowAndRun()
	quit.stopped()
	cancel()
	return <-done
}

// appQuitter asks the fyne loop to quit only while it still runs: quitting
// after ShowAndRun returned makes GLFW panic.
type appQuitter struct {
	mu      gosync.Mutex
	a       fyne.App
	running bool
}

func quitter(a fyne.App) *appQuitter { return &appQuitter{a: a, running: true} }

func (q *appQuitter) quit() {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.running {
		q.running = false
		fyne.Do(q.a.Quit)
	}
}

func (q *appQuitter) stopped() {
	q.mu.Lock()
	q.running = false
	q.mu.Unlock()
}

// recordSource adapts the store to the operator's record list.
type recordSource struct{ t *terminal.Terminal }

func (r recordSource) Recent(_ context.Context, n int) ([]checkpoint.Record, error) {
	return r.t.Store.Recent(n)
}

func syncNow(t *terminal.Terminal) func(context.Context) error {
	if t.Client == nil {
		return func(context.Context) error { return fmt.Errorf("no hub configured (hub.url)") }
	}
	return t.Client.Sync
}

func settingsFromConfig(cfg config.Config) ui.Settings {
	return ui.Settings{
		CameraSource: cfg.Camera.Source, SensorEnabled: cfg.Thermometer.Enabled,
		SensorPort: cfg.Thermometer.Port, SensorProtocol: cfg.Thermometer.Protocol, SensorBaud: cfg.Thermometer.Baud,
		Policy: cfg.Policy, HubURL: cfg.Hub.URL, SiteID: cfg.SiteID, TerminalID: cfg.TerminalID,
		Language: cfg.Language, Mute: cfg.UI.Mute,
		VerdictHold: time.Duration(cfg.UI.VerdictSeconds * float64(time.Second)),
	}
}

// saveSettings applies the policy at once and writes what the operator
// changed from old to the override file beside the config (the config file
// and its comments stay as they are); device, id and hub changes take
// effect at the next start, and a new hub address drops the old token.
func saveSettings(t *terminal.Terminal, o guiOptions, old, s ui.Settings, log *slog.Logger) error {
	cfg := t.Config
	cfg.Camera.Source = s.CameraSource
	cfg.Thermometer.Enabled, cfg.Thermometer.Port = s.SensorEnabled, s.SensorPort
	cfg.Thermometer.Protocol, cfg.Thermometer.Baud = s.SensorProtocol, s.SensorBaud
	cfg.Policy, cfg.Hub.URL, cfg.SiteID, cfg.TerminalID = s.Policy, s.HubURL, s.SiteID, s.TerminalID
	cfg.Language, cfg.UI.Mute = s.Language, s.Mute
	cfg.UI.VerdictSeconds = s.VerdictHold.Seconds()
	if err := cfg.Validate(); err != nil {
		return err
	}
	if err := t.SetLocalPolicy(s.Policy); err != nil {
		return err
	}
	if o.configPath == "" {
		log.Info("demo mode: settings applied for this run only (no config file)")
		return nil
	}
	if err := persistEdits(o.configPath, old, s); err != nil {
		return err
	}
	if old.HubURL != s.HubURL {
		dropHubToken(t.Config.Hub.TokenFile, log)
	}
	log.Info("settings saved; camera, sensor, hub and id changes apply at the next start", "path", config.OverridePath(o.configPath))
	return nil
}

// feedStatus refreshes the status bar, the preview and the temperature.
func feedStatus(ctx context.Context, t *terminal.Terminal, term *ui.Terminal, demo bool, storeErr <-chan string) {
	fps := t.Config.UI.PreviewFPS
	if fps <= 0 {
		fps = 1
	}
	tick := time.NewTicker(time.Duration(float64(time.Second) / fps))
	defer tick.Stop()
	var (
		lastPreview time.Time
		lastReading time.Time
		lastStatus  time.Time
		storeMsg    string
	)
	for {
		select {
		case <-ctx.Done():
			return
		case msg := <-storeErr:
			storeMsg = msg
		case now := <-tick.C:
			if t.Config.UI.PreviewFPS > 0 {
				if img, at := t.Preview(); img != nil && at.After(lastPreview) {
					lastPreview = at
					term.SetPreview(img, overlay(t, img, at))
				}
			}
			if t.Sensor != nil {
				if r, ok := t.Sensor.Latest(); ok && r.At.After(lastReading) {
					lastReading = r.At
					term.SetTemperature(r)
				}
			}
			if now.Sub(lastStatus) >= time.Second {
				lastStatus = now
				term.SetStatus(statusOf(t, demo, storeMsg))
			}
		}
	}
}

// overlay is the last detected code's outline in the preview's pixels, when
// it was seen within the last second.
func overlay(t *terminal.Terminal, img image.Image, at time.Time) []image.Point {
	d, ok := t.Scanner.LastDetection()
	if !ok || at.Sub(d.CapturedAt) > time.Second || d.FrameSize.X == 0 || d.FrameSize.Y == 0 {
		return nil
	}
	b := img.Bounds()
	quad := make([]image.Point, 4)
	for i, c := range d.Corners {
		quad[i] = image.Pt(b.Min.X+c.X*b.Dx()/d.FrameSize.X, b.Min.Y+c.Y*b.Dy()/d.FrameSize.Y)
	}
	return quad
}

func statusOf(t *terminal.Terminal, demo bool, storeMsg string) ui.Status {
	st := ui.Status{MaxListAge: t.Policy().MaxListAge, StoreError: storeMsg, NoHub: t.Client == nil}
	st.Policy = t.Policy()
	if _, v := t.Store.Policy(); v > 0 {
		st.PolicyVersion = v
	}
	if t.Client != nil {
		cs := t.Client.Status()
		st.Online, st.LastSync, st.Pending = cs.Online, cs.LastSync, cs.Pending
		st.HubRefused = cs.Refused
	} else {
		st.Pending = t.Store.Pending()
	}
	if ss, err := t.Store.SyncState(); err == nil {
		st.TrustListAt, st.RevocationAt = ss.TrustListIssuedAt, ss.RevocationIssuedAt
		st.TrustListExpires = ss.TrustListExpiresAt
		st.NewestSeen = latest(ss.TrustListIssuedAt, ss.RevocationIssuedAt, ss.PolicyIssuedAt)
	}
	if recs, err := t.Store.Recent(1); err == nil && len(recs) > 0 {
		st.NewestSeen = latest(st.NewestSeen, recs[0].Time)
	}
	cs := t.CameraStatus()
	switch {
	case cs.State == camera.StateReconnecting && demo && cs.Frames == 0:
		st.Camera = ui.Device{State: ui.DeviceUnknown, Detail: "preparing the demo video"}
	case cs.State == camera.StateOK && demo:
		st.Camera = ui.Device{State: ui.DeviceSimulated, Detail: "demo video"}
	case cs.State == camera.StateOK:
		st.Camera = ui.Device{State: ui.DeviceOK, Detail: t.Config.Camera.Source}
	default:
		st.Camera = ui.Device{State: ui.DeviceFailed, Detail: errText(cs.State.String(), cs.Err)}
	}
	switch {
	case t.Sensor == nil:
		st.Sensor = ui.Device{State: ui.DeviceOff}
	default:
		ss := t.Sensor.Status()
		switch {
		case ss.State == thermometer.StateConnected && demo:
			st.Sensor = ui.Device{State: ui.DeviceSimulated, Detail: ss.Port}
		case ss.State == thermometer.StateConnected:
			st.Sensor = ui.Device{State: ui.DeviceOK, Detail: ss.Port}
		case ss.State == thermometer.StateConnecting,
			demo && ss.State == thermometer.StateReconnecting && ss.Counters.Connects == 0:
			st.Sensor = ui.Device{State: ui.DeviceUnknown, Detail: ss.Port}
		default:
			detail := string(ss.State)
			if ss.LastError != "" {
				detail += ": " + ss.LastError
			}
			st.Sensor = ui.Device{State: ui.DeviceFailed, Detail: detail}
		}
	}
	return st
}

func errText(state string, err error) string {
	if err == nil {
		return state
	}
	return state + ": " + err.Error()
}

func latest(ts ...time.Time) time.Time {
	var m time.Time
	for _, t := range ts {
		if t.After(m) {
			m = t
		}
	}
	return m
}

// runScreenshot shows one UI state with representative values, for
// scripts/screenshots.sh; it runs until the window closes or ctx ends.
func runScreenshot(ctx context.Context, o options, log *slog.Logger) error {
	a := app.NewWithID(appID)
	w := a.NewWindow("Checkpoint")
	cfg := config.Default()
	cfg.Language = o.lang
	s := settingsFromConfig(cfg)
	term := ui.New(a, w, ui.Config{Settings: s, PIN: cfg.UI.PIN, PreviewFPS: 5}, ui.Deps{Log: log})
	if err := ui.ShowDemoState(term, o.screenshot); err != nil {
		return err
	}
	w.Resize(fyne.NewSize(1280, 800))
	q := quitter(a)
	go func() {
		<-ctx.Done()
		q.quit()
	}()
	w.ShowAndRun()
	q.stopped()
	return nil
}

// todaysCounters counts today's stored verdicts, so a restart does not reset
// the guard's counters.
func todaysCounters(t *terminal.Terminal, now time.Time) ui.Counters {
	y, m, d := now.Date()
	day := time.Date(y, m, d, 0, 0, 0, 0, now.Location())
	c := ui.Counters{Day: day}
	recs, err := t.Store.Recent(20000)
	if err != nil {
		return c
	}
	for _, r := range recs {
		if r.Time.Before(day) {
			break // newest first
		}
		switch r.Outcome {
		case checkpoint.OutcomePass:
			c.Passed++
		case checkpoint.OutcomeDeny:
			c.Denied++
		case checkpoint.OutcomeRecheck:
			c.Rechecks++
		}
	}
	return c
}
