package ui

import (
	"context"
	"image"
	"sync/atomic"
	"testing"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
)

// The screen pulls what it shows through Deps: today's counters once at
// start, the health, the temperature and the preview while Run runs.
func TestRunPullsHealthTemperatureAndPreview(t *testing.T) {
	var healthCalls, tempCalls, previewCalls atomic.Int32
	var day time.Time
	h := newHarness(t, func(_ *Config, d *Deps) {
		d.Counters = func(dd time.Time) (checkpoint.Counters, error) {
			day = dd
			return checkpoint.Counters{Day: dd, Passed: 41, Denied: 3, Rechecks: 1}, nil
		}
		d.Health = func() checkpoint.Health {
			healthCalls.Add(1)
			s := demoHealthy(time.Date(2026, 11, 23, 9, 30, 0, 0, time.Local))
			s.Sensor = checkpoint.Device{State: checkpoint.DeviceFailed, Detail: "/dev/ttyUSB0: no such device"}
			return s
		}
		d.Temperature = func() (checkpoint.Reading, bool) {
			tempCalls.Add(1)
			return checkpoint.Reading{Celsius: 36.6, At: time.Date(2026, 11, 23, 9, 29, 59, 0, time.Local), Status: checkpoint.SensorOK}, true
		}
		d.Preview = func() (image.Image, []image.Point, time.Time) {
			previewCalls.Add(1)
			return grey(1280, 720), []image.Point{{10, 10}, {100, 10}, {100, 100}, {10, 100}}, time.Now()
		}
	})
	if c := h.term.Counters(); c.Passed != 41 || c.Denied != 3 || c.Rechecks != 1 || !day.Equal(checkpoint.DayOf(h.clock.Now())) {
		t.Fatalf("counters at start %+v (asked for %s), want the store's 41/3/1 of today", c, day)
	}
	before := h.term.preview.Image
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { h.term.Run(ctx); close(done) }()
	deadline := time.Now().Add(10 * time.Second)
	for healthCalls.Load() < 1 || tempCalls.Load() < 2 || previewCalls.Load() < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("Run pulled health %d, temperature %d, preview %d times", healthCalls.Load(), tempCalls.Load(), previewCalls.Load())
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	<-done
	if c := h.term.bar.sensor; c.level != levelError || c.label.Text != "Sensor failed: /dev/ttyUSB0: no such device" {
		t.Errorf("sensor chip %s %q, want the pulled failure", c.level, c.label.Text)
	}
	if h.term.tempValue.Text != "36.6 °C" {
		t.Errorf("temperature shows %q, want the pulled 36.6 °C", h.term.tempValue.Text)
	}
	if h.term.preview.Image == before {
		t.Error("the pulled preview was not shown")
	}
}
