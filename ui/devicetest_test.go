package ui

import (
	"context"
	"errors"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// findButton is the button labelled label under o.
func findButton(o fyne.CanvasObject, label string) *widget.Button {
	switch x := o.(type) {
	case *widget.Button:
		if x.Text == label {
			return x
		}
	case *fyne.Container:
		for _, c := range x.Objects {
			if b := findButton(c, label); b != nil {
				return b
			}
		}
	case fyne.Widget:
		for _, c := range test.WidgetRenderer(x).Objects() {
			if b := findButton(c, label); b != nil {
				return b
			}
		}
	}
	return nil
}

func TestTestCameraAndSensorButtons(t *testing.T) {
	h := newHarness(t, func(_ *Config, d *Deps) {
		d.TestDevice = func(_ context.Context, which string) (string, error) {
			if which == "sensor" {
				return "", errors.New("sensor on /dev/ttyUSB0 (ascii): no sample within the test")
			}
			return "camera 0: 30 frames in 2s", nil
		}
	})
	h.term.showOperator(TabSync)
	for _, label := range []string{"Test camera", "Test sensor"} {
		b := findButton(h.term.op.root, label)
		if b == nil {
			t.Fatalf("no %q button", label)
		}
		test.Tap(b)
	}
	h.shows("camera 0: 30 frames in 2s", "no sample within the test")
	logs := h.logBuf.String()
	if !strings.Contains(logs, "device test passed") || !strings.Contains(logs, "device test failed") {
		t.Errorf("device tests not logged:\n%s", logs)
	}
	h2 := newHarness(t, nil)
	h2.term.showOperator(TabSync)
	if findButton(h2.term.op.root, "Test camera") != nil {
		t.Error("Test camera shown without a tester")
	}
}
