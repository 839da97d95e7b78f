package qr

import (
	"math"
	"math/rand/v2"
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

// TestBestTriplePerspective: the finder patterns of codes seen in random
// perspective (each corner of a 400 px code moved up to 40 px either way,
// then turned any way) are found and ordered top-left, top-right,
// bottom-left, with the module sizes perspective gives them.
func TestBestTriplePerspective(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const n = 41.0
	wrong := 0
	for i := range 2000 {
		base := Quad{{0, 0}, {400, 0}, {400, 400}, {0, 400}}
		a := 2 * math.Pi * rng.Float64()
		var dst Quad
		for k, p := range base {
			x, y := p.X+80*(rng.Float64()-0.5), p.Y+80*(rng.Float64()-0.5)
			dst[k] = Point{500 + x*math.Cos(a) - y*math.Sin(a), 500 + x*math.Sin(a) + y*math.Cos(a)}
		}
		h := homographyUnitSquare(dst)
		at := func(x, y float64) Point { return h(x/n, y/n) }
		module := func(x, y float64) float64 {
			p, px, py := at(x, y), at(x+1, y), at(x, y+1)
			return math.Sqrt(math.Abs((px.X-p.X)*(py.Y-p.Y) - (px.Y-p.Y)*(py.X-p.X)))
		}
		fp := func(x, y float64) finder { p := at(x, y); return finder{p.X, p.Y, module(x, y)} }
		tl, tr, bl := fp(3.5, 3.5), fp(n-3.5, 3.5), fp(3.5, n-3.5)
		var l finderLog
		l.pts = [][]finder{{bl, tr, tl}, {tr, tl, bl}, {tl, bl, tr}}[i%3]
		gtl, gtr, gbl, ok := l.bestTriple()
		if !ok || gtl != tl || gtr != tr || gbl != bl {
			wrong++
			if wrong <= 3 {
				t.Errorf("view %d %v: got %+v %+v %+v %v", i, dst, gtl, gtr, gbl, ok)
			}
		}
	}
	if wrong > 0 {
		t.Errorf("%d of 2000 views not found or mis-ordered", wrong)
	}
}

// TestOutlinePerspective: a code seen leaning back (top edge shorter, so
// smaller modules at the top finder patterns) has its fourth corner
// placed by the module sizes' perspective, nearer the true corner than
// the parallelogram of the three centres puts it.
func TestOutlinePerspective(t *testing.T) {
	const n = 41.0 // version 6
	for _, tilt := range []float64{0.15, 0.3} {
		// The code plane (modules) maps onto a trapezoid: top edge
		// (1-tilt) of the bottom edge's 400 px.
		dst := Quad{{200 * tilt / 2, 0}, {400 - 200*tilt/2, 0}, {400, 400}, {0, 400}}
		h := homographyUnitSquare(dst)
		at := func(x, y float64) Point { return h(x/n, y/n) }
		module := func(x, y float64) float64 {
			// local scale: square root of the area of one module
			p, px, py := at(x, y), at(x+1, y), at(x, y+1)
			return math.Sqrt(math.Abs((px.X-p.X)*(py.Y-p.Y) - (px.Y-p.Y)*(py.X-p.X)))
		}
		fp := func(x, y float64) finder { p := at(x, y); return finder{p.X, p.Y, module(x, y)} }
		tl, tr, bl := fp(3.5, 3.5), fp(n-3.5, 3.5), fp(3.5, n-3.5)
		q := outline(tl, tr, bl, 0)
		truth := at(n, n)
		para := Point{bl.X + tr.X - tl.X, bl.Y + tr.Y - tl.Y}
		para.X, para.Y = para.X+3.5*(module(n, n)), para.Y+3.5*(module(n, n))
		errQ := math.Hypot(q[2].X-truth.X, q[2].Y-truth.Y)
		errP := math.Hypot(para.X-truth.X, para.Y-truth.Y)
		if errQ > errP/2 || errQ > 3*module(n, n) {
			t.Errorf("tilt %v: fourth corner %.0f px off (parallelogram %.0f px; a module is %.1f px)", tilt, errQ, errP, module(n, n))
		}
		if q.signedArea() <= 0 {
			t.Errorf("tilt %v: outline %v not clockwise", tilt, q)
		}
	}
}

// homographyUnitSquare maps the unit square onto quadrangle q (corners
// clockwise from top-left), the textbook square-to-quad construction.
func homographyUnitSquare(q Quad) func(u, v float64) Point {
	x0, y0, x1, y1, x2, y2, x3, y3 := q[0].X, q[0].Y, q[1].X, q[1].Y, q[2].X, q[2].Y, q[3].X, q[3].Y
	dx1, dx2, dx3 := x1-x2, x3-x2, x0-x1+x2-x3
	dy1, dy2, dy3 := y1-y2, y3-y2, y0-y1+y2-y3
	den := dx1*dy2 - dx2*dy1
	g := (dx3*dy2 - dx2*dy3) / den
	hh := (dx1*dy3 - dx3*dy1) / den
	a, b, c := x1-x0+g*x1, x3-x0+hh*x3, x0
	d, e, f := y1-y0+g*y1, y3-y0+hh*y3, y0
	return func(u, v float64) Point {
		w := g*u + hh*v + 1
		return Point{(a*u + b*v + c) / w, (d*u + e*v + f) / w}
	}
}
