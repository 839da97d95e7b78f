package main

import (
	"context"
	"log/slog"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"

	"github.com/checkpoint-terminal/checkpoint/internal/config"
	"github.com/checkpoint-terminal/checkpoint/ui"
)

// runScreenshot shows one UI state with representative values, for
// scripts/screenshots.sh; it runs until the window closes or ctx ends.
func runScreenshot(ctx context.Context, o options, log *slog.Logger) error {
	a := app.NewWithID(appID)
	w := a.NewWindow("Checkpoint")
	cfg := config.Default()
	cfg.Language = o.lang
	s := settingsFromConfig(cfg)
	term := ui.New(a, w, ui.Config{Settings: s, PIN: cfg.UI.PIN, PreviewFPS: 5}, ui.Deps{Log: log})
	if err := ui.ShowScreenshotState(term, o.screenshot); err != nil {
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
