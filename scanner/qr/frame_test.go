package qr

import (
	"math"
	"testing"

	"github.com/checkpoint-terminal/checkpoint/scanner/videogen"
)

// TestBestTriple: among gozxing's finder-pattern candidates (with a stray
// one), the three that form a code are picked and ordered top-left,
// top-right, bottom-left, clockwise on screen, whatever the rotation.
func TestBestTriple(t *testing.T) {
	for _, deg := range []float64{0, 30, -40, 135} {
		a := deg * math.Pi / 180
		rot := func(x, y float64) finder {
			return finder{X: 300 + x*math.Cos(a) - y*math.Sin(a), Y: 200 + x*math.Sin(a) + y*math.Cos(a), Module: 4}
		}
		var l finderLog
		// reported in scrambled order, with a stray pattern far off
		l.pts = []finder{rot(0, 160), {X: 20, Y: 15, Module: 9}, rot(160, 0), rot(0, 0)}
		tl, tr, bl, ok := l.bestTriple()
		if !ok {
			t.Fatalf("%v degrees: no triple found", deg)
		}
		for _, c := range []struct {
			name      string
			got, want finder
		}{{"top-left", tl, rot(0, 0)}, {"top-right", tr, rot(160, 0)}, {"bottom-left", bl, rot(0, 160)}} {
			if math.Hypot(c.got.X-c.want.X, c.got.Y-c.want.Y) > 1e-6 {
				t.Errorf("%v degrees: %s = %+v, want %+v", deg, c.name, c.got, c.want)
			}
		}
		q := outline(tl, tr, bl, 0)
		if q.signedArea() <= 0 {
			t.Errorf("%v degrees: outline %v is not clockwise on screen", deg, q)
		}
		if a := q.Area(); math.Abs(a-188*188) > 1 {
			// 160 px between centres + 3.5 modules of 4 px on each side
			t.Errorf("%v degrees: outline area %.0f, want %d", deg, a, 188*188)
		}
	}
	var l finderLog
	l.pts = []finder{{X: 0, Y: 0, Module: 4}, {X: 100, Y: 0, Module: 4}, {X: 200, Y: 0, Module: 4}}
	if _, _, _, ok := l.bestTriple(); ok {
		t.Error("three patterns in a row taken for a code")
	}
}

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
		var rs []Result
		n := 0
		for n < len(evidenceSteps)+1 && len(rs) == 0 {
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
