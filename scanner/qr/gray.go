package qr

import (
	"errors"
	"fmt"
	"image"
	"math"
)

// Gray is an 8-bit grey plane: pixel (x, y) is Pix[y*Stride+x]. Camera
// frames arrive in this form straight from the capture buffer.
type Gray struct {
	Pix                   []byte
	Width, Height, Stride int
}

// ErrBadPlane is returned for planes whose sizes do not fit their buffer.
var ErrBadPlane = errors.New("grey plane sizes do not fit its buffer")

// check validates g so nothing below can read out of bounds.
func (g Gray) check() error {
	// (each bound before the products that could overflow without it)
	if g.Width <= 0 || g.Height <= 0 || g.Stride < g.Width || g.Height > 1 && g.Stride > len(g.Pix) {
		return fmt.Errorf("%w (%dx%d stride %d, %d bytes)", ErrBadPlane, g.Width, g.Height, g.Stride, len(g.Pix))
	}
	if g.Width > MaxPixels || g.Height > MaxPixels || g.Width*g.Height > MaxPixels {
		return fmt.Errorf("decoding a %dx%d plane: %w", g.Width, g.Height, ErrTooLarge)
	}
	if len(g.Pix) < (g.Height-1)*g.Stride+g.Width {
		return fmt.Errorf("%w (%dx%d stride %d, %d bytes)", ErrBadPlane, g.Width, g.Height, g.Stride, len(g.Pix))
	}
	return nil
}

// sub returns the part of g inside r (clipped to g).
func (g Gray) sub(r image.Rectangle) Gray {
	r = r.Intersect(image.Rect(0, 0, g.Width, g.Height))
	if r.Empty() {
		return Gray{}
	}
	off := r.Min.Y*g.Stride + r.Min.X
	return Gray{Pix: g.Pix[off:], Width: r.Dx(), Height: r.Dy(), Stride: g.Stride}
}

// GrayFromImage converts any image to a grey plane with the Rec. 601
// luminance weights (a proper conversion: coloured codes keep their
// contrast).
func GrayFromImage(img image.Image) Gray {
	b := img.Bounds()
	g := Gray{Pix: make([]byte, b.Dx()*b.Dy()), Width: b.Dx(), Height: b.Dy(), Stride: b.Dx()}
	if gi, ok := img.(*image.Gray); ok {
		for y := 0; y < g.Height; y++ {
			copy(g.Pix[y*g.Stride:y*g.Stride+g.Width], gi.Pix[y*gi.Stride:])
		}
		return g
	}
	for y := 0; y < g.Height; y++ {
		for x := 0; x < g.Width; x++ {
			r, gg, bb, a := img.At(b.Min.X+x, b.Min.Y+y).RGBA()
			// Composite over white: transparent pixels are background.
			w := 0xffff - a
			l := (299*(r+w) + 587*(gg+w) + 114*(bb+w)) / 1000
			g.Pix[y*g.Stride+x] = uint8(min(l, 0xffff) >> 8)
		}
	}
	return g
}

// invert returns the photographic negative of g.
func invert(g Gray) Gray {
	out := Gray{Pix: make([]byte, g.Width*g.Height), Width: g.Width, Height: g.Height, Stride: g.Width}
	for y := 0; y < g.Height; y++ {
		row := g.Pix[y*g.Stride : y*g.Stride+g.Width]
		o := out.Pix[y*out.Stride:]
		for x, v := range row {
			o[x] = 255 - v
		}
	}
	return out
}

// stretch maps the 1st..99th percentile of g onto 0..255 (low-contrast
// codes: a dim phone screen, a washed-out print).
func stretch(g Gray) Gray {
	var hist [256]int
	for y := 0; y < g.Height; y++ {
		for _, v := range g.Pix[y*g.Stride : y*g.Stride+g.Width] {
			hist[v]++
		}
	}
	n := g.Width * g.Height
	lo, hi, acc := 0, 255, 0
	for i := range 256 {
		acc += hist[i]
		if acc > n/100 {
			lo = i
			break
		}
	}
	acc = 0
	for i := 255; i >= 0; i-- {
		acc += hist[i]
		if acc > n/100 {
			hi = i
			break
		}
	}
	out := Gray{Pix: make([]byte, n), Width: g.Width, Height: g.Height, Stride: g.Width}
	if hi <= lo {
		for y := 0; y < g.Height; y++ {
			copy(out.Pix[y*out.Stride:], g.Pix[y*g.Stride:y*g.Stride+g.Width])
		}
		return out
	}
	var lut [256]byte
	for i := range 256 {
		v := (i - lo) * 255 / (hi - lo)
		lut[i] = byte(max(0, min(255, v)))
	}
	for y := 0; y < g.Height; y++ {
		o := out.Pix[y*out.Stride:]
		for x, v := range g.Pix[y*g.Stride : y*g.Stride+g.Width] {
			o[x] = lut[v]
		}
	}
	return out
}

// Point is a position in frame pixels.
type Point struct{ X, Y float64 }

// Quad is a code's outline: four corners in frame pixels.
type Quad [4]Point

// Area is the quadrangle's area in square pixels (shoelace formula).
func (q Quad) Area() float64 {
	return math.Abs(q.signedArea())
}

func (q Quad) signedArea() float64 {
	s := 0.0
	for i := range 4 {
		a, b := q[i], q[(i+1)%4]
		s += a.X*b.Y - b.X*a.Y
	}
	return s / 2
}

// Bounds is the smallest integer rectangle holding q.
func (q Quad) Bounds() image.Rectangle {
	minX, minY, maxX, maxY := q[0].X, q[0].Y, q[0].X, q[0].Y
	for _, p := range q[1:] {
		minX, minY = math.Min(minX, p.X), math.Min(minY, p.Y)
		maxX, maxY = math.Max(maxX, p.X), math.Max(maxY, p.Y)
	}
	return image.Rect(int(math.Floor(minX)), int(math.Floor(minY)), int(math.Ceil(maxX)), int(math.Ceil(maxY)))
}

// scale maps q by factor f and offset (dx, dy): p*f + d.
func (q Quad) scale(f, dx, dy float64) Quad {
	for i := range q {
		q[i] = Point{q[i].X*f + dx, q[i].Y*f + dy}
	}
	return q
}

// sane reports whether q is a usable convex quadrangle of some size.
func (q Quad) sane() bool {
	for _, p := range q {
		if math.IsNaN(p.X) || math.IsNaN(p.Y) || math.IsInf(p.X, 0) || math.IsInf(p.Y, 0) {
			return false
		}
	}
	return q.Area() >= 64
}

// grow enlarges q about its centre by frac of its size.
func (q Quad) grow(frac float64) Quad {
	var c Point
	for _, p := range q {
		c.X += p.X / 4
		c.Y += p.Y / 4
	}
	for i, p := range q {
		q[i] = Point{c.X + (p.X-c.X)*(1+frac), c.Y + (p.Y-c.Y)*(1+frac)}
	}
	return q
}

// darkShare is the share of g's pixels (sampled every 4th pixel of every
// 4th row) darker than the midpoint of its 2nd and 98th percentiles.
func darkShare(g Gray) float64 {
	hist, n := sampleHist(g)
	if n == 0 {
		return 0
	}
	lo, hi := histPercentiles(&hist, n)
	mid := (lo + hi + 1) / 2
	dark := 0
	for i := range mid {
		dark += hist[i]
	}
	return float64(dark) / float64(n)
}

// percentiles are g's 2nd and 98th percentiles (sampled as darkShare).
func percentiles(g Gray) (lo, hi int) {
	hist, n := sampleHist(g)
	return histPercentiles(&hist, n)
}

// sampleHist is the histogram of every 4th pixel of every 4th row of g.
func sampleHist(g Gray) (hist [256]int, n int) {
	for y := 0; y < g.Height; y += 4 {
		row := g.Pix[y*g.Stride : y*g.Stride+g.Width]
		for x := 0; x < len(row); x += 4 {
			hist[row[x]]++
			n++
		}
	}
	return hist, n
}

// histPercentiles are the 2nd and 98th percentiles of n samples in hist.
func histPercentiles(hist *[256]int, n int) (lo, hi int) {
	lo, hi = 0, 255
	acc := 0
	for i := range 256 {
		if acc += hist[i]; acc*50 > n {
			lo = i
			break
		}
	}
	acc = 0
	for i := 255; i >= 0; i-- {
		if acc += hist[i]; acc*50 > n {
			hi = i
			break
		}
	}
	return lo, hi
}

// lightOnDarkShare: an image at least this share of whose pixels lie on
// the dark side of its range is taken for a light-on-dark code (a wallet
// in dark mode, a negative print): a dark-on-light code brings a light
// quiet zone around a half-dark symbol, so the light side dominates
// wherever the code fills much of the view.
const lightOnDarkShare = 0.6

// lightOnDark reports whether g's histogram says light-on-dark.
func lightOnDark(g Gray) bool { return darkShare(g) >= lightOnDarkShare }

// invertInto writes the photographic negative of g into buf (reused) and
// returns it.
func invertInto(g Gray, buf *Gray) Gray {
	n := g.Width * g.Height
	if cap(buf.Pix) < n {
		buf.Pix = make([]byte, n)
	}
	*buf = Gray{Pix: buf.Pix[:n], Width: g.Width, Height: g.Height, Stride: g.Width}
	for y := 0; y < g.Height; y++ {
		row := g.Pix[y*g.Stride : y*g.Stride+g.Width]
		o := buf.Pix[y*g.Width:]
		for x, v := range row {
			o[x] = 255 - v
		}
	}
	return *buf
}
