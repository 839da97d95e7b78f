package config

import (
	"os"
	"path/filepath"
	"testing"
)

// TestEveryPathIsRelativeToTheConfigFile loads a config with relative
// paths while the working directory is /, as a service starts.
func TestEveryPathIsRelativeToTheConfigFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "checkpoint.toml")
	body := `data_dir = "data"
[camera]
source = "frames"
[thermometer]
port = "sensor-link"
[trust]
roots = ["roots/national.pem"]
trust_list = "lists/seed.cose"
[hub]
ca_file = "hub-ca.pem"
[ui]
font = "fonts/cjk.ttf"
[rules]
file = "rules/site.cose"
[gate]
driver = "serial"
port = "relay-link"
[[scanner.serial]]
port = "scanner-link"
[[scanner.hid]]
device = "input/scanner-kbd"
`
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Chdir("/")
	cfg, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	for name, got := range map[string]string{
		"data_dir": cfg.DataDir, "camera.source": cfg.Camera.Source, "thermometer.port": cfg.Thermometer.Port,
		"trust.roots": cfg.Trust.Roots[0], "trust.trust_list": cfg.Trust.TrustList, "hub.ca_file": cfg.Hub.CAFile, "ui.font": cfg.UI.Font,
		"trust.revocations": cfg.Trust.Revocations, "rules.file": cfg.Rules.File, "gate.port": cfg.Gate.Port,
		"scanner.serial.port": cfg.Scanner.Serial[0].Port, "scanner.hid.device": cfg.Scanner.HID[0].Device,
	} {
		if got == "" && name == "trust.revocations" {
			continue // not set in this file
		}
		if !filepath.IsAbs(got) || filepath.Dir(got) != dir && filepath.Dir(filepath.Dir(got)) != dir {
			t.Errorf("%s = %q, want it under %s", name, got, dir)
		}
	}
	for _, src := range []string{"0", "12", "rtsp://cam.local/stream", "http://cam/mjpeg", "/dev/video2"} {
		if got := sourceRelTo(dir, src); got != src {
			t.Errorf("camera source %q became %q", src, got)
		}
	}
}
