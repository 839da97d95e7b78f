package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDevicesListsPortsByIDAndCameraNodes runs hctool devices on a made-up
// /dev: a USB adapter with its by-id link, a bare ACM node, a video node
// that is not a device, and the ttyS* nodes every PC has.
func TestDevicesListsPortsByIDAndCameraNodes(t *testing.T) {
	dev := t.TempDir()
	for _, n := range []string{"ttyUSB0", "ttyACM0", "ttyS0", "ttyS1", "video0"} {
		if err := os.WriteFile(filepath.Join(dev, n), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	byID := filepath.Join(dev, "serial", "by-id")
	if err := os.MkdirAll(byID, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../../ttyUSB0", filepath.Join(byID, "usb-FTDI_FT232R_A50285BI-if00-port0")); err != nil {
		t.Fatal(err)
	}
	var out, errb strings.Builder
	if err := runDevices(context.Background(), []string{"--dev", dev}, &out, &errb); err != nil {
		t.Fatalf("%v\n%s", err, errb.String())
	}
	s := out.String()
	for _, want := range []string{
		"usb-FTDI_FT232R_A50285BI-if00-port0 -> " + filepath.Join(dev, "ttyUSB0"),
		"  " + filepath.Join(dev, "ttyACM0") + "\n",
		"0  " + filepath.Join(dev, "video0") + "  cannot query: not a character device",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, "ttyS0") || strings.Count(s, "ttyUSB0") != 1 {
		t.Errorf("ttyS* listed, or ttyUSB0 listed twice:\n%s", s)
	}
	// The real /dev: must run, whatever this machine has.
	out.Reset()
	if err := runDevices(context.Background(), nil, &out, &errb); err != nil || !strings.Contains(out.String(), "serial ports") {
		t.Errorf("hctool devices on /dev: %v\n%s", err, out.String())
	}
}
