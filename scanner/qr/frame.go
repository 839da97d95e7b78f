package qr

import (
	"fmt"
	"image"
	"math"
	"time"
)

// Frame-mode tuning: general limits, not fitted to any image set.
const (
	// workWidth: wider frames are first decoded shrunk by a whole factor
	// (area interpolation) to at most this width, where a code held at the
	// counter still has several pixels per module: the first level of a
	// pyramid whose finder patterns say where to warp from full resolution.
	workWidth = 800
	// regionFrames: for this many frames after a code was seen, the place
	// where it was is tried first.
	regionFrames = 15
	// locateWidth bounds the plane OpenCV's locator searches per frame.
	locateWidth = 480
	// roiSide bounds the shorter side of a region the locator searches
	// around gozxing's finder patterns: OpenCV 4.6 enlarges anything
	// smaller than 512 pixels to 512 before it searches, so a region of
	// this size costs a bounded few milliseconds whatever the frame size,
	// and the area downscale averages sensor noise out.
	roiSide = 400
	// finderGrow is the margin, in modules, added around the outline that
	// gozxing's finder patterns imply before that quadrangle is warped:
	// perspective moves the fourth corner off the parallelogram.
	finderGrow = 1.5
	// trackGrow enlarges the last outline before it is re-warped, so a code
	// that moved a little between frames still lies inside.
	trackGrow = 0.08
	// warpFrames: a code read by a warp is re-warped where it was only
	// this many frames after it was last read.
	warpFrames = 2
	// frameWarp bounds the side of a code warped flat in frame mode: at
	// least 4 pixels per module up to version 20 (97 modules).
	frameWarp = 400
)

// warpStages are the steps whose outline comes from a perspective warp:
// a code they read is followed by re-warping its outline on later frames.
func warpStage(name string) bool {
	switch name {
	case "finder-warp", "inverted-warp", "roi-locator", "opencv-locator", "sharpened-locator", "padded", "upscaled-locator":
		return true
	}
	return false
}

// frameState carries what DecodeFrame learns from one frame to the next.
type frameState struct {
	region image.Rectangle // where the last code was, frame coordinates
	quad   Quad            // the last code's outline, frame coordinates
	// trackQ and trackRead are how a code read by a warp is re-read:
	// the quadrangle warped (with some room to move) and the read.
	trackQ    Quad
	trackRead warpRead
	// scale maps the plane the last code was read in (the work plane, or
	// the frame itself) to frame coordinates: its region is re-read at the
	// same scale, where the same binariser saw the same modules.
	scale    float64
	sinceHit int    // frames since a code was last decoded
	stage    string // the cascade step that last decoded a code
	next     int    // next fallback in the rotation
	count    int    // frames that reached the fallback step
	located  int    // count when the locator last ran
	evidence int    // evidence steps run on the current unread code
	// cost is each evidence step's measured time (a moving average).
	cost [8]time.Duration
	// screenCost is the screen step's measured time (a moving average).
	screenCost time.Duration
	// screenMissed is where (work-plane coordinates) the last screen read
	// found a screen grid but no code; screenRested: the frame after such
	// a miss let that screen be (see screenStep).
	screenMissed image.Rectangle
	screenRested bool
	screenReads  int       // screen reads run (a counter for tests)
	scratch      Gray      // the shrunk work plane, reused
	small        Gray      // the locator's plane, reused
	crop         Gray      // the scaled region of track, reused
	neg          Gray      // the inverted work plane, reused
	mid          Gray      // a large frame's second pyramid level, reused
	light        finderLog // light finder patterns (lightFinders), reused
	skipped      bool      // the last frame's fallback waited for the negative
}

// frameFallbacks run one per frame, in rotation, after the fast attempts
// failed and gozxing saw no code's finder patterns. Each costs a few
// milliseconds on the work plane. "full-resolution" only applies when the
// work plane is downscaled.
var frameFallbacks = []string{
	"full-resolution", "global-binariser", "full-resolution", "sharpened",
	"full-resolution", "inverted", "full-resolution", "stretched",
}

// evidenceStep is one attempt on a code whose finder patterns gozxing
// found but could not read: a warp of the outline they imply (grown by
// grow modules, read as read says; flat: the parallelogram outline, not
// the perspective one) or, when roi is set, OpenCV's locator
// on the code's bounding box grown by roi of its size, scaled so its
// shorter side is at most side. A step without a name is a turn of the
// general fallbacks.
type evidenceStep struct {
	name string
	grow float64
	read warpRead
	flat bool
	roi  float64
	side int
}

// quad is the outline step warps, in the work plane's coordinates.
func (s evidenceStep) quad(tl, tr, bl finder) Quad {
	return outlineAs(tl, tr, bl, s.grow, !s.flat)
}

// evidenceSteps run one per frame while the same evidence persists: each
// a different remedy, so a code a step cannot read is not retried the
// same way frame after frame.
var evidenceSteps = [8]evidenceStep{
	{name: "finder-warp", grow: finderGrow, read: readHybrid},
	{name: "finder-warp", grow: 2 * finderGrow, read: readGlobal},
	{name: "roi-locator", roi: 0.3, side: roiSide},
	{name: "finder-warp", grow: finderGrow, read: readHybrid, flat: true},
	{name: "roi-locator", roi: 0.2, side: 512},
	{},
	{name: "finder-warp", grow: 2 * finderGrow, read: readSharpened},
	{},
}

// OpenCV's whole-frame locator (7 to 13 ms on a 1280x720 frame, with or
// without a code: the most a fallback costs) runs at most once every
// locateEvery frames that reach the fallback, and only on a frame where
// gozxing's finder search logged two candidates that could be one code's
// finder patterns (finderLog.pairSeen) but no code's triple: the locator
// looks for the same 1:1:3:1:1 pattern on a smaller plane, so a frame
// where gozxing saw no such pair (an empty counter, a face, a printed
// form, a texture, a blank screen) gives it nothing to find. Such frames
// leave it due for the next frame with a pair.
const locateEvery = 6

// DecodeFrame decodes one video frame within a per-frame budget. At most
// one attempt beyond the cheap ones runs per frame:
//
//  1. the last code's place: its outline re-warped (codes that needed a
//     warp) or its region decoded at the scale it was read (then, just
//     after a read, its outline re-warped);
//  2. the whole frame at work size (shrunk when wide), recording the
//     finder patterns gozxing sees;
//  3. when it saw a code's three finder patterns but could not read it,
//     a step on that code alone, alternating from frame to frame: the
//     outline the finder patterns imply warped flat from full resolution,
//     OpenCV's locator on a small region around them, then one of the
//     fallbacks below;
//  4. otherwise the negative of the work plane (a light-on-dark code;
//     where gozxing sees its finder patterns there but cannot read it,
//     their outline warped from the frame and read as a negative) where
//     the histogram says light-on-dark or light finder patterns show
//     (where they alone called for it and gozxing saw no dark finder
//     pattern, that was the frame's attempt), then
//     one slower fallback of the cascade, a
//     different one each frame, with OpenCV's locator on the whole frame
//     every few frames where gozxing saw a pair of finder-pattern
//     candidates;
//  5. when that fails too, the work plane shows a phone screen's pixel
//     grid (screenGrid) and the budget still allows, the grid's region
//     read from the frame doubled and low-passed (screenStep).
//
// So a hard code is read within a frame or two of entering the view and
// no frame costs much more than the plain decode. Results are in g's
// coordinates, largest first.
func (d *Decoder) DecodeFrame(g Gray) ([]Result, error) {
	if err := g.check(); err != nil {
		return nil, err
	}
	d.fast = true
	defer func() { d.fast = false }()
	start := d.opts.Clock.Now()
	fs := &d.fs
	fs.sinceHit++
	// hit records codes read by stage in a plane scale times smaller
	// than the frame (results already in frame coordinates).
	hit := func(rs []Result, stage string, scale float64) []Result {
		rs = largestFirst(tag(rs, stage))
		fs.region = rs[0].Corners.Bounds()
		fs.quad = rs[0].Corners
		fs.sinceHit = 0
		fs.evidence = 0
		if stage != "region" {
			fs.stage = stage
			fs.scale = scale
			fs.trackQ, fs.trackRead = fs.quad.grow(trackGrow), readHybrid
		}
		return rs
	}
	// 1. The last code's place.
	if fs.sinceHit <= regionFrames && !fs.region.Empty() {
		rs, err := d.track(g)
		if err != nil {
			return nil, err
		}
		if len(rs) > 0 {
			return hit(rs, "region", fs.scale), nil
		}
	}
	// 2. The whole frame, at work size.
	work, f, err := d.workPlane(g)
	if err != nil {
		return nil, err
	}
	rs, err := d.zx.decodeFinders(work)
	if err != nil {
		return nil, err
	}
	if len(rs) > 0 {
		return hit(rescale(rs, f, 0, 0), "plain", f), nil
	}
	finderPair := d.zx.finders.pairSeen()
	darkFinders := len(d.zx.finders.pts) // (the negative's search reuses the log)
	skip := false                        // the fallback waits for the next frame
	// 3. A code gozxing found but could not read.
	if tl, tr, bl, ok := d.zx.finders.bestTriple(); ok {
		code := outline(tl, tr, bl, 0).scale(f, 0, 0)
		for n := 0; n < len(evidenceSteps); n++ {
			i := fs.evidence % len(evidenceSteps)
			step := evidenceSteps[i]
			if n > 0 && (step.name == "" || fs.cost[i] == 0 || d.opts.Clock.Now().Sub(start)+fs.cost[i] > d.opts.FrameBudget) {
				return nil, nil // the rest waits for the next frame
			}
			fs.evidence++
			if step.name == "" {
				break // this frame's turn of the general fallbacks
			}
			t0 := d.opts.Clock.Now()
			if step.roi > 0 {
				rs, err = d.locateRegion(g, grownBounds(code, step.roi, g.Width, g.Height), step.side)
			} else {
				rs, err = d.decodeWarpAs(g, step.quad(tl, tr, bl).scale(f, 0, 0), code, step.read)
			}
			if c := d.opts.Clock.Now().Sub(t0); fs.cost[i] == 0 {
				fs.cost[i] = c
			} else {
				fs.cost[i] = (3*fs.cost[i] + c) / 4
			}
			if err != nil {
				return nil, err
			}
			if len(rs) > 0 {
				rs = hit(rs, step.name, 1)
				if step.roi == 0 {
					fs.trackQ = step.quad(tl, tr, bl).scale(f, 0, 0).grow(trackGrow / 2)
					fs.trackRead = step.read
				}
				return rs, nil
			}
			if n == len(evidenceSteps)-1 {
				return nil, nil
			}
		}
		// otherwise a fallback of the rotation below
	} else {
		fs.evidence = 0
		// 3b. A light-on-dark code (dark mode): gozxing looks for dark
		// finder patterns only, so it saw none. Where the histogram says
		// light-on-dark, or rows of the work plane cross three light
		// finder patterns placed as a code's (lightFinders: a phone in
		// dark mode held up in a lit room is a dark part of a light
		// view, the histogram says dark-on-light), the negative is
		// decoded in the same frame (it costs what the plain decode does,
		// 0.8 to 1.2 ms at 1280x720: not on every frame).
		lod := lightOnDark(work)
		if lod || !fs.skipped && lightFinders(work, &fs.light) {
			rs, name, err := d.negative(g, work, f, start)
			if err != nil {
				return nil, err
			}
			if len(rs) > 0 {
				if name == "inverted" {
					return hit(rescale(rs, f, 0, 0), name, f), nil
				}
				q := fs.trackQ // hit resets it
				rs = hit(rs, name, 1)
				fs.trackQ, fs.trackRead = q, readInverted
				return rs, nil
			}
			// Called for by light finder patterns alone where gozxing saw
			// no dark finder pattern at all (a dark-on-light code it could
			// not read shows light patterns among its modules too, and
			// some dark ones): the negative was this frame's attempt beyond
			// the cheap ones and the fallback waits for the next frame, so
			// a frame of fine fabric that shows such patterns costs no
			// more than one with a fallback. Never twice running (the
			// next frame has the fallback and not this negative): a code
			// that needs the fallback waits one frame at most.
			skip = !lod && darkFinders == 0
		}
	}
	fs.skipped = skip
	if skip {
		// 5. below, where the budget allows
		rs, err := d.screenStep(g, work, f, start)
		if err != nil || len(rs) == 0 {
			return nil, err
		}
		return hit(rs, "screen-low-pass", 1), nil
	}
	// 4. One fallback.
	wf := f // the work plane's factor (the fallback may read another plane)
	fs.count++
	var name string
	switch {
	case fs.count-fs.located >= locateEvery && finderPair:
		name = "opencv-locator"
		fs.located = fs.count
	default:
		name = frameFallbacks[fs.next%len(frameFallbacks)]
		fs.next++
		for name == "full-resolution" && f == 1 { // the work plane is the frame
			name = frameFallbacks[fs.next%len(frameFallbacks)]
			fs.next++
		}
	}
	switch name {
	case "full-resolution":
		if k := math.Floor(f / 2); k >= 2 {
			// a large frame (4K): the pyramid's next level down, not
			// the whole frame at full size (tens of milliseconds)
			rs, f, err = d.pyramidLevel(g, k)
			name = "pyramid"
			break
		}
		rs, err = d.zx.decode(g, hybrid, false, true)
		f = 1
	case "opencv-locator":
		rs, err = d.locateSmall(work)
	default:
		st, ok := stageByName(name)
		if !ok {
			return nil, fmt.Errorf("unknown cascade stage %q", name)
		}
		rs, err = st.run(d, work)
	}
	if err != nil {
		return nil, err
	}
	if len(rs) > 0 {
		return hit(rescale(rs, f, 0, 0), name, f), nil
	}
	// 5. A phone screen's pixel grid (moiré), where the budget allows.
	if rs, err = d.screenStep(g, work, wf, start); err != nil || len(rs) == 0 {
		return nil, err
	}
	return hit(rs, "screen-low-pass", 1), nil
}

// negative decodes the negative of the work plane (a light-on-dark code)
// and, where gozxing sees a code's finder patterns there but cannot read
// it (a few pixels per module), warps the outline they imply from the
// frame and reads it as a negative (the first evidence step's remedy),
// where the budget holds that step's cost. It returns the step's name:
// "inverted" (results in the work plane's coordinates) or
// "inverted-warp" (in g's, with d.fs.trackQ set to the warped outline).
func (d *Decoder) negative(g, work Gray, f float64, start time.Time) ([]Result, string, error) {
	fs := &d.fs
	rs, err := d.zx.decodeFinders(invertInto(work, &fs.neg))
	if err != nil || len(rs) > 0 {
		return rs, "inverted", err
	}
	tl, tr, bl, ok := d.zx.finders.bestTriple()
	if !ok || d.opts.Clock.Now().Sub(start)+fs.cost[0] > d.opts.FrameBudget {
		return nil, "", nil
	}
	step := evidenceSteps[0]
	code := outline(tl, tr, bl, 0).scale(f, 0, 0)
	q := step.quad(tl, tr, bl).scale(f, 0, 0)
	rs, err = d.decodeWarpAs(g, q, code, readInverted)
	if len(rs) > 0 {
		fs.trackQ = q.grow(trackGrow / 2)
	}
	return rs, "inverted-warp", err
}

// track re-reads the last code where it was: by re-warping its outline
// (slightly enlarged) when a warp read it, otherwise by decoding its
// region, plainly or with the step that read it, at the scale it was
// read, then, when that fails just after a read, by re-warping its outline.
func (d *Decoder) track(g Gray) ([]Result, error) {
	fs := &d.fs
	if warpStage(fs.stage) {
		if fs.sinceHit > warpFrames {
			// gone for a while: the warp of an empty place would only
			// cost the new code's first frame its budget
			return nil, nil
		}
		return d.decodeWarpAs(g, fs.trackQ, fs.quad, fs.trackRead)
	}
	r := fs.region
	m := max(r.Dx(), r.Dy()) / 3
	r = r.Inset(-m).Intersect(image.Rect(0, 0, g.Width, g.Height))
	if r.Dx() < 21 || r.Dy() < 21 || r.Dx()*r.Dy() >= g.Width*g.Height*2/3 {
		return nil, nil
	}
	crop, f := g.sub(r), 1.0
	if fs.scale > 1 {
		// at the scale it was read: a code read on the shrunk work
		// plane may be too noisy for the binariser at full size
		w := max(1, int(math.Round(float64(r.Dx())/fs.scale)))
		h := max(1, int(math.Round(float64(r.Dy())/fs.scale)))
		var err error
		if crop, err = resizeBuf(crop, &fs.crop, w, h); err != nil {
			return nil, err
		}
		f = float64(r.Dx()) / float64(w)
	}
	var rs []Result
	var err error
	if st, ok := stageByName(fs.stage); ok && fs.stage != "plain" {
		// The step that read this code last time, on the crop only: a
		// hard code held still stays cheap to re-read.
		rs, err = st.run(d, crop)
	} else {
		rs, err = d.zx.decode(crop, hybrid, false, true)
	}
	if err != nil || len(rs) > 0 || fs.sinceHit > warpFrames {
		return rescale(rs, f, float64(r.Min.X), float64(r.Min.Y)), err
	}
	// A code read at the edge of what the plain decode reads (a few pixels
	// per module, a binariser block boundary moved) may fail on the crop
	// though nothing moved: its outline warped flat from full resolution
	// reads it as a warp stage's code is re-read.
	return d.decodeWarpAs(g, fs.trackQ, fs.quad, fs.trackRead)
}

// workPlane returns g, or g shrunk by the least whole factor that makes
// it at most workWidth wide (1280 and 1600 halve, 1920 thirds, 3840
// fifths), and the factor mapping work coordinates back to g's.
func (d *Decoder) workPlane(g Gray) (Gray, float64, error) {
	if g.Width <= workWidth {
		return g, 1, nil
	}
	k := (g.Width + workWidth - 1) / workWidth
	w, h := g.Width/k, max(1, g.Height/k)
	s, err := resizeBuf(g, &d.fs.scratch, w, h)
	return s, float64(g.Width) / float64(w), err
}

// pyramidLevel decodes g shrunk by whole factor k (area interpolation),
// and where gozxing saw a code's finder patterns there but could not read
// it, warps the outline they imply from g itself: locate on the small
// plane, then read at full resolution. Results are in the level's
// coordinates, with the factor mapping them back to g's (1 for a warp).
func (d *Decoder) pyramidLevel(g Gray, k float64) ([]Result, float64, error) {
	w, h := max(1, int(float64(g.Width)/k)), max(1, int(float64(g.Height)/k))
	s, err := resizeBuf(g, &d.fs.mid, w, h)
	if err != nil {
		return nil, 1, err
	}
	f := float64(g.Width) / float64(w)
	rs, err := d.zx.decodeFinders(s)
	if err != nil || len(rs) > 0 {
		return rs, f, err
	}
	tl, tr, bl, ok := d.zx.finders.bestTriple()
	if !ok {
		return nil, f, nil
	}
	code := outline(tl, tr, bl, 0).scale(f, 0, 0)
	quads := []Quad{outline(tl, tr, bl, finderGrow).scale(f, 0, 0)}
	if !d.fast { // a still: the parallelogram too, as stageFinderWarp
		quads = append(quads, flatOutline(tl, tr, bl, finderGrow).scale(f, 0, 0))
	}
	for _, q := range quads {
		if rs, err = d.decodeWarpAs(g, q, code, readHybrid); err != nil || len(rs) > 0 {
			break
		}
	}
	return rs, 1, err
}

// resizeBuf scales g to w x h (area interpolation) into buf, reused.
func resizeBuf(g Gray, buf *Gray, w, h int) (Gray, error) {
	if cap(buf.Pix) < w*h {
		buf.Pix = make([]byte, w*h)
	}
	*buf = Gray{Pix: buf.Pix[:w*h], Width: w, Height: h, Stride: w}
	if err := resizeInto(g, *buf, interpArea); err != nil {
		return Gray{}, err
	}
	return *buf, nil
}

// locateSmall runs OpenCV's locator on a copy of g at most locateWidth
// wide (its cost grows quickly with size and noise; downscaling also
// averages noise out) and warps the code from g itself.
func (d *Decoder) locateSmall(g Gray) ([]Result, error) {
	if d.loc == nil || g.Width <= locateWidth {
		return stageLocate(d, g)
	}
	w := locateWidth
	s, err := resizeBuf(g, &d.fs.small, w, g.Height*w/g.Width)
	if err != nil {
		return nil, err
	}
	q, ok, err := d.loc.detect(s)
	if err != nil || !ok {
		return nil, err
	}
	return d.decodeQuad(g, q.scale(float64(g.Width)/float64(w), 0, 0))
}

// locateRegion runs OpenCV's locator on region r of g only, scaled down
// so its shorter side is at most roiSide, and warps the code it finds
// from g at full resolution.
func (d *Decoder) locateRegion(g Gray, r image.Rectangle, side int) ([]Result, error) {
	if d.loc == nil || r.Dx() < 21 || r.Dy() < 21 {
		return nil, nil
	}
	crop := g.sub(r)
	f := 1.0
	if s := min(r.Dx(), r.Dy()); s > side {
		f = float64(s) / float64(side)
		var err error
		crop, err = resizeBuf(crop, &d.fs.small, max(1, int(math.Round(float64(r.Dx())/f))), max(1, int(math.Round(float64(r.Dy())/f))))
		if err != nil {
			return nil, err
		}
		f = float64(r.Dx()) / float64(crop.Width)
	}
	q, ok, err := d.loc.detect(crop)
	if err != nil || !ok {
		return nil, err
	}
	return d.decodeQuad(g, q.scale(f, float64(r.Min.X), float64(r.Min.Y)))
}

func stageByName(name string) (stage, bool) {
	for _, s := range stages {
		if s.name == name {
			return s, true
		}
	}
	return stage{}, false
}

// ResetFrames forgets what DecodeFrame learnt about the scene (a new video
// source); the measured step costs and buffers are kept.
func (d *Decoder) ResetFrames() {
	d.fs = frameState{scratch: d.fs.scratch, small: d.fs.small, crop: d.fs.crop, neg: d.fs.neg, mid: d.fs.mid, cost: d.fs.cost, screenCost: d.fs.screenCost}
}
