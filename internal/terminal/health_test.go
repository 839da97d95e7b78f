package terminal

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
	"github.com/checkpoint-terminal/checkpoint/scanner/camera"
	"github.com/checkpoint-terminal/checkpoint/thermometer"
)

func TestCameraHealth(t *testing.T) {
	rows := []struct {
		name string
		cs   camera.Status
		demo bool
		want checkpoint.Device
	}{
		{"real camera delivering frames", camera.Status{State: camera.StateOK, Frames: 9}, false,
			checkpoint.Device{State: checkpoint.DeviceOK, Detail: "/dev/video0"}},
		{"demo video playing", camera.Status{State: camera.StateOK, Frames: 9}, true,
			checkpoint.Device{State: checkpoint.DeviceSimulated, Detail: "demo video"}},
		{"demo waiting for its first video", camera.Status{State: camera.StateReconnecting}, true,
			checkpoint.Device{State: checkpoint.DeviceUnknown, Detail: "preparing the demo video"}},
		{"real camera lost", camera.Status{State: camera.StateReconnecting, Err: errors.New("device busy")}, false,
			checkpoint.Device{State: checkpoint.DeviceFailed, Detail: "reconnecting: device busy"}},
		{"demo camera lost after playing", camera.Status{State: camera.StateReconnecting, Frames: 3}, true,
			checkpoint.Device{State: checkpoint.DeviceFailed, Detail: "reconnecting"}},
	}
	for _, r := range rows {
		if got := cameraHealth(r.cs, "/dev/video0", r.demo); got != r.want {
			t.Errorf("%s: %+v, want %+v", r.name, got, r.want)
		}
	}
}

func TestSensorHealth(t *testing.T) {
	rows := []struct {
		name string
		ss   thermometer.Status
		demo bool
		want checkpoint.Device
	}{
		{"sensor connected", thermometer.Status{State: thermometer.StateConnected, Port: "/dev/ttyUSB0"}, false,
			checkpoint.Device{State: checkpoint.DeviceOK, Detail: "/dev/ttyUSB0"}},
		{"simulated sensor connected", thermometer.Status{State: thermometer.StateConnected, Port: "/tmp/ttySIM0"}, true,
			checkpoint.Device{State: checkpoint.DeviceSimulated, Detail: "/tmp/ttySIM0"}},
		{"first open pending", thermometer.Status{State: thermometer.StateConnecting, Port: "/dev/ttyUSB0"}, false,
			checkpoint.Device{State: checkpoint.DeviceUnknown, Detail: "/dev/ttyUSB0"}},
		{"demo sensor before the first video", thermometer.Status{State: thermometer.StateReconnecting, Port: "/tmp/ttySIM0"}, true,
			checkpoint.Device{State: checkpoint.DeviceUnknown, Detail: "/tmp/ttySIM0"}},
		{"real sensor unplugged", thermometer.Status{State: thermometer.StateReconnecting, LastError: "no such device"}, false,
			checkpoint.Device{State: checkpoint.DeviceFailed, Detail: "reconnecting: no such device"}},
		{"stale sensor", thermometer.Status{State: thermometer.StateStale}, false,
			checkpoint.Device{State: checkpoint.DeviceFailed, Detail: "stale"}},
	}
	for _, r := range rows {
		if got := sensorHealth(r.ss, r.demo); got != r.want {
			t.Errorf("%s: %+v, want %+v", r.name, got, r.want)
		}
	}
}

// A built terminal without hub, sensor or lists reports so, and its
// counters and temperature come from its store and (missing) sensor.
func TestBuiltTerminalHealth(t *testing.T) {
	cfg := testConfig(t)
	cfg.Camera.Source = imageFolder(t)
	term, err := Build(context.Background(), cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer term.Close()
	h := term.Health()
	if !h.NoHub || h.Sensor.State != checkpoint.DeviceOff || !h.TrustListAt.IsZero() || h.StoreError != "" {
		t.Errorf("health %+v: want no hub, sensor off, no trust list, no store error", h)
	}
	if h.MaxListAge != cfg.Policy.MaxListAge {
		t.Errorf("max list age %s, want the policy's %s", h.MaxListAge, cfg.Policy.MaxListAge)
	}
	if _, ok := term.Temperature(); ok {
		t.Error("a terminal without a sensor reported a temperature")
	}
	c, err := term.Counters(checkpoint.DayOf(time.Now()))
	if err != nil || c.Passed+c.Denied+c.Rechecks != 0 {
		t.Errorf("counters of an empty store: %+v, %v", c, err)
	}
}
