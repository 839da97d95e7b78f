package terminal

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/checkpoint-terminal/checkpoint/internal/config"
	cpsync "github.com/checkpoint-terminal/checkpoint/sync"
)

func testConfig(t *testing.T) config.Config {
	cfg := config.Default()
	cfg.TerminalID = "t1"
	cfg.DataDir = t.TempDir()
	cfg.Thermometer.Enabled = false
	return cfg
}

// A part that cannot be built fails Build with its reason and releases what
// was opened before it: the store can be opened again at once.
func TestBuildFailureReleasesTheStore(t *testing.T) {
	cfg := testConfig(t)
	cfg.Camera.Source = filepath.Join(t.TempDir(), "missing.avi")
	_, err := Build(context.Background(), cfg, Options{})
	if err == nil || !strings.Contains(err.Error(), "camera") {
		t.Fatalf("Build with a missing video file: %v", err)
	}
	s, err := cpsync.Open(cfg.StorePath(), cpsync.Options{})
	if err != nil {
		t.Fatalf("the store is still held after a failed Build: %v", err)
	}
	s.Close()
}

func TestBuildRefusesBadRootAndToken(t *testing.T) {
	cfg := testConfig(t)
	bad := filepath.Join(t.TempDir(), "root.pem")
	if err := os.WriteFile(bad, []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg.Trust.Roots = []string{bad}
	if _, err := Build(context.Background(), cfg, Options{}); err == nil || !strings.Contains(err.Error(), "root key") {
		t.Fatalf("a garbage root key was accepted: %v", err)
	}
	cfg = testConfig(t)
	cfg.Hub.URL, cfg.Hub.DeviceID, cfg.Hub.TokenFile = "http://127.0.0.1:9", "t1", filepath.Join(t.TempDir(), "none")
	if _, err := Build(context.Background(), cfg, Options{}); err == nil || !strings.Contains(err.Error(), "token") {
		t.Fatalf("a missing hub token was accepted: %v", err)
	}
}
