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
	l.addPoint(finder{fp.GetX(), fp.GetY(), fp.GetEstimatedModuleSize()})
}

// addPoint records candidate f, merged with one recorded near it.
func (l *finderLog) addPoint(f finder) {
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
//
// Each of the three patterns is tried as the top-left corner and the one
// whose legs are nearest a right angle is kept: under strong perspective
// the side opposite the top-left pattern is not always the longest, so
// "opposite the longest side" (gozxing's rule) can pick the wrong corner.
func (l *finderLog) bestTriple() (tl, tr, bl finder, ok bool) {
	best := math.Inf(1)
	n := len(l.pts)
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			for k := j + 1; k < n; k++ {
				p := [3]finder{l.pts[i], l.pts[j], l.pts[k]}
				for r := range 3 {
					a, b, c := p[r], p[(r+1)%3], p[(r+2)%3]
					score, fits := tripleScore(a, b, c)
					if !fits || score >= best {
						continue
					}
					// clockwise on screen (y down): top-right is the leg
					// whose cross product with the other is positive
					if (b.X-a.X)*(c.Y-a.Y)-(b.Y-a.Y)*(c.X-a.X) < 0 {
						b, c = c, b
					}
					best, tl, tr, bl, ok = score, a, b, c, true
				}
			}
		}
	}
	return tl, tr, bl, ok
}

// pairSeen reports whether two of the candidates could be finder patterns
// of one code: module sizes that agree as tripleScore asks and centres
// at least 7 modules apart (so the patterns do not overlap). One stray
// candidate is common on textures and print; a pair is the least evidence
// that a code's corner patterns are in view.
func (l *finderLog) pairSeen() bool {
	for i, a := range l.pts {
		for _, b := range l.pts[i+1:] {
			ms := (a.Module + b.Module) / 2
			if math.Abs(a.Module-b.Module)/ms <= 0.75 && dist(a, b) >= 7*ms {
				return true
			}
		}
	}
	return false
}

// tripleScore rates a as the top-left finder pattern of b and c: the sum
// of how far the legs are from a right angle (|cos|), from equal length
// and the module sizes from equal (0 is a perfect square seen head on).
// fits is false beyond what perspective and tilt can bend.
func tripleScore(a, b, c finder) (score float64, fits bool) {
	l1, l2 := dist(a, b), dist(a, c)
	ms := (a.Module + b.Module + c.Module) / 3
	if l1 < 7*ms || l2 < 7*ms { // finder patterns overlap
		return 0, false
	}
	cos := ((b.X-a.X)*(c.X-a.X) + (b.Y-a.Y)*(c.Y-a.Y)) / (l1 * l2)
	legs := math.Abs(l1-l2) / math.Max(l1, l2)
	mods := (math.Max(a.Module, math.Max(b.Module, c.Module)) - math.Min(a.Module, math.Min(b.Module, c.Module))) / ms
	if math.Abs(cos) > 0.5 || legs > 0.5 || mods > 0.75 {
		return 0, false
	}
	return math.Abs(cos) + legs + mods, true
}

func dist(a, b finder) float64 { return math.Hypot(a.X-b.X, a.Y-b.Y) }

// Limits of the perspective outline's model: the projective weight of a
// finder pattern relative to the top-left one (the ratio of their module
// sizes) is kept within [1/maxPerspective, maxPerspective]; estimated
// module sizes are too coarse (whole pixels over 7 modules) to say more.
const maxPerspective = 1.5

// outline is the code's quadrangle implied by its three finder patterns,
// grown by grow modules on every side.
//
// The code plane is mapped to the image by a homography fixed by the
// three finder centres and by their module sizes: with u, v the module
// grid scaled so the centres lie at (0,0), (1,0) and (0,1),
//
//	P(u, v) = (TL + u·(w₁·TR − TL) + v·(w₂·BL − TL)) / (1 + (w₁−1)·u + (w₂−1)·v)
//
// where w₁ = √(m(TL)/m(TR)) and w₂ = √(m(TL)/m(BL)): a pattern farther
// from the camera has smaller modules and a larger projective weight. For
// a code leaning back the weights are the module-size ratios themselves;
// they are taken halfway (the square root) because gozxing's sizes are
// whole pixels over a pattern's 7 modules, and a corner placed halfway
// errs by at most half either way, which the warp's margin absorbs. Equal
// module sizes give the parallelogram; a phone leaning back (smaller
// modules at the top) moves the bottom-right corner outwards, where it
// is. The code's corners lie 3.5 modules (plus grow) outwards from the
// finder centres.
func outline(tl, tr, bl finder, grow float64) Quad {
	return outlineAs(tl, tr, bl, grow, true)
}

// flatOutline is outline without the perspective: the fourth corner
// completes the parallelogram of the finder centres. Where the module
// sizes mislead (a code that is damaged, binarised or cut at a finder
// pattern) this is the better guess, so both are tried.
func flatOutline(tl, tr, bl finder, grow float64) Quad {
	return outlineAs(tl, tr, bl, grow, false)
}

func outlineAs(tl, tr, bl finder, grow float64, perspective bool) Quad {
	// modules between the finder centres (the code's dimension less 7)
	k := (dist(tl, tr)/((tl.Module+tr.Module)/2) + dist(tl, bl)/((tl.Module+bl.Module)/2)) / 2
	k = math.Max(k, 7)
	w1, w2 := 1.0, 1.0
	if perspective {
		w1 = clampRatio(math.Sqrt(tl.Module / tr.Module))
		w2 = clampRatio(math.Sqrt(tl.Module / bl.Module))
	}
	lo, hi := -(3.5+grow)/k, 1+(3.5+grow)/k
	corners := [4][2]float64{{lo, lo}, {hi, lo}, {hi, hi}, {lo, hi}}
	for _, c := range corners {
		if 1+(w1-1)*c[0]+(w2-1)*c[1] < 0.3 { // the plane folds: no perspective
			w1, w2 = 1, 1
			break
		}
	}
	var q Quad
	for i, c := range corners {
		u, v := c[0], c[1]
		den := 1 + (w1-1)*u + (w2-1)*v
		q[i] = Point{
			(tl.X + u*(w1*tr.X-tl.X) + v*(w2*bl.X-tl.X)) / den,
			(tl.Y + u*(w1*tr.Y-tl.Y) + v*(w2*bl.Y-tl.Y)) / den,
		}
	}
	return q
}

func clampRatio(r float64) float64 {
	if !(r > 0) { // NaN, zero module
		return 1
	}
	return math.Max(1/maxPerspective, math.Min(maxPerspective, r))
}

// grownBounds is q's bounding box grown by frac of its larger side on
// every side and clipped to a w x h plane.
func grownBounds(q Quad, frac float64, w, h int) image.Rectangle {
	r := q.Bounds()
	m := int(frac * float64(max(r.Dx(), r.Dy())))
	return r.Inset(-m).Intersect(image.Rect(0, 0, w, h))
}
