package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
	"github.com/checkpoint-terminal/checkpoint/thermometer"
)

func TestExampleFileLoads(t *testing.T) {
	cfg, err := Load("../../checkpoint.example.toml")
	if err != nil {
		t.Fatalf("the committed example does not load: %v", err)
	}
	if cfg.TerminalID != "gate-3" || cfg.Thermometer.ReadTimeout != 100*time.Millisecond || cfg.Thermometer.Config != thermometer.DefaultConfig() || cfg.Policy != checkpoint.DefaultPolicy() {
		t.Fatalf("example decoded wrongly: %+v", cfg)
	}
	if !filepath.IsAbs(cfg.Trust.Roots[0]) {
		t.Fatalf("relative root path not resolved against the file: %q", cfg.Trust.Roots[0])
	}
}

func TestDefaultValidates(t *testing.T) {
	if err := Default().Validate(); err != nil {
		t.Fatal(err)
	}
}

func write(t *testing.T, text string) string {
	p := filepath.Join(t.TempDir(), "c.toml")
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name, text, want string
	}{
		{"misspelt key", "[camera]\nsorce = \"1\"\n", "unknown keys: camera.sorce"},
		{"bad protocol", "[thermometer]\nprotocol = \"i2c\"\n", "protocol \"i2c\""},
		{"fever threshold outside range", "[policy]\nfever_threshold = 50.0\n", "fever threshold"},
		{"bad duration", "[policy]\npairing_window = \"soon\"\n", "pairing_window"},
		{"hub without device", "[hub]\nurl = \"http://127.0.0.1:1\"\n", "device_id"},
		{"hub without token", "terminal_id = \"d\"\n[hub]\nurl = \"http://127.0.0.1:1\"\ndevice_id = \"d\"\n", "token_file"},
		{"device id differs from terminal id", "terminal_id = \"a\"\n[hub]\ndevice_id = \"b\"\n", "must equal terminal_id"},
		{"short pin", "[ui]\npin = \"1\"\n", "ui.pin"},
		{"not toml", "this is = = not toml", "reading config"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(write(t, tt.text))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want it to mention %q", err, tt.want)
			}
		})
	}
}

func TestOverridesKeepDefaults(t *testing.T) {
	cfg, err := Load(write(t, "site_id = \"x\"\n[policy]\nfever_threshold = 37.5\n"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.SiteID != "x" || cfg.Policy.FeverThreshold != 37.5 || cfg.Policy.PairingWindow != 10*time.Second || cfg.Camera.FPS != 30 {
		t.Fatalf("%+v", cfg)
	}
}

func TestSaveLoadRoundTrip(t *testing.T) {
	cfg := Default()
	cfg.SiteID = "gate"
	cfg.Policy.PairingWindow = 7 * time.Second
	cfg.Thermometer.Protocol = "modbus"
	cfg.DataDir = "/var/lib/checkpoint"
	p := filepath.Join(t.TempDir(), "c.toml")
	if err := Save(p, cfg); err != nil {
		t.Fatal(err)
	}
	back, err := Load(p)
	if err != nil {
		t.Fatalf("saved config does not load: %v", err)
	}
	if back.SiteID != "gate" || back.Policy != cfg.Policy || back.Thermometer != cfg.Thermometer || back.DCC != cfg.DCC {
		t.Fatalf("round trip changed the config:\n%+v\n%+v", cfg, back)
	}
}

// The forehead range has one home, [policy]: a file that still sets it
// under [thermometer] is refused with the keys to use instead.
func TestThermometerPlausibleRangeIsRefused(t *testing.T) {
	for _, key := range []string{"min_plausible = 33.0", "max_plausible = 44.0"} {
		_, err := Load(write(t, "[thermometer]\n"+key+"\n"))
		if err == nil || !strings.Contains(err.Error(), "[policy] min_plausible and max_plausible") ||
			!strings.Contains(err.Error(), "[thermometer] "+strings.Fields(key)[0]) {
			t.Errorf("[thermometer] %s: %v, want an error naming the [policy] keys", key, err)
		}
	}
	if _, err := Load(write(t, "[policy]\nmin_plausible = 33.0\n")); err != nil {
		t.Errorf("[policy] min_plausible refused: %v", err)
	}
}
