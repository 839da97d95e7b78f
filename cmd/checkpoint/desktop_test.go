package main

import (
	"log"
	"log/slog"
	"os"
	"strings"
	"testing"
)

func TestDesktopNoiseGoesToDebugOtherFyneErrorsWarn(t *testing.T) {
	var buf strings.Builder
	lg := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo}))
	t.Setenv("XDG_RUNTIME_DIR", "")
	cleanup := quietDesktop(lg)
	defer func() { log.SetOutput(os.Stderr); log.SetFlags(log.LstdFlags) }()
	dir := os.Getenv("XDG_RUNTIME_DIR")
	if st, err := os.Stat(dir); err != nil || st.Mode().Perm() != 0o700 {
		t.Fatalf("private XDG_RUNTIME_DIR %q: %v", dir, err)
	}
	log.Println("Fyne error:  failed to watch theme settings")
	log.Println("  Cause: exec: \"dbus-launch\": executable file not found in $PATH")
	log.Println("  At: app_xdg.go:152")
	log.Println("Fyne error:  Failed to load font")
	log.Println("  Cause: no such file")
	out := buf.String()
	if strings.Contains(out, "dbus") || strings.Contains(out, "theme settings") || strings.Contains(out, "app_xdg") {
		t.Errorf("desktop noise shown at info level:\n%s", out)
	}
	if !strings.Contains(out, "level=WARN msg=\"Failed to load font\"") || !strings.Contains(out, "Cause: no such file") {
		t.Errorf("a real fyne error is not a warning:\n%s", out)
	}
	cleanup()
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("private runtime dir left behind: %v", err)
	}
}
