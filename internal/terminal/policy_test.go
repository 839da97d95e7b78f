package terminal

import (
	"context"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
	"github.com/checkpoint-terminal/checkpoint/thermometer/sim"
)

// imageFolder is a camera source: a folder with one blank picture.
func imageFolder(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	f, err := os.Create(filepath.Join(dir, "0.png"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, image.NewGray(image.Rect(0, 0, 64, 48))); err != nil {
		t.Fatal(err)
	}
	return dir
}

// Widening the forehead range on the settings screen (SetLocalPolicy, what
// the settings path calls) changes the real sensor's next reading, not only
// the decision: 33.0 °C is "no person" under the default 34..43 and a
// temperature once the range starts at 32, without a restart.
func TestSensorFollowsThePolicysRangeLive(t *testing.T) {
	pty, err := sim.OpenPTY()
	if err != nil {
		t.Fatal(err)
	}
	defer pty.Close()
	cfg := testConfig(t)
	cfg.Camera.Source = imageFolder(t)
	cfg.Thermometer.Enabled = true
	cfg.Thermometer.Port, cfg.Thermometer.Protocol = pty.SlaveName, "ascii"
	cfg.Thermometer.SettleSamples = 3
	term, err := Build(context.Background(), cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer term.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	go term.Sensor.Run(ctx)
	go func() { // the sensor: 33.0 °C, ten times a second
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				if _, err := pty.Master.Write([]byte("33.0\n")); err != nil {
					return
				}
			}
		}
	}()
	next := func() checkpoint.Reading {
		t.Helper()
		select {
		case r := <-term.Sensor.Readings():
			return r
		case <-ctx.Done():
			t.Fatal("no reading from the sensor")
			return checkpoint.Reading{}
		}
	}
	if r := next(); r.Status != checkpoint.SensorNoPerson {
		t.Fatalf("33.0 °C under the default range: %+v, want no person", r)
	}
	pol := checkpoint.DefaultPolicy()
	pol.MinPlausible = 32
	if err := term.SetLocalPolicy(pol); err != nil {
		t.Fatal(err)
	}
	r := next()
	if r.Status != checkpoint.SensorOK || r.Celsius != 33.0 {
		t.Fatalf("33.0 °C after the range was widened to 32..43: %+v, want a reading of 33.0", r)
	}
	pol.MinPlausible = 34
	if err := term.SetLocalPolicy(pol); err != nil {
		t.Fatal(err)
	}
	if r := next(); r.Status != checkpoint.SensorNoPerson {
		t.Fatalf("33.0 °C after the range was narrowed back: %+v, want no person", r)
	}
}
