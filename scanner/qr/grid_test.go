package qr

import (
	"math"
	"math/rand/v2"
	"testing"
)

// bentCode renders text as a photo of a bent page: m pixels per module,
// the middle columns sagging by sag modules (a sine across the width, so
// the four corners stay where a flat code's would be and no perspective
// warp of them fits the middle), every 8x8 block pulled towards its mean
// (the smear of block compression) and noise. It returns the plane and
// the code's corners, clockwise from the top-left.
func bentCode(t *testing.T, text string, m, sag float64, seed uint64) (Gray, Quad) {
	t.Helper()
	img, err := Encode(text, 1) // one pixel per module, 4-module quiet zone
	if err != nil {
		t.Fatal(err)
	}
	dim := img.Rect.Dx() - 8
	o := 4 * m
	side := int(math.Ceil(float64(dim+8) * m))
	g := Gray{Pix: make([]byte, side*side), Width: side, Height: side, Stride: side}
	module := func(u, v float64) float64 {
		v -= sag * math.Sin(math.Pi*u/float64(dim))
		x, y := int(math.Floor(u)), int(math.Floor(v))
		if u < 0 || v < 0 || x >= dim || y >= dim {
			return 235
		}
		if img.Pix[(y+4)*img.Stride+x+4] == 0 {
			return 35
		}
		return 235
	}
	for py := range side {
		for px := range side {
			s := 0.0
			for _, d := range [4][2]float64{{0.25, 0.25}, {0.75, 0.25}, {0.25, 0.75}, {0.75, 0.75}} {
				s += module((float64(px)+d[0]-o)/m, (float64(py)+d[1]-o)/m)
			}
			g.Pix[py*side+px] = byte(s / 4)
		}
	}
	rng := rand.New(rand.NewPCG(seed, 1))
	for by := 0; by < side; by += 8 {
		for bx := 0; bx < side; bx += 8 {
			sum, n := 0, 0
			for y := by; y < min(by+8, side); y++ {
				for x := bx; x < min(bx+8, side); x++ {
					sum += int(g.Pix[y*side+x])
					n++
				}
			}
			mean := float64(sum) / float64(n)
			for y := by; y < min(by+8, side); y++ {
				for x := bx; x < min(bx+8, side); x++ {
					v := 0.55*float64(g.Pix[y*side+x]) + 0.45*mean + rng.NormFloat64()*12
					g.Pix[y*side+x] = byte(min(255, max(0, v)))
				}
			}
		}
	}
	e := o + float64(dim)*m
	return g, Quad{{o, o}, {e, o}, {e, e}, {o, e}}
}

// TestGridReadBentBlocky: the module-grid sampler reads a bent, block-
// smeared code from its four corners in every rotation and both windings,
// following the alignment patterns where the flat grid is a module off.
func TestGridReadBentBlocky(t *testing.T) {
	d, err := NewDecoder(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	const text = "HC1:NCFOXN%TS3DH3ZSUZK+.V0ETD%65NL-AH-R6IOOK.IR9B+9D-MM2HC1:NCFOXN%TS3DH3ZSUZK+.V0ETD%65NL-AH-R6IOOK.IR9B+9D-MM2" // version 7 at level Q
	for _, c := range []struct {
		m, sag float64
	}{{3, 1.2}, {2.2, 0.8}, {4, 1.5}} {
		g, q := bentCode(t, text, c.m, c.sag, uint64(c.m*10))
		for turn := range 4 {
			var r Quad
			for i := range 4 {
				r[i] = q[(i+turn)%4]
			}
			for _, wind := range []bool{false, true} {
				if wind {
					r[1], r[3] = r[3], r[1]
				}
				rs, err := d.gridRead(g, r)
				if err != nil {
					t.Fatal(err)
				}
				if len(rs) != 1 || rs[0].Text != text {
					t.Errorf("%.1f px/module, sag %.1f, corners from %d (reversed %v): read %v", c.m, c.sag, turn, wind, rs)
					continue
				}
				if a := rs[0].Corners.Area(); math.Abs(a-q.Area()) > 1 {
					t.Errorf("outline area %.0f, want %.0f", a, q.Area())
				}
			}
		}
	}
}

// TestGridFitFollowsTheBend: the fitted grid's displacement in the middle
// of the bent code is the sag the page has there, within a quarter module.
func TestGridFitFollowsTheBend(t *testing.T) {
	const text = "HC1:NCFOXN%TS3DH3ZSUZK+.V0ETD%65NL-AH-R6IOOK.IR9B+9D-MM2HC1:NCFOXN%TS3DH3ZSUZK+.V0ETD%65NL-AH-R6IOOK.IR9B+9D-MM2"
	g, q := bentCode(t, text, 4, 1.5, 3)
	side := int(q[1].X - q[0].X)
	w, err := warp(g, q, side*4, 0)
	if err != nil {
		t.Fatal(err)
	}
	dim := int(math.Round((q[1].X - q[0].X) / 4))
	f := fitGrid(w, dim, 0)
	if len(f) < 3 {
		t.Fatalf("only %d patterns found", len(f))
	}
	_, dy := f.at(float64(dim)/2, float64(dim)/2)
	if math.Abs(dy-1.5) > 0.25 {
		t.Errorf("displacement at the centre %.2f modules, want 1.5", dy)
	}
}

// TestGridReadNoCode: noise, flat planes and degenerate corners give no
// code and no error, never a panic or a made-up text.
func TestGridReadNoCode(t *testing.T) {
	d, err := NewDecoder(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	rng := rand.New(rand.NewPCG(7, 7))
	g := Gray{Pix: make([]byte, 300*300), Width: 300, Height: 300, Stride: 300}
	for i := range g.Pix {
		g.Pix[i] = byte(rng.IntN(256))
	}
	flat := Gray{Pix: make([]byte, 300*300), Width: 300, Height: 300, Stride: 300}
	for _, c := range []struct {
		g Gray
		q Quad
	}{
		{g, Quad{{20, 20}, {280, 20}, {280, 280}, {20, 280}}},
		{flat, Quad{{20, 20}, {280, 20}, {280, 280}, {20, 280}}},
		{g, Quad{{20, 20}, {20, 20}, {20, 20}, {20, 20}}},
		{g, Quad{{-500, -500}, {900, -400}, {800, 800}, {-400, 900}}},
		{g, Quad{{20, 20}, {280, 280}, {280, 20}, {20, 280}}},
	} {
		rs, err := d.gridRead(c.g, c.q)
		if err != nil || len(rs) != 0 {
			t.Errorf("corners %v: %v, %v; want nothing", c.q, rs, err)
		}
	}
}
