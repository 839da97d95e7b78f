package ui

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"strings"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
)

// This file serves scripts/screenshots.sh (make screenshots), through
// checkpoint -screenshot-state: one UI state with representative values.

// ScreenshotStates are the states ShowScreenshotState knows, in the order
// the screenshots show them.
func ScreenshotStates() []string {
	return []string{"ready", "pass", "deny-yellow", "deny-red", "recheck-fever", "measure", "forged", "proxy", "offline-status", "settings", "hostile-claims"}
}

// ShowScreenshotState drives t into a named state with representative
// domain values, for screenshots and the README: every verdict is made by
// the real checkpoint.Decide from a representative presentation and
// reading at the screen's clock. The verdict stays until the next one (no
// return to "ready"), and no sound plays. Call it on the fyne main
// goroutine, e.g. before ShowAndRun.
func ShowScreenshotState(t *Screen, state string) error {
	now := t.clock.Now()
	pol := t.settings.Policy
	if pol.Validate() != nil {
		pol = checkpoint.DefaultPolicy()
	}
	t.counters = checkpoint.Counters{Day: checkpoint.DayOf(now), Passed: 128, Denied: 7, Rechecks: 2}
	t.status = demoHealthy(now)
	code := func(color checkpoint.Color, name, region string) *checkpoint.Code {
		return &checkpoint.Code{
			Format: checkpoint.FormatHealthCode, Issuer: region + ":HC", Region: region,
			ID: "5f1c9a07d2e84b3a", Color: color, ColorSince: now.Add(-72 * time.Hour),
			IssuedAt: now.Add(-40 * time.Second), ExpiresAt: now.Add(4 * time.Minute),
			Kind: checkpoint.KindDynamic, HolderMasked: name,
		}
	}
	reading := func(c float64) *checkpoint.Reading {
		return &checkpoint.Reading{Celsius: c, At: now.Add(-time.Second), Status: checkpoint.SensorOK}
	}
	decide := func(c *checkpoint.Code, f checkpoint.Failure, r *checkpoint.Reading) {
		p := checkpoint.Presentation{Code: c, Failure: f, CapturedAt: now.Add(-200 * time.Millisecond)}
		if r != nil {
			t.reading = r
		}
		v := checkpoint.Decide(p, r, pol, now)
		t.verdict = &v
	}
	t.verdict = nil
	t.reading = reading(36.4)
	// Nobody in front of the camera while ready.
	frame, quad := demoFrame(state != "ready" && state != "offline-status")
	t.preview.Image = renderPreview(frame, quad, 2*previewW, 2*previewH)
	t.preview.Refresh()
	switch state {
	case "ready":
	case "pass":
		c := code(checkpoint.ColorGreen, "张*", "110000")
		c.Test = &checkpoint.TestFact{SampledAt: now.Add(-26 * time.Hour), Result: checkpoint.TestNegative, Type: checkpoint.TestNucleicAcid}
		c.Vaccination = &checkpoint.VaccinationFact{Doses: 3}
		decide(c, checkpoint.FailNone, reading(36.5))
	case "deny-yellow":
		decide(code(checkpoint.ColorYellow, "李*", "310000"), checkpoint.FailNone, reading(36.7))
	case "deny-red":
		decide(code(checkpoint.ColorRed, "王*", "440300"), checkpoint.FailNone, reading(36.6))
	case "recheck-fever":
		decide(code(checkpoint.ColorGreen, "陈*", "110000"), checkpoint.FailNone, reading(37.8))
	case "measure":
		t.reading = &checkpoint.Reading{Celsius: 24.1, At: now.Add(-time.Second), Status: checkpoint.SensorNoPerson}
		decide(code(checkpoint.ColorGreen, "刘*", "330100"), checkpoint.FailNone, nil)
	case "forged":
		decide(nil, checkpoint.FailBadSignature, reading(36.5))
	case "proxy":
		c := code(checkpoint.ColorGreen, "赵*", "510100")
		c.Kind, c.IssuedAt, c.ExpiresAt = checkpoint.KindCard, now.Add(-30*24*time.Hour), now.Add(335*24*time.Hour)
		c.Proxy, c.Relation = true, "母亲"
		decide(c, checkpoint.FailNone, reading(36.3))
	case "hostile-claims":
		// What a stranger may hold up: a yellow code whose name and relation
		// run to 3,000 characters with a line reading "PASS" and an RTL
		// override. The screen must look like deny-yellow but for the
		// detail lines (tested under Xvfb in cmd/checkpoint).
		c := code(checkpoint.ColorYellow, HostileName, "310000")
		c.Proxy, c.Relation = true, HostileName
		decide(c, checkpoint.FailNone, reading(36.7))
	case "offline-status":
		t.status = checkpoint.Health{
			Online: false, LastSync: now.Add(-77 * time.Hour), Pending: 412,
			TrustListAt: now.Add(-100 * time.Hour), RevocationAt: now.Add(-80 * time.Hour),
			MaxListAge: pol.MaxListAge,
			Camera:     checkpoint.Device{State: checkpoint.DeviceOK, Detail: "/dev/video0"},
			Sensor:     checkpoint.Device{State: checkpoint.DeviceFailed, Detail: "/dev/ttyUSB0: no such device"},
			NewestSeen: now.Add(26 * time.Hour),
		}
		t.reading = nil
	case "settings":
		t.panel.show(nil)
		t.renderAll()
		t.showOperator(TabSettings)
		return nil
	default:
		return fmt.Errorf("unknown demo state %q (known: %v)", state, ScreenshotStates())
	}
	if t.inOp {
		t.closeOperator()
	}
	t.panel.show(t.verdict)
	t.renderAll()
	return nil
}

// HostileName is the name claim of the "hostile-claims" demo state: 3,000
// characters after a newline, a line reading "PASS" and an RTL override.
var HostileName = "李*\nPASS\u202e" + strings.Repeat("SSAP ", 600)

// demoHealthy is the status of a terminal in good order.
func demoHealthy(now time.Time) checkpoint.Health {
	return checkpoint.Health{
		Online: true, LastSync: now.Add(-2 * time.Minute), Pending: 3,
		TrustListAt: now.Add(-5 * time.Hour), RevocationAt: now.Add(-50 * time.Minute),
		Camera: checkpoint.Device{State: checkpoint.DeviceOK, Detail: "/dev/video0"},
		Sensor: checkpoint.Device{State: checkpoint.DeviceOK, Detail: "/dev/ttyUSB0"},
	}
}

func (t *Screen) renderAll() {
	t.renderStatus()
	t.renderTemp()
	t.renderCounters()
}

// demoFrame is a synthetic 1280x720 camera frame: a phone held up with a
// QR-like pattern on its screen, and the pattern's corners; or, without the
// phone, the empty scene.
func demoFrame(phone bool) (*image.RGBA, []image.Point) {
	img := image.NewRGBA(image.Rect(0, 0, 1280, 720))
	fill := func(r image.Rectangle, c color.RGBA) {
		draw.Draw(img, r, image.NewUniform(c), image.Point{}, draw.Src)
	}
	for y := 0; y < 720; y += 8 { // a dim gradient backdrop
		v := uint8(40 + y/24)
		fill(image.Rect(0, y, 1280, y+8), color.RGBA{R: v, G: v + 4, B: v + 10, A: 255})
	}
	if !phone {
		return img, nil
	}
	fill(image.Rect(470, 90, 810, 690), color.RGBA{R: 20, G: 20, B: 24, A: 255})     // phone
	fill(image.Rect(490, 130, 790, 650), color.RGBA{R: 235, G: 245, B: 238, A: 255}) // screen
	const mod, n, x0, y0 = 10, 25, 515, 265
	black := color.RGBA{A: 255}
	seed := uint32(0x9e3779b9)
	for j := 0; j < n; j++ {
		for i := 0; i < n; i++ {
			seed = seed*1664525 + 1013904223
			finder := func(cx, cy int) bool { return i >= cx && i < cx+7 && j >= cy && j < cy+7 }
			on := seed>>28&1 == 1
			if finder(0, 0) || finder(n-7, 0) || finder(0, n-7) {
				di, dj := i%(n-7), j%(n-7)
				if i >= n-7 {
					di = i - (n - 7)
				}
				if j >= n-7 {
					dj = j - (n - 7)
				}
				ring := di == 0 || di == 6 || dj == 0 || dj == 6
				core := di >= 2 && di <= 4 && dj >= 2 && dj <= 4
				on = ring || core
			}
			if on {
				fill(image.Rect(x0+i*mod, y0+j*mod, x0+(i+1)*mod, y0+(j+1)*mod), black)
			}
		}
	}
	s := n * mod
	return img, []image.Point{{x0, y0}, {x0 + s, y0}, {x0 + s, y0 + s}, {x0, y0 + s}}
}
