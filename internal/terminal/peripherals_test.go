package terminal

import (
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/checkpoint-terminal/checkpoint/internal/config"
	"github.com/checkpoint-terminal/checkpoint/scanner"
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
