package qr

import (
	"fmt"
	"math"

	"github.com/makiuchi-d/gozxing"
	mqr "github.com/makiuchi-d/gozxing/multi/qrcode"
	"github.com/makiuchi-d/gozxing/qrcode"
)

// binarizer selects how gozxing turns grey into black and white.
type binarizer int

const (
	hybrid binarizer = iota // local thresholds: uneven light, glare
	global                  // one histogram threshold: blur, small codes
)

// zxing wraps the gozxing readers. Hint maps are built once: gozxing treats
// TRY_HARDER as on whenever the key is present, whatever its value, so the
// "normal" map must not contain it at all.
type zxing struct {
	single    gozxing.Reader
	multi     *mqr.QRCodeMultiReader
	normal    map[gozxing.DecodeHintType]any
	tryHarder map[gozxing.DecodeHintType]any
	// candidate is set when the last decode found no code but failed past
	// the finder-pattern search (a format or checksum error): evidence
	// that a code is there, worth a slower step.
	candidate bool
	// finders collects the finder-pattern candidates of decodeFinders.
	finders  finderLog
	normalCB map[gozxing.DecodeHintType]any
}

func newZxing() *zxing {
	z := &zxing{
		single:    qrcode.NewQRCodeReader(),
		multi:     mqr.NewQRCodeMultiReader().(*mqr.QRCodeMultiReader),
		normal:    map[gozxing.DecodeHintType]any{},
		tryHarder: map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true},
	}
	z.normalCB = map[gozxing.DecodeHintType]any{
		gozxing.DecodeHintType_NEED_RESULT_POINT_CALLBACK: gozxing.ResultPointCallback(z.finders.add),
	}
	return z
}

// decodeFinders is the plain decode (hybrid binariser, several codes) that
// also records the finder-pattern candidates gozxing saw in z.finders, so
// a code it found but could not read can be located for the next step.
func (z *zxing) decodeFinders(g Gray) ([]Result, error) {
	z.finders.reset()
	return z.decodeHints(g, hybrid, z.normalCB, true)
}

// decode runs gozxing on g. It never panics: a panic inside gozxing on a
// hostile image is turned into an error.
func (z *zxing) decode(g Gray, b binarizer, harder, many bool) ([]Result, error) {
	hints := z.normal
	if harder {
		hints = z.tryHarder
	}
	return z.decodeHints(g, b, hints, many)
}

func (z *zxing) decodeHints(g Gray, b binarizer, hints map[gozxing.DecodeHintType]any, many bool) (out []Result, err error) {
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("gozxing panicked: %v", r)
		}
	}()
	src, err := gozxing.NewPlanarYUVLuminanceSource(g.Pix, g.Stride, (len(g.Pix)+g.Stride-1)/g.Stride, 0, 0, g.Width, g.Height, false)
	if err != nil {
		return nil, fmt.Errorf("wrapping the grey plane: %w", err)
	}
	z.candidate = false
	var bin gozxing.Binarizer
	if b == global {
		bin = gozxing.NewGlobalHistgramBinarizer(src)
	} else {
		bin = gozxing.NewHybridBinarizer(src)
	}
	bmp, err := gozxing.NewBinaryBitmap(bin)
	if err != nil {
		return nil, fmt.Errorf("binarising: %w", err)
	}
	if many {
		rs, err := z.multi.DecodeMultiple(bmp, hints)
		if err == nil && len(rs) > 0 {
			for _, r := range rs {
				out = append(out, resultOf(r))
			}
			return out, nil
		}
	}
	r, err := z.single.Decode(bmp, hints)
	if err != nil {
		_, notFound := err.(gozxing.NotFoundException)
		z.candidate = !notFound
		return nil, nil // not found / not decodable: no result, not a failure
	}
	return []Result{resultOf(r)}, nil
}

type moduleSizer interface{ GetEstimatedModuleSize() float64 }

// resultOf turns a gozxing result into ours. The outline is rebuilt from
// the three finder-pattern centres (bottom-left, top-left, top-right): the
// corners lie 3.5 modules outwards from each centre.
func resultOf(r *gozxing.Result) Result {
	res := Result{Text: r.GetText()}
	pts := r.GetResultPoints()
	if len(pts) < 3 {
		return res
	}
	bl, tl, tr := pointOf(pts[0]), pointOf(pts[1]), pointOf(pts[2])
	br := Point{bl.X + tr.X - tl.X, bl.Y + tr.Y - tl.Y}
	ms := 0.0
	n := 0
	for _, p := range pts[:3] {
		if m, ok := p.(moduleSizer); ok {
			ms += m.GetEstimatedModuleSize()
			n++
		}
	}
	q := Quad{tl, tr, br, bl}
	if n > 0 {
		ms /= float64(n)
		// Push each corner outwards by 3.5 modules along both edges.
		ux, uy := unit(tr.X-tl.X, tr.Y-tl.Y)
		vx, vy := unit(bl.X-tl.X, bl.Y-tl.Y)
		d := 3.5 * ms
		q[0] = Point{tl.X - d*ux - d*vx, tl.Y - d*uy - d*vy}
		q[1] = Point{tr.X + d*ux - d*vx, tr.Y + d*uy - d*vy}
		q[2] = Point{br.X + d*ux + d*vx, br.Y + d*uy + d*vy}
		q[3] = Point{bl.X - d*ux + d*vx, bl.Y - d*uy + d*vy}
	}
	res.Corners = q
	return res
}

func pointOf(p gozxing.ResultPoint) Point { return Point{p.GetX(), p.GetY()} }

func unit(x, y float64) (float64, float64) {
	l := math.Hypot(x, y)
	if l == 0 {
		return 0, 0
	}
	return x / l, y / l
}
