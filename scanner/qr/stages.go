package qr

import (
	"math"
)

// stage is one attempt of the cascade: it returns the codes it decoded in
// g's coordinates.
type stage struct {
	name string
	run  func(d *Decoder, g Gray) ([]Result, error)
}

func tag(rs []Result, name string) []Result {
	for i := range rs {
		rs[i].Stage = name
	}
	return rs
}

// stages, cheapest and most productive first. Each is a general remedy for
// one way real photographs defeat the plain decode.
var stages = []stage{
	{"plain", func(d *Decoder, g Gray) ([]Result, error) { return d.zx.decode(g, hybrid, false, true) }},
	{"pyramid", stagePyramid},
	{"try-harder", func(d *Decoder, g Gray) ([]Result, error) { return d.zx.decode(g, hybrid, true, false) }},
	{"global-binariser", func(d *Decoder, g Gray) ([]Result, error) { return d.zx.decode(g, global, true, false) }},
	{"sharpened", stageSharpen},
	{"upscale", stageUpscale},
	{"low-pass", stageLowPass},
	{"downscale", stageDownscale},
	{"inverted", func(d *Decoder, g Gray) ([]Result, error) { return d.zx.decode(invert(g), hybrid, true, false) }},
	{"stretched", func(d *Decoder, g Gray) ([]Result, error) { return d.zx.decode(stretch(g), global, true, false) }},
	{"finder-warp", stageFinderWarp},
	{"opencv-locator", stageLocate},
	{"sharpened-locator", stageSharpLocate},
	{"padded", stagePadded},
	{"upscaled-locator", stageUpLocate},
	{"grid-sample", stageGridSample},
}

// pyramidMinPixels: a still at least this large (3 megapixels: a phone
// or camera photograph) is searched on a pyramid of smaller levels too.
const pyramidMinPixels = 3_000_000

// stagePyramid finds small codes in multi-megapixel photographs: the
// image is shrunk by 2, 4, 8 (area interpolation, down to 400 pixels on
// the shorter side), each level decoded, and where gozxing sees a code's
// finder patterns on a level but cannot read it, their outline is warped
// from the full-resolution image (locate small, read at full size).
func stagePyramid(d *Decoder, g Gray) ([]Result, error) {
	if g.Width*g.Height < pyramidMinPixels {
		return nil, nil
	}
	for k := 2.0; float64(min(g.Width, g.Height))/k >= 400; k *= 2 {
		rs, f, err := d.pyramidLevel(g, k)
		if err != nil || len(rs) > 0 {
			return rescale(rs, f, 0, 0), err
		}
	}
	return nil, nil
}

// stageUpLocate runs the locator on a doubled image: small codes with
// two or three pixels per module.
func stageUpLocate(d *Decoder, g Gray) ([]Result, error) {
	if g.Width*g.Height > 1000*1000 {
		return nil, nil
	}
	s, err := resize(g, g.Width*2, g.Height*2, interpCubic)
	if err != nil {
		return nil, err
	}
	rs, err := stageLocate(d, s)
	return rescale(rs, 0.5, 0, 0), err
}

// stageGridSample samples the module grid itself (gridRead) inside the
// corners OpenCV's locator finds: codes located but damaged past what
// gozxing's one-pixel-per-module sampling survives (compression blocks,
// bent paper).
func stageGridSample(d *Decoder, g Gray) ([]Result, error) {
	if d.loc == nil {
		return nil, nil
	}
	q, ok, err := d.loc.detect(g)
	if err != nil || !ok {
		return nil, err
	}
	return d.gridRead(g, q)
}

// stageSharpLocate runs the locator, then the padded read, on a sharpened
// image: blurred codes whose finder patterns the locator misses.
func stageSharpLocate(d *Decoder, g Gray) ([]Result, error) {
	s, err := sharpen(g, 1, 1.5)
	if err != nil {
		return nil, err
	}
	rs, err := stageLocate(d, s)
	if err == nil && len(rs) == 0 {
		rs, err = stagePadded(d, s)
	}
	return rs, err
}

// stageDownscale halves large images: noise and JPEG blocks average out and
// over-sized modules fit gozxing's finder-pattern search again.
func stageDownscale(d *Decoder, g Gray) ([]Result, error) {
	if g.Width < 240 || g.Height < 240 {
		return nil, nil
	}
	s, err := resize(g, g.Width/2, g.Height/2, interpArea)
	if err != nil {
		return nil, err
	}
	rs, err := d.zx.decode(s, hybrid, true, false)
	return rescale(rs, float64(g.Width)/float64(s.Width), 0, 0), err
}

// stageUpscale doubles small images (codes a few pixels per module).
func stageUpscale(d *Decoder, g Gray) ([]Result, error) {
	f := 2
	if g.Width*g.Height > 1600*1200 {
		return nil, nil
	}
	s, err := resize(g, g.Width*f, g.Height*f, interpCubic)
	if err != nil {
		return nil, err
	}
	rs, err := d.zx.decode(s, hybrid, true, false)
	if err == nil && len(rs) == 0 {
		rs, err = d.zx.decode(s, global, true, false)
	}
	return rescale(rs, 1/float64(f), 0, 0), err
}

// stageLowPass reads codes photographed off a screen whose pixel grid is
// sharp in the photo: the grid (finer than the camera's pixels, aliased
// into a moiré) breaks up each module into bright and dark specks that
// the binarisers take for modules. The image is doubled (cubic), so the
// modules keep their edges, then low-passed with a Gaussian of 0.7 source
// pixels, which removes the grid's frequencies and its alias beats but
// not a module of 1.4 pixels or more. On that plane run TRY_HARDER, the
// finder-pattern warp, the unsharp mask and the upscale (modules of one
// and a half pixels need four times their size for the binarisers).
func stageLowPass(d *Decoder, g Gray) ([]Result, error) {
	if g.Width*g.Height > 1600*1200 {
		return nil, nil
	}
	u, err := resize(g, g.Width*2, g.Height*2, interpCubic)
	if err != nil {
		return nil, err
	}
	s, err := sharpen(u, 1.4, -1) // amount -1: the blurred plane itself
	if err != nil {
		return nil, err
	}
	for _, st := range []func(*Decoder, Gray) ([]Result, error){
		func(d *Decoder, g Gray) ([]Result, error) { return d.zx.decode(g, hybrid, true, false) },
		stageFinderWarp, stageSharpen, stageUpscale,
	} {
		rs, err := st(d, s)
		if err != nil || len(rs) > 0 {
			return rescale(rs, 0.5, 0, 0), err
		}
	}
	return nil, nil
}

// stageSharpen undoes mild blur (focus, motion) with an unsharp mask.
func stageSharpen(d *Decoder, g Gray) ([]Result, error) {
	sigma := math.Max(1, float64(min(g.Width, g.Height))/400)
	s, err := sharpen(g, sigma, 1.5)
	if err != nil {
		return nil, err
	}
	rs, err := d.zx.decode(s, hybrid, true, false)
	if err == nil && len(rs) == 0 && !d.fast {
		rs, err = d.zx.decode(s, global, true, false)
	}
	return rs, err
}

// stageFinderWarp warps flat the outline implied by the three finder
// patterns gozxing found but could not read past (rotation with
// perspective, too few pixels per module) and reads it again: the
// perspective outline with some margin, then the parallelogram, then the
// perspective outline without margin (a code cut at the image's edge,
// where a margin would bring in the border).
func stageFinderWarp(d *Decoder, g Gray) ([]Result, error) {
	if rs, err := d.zx.decodeFinders(g); err != nil || len(rs) > 0 {
		return rs, err
	}
	tl, tr, bl, ok := d.zx.finders.bestTriple()
	if !ok {
		return nil, nil
	}
	code := outline(tl, tr, bl, 0)
	for _, q := range []Quad{outline(tl, tr, bl, finderGrow), flatOutline(tl, tr, bl, finderGrow), code} {
		rs, err := d.decodeWarp(g, q, code)
		if err != nil || len(rs) > 0 {
			return rs, err
		}
	}
	return nil, nil
}

// stageLocate lets OpenCV's QRCodeDetector find the corners, warps the code
// flat and hands it to gozxing: strong perspective and missing quiet zones.
func stageLocate(d *Decoder, g Gray) ([]Result, error) {
	if d.loc == nil {
		return nil, nil
	}
	q, ok, err := d.loc.detect(g)
	if err != nil || !ok {
		return nil, err
	}
	return d.decodeQuad(g, q)
}

// stagePadded treats the whole image as the code: it is squared up and
// given a white margin, for codes photographed without their quiet zone
// (cropped to the modules, or printed edge to edge).
func stagePadded(d *Decoder, g Gray) ([]Result, error) {
	w, h := float64(g.Width), float64(g.Height)
	return d.decodeQuad(g, Quad{{0, 0}, {w, 0}, {w, h}, {0, h}})
}

// decodeQuad warps quadrangle q flat (white margin as quiet zone) and
// decodes it; the outline reported is q itself.
func (d *Decoder) decodeQuad(g Gray, q Quad) ([]Result, error) {
	return d.decodeWarp(g, q, q)
}

// decodeWarp warps quadrangle q flat and decodes it, reporting outline as
// the code's corners (q may hold a margin around the code).
func (d *Decoder) decodeWarp(g Gray, q, outline Quad) ([]Result, error) {
	return d.decodeWarpAs(g, q, outline, readHybrid)
}

// warpRead is how a warped code is read.
type warpRead int

const (
	readHybrid    warpRead = iota // hybrid binariser (then global, outside frame mode)
	readGlobal                    // global binariser: blur, small codes
	readSharpened                 // unsharp mask, hybrid: blur
	readStretched                 // contrast stretch, global: glare, dim screens
	readInverted                  // the negative, hybrid: light-on-dark codes
)

// read decodes warped plane w the way r says. In frame mode the code
// fills the warped plane, so gozxing's row-skipping search suffices.
func (d *Decoder) read(w Gray, r warpRead) ([]Result, error) {
	harder := !d.fast
	switch r {
	case readGlobal:
		return d.zx.decode(w, global, harder, false)
	case readSharpened:
		s, err := sharpen(w, 1, 1.5)
		if err != nil {
			return nil, err
		}
		return d.zx.decode(s, hybrid, harder, false)
	case readStretched:
		return d.zx.decode(stretch(w), global, harder, false)
	case readInverted:
		return d.zx.decode(invert(w), hybrid, harder, false)
	}
	rs, err := d.zx.decode(w, hybrid, harder, false)
	if err == nil && len(rs) == 0 && !d.fast {
		rs, err = d.zx.decode(w, global, true, false)
	}
	return rs, err
}

// decodeWarpAs is decodeWarp reading the warped code the way r says.
func (d *Decoder) decodeWarpAs(g Gray, q, outline Quad, r warpRead) ([]Result, error) {
	if !q.sane() {
		return nil, nil
	}
	if q.signedArea() < 0 { // keep the corners clockwise on screen
		q[1], q[3] = q[3], q[1]
	}
	if outline.signedArea() < 0 {
		outline[1], outline[3] = outline[3], outline[1]
	}
	side := 0.0
	for i := range 4 {
		a, b := q[i], q[(i+1)%4]
		side = math.Max(side, math.Hypot(a.X-b.X, a.Y-b.Y))
	}
	// Two sizes: the code's own size, then enlarged (cubic) for codes with
	// only two or three pixels per module.
	var rs []Result
	sizes := []float64{side, 2 * side}
	maxWarp := 800.0
	if d.fast {
		// one size, at most frameWarp pixels: several pixels per module
		// even for large versions, at a bounded cost
		sizes = sizes[:1]
		maxWarp = frameWarp
	}
	for _, size := range sizes {
		s := int(math.Max(120, math.Min(size, maxWarp)))
		w, err := warp(g, q, s, s/8)
		if err != nil {
			return nil, err
		}
		rs, err = d.read(w, r)
		if err != nil || len(rs) > 0 || side >= 400 {
			if err != nil {
				return nil, err
			}
			break
		}
	}
	for i := range rs {
		rs[i].Corners = outline
	}
	return rs, nil
}

func rescale(rs []Result, f, dx, dy float64) []Result {
	for i := range rs {
		rs[i].Corners = rs[i].Corners.scale(f, dx, dy)
	}
	return rs
}
