package qr

import (
	"math"
	"slices"

	"github.com/makiuchi-d/gozxing"
	qrdecoder "github.com/makiuchi-d/gozxing/qrcode/decoder"
)

// Module-grid sampling: the last resort of the still cascade for a code
// whose corners are known (OpenCV's locator) but whose pixels defeat
// gozxing's binarisers and its own grid sampling, which takes one pixel
// per module: compression damage (JPEG or WebP blocks that smear a module
// into its neighbours), bent paper (a perspective warp of the four corners
// puts the middle modules a module off), noise. Here the code is warped
// flat at several supersampling factors; for each symbol size that fits
// (ISO/IEC 18004 §5.3: 17+4v modules on a side for version v) whose finder
// patterns match, the grid is fitted to where the finder and alignment
// patterns really are (each found near where the patterns found so far
// predict it), and each module is decided from the mean of its whole
// centre area (the middle half of the cell in both directions, away from
// the edges the damage smears) against a global (Otsu) threshold, then
// against a threshold per module from the histogram of the modules around
// it. The bit matrix goes straight to gozxing's Reed-Solomon decoder.
const (
	// gridMinModule: modules smaller than this many source pixels are not
	// tried (nothing left to sample).
	gridMinModule = 1.2
	// gridMaxWarp bounds the warped plane's side.
	gridMaxWarp = 1600
	// gridTries: how many candidate versions, best finder score first, are
	// decoded.
	gridTries = 4
	// gridMinScore: the least share of the three finder patterns' 3x49
	// modules (with their separators) a candidate grid must match.
	gridMinScore = 0.7
)

// finderModel is the 8x8 corner of a symbol seen from the top-left finder
// pattern: the 7x7 pattern and its light separator (true = dark).
var finderModel = func() (m [8][8]bool) {
	for y := range 7 {
		for x := range 7 {
			ring := max(abs(x-3), abs(y-3))
			m[y][x] = ring != 2
		}
	}
	return m
}()

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// gridRead reads the code whose outer corners are q (clockwise on screen,
// any rotation) by sampling its module grid; no code is nil, nil.
func (d *Decoder) gridRead(g Gray, q Quad) ([]Result, error) {
	if !q.sane() {
		return nil, nil
	}
	if q.signedArea() < 0 {
		q[1], q[3] = q[3], q[1]
	}
	side := 0.0
	for i := range 4 {
		a, b := q[i], q[(i+1)%4]
		side += math.Hypot(a.X-b.X, a.Y-b.Y) / 4
	}
	for _, f := range []float64{4, 3, 6} {
		s := int(math.Min(gridMaxWarp, side*f))
		w, err := warp(g, q, s, 0)
		if err != nil {
			return nil, err
		}
		if rs := d.gridReadFlat(w, side); len(rs) > 0 {
			for i := range rs {
				rs[i].Corners = q
			}
			return rs, nil
		}
	}
	return nil, nil
}

// gridCandidate is one version's sampled grid.
type gridCandidate struct {
	dim   int
	score float64
	means []float64 // dim x dim module centre means
	rot   int       // quarter turns that bring the finder-less corner bottom-right
}

// gridReadFlat tries the symbol sizes that fit w (a code warped flat to
// fill it, side source pixels across), best finder match first. The
// module grid of each is first fitted to where the finder and alignment
// patterns really are (paper bends, the located corners are a module off),
// then sampled again.
func (d *Decoder) gridReadFlat(w Gray, side float64) []Result {
	var cands []gridCandidate
	for v := 1; v <= 40; v++ {
		dim := 17 + 4*v
		if side/float64(dim) < gridMinModule || float64(w.Width)/float64(dim) < 2 {
			break
		}
		means := cellMeans(w, dim, nil)
		score, rot := finderScore(means, dim, otsu(means))
		cands = append(cands, gridCandidate{dim, score, means, rot})
	}
	slices.SortStableFunc(cands, func(a, b gridCandidate) int {
		switch {
		case a.score > b.score:
			return -1
		case a.score < b.score:
			return 1
		}
		return 0
	})
	if len(cands) > gridTries {
		cands = cands[:gridTries]
	}
	for _, c := range cands {
		if c.score < gridMinScore {
			continue
		}
		for _, fit := range []bool{true, false} {
			if fit {
				field := fitGrid(w, c.dim, c.rot)
				c.means = cellMeans(w, c.dim, field)
			}
			for _, dark := range []func() []bool{
				func() []bool { return thresholdGlobal(c.means) },
				func() []bool { return thresholdLocal(c.means, c.dim) },
			} {
				if text, ok := decodeModules(dark(), c.dim, c.rot); ok {
					return []Result{{Text: text}}
				}
			}
			if fit {
				c.means = cellMeans(w, c.dim, nil)
			}
		}
	}
	return nil
}

// anchor is a pattern's centre in module units and how far (in modules)
// it was found from where the flat grid puts it.
type anchor struct{ x, y, dx, dy float64 }

// field is a displacement field over the module grid (nil: none).
type field []anchor

// at is the displacement at module position (x, y): the anchors' offsets
// weighted by inverse fourth power of distance, so each region follows the
// patterns nearest to it.
func (f field) at(x, y float64) (float64, float64) {
	if len(f) == 0 {
		return 0, 0
	}
	var sw, sx, sy float64
	for _, a := range f {
		d2 := (a.x-x)*(a.x-x) + (a.y-y)*(a.y-y)
		w := 1 / (d2*d2 + 1)
		sw += w
		sx += w * a.dx
		sy += w * a.dy
	}
	return sx / sw, sy / sw
}

// patternDark is the expected colour (true = dark) of a finder (n=7)
// or alignment (n=5) pattern's module at ring distance r from its centre.
func patternDark(n, ring int) bool {
	if n == 7 {
		return ring != 2
	}
	return ring != 1
}

// fitGrid finds the finder patterns and the alignment patterns of a dim x
// dim symbol (rot quarter turns from upright) in w near where the flat grid
// puts them, searching outward from the top-left, each search starting from
// the displacement the patterns found so far predict.
func fitGrid(w Gray, dim, rot int) field {
	type pat struct {
		x, y float64 // centre, module units, upright symbol
		n    int
	}
	pats := []pat{{3, 3, 7}, {float64(dim - 4), 3, 7}, {3, float64(dim - 4), 7}}
	if v := (dim - 17) / 4; v >= 2 {
		ver, err := qrdecoder.Version_GetVersionForNumber(v)
		if err == nil {
			cs := ver.GetAlignmentPatternCenters()
			last := len(cs) - 1
			for i, cy := range cs {
				for j, cx := range cs {
					if (i == 0 && j == 0) || (i == 0 && j == last) || (i == last && j == 0) {
						continue
					}
					pats = append(pats, pat{float64(cx), float64(cy), 5})
				}
			}
		}
	}
	slices.SortStableFunc(pats, func(a, b pat) int {
		return int((a.x + a.y) - (b.x + b.y))
	})
	cell := float64(w.Width) / float64(dim)
	r := max(0, int(cell/4))
	sample := func(mx, my float64) float64 { // module centre area, warped plane
		cx := int((mx + 0.5) * cell)
		cy := int((my + 0.5) * cell)
		sum, n := 0, 0
		for y := cy - r; y <= cy+r; y++ {
			for x := cx - r; x <= cx+r; x++ {
				if x < 0 || y < 0 || x >= w.Width || y >= w.Height {
					sum += 255
				} else {
					sum += int(w.Pix[y*w.Stride+x])
				}
				n++
			}
		}
		return float64(sum) / float64(n)
	}
	var f field
	for _, p := range pats {
		// the pattern's centre in the warped (rotated) plane: undo rot
		x, y := p.x, p.y
		for range (4 - rot) % 4 { // (x, y) -> (dim-1-y, x), clockwise
			x, y = float64(dim-1)-y, x
		}
		px, py := f.at(x, y)
		best, bx, by := math.Inf(-1), px, py
		half := p.n / 2
		for oy := -6; oy <= 6; oy++ {
			for ox := -6; ox <= 6; ox++ {
				dx, dy := px+float64(ox)/4, py+float64(oy)/4
				var dark, light float64
				var nd, nl int
				for j := -half; j <= half; j++ {
					for i := -half; i <= half; i++ {
						v := sample(x+dx+float64(i), y+dy+float64(j))
						if patternDark(p.n, max(abs(i), abs(j))) {
							dark += v
							nd++
						} else {
							light += v
							nl++
						}
					}
				}
				// contrast, and a slight preference for the prediction
				s := light/float64(nl) - dark/float64(nd) - 4*math.Hypot(dx-px, dy-py)
				if s > best {
					best, bx, by = s, dx, dy
				}
			}
		}
		if best > 20 {
			f = append(f, anchor{x, y, bx, by})
		}
	}
	return f
}

// cellBounds is the centre area of module i (a fractional index where the
// grid is displaced) of dim across n pixels: the middle half of the cell, at least one
// pixel, inside the plane.
func cellBounds(i float64, dim, n int) (int, int) {
	cell := float64(n) / float64(dim)
	lo := int(math.Floor((i + 0.25) * cell))
	hi := int(math.Ceil((i + 0.75) * cell))
	lo = min(max(lo, 0), n-1)
	hi = min(max(hi, lo+1), n)
	return lo, hi
}

// cellMeans averages each module's centre area, displaced by f.
func cellMeans(w Gray, dim int, f field) []float64 {
	out := make([]float64, dim*dim)
	for my := range dim {
		for mx := range dim {
			dx, dy := f.at(float64(mx), float64(my))
			y0, y1 := cellBounds(float64(my)+dy, dim, w.Height)
			x0, x1 := cellBounds(float64(mx)+dx, dim, w.Width)
			sum := 0
			for y := y0; y < y1; y++ {
				row := w.Pix[y*w.Stride:]
				for x := x0; x < x1; x++ {
					sum += int(row[x])
				}
			}
			out[my*dim+mx] = float64(sum) / float64((y1-y0)*(x1-x0))
		}
	}
	return out
}

// otsu is the threshold that best splits vs into two classes.
func otsu(vs []float64) float64 {
	var hist [256]int
	for _, v := range vs {
		hist[min(255, max(0, int(v)))]++
	}
	total, sum := 0, 0.0
	for i, n := range hist {
		total += n
		sum += float64(i * n)
	}
	best, t := -1.0, 128.0
	n0, s0 := 0, 0.0
	for i := range 255 {
		n0 += hist[i]
		s0 += float64(i * hist[i])
		n1 := total - n0
		if n0 == 0 || n1 == 0 {
			continue
		}
		m0, m1 := s0/float64(n0), (sum-s0)/float64(n1)
		if v := float64(n0) * float64(n1) * (m0 - m1) * (m0 - m1); v > best {
			best, t = v, float64(i)+0.5
		}
	}
	return t
}

// finderScore is the best share of finder-pattern modules that match at
// three of the grid's four corners, and the quarter turns that bring the
// worst corner (the one without a finder pattern) to the bottom right.
func finderScore(means []float64, dim int, t float64) (float64, int) {
	var corner [4]float64 // top-left, top-right, bottom-right, bottom-left
	for c := range 4 {
		hit := 0
		for y := range 8 {
			for x := range 8 {
				mx, my := x, y
				if c == 1 || c == 2 {
					mx = dim - 1 - x
				}
				if c == 2 || c == 3 {
					my = dim - 1 - y
				}
				if (means[my*dim+mx] < t) == finderModel[y][x] {
					hit++
				}
			}
		}
		corner[c] = float64(hit) / 64
	}
	worst := 0
	for c := range 4 {
		if corner[c] < corner[worst] {
			worst = c
		}
	}
	sum := 0.0
	for c := range 4 {
		if c != worst {
			sum += corner[c]
		}
	}
	// turning the grid a quarter clockwise moves corner c to c+1
	return sum / 3, (2 - worst + 4) % 4
}

func thresholdGlobal(means []float64) []bool {
	t := otsu(means)
	out := make([]bool, len(means))
	for i, m := range means {
		out[i] = m < t
	}
	return out
}

// localThresholds gives each module the midpoint of the 20th and 80th
// percentiles of the module means within a few modules of it (the global
// threshold where the neighbourhood has no contrast).
func localThresholds(means []float64, dim int) []float64 {
	g := otsu(means)
	lo, hi := slices.Min(means), slices.Max(means)
	r := max(3, dim/10)
	out := make([]float64, len(means))
	win := make([]float64, 0, (2*r+1)*(2*r+1))
	for my := range dim {
		for mx := range dim {
			win = win[:0]
			for y := max(0, my-r); y <= min(dim-1, my+r); y++ {
				win = append(win, means[y*dim+max(0, mx-r):y*dim+min(dim-1, mx+r)+1]...)
			}
			slices.Sort(win)
			a, b := win[len(win)/5], win[len(win)*4/5]
			if b-a < (hi-lo)/4 {
				out[my*dim+mx] = g
			} else {
				out[my*dim+mx] = (a + b) / 2
			}
		}
	}
	return out
}

func thresholdLocal(means []float64, dim int) []bool {
	t := localThresholds(means, dim)
	out := make([]bool, len(means))
	for i, m := range means {
		out[i] = m < t[i]
	}
	return out
}

// decodeModules turns the dark modules by rot quarter turns clockwise and
// hands them to gozxing's decoder. It never panics.
func decodeModules(dark []bool, dim, rot int) (text string, ok bool) {
	defer func() {
		if recover() != nil {
			text, ok = "", false
		}
	}()
	bm, err := gozxing.NewSquareBitMatrix(dim)
	if err != nil {
		return "", false
	}
	for y := range dim {
		for x := range dim {
			if !dark[y*dim+x] {
				continue
			}
			tx, ty := x, y
			for range rot { // (x, y) -> (dim-1-y, x)
				tx, ty = dim-1-ty, tx
			}
			bm.Set(tx, ty)
		}
	}
	r, err := qrdecoder.NewDecoder().Decode(bm, nil)
	if err != nil || r == nil {
		return "", false
	}
	return r.GetText(), true
}
