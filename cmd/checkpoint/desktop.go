package main

import (
	"bytes"
	"context"
	"log"
	"log/slog"
	"os"
	"strings"
	gosync "sync"
)

// quietDesktop keeps start-up free of desktop-session noise an installer
// would read as faults. A kiosk started by systemd or xinit has no
// XDG_RUNTIME_DIR (Mesa and libxkbcommon print "XDG_RUNTIME_DIR is invalid")
// and no session D-Bus (fyne prints "failed to watch theme settings" with
// three lines about dbus-launch). It makes a private runtime directory
// (0700, removed by the returned func) when none is set, and routes the
// standard log package, which fyne writes to, into log: lines about the
// desktop session (D-Bus, portals, theme watching) at debug, every other
// fyne message as a warning.
func quietDesktop(logger *slog.Logger) (cleanup func()) {
	cleanup = func() {}
	if d := os.Getenv("XDG_RUNTIME_DIR"); d == "" || !isDir(d) {
		if dir, err := os.MkdirTemp("", "checkpoint-xdg-"); err == nil {
			_ = os.Chmod(dir, 0o700)
			_ = os.Setenv("XDG_RUNTIME_DIR", dir)
			logger.Debug("no XDG_RUNTIME_DIR: using a private one", "dir", dir)
			cleanup = func() { _ = os.RemoveAll(dir) }
		}
	}
	log.SetFlags(0)
	log.SetOutput(&stdLogBridge{log: logger.With("part", "fyne")})
	return cleanup
}

func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

// desktopNoise are phrases of fyne's messages about a missing desktop
// session, harmless on a kiosk.
var desktopNoise = []string{"failed to watch theme settings", "dbus", "d-bus", "portal", "xdg", "org.freedesktop"}

// stdLogBridge turns the standard log package's lines into slog records.
// fyne.LogError writes a reason line, then indented "Cause:" and "At:"
// lines, which join the reason's record and its level.
type stdLogBridge struct {
	log   *slog.Logger
	mu    gosync.Mutex
	level slog.Level
}

func (b *stdLogBridge) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, line := range strings.Split(string(bytes.TrimRight(p, "\n")), "\n") {
		trimmed := strings.TrimSpace(line)
		if trimmed == "" {
			continue
		}
		if !strings.HasPrefix(line, " ") { // a new message, not its Cause/At
			b.level = slog.LevelWarn
			low := strings.ToLower(trimmed)
			for _, n := range desktopNoise {
				if strings.Contains(low, n) {
					b.level = slog.LevelDebug
					break
				}
			}
		}
		b.log.Log(context.Background(), b.level, strings.TrimPrefix(trimmed, "Fyne error:  "))
	}
	return len(p), nil
}
