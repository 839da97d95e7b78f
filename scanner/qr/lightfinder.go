package qr

import (
	"image"
	"math"
)

// lightFinders reports whether g shows three light finder patterns
// (lightFinderRows) placed as a code's (finderLog.bestTriple): the cheap
// evidence of a light-on-dark code (a phone in dark mode held up in a lit
// room) in a frame whose histogram says dark-on-light. Of the codeless
// scenes (a printed form, floor tiles, fabric, a face, a blank screen, the
// empty counter) only a fine fabric shows one.
func lightFinders(g Gray, log *finderLog) bool {
	log.reset()
	lightFinderRows(g, log)
	_, _, _, ok := log.bestTriple()
	return ok
}

// lightFinderRows counts the crossings, on rows of g (every 4th), of what
// could be a light finder pattern, and records their centres in log: runs of light, dark, light, dark, light in
// proportion 1:1:3:1:1 (gozxing's tolerance: each within half a module),
// light and dark split at the midpoint of g's 2nd and 98th percentiles.
// Each crossing is confirmed down its column and by a mostly dark square
// around it (darkAround). gozxing looks for dark finder patterns only, and
// decoding the negative costs as much as the plain decode.
func lightFinderRows(g Gray, log *finderLog) int {
	lo, hi := percentiles(g)
	if hi-lo < 32 { // no contrast to speak of: no code either way
		return 0
	}
	mid := byte((lo + hi + 1) / 2)
	// hysteresis: a pixel changes the run's colour only beyond an eighth
	// of the range from the midpoint, so sensor noise on a flat area near
	// the midpoint does not break it into short runs
	band := (hi - lo) / 8
	light0, dark0 := byte((lo+hi+1)/2+band), byte((lo+hi+1)/2-band)
	rows := 0
	var runs [5]int
	for y := 0; y < g.Height; y += 4 {
		row := g.Pix[y*g.Stride : y*g.Stride+g.Width]
		// runs holds the last five runs, the newest last; a light
		// pattern is found when a light run ends the fifth
		n := 0 // runs filled
		cur, light := 0, row[0] >= mid
		for x := 0; x <= len(row); x++ {
			if x < len(row) && (light && row[x] > dark0 || !light && row[x] < light0) {
				cur++
				continue
			}
			copy(runs[:], runs[1:])
			runs[4] = cur
			n++
			if light && n >= 5 && lightFinderRuns(runs) {
				total := runs[0] + runs[1] + runs[2] + runs[3] + runs[4]
				cx := x - runs[4] - runs[3] - runs[2]/2 - 1
				if lightFinderColumn(g, cx, y, light0, dark0, total) && darkAround(g, cx, y, total, mid) {
					rows++
					if log != nil {
						log.addPoint(finder{float64(cx), float64(y), float64(total) / 7})
					}
				}
			}
			if x < len(row) {
				cur, light = 1, !light
			}
		}
	}
	return rows
}

// lightFinderColumn reports whether column x of g, through row y, also
// crosses a light finder pattern about total pixels tall: as gozxing
// checks a row's candidate across, so that texture, print and edges,
// which show the proportion along one direction only, are not counted.
func lightFinderColumn(g Gray, x, y int, light0, dark0 byte, total int) bool {
	if x < 0 || x >= g.Width {
		return false
	}
	// at: whether row y continues a run of colour want (with the rows'
	// hysteresis)
	at := func(y int, want bool) bool {
		v := g.Pix[y*g.Stride+x]
		if want {
			return v > dark0
		}
		return v < light0
	}
	if !at(y, true) {
		return false
	}
	limit := 2 * total
	var r [5]int
	// up: the centre's upper part, then dark, then light
	yy, i := y, 2
	for want := true; i >= 0; i-- {
		for yy >= 0 && at(yy, want) && r[i] <= limit {
			r[i]++
			yy--
		}
		want = !want
	}
	r[2]-- // row y is counted again below
	yy, i = y, 2
	for want := true; i < 5; i++ {
		for yy < g.Height && at(yy, want) && r[i] <= limit {
			r[i]++
			yy++
		}
		want = !want
	}
	return lightFinderRuns(r)
}

// darkAround reports whether the square of side 2*total about (x, y), 14
// modules of the pattern found there, is mostly dark (at least
// darkAroundShare of every other pixel of every other row below mid): a
// light finder pattern of a light-on-dark code lies in its dark quiet
// zone and its half-dark modules, while the square-in-square shapes of
// print (a tick box, a framed letter) lie on light paper.
func darkAround(g Gray, x, y, total int, mid byte) bool {
	r := image.Rect(x-total, y-total, x+total, y+total).Intersect(image.Rect(0, 0, g.Width, g.Height))
	dark, n := 0, 0
	for yy := r.Min.Y; yy < r.Max.Y; yy += 2 {
		row := g.Pix[yy*g.Stride:]
		for xx := r.Min.X; xx < r.Max.X; xx += 2 {
			if row[xx] < mid {
				dark++
			}
			n++
		}
	}
	return n > 0 && float64(dark) >= darkAroundShare*float64(n)
}

// darkAroundShare: see darkAround. A light-on-dark finder's square holds
// about three fifths dark pixels, a tick box on paper one in five.
const darkAroundShare = 0.4

// lightFinderRuns reports whether five runs are in proportion 1:1:3:1:1
// within half a module each, at least a pixel per module.
func lightFinderRuns(r [5]int) bool {
	total := 0
	for _, c := range r {
		if c == 0 {
			return false
		}
		total += c
	}
	if total < 7 {
		return false
	}
	m := float64(total) / 7
	v := m / 2
	return math.Abs(m-float64(r[0])) < v && math.Abs(m-float64(r[1])) < v &&
		math.Abs(3*m-float64(r[2])) < 3*v && math.Abs(m-float64(r[3])) < v &&
		math.Abs(m-float64(r[4])) < v
}
