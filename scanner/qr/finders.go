package qr

import (
	"image"
	"math"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode/detector"
)

// finder is a finder-pattern candidate gozxing reported while searching:
// its centre and estimated module size, in the searched plane's pixels.
type finder struct {
	X, Y, Module float64
}

// finderLog collects the finder-pattern candidates gozxing reports through
// its result-point callback, so that a frame it saw a code in but could not
// read tells the next, slower step where to look.
type finderLog struct {
	pts []finder
}

func (l *finderLog) reset() { l.pts = l.pts[:0] }

// add records one reported point. Alignment patterns are reported through
// the same callback; they are told apart by their type. Repeats (gozxing's
// multi and single readers report the same patterns) are merged.
func (l *finderLog) add(p gozxing.ResultPoint) {
	fp, ok := p.(*detector.FinderPattern)
	if !ok || fp == nil {
		return
	}
	f := finder{fp.GetX(), fp.GetY(), fp.GetEstimatedModuleSize()}
	if math.IsNaN(f.X) || math.IsNaN(f.Y) || !(f.Module > 0) {
		return
	}
	for _, o := range l.pts {
		if math.Hypot(o.X-f.X, o.Y-f.Y) < 2*math.Max(o.Module, f.Module) {
			return
		}
	}
	if len(l.pts) < 16 {
		l.pts = append(l.pts, f)
	}
}

// bestTriple picks the three candidates that best form a code's finder
// patterns: two equal legs at a right angle from the top-left one, and
// module sizes that agree. It returns them as top-left, top-right,
// bottom-left (clockwise on screen) and false when no triple is plausible.
func (l *finderLog) bestTriple() (tl, tr, bl finder, ok bool) {
	best := math.Inf(1)
	n := len(l.pts)
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			for k := j + 1; k < n; k++ {
				a, b, c := l.pts[i], l.pts[j], l.pts[k]
				// the corner opposite the longest side is the top-left
				dab, dbc, dca := dist(a, b), dist(b, c), dist(c, a)
				switch {
				case dbc >= dab && dbc >= dca:
				case dca >= dab && dca >= dbc:
					a, b, c = b, c, a
				default:
					a, b, c = c, a, b
				}
				l1, l2 := dist(a, b), dist(a, c)
				ms := (a.Module + b.Module + c.Module) / 3
				if l1 < 7*ms || l2 < 7*ms { // finder patterns overlap
					continue
				}
				cos := ((b.X-a.X)*(c.X-a.X) + (b.Y-a.Y)*(c.Y-a.Y)) / (l1 * l2)
				legs := math.Abs(l1-l2) / math.Max(l1, l2)
				mods := (math.Max(a.Module, math.Max(b.Module, c.Module)) - math.Min(a.Module, math.Min(b.Module, c.Module))) / ms
				score := math.Abs(cos) + legs + mods
				// perspective and tilt bend the right angle and the legs,
				// but not beyond these limits
				if math.Abs(cos) > 0.5 || legs > 0.5 || mods > 0.6 || score >= best {
					continue
				}
				// clockwise on screen (y down): top-right is the leg whose
				// cross product with the other is positive
				if (b.X-a.X)*(c.Y-a.Y)-(b.Y-a.Y)*(c.X-a.X) < 0 {
					b, c = c, b
				}
				best, tl, tr, bl, ok = score, a, b, c, true
			}
		}
	}
	return tl, tr, bl, ok
}

func dist(a, b finder) float64 { return math.Hypot(a.X-b.X, a.Y-b.Y) }

// outline is the code's quadrangle implied by its finder patterns: each
// corner lies 3.5 modules outwards from the finder centres, the fourth
// completes the parallelogram. Grown by grow modules on every side.
func outline(tl, tr, bl finder, grow float64) Quad {
	ms := (tl.Module + tr.Module + bl.Module) / 3
	ux, uy := unit(tr.X-tl.X, tr.Y-tl.Y)
	vx, vy := unit(bl.X-tl.X, bl.Y-tl.Y)
	d := (3.5 + grow) * ms
	br := Point{bl.X + tr.X - tl.X, bl.Y + tr.Y - tl.Y}
	return Quad{
		{tl.X - d*ux - d*vx, tl.Y - d*uy - d*vy},
		{tr.X + d*ux - d*vx, tr.Y + d*uy - d*vy},
		{br.X + d*ux + d*vx, br.Y + d*uy + d*vy},
		{bl.X - d*ux + d*vx, bl.Y - d*uy + d*vy},
	}
}

// grownBounds is q's bounding box grown by frac of its larger side on
// every side and clipped to a w x h plane.
func grownBounds(q Quad, frac float64, w, h int) image.Rectangle {
	r := q.Bounds()
	m := int(frac * float64(max(r.Dx(), r.Dy())))
	return r.Inset(-m).Intersect(image.Rect(0, 0, w, h))
}
