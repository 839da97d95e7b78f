package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func loadTOML(t *testing.T, text string) (Config, error) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "c.toml")
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return Load(p)
}

func TestHandScannersAndGateSections(t *testing.T) {
	cfg, err := loadTOML(t, `
[gate]
driver = "modbus"
port = "/dev/ttyUSB1"
slave = 3
coil = 2
pulse = "1500ms"

[[scanner.serial]]
port = "/dev/ttyACM0"
terminator = "crlf"

[[scanner.serial]]
port = "/dev/ttyACM1"
prefix = "]Q1"

[[scanner.hid]]
device = "/dev/input/by-id/usb-scanner-event-kbd"
`)
	if err != nil {
		t.Fatal(err)
	}
	if g := cfg.Gate; g.Driver != "modbus" || g.Slave != 3 || g.Coil != 2 || g.Pulse != 1500*time.Millisecond || g.Function != 5 || g.Baud != 9600 {
		t.Errorf("gate %+v", g)
	}
	if len(cfg.Scanner.Serial) != 2 || cfg.Scanner.Serial[0].Terminator != "crlf" || cfg.Scanner.Serial[1].WithDefaults().Baud != 9600 {
		t.Errorf("serial scanners %+v", cfg.Scanner.Serial)
	}
	if h := cfg.Scanner.HID; len(h) != 1 || h[0].WithDefaults().Terminator != "enter" || h[0].NoGrab {
		t.Errorf("hid scanners %+v", h)
	}
	for _, bad := range []struct{ toml, want string }{
		{"[gate]\ndriver = \"telnet\"\n", "telnet"},
		{"[[scanner.serial]]\nport = \"/dev/ttyACM0\"\nterminator = \"semicolon\"\n", "semicolon"},
		{"[[scanner.hid]]\ndevice = \"/dev/input/event3\"\nlayout = \"de\"\n", "layout"},
		{"[[scanner.serial]]\nprot = \"/dev/ttyACM0\"\n", "unknown keys"},
	} {
		if _, err := loadTOML(t, bad.toml); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%q: %v, want an error naming %q", bad.toml, err, bad.want)
		}
	}
}
