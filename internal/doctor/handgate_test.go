package doctor

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/checkpoint-terminal/checkpoint/gate"
	"github.com/checkpoint-terminal/checkpoint/internal/config"
	"github.com/checkpoint-terminal/checkpoint/scanner/hid"
	"github.com/checkpoint-terminal/checkpoint/scanner/serialscan"
	"github.com/checkpoint-terminal/checkpoint/thermometer/sim"
)

// Hand scanners: a serial scanner on a real pty opens; a missing port and
// a file that is no input device fail, each naming what to check.
func TestCheckScanners(t *testing.T) {
	pty, err := sim.OpenPTY()
	if err != nil {
		t.Fatal(err)
	}
	defer pty.Close()
	notEvdev := filepath.Join(t.TempDir(), "event9")
	if err := os.WriteFile(notEvdev, []byte("not a device"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := config.Default()
	ok, missing := serialscan.DefaultConfig(), serialscan.DefaultConfig()
	ok.Port, missing.Port = pty.SlaveName, "/dev/ttyNOSUCH7"
	h := hid.DefaultConfig()
	h.Device = notEvdev
	cfg.Scanner.Serial = []serialscan.Config{ok, missing}
	cfg.Scanner.HID = []hid.Config{h}
	cs := checkScanners(cfg)
	if len(cs) != 3 {
		t.Fatalf("%d checks for 3 scanners: %+v", len(cs), cs)
	}
	want := []struct {
		name   string
		result Result
		detail string
	}{
		{"scanner serial:" + pty.SlaveName, OK, "opens at 9600 Bd"},
		{"scanner serial:/dev/ttyNOSUCH7", Fail, "no such file"},
		{"scanner hid:" + notEvdev, Fail, "not an input event device"},
	}
	for i, w := range want {
		c := cs[i]
		if c.Name != w.name || c.Result != w.result || !strings.Contains(c.Detail, w.detail) || (w.result == Fail && c.Next == "") {
			t.Errorf("check %d: %+v, want %s %v with %q", i, c, w.name, w.result, w.detail)
		}
	}
}

// The gate: none is skipped; a serial relay board on a pty is set closed
// (its 4-byte "off" command, never "on") and warned about, as such boards
// do not answer; a running terminal's relay is left alone; a missing port
// fails.
func TestCheckGate(t *testing.T) {
	ctx := context.Background()
	cfg := config.Default()
	if c := checkGate(ctx, cfg, false); c.Result != Skip {
		t.Errorf("no relay: %+v, want skip", c)
	}
	pty, err := sim.OpenPTY()
	if err != nil {
		t.Fatal(err)
	}
	defer pty.Close()
	cfg.Gate.Driver, cfg.Gate.Port, cfg.Gate.Channel = gate.DriverSerial, pty.SlaveName, 2
	if err := cfg.Gate.Validate(); err != nil {
		t.Fatal(err)
	}
	if c := checkGate(ctx, cfg, true); c.Result != Skip || !strings.Contains(c.Detail, "running terminal") {
		t.Errorf("terminal running: %+v, want skip", c)
	}
	c := checkGate(ctx, cfg, false)
	if c.Result != Warn || !strings.Contains(c.Detail, "relay set closed") || c.Next == "" {
		t.Errorf("serial board: %+v, want a warning that nothing confirms it", c)
	}
	off := gate.BoardCommand(2, false)
	got := make([]byte, 64)
	pty.Master.SetReadDeadline(time.Now().Add(2 * time.Second))
	n, _ := pty.Master.Read(got)
	if !bytes.Equal(got[:n], off[:]) {
		t.Errorf("the board got % x, want only the off command % x (nothing while the terminal ran, never on)", got[:n], off)
	}
	cfg.Gate.Port = "/dev/ttyNOSUCH8"
	if c := checkGate(ctx, cfg, false); c.Result != Fail || c.Next == "" {
		t.Errorf("missing port: %+v, want fail with a next step", c)
	}
}
