package qr_test

import (
	"math"
	"testing"

	"github.com/checkpoint-terminal/checkpoint/scanner/qr"
	"github.com/checkpoint-terminal/checkpoint/scanner/videogen"
)

// TestDecodeFrameHardViews: tilted, rotated, glared codes at 1280x720,
// which the plain decode of the half-size work plane does not read,
// enter the view after empty frames. DecodeFrame must read each within
// one turn of its evidence steps (one step per frame at the least, so
// this holds however slow the machine), with the right text and an
// outline where the code is, and re-read it on the next frame.
func TestDecodeFrameHardViews(t *testing.T) {
	d := newTestDecoder(t)
	empty := frameOf(t, 1280, 720, videogen.Scene{Noise: 4})
	scenes := []videogen.Scene{
		{Text: benchText, Size: 0.46, Rotate: 30.5, Tilt: 0.19, Glare: 0.1, Noise: 4, X: 0.05},
		{Text: benchText, Size: 0.7, Rotate: 29, Tilt: 0.22, Glare: 0.36, Noise: 6.4},
		{Text: benchText, Size: 0.63, Rotate: 23.9, Tilt: 0.25, Glare: 0.17, Noise: 6.3, Y: 0.04},
		{Text: benchText, Size: 0.64, Rotate: 38.2, Tilt: 0.2, Glare: 0.05, Noise: 5.5},
	}
	for i, sc := range scenes {
		g := frameOf(t, 1280, 720, sc)
		for range 3 {
			if rs, err := d.DecodeFrame(empty); err != nil || len(rs) > 0 {
				t.Fatalf("empty frame: %+v, %v", rs, err)
			}
		}
		var rs []qr.Result
		n := 0
		for n < qr.EvidenceSteps+1 && len(rs) == 0 {
			n++
			var err error
			if rs, err = d.DecodeFrame(g); err != nil {
				t.Fatal(err)
			}
		}
		if len(rs) == 0 || rs[0].Text != sc.Text {
			t.Errorf("scene %d: not read within %d frames: %+v", i, n, rs)
			continue
		}
		t.Logf("scene %d: read on frame %d by %s", i, n, rs[0].Stage)
		q := rs[0].Corners
		cx, cy := (q[0].X+q[1].X+q[2].X+q[3].X)/4, (q[0].Y+q[1].Y+q[2].Y+q[3].Y)/4
		wx, wy := 640+sc.X*1280, 360+sc.Y*720
		side := sc.Size * 720
		if math.Hypot(cx-wx, cy-wy) > side/4 {
			t.Errorf("scene %d: outline centre (%.0f, %.0f), want near (%.0f, %.0f)", i, cx, cy, wx, wy)
		}
		if a := q.Area(); a < 0.4*side*side || a > 1.5*side*side {
			t.Errorf("scene %d: outline area %.0f, want about %.0f", i, a, side*side)
		}
		again, err := d.DecodeFrame(g)
		if err != nil || len(again) == 0 || again[0].Text != sc.Text || again[0].Stage != "region" {
			t.Errorf("scene %d: held code not re-read where it was: %+v, %v", i, again, err)
		}
	}
}

// TestLightOnDark: a code shown light-on-dark (a wallet in dark mode) is
// told apart by the histogram from the same code dark-on-light, read by
// DecodeFrame on its first frame (whatever fallback the rotation is at)
// and by the still cascade, by the inverted step.
func TestLightOnDark(t *testing.T) {
	d := newTestDecoder(t)
	empty := frameOf(t, 1280, 720, videogen.Scene{Noise: 4})
	for i, sc := range []videogen.Scene{
		{Text: benchText, Size: 0.8, Noise: 3},
		{Text: benchText, Size: 0.7, Rotate: 20, Noise: 5, X: 0.1},
		{Text: "HCN1:DARK MODE", Size: 0.5, Rotate: -10, Noise: 4},
	} {
		g := frameOf(t, 1280, 720, sc)
		neg := qr.Invert(g)
		if qr.LightOnDark(g) || !qr.LightOnDark(neg) {
			t.Errorf("scene %d: light-on-dark says %v for the code, %v for its negative", i, qr.LightOnDark(g), qr.LightOnDark(neg))
		}
		// past the last code's region, at a different point of the
		// fallback rotation each time
		for range 17 + i {
			d.DecodeFrame(empty)
		}
		rs, err := d.DecodeFrame(neg)
		if err != nil || len(rs) == 0 || rs[0].Text != sc.Text || rs[0].Stage != "inverted" {
			t.Errorf("scene %d: first frame of the negative: %+v, %v", i, rs, err)
		}
		rs, err = d.DecodeStill(neg)
		if err != nil || len(rs) == 0 || rs[0].Text != sc.Text || rs[0].Stage != "inverted" {
			t.Errorf("scene %d: still negative: %+v, %v", i, rs, err)
		}
	}
}

// TestDecodeFrameLargeFrames: at 1920x1080 and 3840x2160 the frame is
// searched shrunk (the first pyramid level) and a code whose modules are
// too small there is warped from full resolution where its finder
// patterns are: read within the evidence steps, outline in frame
// coordinates.
func TestDecodeFrameLargeFrames(t *testing.T) {
	d := newTestDecoder(t)
	for _, c := range []struct {
		w, h int
		sc   videogen.Scene
	}{
		{1920, 1080, videogen.Scene{Text: benchText, Size: 0.5, Rotate: 12, Noise: 4}},
		{1920, 1080, videogen.Scene{Text: benchText, Size: 0.3, Rotate: -25, Tilt: 0.1, Noise: 4, X: 0.2}},
		{3840, 2160, videogen.Scene{Text: benchText, Size: 0.2, Rotate: 8, Noise: 4, X: -0.2}},
	} {
		g := frameOf(t, c.w, c.h, c.sc)
		d.ResetFrames()
		var rs []qr.Result
		n := 0
		for n < qr.EvidenceSteps+1 && len(rs) == 0 {
			n++
			var err error
			if rs, err = d.DecodeFrame(g); err != nil {
				t.Fatal(err)
			}
		}
		if len(rs) == 0 || rs[0].Text != c.sc.Text {
			t.Errorf("%dx%d %+v: not read within %d frames", c.w, c.h, c.sc, n)
			continue
		}
		t.Logf("%dx%d size %.2f: read on frame %d by %s", c.w, c.h, c.sc.Size, n, rs[0].Stage)
		q := rs[0].Corners
		cx, cy := (q[0].X+q[1].X+q[2].X+q[3].X)/4, (q[0].Y+q[1].Y+q[2].Y+q[3].Y)/4
		wx, wy := float64(c.w)/2+c.sc.X*float64(c.w), float64(c.h)/2+c.sc.Y*float64(c.h)
		if math.Hypot(cx-wx, cy-wy) > c.sc.Size*float64(c.h)/4 {
			t.Errorf("%dx%d: outline centre (%.0f, %.0f), want near (%.0f, %.0f)", c.w, c.h, cx, cy, wx, wy)
		}
	}
}

// TestDarkPhoneInLitRoom: a phone in dark mode held up in a lit room is a
// dark part of a light view, so the frame's histogram says dark-on-light
// (lightOnDark is false); DecodeFrame must still read its light-on-dark
// code on the first frame: the negative of the work plane, or where
// gozxing sees the code's finder patterns there but cannot read it (a few
// pixels per module), their outline warped from the frame as a negative.
// Then the held code is re-read where it was.
func TestDarkPhoneInLitRoom(t *testing.T) {
	// which steps read the code on its first frame, whatever the machine's
	// load or the race detector's slowdown: no clock, no budget cut
	opts := qr.DefaultOptions()
	opts.Clock = frozenClock{}
	d, err := qr.NewDecoder(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	empty := frameOf(t, 1280, 720, videogen.Scene{Noise: 4})
	stages := map[string]int{}
	for i, sc := range []videogen.Scene{
		{Text: "HCN1:DARK MODE WALLET", Size: 0.3, Rotate: 15, Tilt: 0.1, Noise: 4, X: -0.2},
		{Text: benchText, Size: 0.6, Rotate: -12, Tilt: 0.15, Noise: 3},
		{Text: benchText, Size: 0.5, Rotate: 25, Tilt: 0.2, Noise: 4, X: 0.1},
		{Text: benchText, Size: 0.7, Rotate: -27, Tilt: 0.18, Noise: 2.7},
	} {
		g := frameOf(t, 1280, 720, sc)
		darkScreen(g, sc, 1280, 720)
		if qr.LightOnDark(g) {
			t.Fatalf("scene %d: the frame's histogram says light-on-dark: not the case under test", i)
		}
		if work, err := qr.Resize(g, 640, 360); err != nil || !qr.LightFinders(work) {
			t.Errorf("scene %d: the code's light finder patterns not seen (%v)", i, err)
		}
		for range 17 + i { // a different point of the fallback rotation each time
			d.DecodeFrame(empty)
		}
		rs, err := d.DecodeFrame(g)
		if err != nil || len(rs) == 0 || rs[0].Text != sc.Text {
			t.Errorf("scene %d: first frame: %+v, %v", i, rs, err)
			continue
		}
		stages[rs[0].Stage]++
		again, err := d.DecodeFrame(g)
		if err != nil || len(again) == 0 || again[0].Text != sc.Text {
			t.Errorf("scene %d: held code not re-read: %+v, %v", i, again, err)
		}
	}
	t.Logf("first-frame steps: %v", stages)
	// the negative costs a plain decode: the light finder patterns that
	// call for it are rarely seen where there is no code
	seen := 0
	scenes := codelessScenes(t, 1280, 720)
	for _, s := range scenes {
		work, err := qr.Resize(s.frame, 640, 360) // the work plane
		if err != nil {
			t.Fatal(err)
		}
		if qr.LightFinders(work) {
			seen++
		}
	}
	if seen > len(scenes)/5 {
		t.Errorf("%d of %d codeless scenes show light finder patterns", seen, len(scenes))
	}
	// nor on the empty counter, at either size (sensor noise on a flat
	// area near the midpoint must not make runs of the proportion)
	for _, c := range benchCases(t) {
		if c.present || c.name != "640x480/absent" && c.name != "1280x720/absent" {
			continue
		}
		for i, g := range c.frames {
			if g.Width > 800 {
				var err error
				if g, err = qr.Resize(g, g.Width/2, g.Height/2); err != nil {
					t.Fatal(err)
				}
			}
			if qr.LightFinders(g) {
				t.Errorf("%s frame %d: light finder patterns seen", c.name, i)
			}
		}
	}
	if stages["inverted-warp"] == 0 {
		t.Errorf("no code read by the negative's finder warp (steps %v): the step is not exercised", stages)
	}
}

// darkScreen turns the code of sc (rendered by videogen into g) and a
// margin around it into its negative, as a phone screen in dark mode.
func darkScreen(g qr.Gray, sc videogen.Scene, w, h int) {
	half := sc.Size * float64(h) / 2 * 1.25 // the code and a margin
	cx, cy := float64(w)/2+sc.X*float64(w), float64(h)/2+sc.Y*float64(h)
	a := sc.Rotate * math.Pi / 180
	r := half * (math.Abs(math.Cos(a)) + math.Abs(math.Sin(a))) // the rotated code's bounding box
	for y := max(0, int(cy-r)); y < min(h, int(cy+r)); y++ {
		for x := max(0, int(cx-r)); x < min(w, int(cx+r)); x++ {
			g.Pix[y*g.Stride+x] = 255 - g.Pix[y*g.Stride+x]
		}
	}
}

// TestLightFindersKeepTheFallback: a codeless frame that shows light
// finder patterns (the fine fabric among codelessScenes) has its negative
// decoded instead of a fallback, but never on two frames running: the
// fallback rotation still turns at least every other frame, so a code
// that needs it is not starved.
func TestLightFindersKeepTheFallback(t *testing.T) {
	n := 0
	for _, s := range codelessScenes(t, 1280, 720) {
		work, err := qr.Resize(s.frame, 640, 360)
		if err != nil {
			t.Fatal(err)
		}
		if !qr.LightFinders(work) {
			continue
		}
		n++
		d := newTestDecoder(t)
		before := d.Trace().Count
		for range 10 {
			if rs, err := d.DecodeFrame(s.frame); err != nil || len(rs) > 0 {
				t.Fatalf("%s: %+v, %v", s.name, rs, err)
			}
		}
		runs := d.Trace().Count - before
		t.Logf("%s: the fallback ran on %d of 10 frames", s.name, runs)
		if runs < 5 {
			t.Errorf("%s: the fallback ran on %d of 10 frames, want 5 or more", s.name, runs)
		}
	}
	if n == 0 {
		t.Skip("no codeless scene shows light finder patterns: nothing to check")
	}
}
