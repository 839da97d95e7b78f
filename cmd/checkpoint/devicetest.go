package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/checkpoint-terminal/checkpoint/internal/terminal"
	"github.com/checkpoint-terminal/checkpoint/scanner/camera"
	"github.com/checkpoint-terminal/checkpoint/thermometer"
)

// deviceTester answers the operator screen's Test camera and Test sensor.
func deviceTester(t *terminal.Terminal) func(ctx context.Context, which string) (string, error) {
	return func(ctx context.Context, which string) (string, error) {
		switch which {
		case "camera":
			return testCamera(ctx, t.CameraStatus, t.Config.Camera.Source)
		case "sensor":
			if t.Sensor == nil {
				return "", errors.New("no sensor configured (thermometer.enabled = false)")
			}
			return testSensor(ctx, t.Sensor.Status)
		}
		return "", fmt.Errorf("unknown device %q", which)
	}
}

// testCamera watches the frame counter for two seconds.
func testCamera(ctx context.Context, status func() camera.Status, source string) (string, error) {
	const window = 2 * time.Second
	a := status()
	select {
	case <-ctx.Done():
		return "", ctx.Err()
	case <-time.After(window):
	}
	b := status()
	if b.State != camera.StateOK {
		return "", fmt.Errorf("camera %s: %s", source, errText(b.State.String(), b.Err))
	}
	n := b.Frames - a.Frames
	if n == 0 {
		return "", fmt.Errorf("camera %s: no frames in %s", source, window)
	}
	return fmt.Sprintf("camera %s: %d frames in %s (%.0f per second), %d dropped", source, n, window, float64(n)/window.Seconds(), b.Dropped-a.Dropped), nil
}

// testSensor waits up to the context's deadline for a fresh sample.
func testSensor(ctx context.Context, status func() thermometer.Status) (string, error) {
	start := time.Now()
	for {
		st := status()
		if st.State == thermometer.StateConnected && st.LastSample.After(start) {
			c := st.Counters
			return fmt.Sprintf("sensor on %s (%s): connected, samples arriving (%d read, %d garbage, %d checksum/CRC errors, %d timeouts)",
				st.Port, st.Protocol, c.Samples, c.Garbage, c.ChecksumErrors+c.CRCErrors, c.Timeouts), nil
		}
		select {
		case <-ctx.Done():
			detail := string(st.State)
			if st.LastError != "" {
				detail += ": " + st.LastError
			}
			return "", fmt.Errorf("sensor on %s (%s): no sample within the test (%s)", st.Port, st.Protocol, detail)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func errText(state string, err error) string {
	if err == nil {
		return state
	}
	return state + ": " + err.Error()
}
