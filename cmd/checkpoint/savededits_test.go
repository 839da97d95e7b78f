package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/checkpoint-terminal/checkpoint/internal/config"
)

// TestSaveWritesOnlyEditsBesideTheConfig saves two edits the way the
// settings screen does and checks that the config file (with its comments)
// is untouched, that the override file holds only the edits, mode 0600,
// that a flag override never reaches it, and that Load applies the edits.
func TestSaveWritesOnlyEditsBesideTheConfig(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "checkpoint.toml")
	orig := "# installer's notes: gate 3, north entrance\nterminal_id = \"gate-3\"\n\n[ui]\nfullscreen = true\npin = \"8642\"\n"
	if err := os.WriteFile(path, []byte(orig), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	cfg.UI.Fullscreen = false // as -windowed does
	cfg.Camera.Source = "/dev/video9"
	old := settingsFromConfig(cfg)
	edited := old
	edited.Policy.FeverThreshold = 37.6
	edited.Policy.PairingWindow = 8 * time.Second
	edited.SiteID = "north"
	if err := persistEdits(path, old, edited); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); string(b) != orig {
		t.Errorf("config file rewritten:\n%s", b)
	}
	op := config.OverridePath(path)
	st, err := os.Stat(op)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("override file %s: %v, mode %v", op, err, st.Mode())
	}
	b, _ := os.ReadFile(op)
	for _, bad := range []string{"fullscreen", "video9", "pin", "max_list_age"} {
		if strings.Contains(string(b), bad) {
			t.Errorf("override file holds %q, which the operator did not edit:\n%s", bad, b)
		}
	}
	// A second save keeps the first save's keys.
	edited2 := edited
	edited2.Mute = true
	if err := persistEdits(path, edited, edited2); err != nil {
		t.Fatal(err)
	}
	got, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if got.Policy.FeverThreshold != 37.6 || got.Policy.PairingWindow != 8*time.Second || got.SiteID != "north" || !got.UI.Mute {
		t.Errorf("Load did not apply the saved edits: %+v", got)
	}
	if !got.UI.Fullscreen || got.Camera.Source == "/dev/video9" {
		t.Error("a flag override was persisted")
	}
}

func TestHubChangeDropsTheOldToken(t *testing.T) {
	tok := filepath.Join(t.TempDir(), "hub.token")
	if err := os.WriteFile(tok, []byte("secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	var logs strings.Builder
	dropHubToken(tok, newTestLogger(&logs))
	if _, err := os.Stat(tok); !os.IsNotExist(err) {
		t.Errorf("token still there: %v", err)
	}
	if !strings.Contains(logs.String(), "old hub's token is deleted") {
		t.Errorf("not logged: %s", logs.String())
	}
	dropHubToken(tok, newTestLogger(&logs)) // already gone: quiet
}
