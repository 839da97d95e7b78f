package qr

import (
	"fmt"

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
// the three finder patterns (bottom-left, top-left, top-right) as outline
// does for patterns found but not read: corners 3.5 modules outwards, the
// fourth placed by the module sizes' perspective.
func resultOf(r *gozxing.Result) Result {
	res := Result{Text: r.GetText()}
	pts := r.GetResultPoints()
	if len(pts) < 3 {
		return res
	}
	var f [3]finder
	sized := true
	for i, p := range pts[:3] {
		f[i] = finder{X: p.GetX(), Y: p.GetY()}
		if m, ok := p.(moduleSizer); ok && m.GetEstimatedModuleSize() > 0 {
			f[i].Module = m.GetEstimatedModuleSize()
		} else {
			sized = false
		}
	}
	bl, tl, tr := f[0], f[1], f[2]
	if !sized {
		br := Point{bl.X + tr.X - tl.X, bl.Y + tr.Y - tl.Y}
		res.Corners = Quad{{tl.X, tl.Y}, {tr.X, tr.Y}, br, {bl.X, bl.Y}}
		return res
	}
	res.Corners = outline(tl, tr, bl, 0)
	return res
}
