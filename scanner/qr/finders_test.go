package qr

import (
	"math"
	"testing"
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
