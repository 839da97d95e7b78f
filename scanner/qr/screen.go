package qr

import (
	"image"
	"time"
)

// Screen-grid detection. A code photographed off a phone screen whose
// pixel grid is sharp in the photo carries the grid (finer than the
// camera's pixels, so aliased into a moiré) as a periodic ripple over its
// light areas and the lit screen around it, which printed codes and plain
// backgrounds lack. The ripple shows as a peak of the autocorrelation of
// the grey profile's first difference at a lag of a few pixels, along the
// rows or the columns of a small tile.
const (
	gridTile = 32 // tile side, pixels
	// gridMinLag, gridMaxLag bound the ripple periods looked for, pixels:
	// 1 is every edge, 8 would be JPEG's block raster.
	gridMinLag = 3
	gridMaxLag = 7
	// gridPeak: the least normalised autocorrelation that counts as
	// periodic (noise and module edges at random stay well below).
	gridPeak = 0.5
	// gridMinStep: a tile flatter than this mean absolute step (grey
	// levels) is not judged (sensor noise on a flat area).
	gridMinStep = 4
	// gridMinTiles: fewer periodic tiles than this are chance.
	gridMinTiles = 3
)

// screenGrid reports whether g shows a periodic screen grid and where:
// the bounding box of the tiles whose profiles are periodic. It samples
// every eighth row and column of each tile, a fraction of a millisecond on
// an 800-pixel-wide plane.
func screenGrid(g Gray) (image.Rectangle, bool) {
	var box image.Rectangle
	n := 0
	for ty := 0; ty+gridTile <= g.Height; ty += gridTile {
		for tx := 0; tx+gridTile <= g.Width; tx += gridTile {
			if tilePeriodic(g, tx, ty) {
				box = box.Union(image.Rect(tx, ty, tx+gridTile, ty+gridTile))
				n++
			}
		}
	}
	return box, n >= gridMinTiles
}

// tilePeriodic judges the tile at (tx, ty) along its rows, then its
// columns.
func tilePeriodic(g Gray, tx, ty int) bool {
	for _, rows := range []bool{true, false} {
		var num [gridMaxLag + 1]int
		den, steps, count := 0, 0, 0
		var d [gridTile - 1]int
		for k := 3; k < gridTile; k += 8 {
			for i := range gridTile - 1 {
				var a, b byte
				if rows {
					p := (ty+k)*g.Stride + tx + i
					a, b = g.Pix[p], g.Pix[p+1]
				} else {
					p := (ty+i)*g.Stride + tx + k
					a, b = g.Pix[p], g.Pix[p+g.Stride]
				}
				d[i] = int(b) - int(a)
			}
			for i, v := range d {
				den += v * v
				steps += max(v, -v)
				count++
				for l := gridMinLag; l <= gridMaxLag && i+l < len(d); l++ {
					num[l] += v * d[i+l]
				}
			}
		}
		if den == 0 || float64(steps) < gridMinStep*float64(count) {
			continue
		}
		for l := gridMinLag; l <= gridMaxLag; l++ {
			if float64(num[l]) >= gridPeak*float64(den) {
				return true
			}
		}
	}
	return false
}

// screenSide bounds the longer side of a screen region before it is
// doubled: the low-passed plane stays within 2*screenSide pixels.
const screenSide = 400

// screenStep is DecodeFrame's remedy for a phone screen whose pixel grid
// is sharp in the frame: when the work plane (wf times smaller than g)
// shows a periodic grid and the frame's budget still holds the step's
// measured cost (a third of the budget until measured), the grid's region
// is read from g doubled and low-passed (screenRead). Results are in g's
// coordinates.
func (d *Decoder) screenStep(g, work Gray, wf float64, start time.Time) ([]Result, error) {
	fs := &d.fs
	cost := fs.screenCost
	if cost == 0 {
		cost = d.opts.FrameBudget / 3
	}
	if d.opts.Clock.Now().Sub(start)+cost > d.opts.FrameBudget {
		return nil, nil
	}
	box, ok := screenGrid(work)
	if !ok {
		fs.screenMissed = image.Rectangle{}
		return nil, nil
	}
	// A screen grid shows a screen, not a code: a phone showing no code
	// (or one it cannot read) held in view would pay the read, the
	// costliest live step, on every frame. Where the last read of the same
	// screen missed, every other frame lets it be; a new screen, or a code
	// appearing on this one, is read at once or on the next frame.
	if sameScreen(box, fs.screenMissed) && !fs.screenRested {
		fs.screenRested = true
		return nil, nil
	}
	fs.screenRested = false
	fs.screenReads++
	t0 := d.opts.Clock.Now()
	// the periodic tiles are the screen's lit areas around and between
	// the modules: the code lies within, or just beyond, their box
	m := max(2*gridTile, max(box.Dx(), box.Dy())/2)
	r := image.Rect(int(float64(box.Min.X-m)*wf), int(float64(box.Min.Y-m)*wf),
		int(float64(box.Max.X+m)*wf), int(float64(box.Max.Y+m)*wf))
	rs, err := d.screenRead(g, r)
	if c := d.opts.Clock.Now().Sub(t0); fs.screenCost == 0 {
		fs.screenCost = c
	} else {
		fs.screenCost = (3*fs.screenCost + c) / 4
	}
	fs.screenMissed = image.Rectangle{}
	if err == nil && len(rs) == 0 {
		fs.screenMissed = box
	}
	return rs, err
}

// sameScreen reports whether screen-grid boxes a and b overlap by more
// than half of the smaller one: the same screen, moved a little.
func sameScreen(a, b image.Rectangle) bool {
	in := a.Intersect(b)
	if in.Empty() {
		return false
	}
	small := min(a.Dx()*a.Dy(), b.Dx()*b.Dy())
	return 2*in.Dx()*in.Dy() > small
}

// screenRead reads region r of g enlarged (doubled, or to 2*screenSide
// on its longer side) with cubic interpolation, so the modules keep their
// edges, and low-passed with a Gaussian of 0.7 source pixels, which
// removes the screen grid's frequencies and their alias beats but not a
// module of 1.4 pixels or more (the still cascade's low-pass step, on one
// region and without TRY_HARDER).
func (d *Decoder) screenRead(g Gray, r image.Rectangle) ([]Result, error) {
	r = r.Intersect(image.Rect(0, 0, g.Width, g.Height))
	if r.Dx() < 21 || r.Dy() < 21 {
		return nil, nil
	}
	k := 2.0
	if s := max(r.Dx(), r.Dy()); s > screenSide {
		k = 2 * screenSide / float64(s)
	}
	w, h := max(1, int(float64(r.Dx())*k)), max(1, int(float64(r.Dy())*k))
	u, err := resize(g.sub(r), w, h, interpCubic)
	if err != nil {
		return nil, err
	}
	s, err := sharpen(u, 0.7*k, -1) // amount -1: the blurred plane itself
	if err != nil {
		return nil, err
	}
	rs, err := d.zx.decode(s, hybrid, false, true)
	return rescale(rs, float64(r.Dx())/float64(w), float64(r.Min.X), float64(r.Min.Y)), err
}
