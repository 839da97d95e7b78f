// Package watchdog tells systemd the terminal is up (READY=1) and pings its
// watchdog (WATCHDOG=1) only while the parts a guard depends on are alive:
// the scan loop is taking frames and the window's event loop runs. A hung
// terminal stops pinging and systemd restarts it (WatchdogSec= in the unit).
// The protocol is sd_notify(3), through github.com/coreos/go-systemd.
package watchdog

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/checkpoint-terminal/checkpoint/scanner/camera"
	"github.com/coreos/go-systemd/v22/daemon"
)

// Interval is the watchdog period systemd expects pings within, or 0 when
// the process runs without a watchdog. The kiosk runs the terminal as a
// child of cage: systemd then names cage in WATCHDOG_PID, so a process whose
// parent is that PID takes WATCHDOG_USEC as its own (the unit sets
// NotifyAccess=all so the child's pings count).
func Interval() time.Duration {
	if d, err := daemon.SdWatchdogEnabled(false); err == nil && d > 0 {
		return d
	}
	pid, err := strconv.Atoi(os.Getenv("WATCHDOG_PID"))
	if err != nil || pid != os.Getppid() {
		return 0
	}
	usec, err := strconv.ParseInt(os.Getenv("WATCHDOG_USEC"), 10, 64)
	if err != nil || usec <= 0 {
		return 0
	}
	return time.Duration(usec) * time.Microsecond
}

// Ready sends READY=1 with a status line; without NOTIFY_SOCKET it does
// nothing.
func Ready(status string) error {
	_, err := daemon.SdNotify(false, daemon.SdNotifyReady+"\nSTATUS="+status)
	return err
}

// Probe reports nil while a part is alive.
type Probe func(now time.Time) error

// ScanLoop is alive while the scanner takes the frames the camera captures:
// frames taken (captured minus dropped) advance, or no frame was captured
// since the last look (a camera that is down is the camera's fault, shown
// on screen, and the loop is waiting for it, not hung).
func ScanLoop(status func() camera.Status) Probe {
	var lastTaken, lastFrames uint64
	first := true
	return func(time.Time) error {
		st := status()
		taken := st.Frames - st.Dropped
		defer func() { lastTaken, lastFrames, first = taken, st.Frames, false }()
		if first || st.Frames == lastFrames || taken > lastTaken {
			return nil
		}
		return fmt.Errorf("scan loop took no frame of the last %d captured", st.Frames-lastFrames)
	}
}

// UILoop is alive while post (fyne.Do) runs what it is given within
// maxDelay: a look posts a numbered beat when the previous one has run, and
// fails once a beat has waited longer than maxDelay.
func UILoop(post func(func()), maxDelay time.Duration) Probe {
	var ran atomic.Uint64 // the number of the last beat run
	var sent uint64
	var sentAt time.Time
	return func(now time.Time) error {
		if sent > 0 && ran.Load() < sent {
			if wait := now.Sub(sentAt); wait > maxDelay {
				return fmt.Errorf("the window's event loop has not run for %s", wait.Round(100*time.Millisecond))
			}
			return nil
		}
		sent++
		n := sent
		sentAt = now
		post(func() { ran.Store(n) })
		return nil
	}
}

// Run pings the watchdog every interval/3 while every probe is alive, until
// ctx ends. A failing probe is logged once per change; the pings stop and
// systemd restarts the unit after interval.
func Run(ctx context.Context, interval time.Duration, log *slog.Logger, probes ...Probe) error {
	if interval <= 0 {
		return errors.New("watchdog: no interval")
	}
	tick := time.NewTicker(interval / 3)
	defer tick.Stop()
	var was error
	for {
		select {
		case <-ctx.Done():
			return nil
		case now := <-tick.C:
			// Every probe looks each time: each keeps its own history.
			var errs []error
			for _, p := range probes {
				errs = append(errs, p(now))
			}
			err := errors.Join(errs...)
			if err != nil {
				if was == nil || was.Error() != err.Error() {
					log.Error("not pinging the systemd watchdog: the terminal is stuck", "err", err)
				}
				was = err
				continue
			}
			if was != nil {
				log.Info("pinging the systemd watchdog again")
				was = nil
			}
			if _, err := daemon.SdNotify(false, daemon.SdNotifyWatchdog); err != nil {
				log.Warn("pinging the systemd watchdog", "err", err)
			}
		}
	}
}
