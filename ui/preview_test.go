package ui

import (
	"image"
	"image/color"
	"image/draw"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/checkpoint-terminal/checkpoint"
)

func grey(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(img, img.Bounds(), image.NewUniform(color.RGBA{R: 80, G: 80, B: 80, A: 255}), image.Point{}, draw.Src)
	return img
}

func TestPreviewIsScaledAndOutlinesTheCode(t *testing.T) {
	frame := grey(1280, 720)
	quad := []image.Point{{400, 200}, {880, 200}, {880, 600}, {400, 600}}
	out := renderPreview(frame, quad, 640, 360)
	if out.Bounds().Dx() != 640 || out.Bounds().Dy() != 360 {
		t.Fatalf("preview %v, want 640x360", out.Bounds())
	}
	for _, p := range []image.Point{{200, 100}, {440, 100}, {440, 300}, {200, 300}, {320, 100}, {440, 200}} {
		if got := out.RGBAAt(p.X, p.Y); got != outlineColor {
			t.Errorf("outline pixel %v is %v, want %v", p, got, outlineColor)
		}
	}
	if got := out.RGBAAt(320, 200); got == outlineColor {
		t.Error("the inside of the code is painted")
	}
	// A portrait frame fits the height.
	if b := renderPreview(grey(720, 1280), nil, 640, 360).Bounds(); b.Dy() != 360 || b.Dx() != 202 {
		t.Errorf("portrait preview %v, want 202x360", b)
	}
	// Corners far outside the frame (a confused locator) are clamped.
	out = renderPreview(frame, []image.Point{{-1 << 30, -1 << 30}, {1 << 30, 1 << 30}}, 640, 360)
	if out.RGBAAt(0, 0) != outlineColor || out.RGBAAt(639, 359) != outlineColor {
		t.Error("a clamped diagonal does not cross the preview")
	}
	if b := renderPreview(&image.RGBA{}, quad, 640, 360).Bounds(); b.Dx() != 1 {
		t.Errorf("empty frame gives %v", b)
	}
}

func TestPreviewIsThrottled(t *testing.T) {
	h := newHarness(t, nil) // 5 frames per second
	h.term.SetPreview(grey(1280, 720), nil)
	first := h.term.preview.Image
	if first.Bounds().Dx() != 2*previewW {
		t.Fatalf("first frame not shown: %v", first.Bounds())
	}
	h.clock.advance(100 * time.Millisecond)
	h.term.SetPreview(grey(1280, 720), nil)
	if h.term.preview.Image != first {
		t.Fatal("a frame 100 ms after the last one was shown at 5 fps")
	}
	h.clock.advance(100 * time.Millisecond)
	h.term.SetPreview(grey(1280, 720), nil)
	if h.term.preview.Image == first {
		t.Fatal("a frame 200 ms after the last one was dropped at 5 fps")
	}
}

func TestPreviewOffHidesIt(t *testing.T) {
	h := newHarness(t, func(c *Config, _ *Deps) { c.PreviewFPS = 0 })
	before := h.term.preview.Image
	h.term.SetPreview(grey(64, 36), nil)
	if h.term.preview.Image != before {
		t.Fatal("preview updated although it is off")
	}
}

func TestTemperatureDisplay(t *testing.T) {
	h := newHarness(t, nil)
	h.shows("Waiting for the sensor")
	now := h.clock.Now()
	rows := []struct {
		r         checkpoint.Reading
		value     string
		state     string
		important widget.Importance
	}{
		{checkpoint.Reading{Celsius: 36.6, At: now, Status: checkpoint.SensorOK}, "36.6 °C", "09:30:00", widget.SuccessImportance},
		{checkpoint.Reading{Celsius: 38.1, At: now, Status: checkpoint.SensorOK}, "38.1 °C", "09:30:00", widget.DangerImportance},
		{checkpoint.Reading{Celsius: 22, At: now, Status: checkpoint.SensorNoPerson}, "—", "No person at the sensor", widget.LowImportance},
		{checkpoint.Reading{At: now, Status: checkpoint.SensorError}, "—", "Sensor error", widget.DangerImportance},
	}
	for _, r := range rows {
		h.term.SetTemperature(r.r)
		if h.term.tempValue.Text != r.value || h.term.tempState.Text != r.state {
			t.Errorf("%+v shows %q / %q, want %q / %q", r.r, h.term.tempValue.Text, h.term.tempState.Text, r.value, r.state)
		}
		if h.term.tempValue.Importance != r.important {
			t.Errorf("%+v importance %v, want %v", r.r, h.term.tempValue.Importance, r.important)
		}
		h.shows(r.value)
	}
	// A reading goes grey once it is too old to pair with a scan.
	h.term.SetTemperature(checkpoint.Reading{Celsius: 36.6, At: now, Status: checkpoint.SensorOK})
	h.clock.advance(time.Minute)
	h.term.tick()
	if h.term.tempValue.Importance != widget.LowImportance {
		t.Errorf("stale reading importance %v, want low", h.term.tempValue.Importance)
	}
}

func TestScreenshotStates(t *testing.T) {
	headline := map[string]string{
		"ready": "READY TO SCAN", "pass": "PASS", "deny-yellow": "DENY", "deny-red": "DENY",
		"recheck-fever": "RECHECK", "measure": "MEASURE TEMPERATURE", "forged": "DENY", "proxy": "PASS",
		"offline-status": "READY TO SCAN", "hostile-claims": "DENY",
	}
	h := newHarness(t, nil)
	for _, s := range ScreenshotStates() {
		if err := ShowScreenshotState(h.term, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		if s == "settings" {
			if h.win.Content() != h.term.op.root || h.term.op.tabs.SelectedIndex() != TabSettings {
				t.Fatal("settings state does not show the settings tab")
			}
			continue
		}
		if h.win.Content() != h.term.guard {
			t.Fatalf("%s: not on the guard's screen", s)
		}
		if got := h.term.panel.headline.Text; got != headline[s] {
			t.Errorf("%s: headline %q, want %q", s, got, headline[s])
		}
	}
	if err := ShowScreenshotState(h.term, "deny-yellow"); err != nil {
		t.Fatal(err)
	}
	h.shows("Yellow code: 14 days of home isolation and medical observation", "Name: 李*")
	if err := ShowScreenshotState(h.term, "proxy"); err != nil {
		t.Fatal(err)
	}
	h.shows("On behalf of a relative (母亲)")
	if err := ShowScreenshotState(h.term, "offline-status"); err != nil {
		t.Fatal(err)
	}
	h.shows("Offline", "Trust list out of date: 4 days old", "Clock looks wrong", "Sensor failed: /dev/ttyUSB0: no such device")
	if err := ShowScreenshotState(h.term, "no-such-state"); err == nil {
		t.Fatal("an unknown state was accepted")
	}
	test.Tap(h.term.operatorBtn) // the demo terminal still works
	if h.win.Content() != h.term.pin.root {
		t.Fatal("operator button dead after the demo states")
	}
}

// BenchmarkRenderPreview is the cost of one preview frame: a 1280x720
// camera frame scaled to the preview and outlined. At the default 5 fps it
// runs five times a second.
func BenchmarkRenderPreview(b *testing.B) {
	frame, quad := demoFrame(true)
	b.ReportAllocs()
	for b.Loop() {
		renderPreview(frame, quad, 2*previewW, 2*previewH)
	}
}

func TestFastScalingMatchesTheGenericPath(t *testing.T) {
	frame, quad := demoFrame(true)
	sub := frame.SubImage(image.Rect(100, 50, 1100, 650)).(*image.RGBA)
	for _, src := range []*image.RGBA{frame, sub} {
		fast := renderPreview(src, quad, 640, 360)
		// The same frame as a non-RGBA image takes x/image/draw's path.
		generic := renderPreview(struct{ image.Image }{src}, quad, 640, 360)
		if fast.Bounds() != generic.Bounds() {
			t.Fatalf("bounds %v vs %v", fast.Bounds(), generic.Bounds())
		}
		diff := 0
		for i := range fast.Pix {
			if fast.Pix[i] != generic.Pix[i] {
				diff++
			}
		}
		if diff != 0 {
			t.Fatalf("%d of %d bytes differ", diff, len(fast.Pix))
		}
	}
}
