package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	gosync "sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"

	"github.com/checkpoint-terminal/checkpoint"
	"github.com/checkpoint-terminal/checkpoint/internal/station"
	"github.com/checkpoint-terminal/checkpoint/internal/terminal"
	"github.com/checkpoint-terminal/checkpoint/ui"
	"github.com/checkpoint-terminal/checkpoint/ui/sound"
)

const appID = "org.checkpoint.terminal"

type guiOptions struct {
	configPath string // where settings are saved; empty in demo mode
	start      time.Time
	demo       bool // the guard's screen says DEMO
}

// runGUI shows the guard's screen and runs the terminal behind it until the
// window closes or ctx ends; records in flight are stored before it returns.
func runGUI(ctx context.Context, t *terminal.Terminal, o guiOptions, log *slog.Logger) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	a := app.NewWithID(appID)
	w := a.NewWindow("Checkpoint")
	cfg := t.Config
	warnIfUntagged(builtWithTags, log)
	// Opened even when muted: the operator may unmute, and the UI honours
	// the mute setting itself. One audio context per process.
	player := sound.Open(ctx, log.With("part", "sound"))
	saved := settingsFromConfig(cfg) // what Save compares against: only edits are written
	player.SetVoice(sound.VoiceOptions{Enabled: cfg.Voice.Enabled, Volume: cfg.Voice.Volume})
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
		TestCode: t.TestCode,
		Health:   t.Health, Preview: t.Preview, Temperature: t.Temperature, Counters: t.Counters,
		ExplainCode: func(text, lang string) string { return t.ExplainCode(text).Text(lang) },
		Lockout:     t.Store,
		TestDevice:  deviceTester(t),
	})
	w.SetFullScreen(cfg.UI.Fullscreen)
	if !cfg.UI.Fullscreen {
		w.Resize(fyne.NewSize(1280, 800))
	}
	go term.Run(ctx)
	quit := quitter(a)
	term.GuardClose(quit.quit)
	done := make(chan error, 1)
	go func() {
		done <- t.Run(ctx, func(ev station.Event) { term.ShowVerdict(ev.Verdict) })
		quit.quit() // the source ended (-once) or ctx ended (SIGTERM)
	}()
	notifySystemd(ctx, t, fyne.Do, log)
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
