package main

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/checkpoint-terminal/checkpoint/internal/config"
	"github.com/checkpoint-terminal/checkpoint/internal/pin"
)

func TestDefaultPINRefusedOutsideDemo(t *testing.T) {
	hashed, err := pin.Hash(pin.Default)
	if err != nil {
		t.Fatal(err)
	}
	for _, stored := range []string{pin.Default, hashed} {
		path := filepath.Join(t.TempDir(), "checkpoint.toml")
		cfg := config.Default()
		cfg.UI.PIN = stored
		if err := config.Save(path, cfg); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		err := run(ctx, options{configPath: path, headless: true, once: true, logLevel: "error"})
		cancel()
		if err == nil || !strings.Contains(err.Error(), "default 1234") || !strings.Contains(err.Error(), "hctool pin-hash") || !strings.Contains(err.Error(), path) {
			t.Errorf("pin %.12q: run = %v, want a refusal saying how to set a PIN", stored, err)
		}
	}
}

func TestPlainPINWarnsHashedPINIsQuiet(t *testing.T) {
	hashed, _ := pin.Hash("8642")
	for _, r := range []struct {
		stored string
		warns  bool
	}{{"8642", true}, {hashed, false}} {
		var logs strings.Builder
		cfg := config.Default()
		cfg.UI.PIN = r.stored
		if err := checkOperatorPIN(cfg, "/etc/checkpoint.toml", false, newTestLogger(&logs)); err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(logs.String(), "plain text"); got != r.warns {
			t.Errorf("pin %.12q: warned %v, want %v (%s)", r.stored, got, r.warns, logs.String())
		}
	}
	if err := checkOperatorPIN(config.Default(), "", true, newTestLogger(os.Stderr)); err != nil {
		t.Errorf("demo mode refused the default PIN: %v", err)
	}
}

func newTestLogger(w interface{ Write([]byte) (int, error) }) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, nil))
}

func TestReadableConfigAndTokenAreWarnedAbout(t *testing.T) {
	dir := t.TempDir()
	cfgPath, tok := filepath.Join(dir, "checkpoint.toml"), filepath.Join(dir, "hub.token")
	for p, mode := range map[string]os.FileMode{cfgPath: 0o644, tok: 0o640} {
		if err := os.WriteFile(p, []byte("x"), mode); err != nil {
			t.Fatal(err)
		}
		os.Chmod(p, mode)
	}
	hashed, _ := pin.Hash("8642")
	cfg := config.Default()
	cfg.UI.PIN, cfg.Hub.TokenFile = hashed, tok
	var logs strings.Builder
	if err := checkOperatorPIN(cfg, cfgPath, false, newTestLogger(&logs)); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"file=config", "file=\"hub token\"", "chmod 600"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, logs.String())
		}
	}
	os.Chmod(cfgPath, 0o600)
	os.Chmod(tok, 0o600)
	logs.Reset()
	checkOperatorPIN(cfg, cfgPath, false, newTestLogger(&logs))
	if strings.Contains(logs.String(), "readable") {
		t.Errorf("warned about 0600 files:\n%s", logs.String())
	}
}
