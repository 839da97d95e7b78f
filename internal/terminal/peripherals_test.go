package terminal

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/checkpoint-terminal/checkpoint"
	"github.com/checkpoint-terminal/checkpoint/gate"
	"github.com/checkpoint-terminal/checkpoint/internal/config"
	"github.com/checkpoint-terminal/checkpoint/scanner"
	"github.com/checkpoint-terminal/checkpoint/scanner/handscan"
	"github.com/checkpoint-terminal/checkpoint/scanner/hid"
	"github.com/checkpoint-terminal/checkpoint/scanner/serialscan"
)

// Each configured hand scanner is added to the scan loop and shows in the
// peripheral status with its own state.
func TestHandScannersAreListedWithTheirStatus(t *testing.T) {
	cfg := testConfig(t)
	cfg.Scanner = config.Scanners{
		Serial: []serialscan.Config{{Port: "/dev/ttyACM7"}},
		HID:    []hid.Config{{Device: "/dev/input/event9"}},
	}
	tm := &Terminal{Config: cfg, log: slog.New(slog.DiscardHandler)}
	tm.Scanner = scanner.New(nil, nil, nil, nil, scanner.Config{})
	if err := tm.addHandScanners(); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(tm.PeripheralStatus())
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"name":"serial:/dev/ttyACM7"`, `"name":"hid:/dev/input/event9"`, `"state":"connecting"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("status %s lacks %s", b, want)
		}
	}
	if strings.Contains(string(b), `"gate"`) {
		t.Errorf("a gate in %s", b)
	}
	cfg.Scanner.Serial[0].Terminator = "semicolon"
	tm = &Terminal{Config: cfg, log: slog.New(slog.DiscardHandler)}
	tm.Scanner = scanner.New(nil, nil, nil, nil, scanner.Config{})
	if err := tm.addHandScanners(); err == nil || !strings.Contains(err.Error(), "semicolon") {
		t.Fatalf("bad terminator: %v", err)
	}
}

// Hand scanners and the gate reach the guard's status bar through Health:
// one Device per scanner, named, and the gate failed while its last
// command failed.
func TestPeripheralHealth(t *testing.T) {
	rows := []struct {
		name string
		st   handscan.Status
		want checkpoint.Device
	}{
		{"serial scanner connected", serialscan.Status{Name: "serial:/dev/ttyACM0", State: "connected"},
			checkpoint.Device{State: checkpoint.DeviceOK, Detail: "serial:/dev/ttyACM0"}},
		{"HID scanner starting", hid.Status{Name: "hid:/dev/input/event5", State: "connecting"},
			checkpoint.Device{State: checkpoint.DeviceUnknown, Detail: "hid:/dev/input/event5"}},
		{"HID scanner unplugged", hid.Status{Name: "hid:/dev/input/event5", State: "reconnecting", LastError: "no such device"},
			checkpoint.Device{State: checkpoint.DeviceFailed, Detail: "hid:/dev/input/event5 reconnecting: no such device"}},
		{"serial scanner stopped", serialscan.Status{Name: "serial:/dev/ttyACM0", State: "stopped"},
			checkpoint.Device{State: checkpoint.DeviceFailed, Detail: "serial:/dev/ttyACM0 stopped"}},
	}
	for _, r := range rows {
		if got := scannerHealth(r.st); got != r.want {
			t.Errorf("%s: %+v, want %+v", r.name, got, r.want)
		}
	}
	if got := gateHealth(gate.Status{Driver: "modbus"}); got.State != checkpoint.DeviceOK {
		t.Errorf("working gate: %+v", got)
	}
	if got := gateHealth(gate.Status{Driver: "modbus", LastError: "timeout"}); got.State != checkpoint.DeviceFailed || got.Detail != "timeout" {
		t.Errorf("failing gate: %+v", got)
	}

	cfg := testConfig(t)
	cfg.Camera.Source = imageFolder(t)
	cfg.Scanner = config.Scanners{
		Serial: []serialscan.Config{{Port: "/dev/ttyACM7"}},
		HID:    []hid.Config{{Device: "/dev/input/event9"}},
	}
	term, err := Build(context.Background(), cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer term.Close()
	h := term.Health()
	if len(h.Scanners) != 2 || h.Scanners[0].Detail != "serial:/dev/ttyACM7" || h.Scanners[1].Detail != "hid:/dev/input/event9" {
		t.Errorf("health scanners %+v, want the two configured, in order", h.Scanners)
	}
	if h.Gate != nil {
		t.Errorf("health gate %+v without a gate configured", h.Gate)
	}
}
