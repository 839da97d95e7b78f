package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/checkpoint-terminal/checkpoint/internal/terminal"
	"github.com/checkpoint-terminal/checkpoint/internal/watchdog"
)

// notifySystemd tells systemd the terminal is ready and, when the unit has
// a watchdog (the kiosk unit's WatchdogSec=), pings it while the scan loop
// and, with post (fyne.Do), the window's event loop are alive. Without
// systemd it does nothing.
func notifySystemd(ctx context.Context, t *terminal.Terminal, post func(func()), log *slog.Logger) {
	if err := watchdog.Ready("scanning as " + t.Config.TerminalID); err != nil {
		log.Warn("telling systemd the terminal is ready", "err", err)
	}
	interval := watchdog.Interval()
	if interval <= 0 {
		return
	}
	probes := []watchdog.Probe{watchdog.ScanLoop(t.CameraStatus)}
	if post != nil {
		probes = append(probes, watchdog.UILoop(post, max(interval/3, 2*time.Second)))
	}
	log.Info("pinging the systemd watchdog while the terminal is alive", "interval", interval)
	go watchdog.Run(ctx, interval, log, probes...)
}
