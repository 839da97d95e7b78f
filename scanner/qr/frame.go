package qr

import (
	"fmt"
	"image"
)

// Frame-mode tuning: general limits, not fitted to any image set.
const (
	// workWidth: wider frames are first decoded at half size, where a code
	// held at the counter still has several pixels per module.
	workWidth = 800
	// regionFrames: for this many frames after a code was seen, the region
	// around it is tried first.
	regionFrames = 15
	// locateWidth bounds the plane OpenCV's locator searches per frame.
	locateWidth = 480
)

// frameState carries what DecodeFrame learns from one frame to the next.
type frameState struct {
	region   image.Rectangle // where the last code was, frame coordinates
	sinceHit int             // frames since a code was last decoded
	stage    string          // the cascade step that last decoded a code
	next     int             // next fallback in the rotation
	count    int             // frames that reached the fallback step
	located  int             // count when the locator last ran
	scratch  Gray            // the half-size work plane, reused
	small    Gray            // the locator's plane, reused
}

// frameFallbacks run one per frame, in rotation, after the fast attempts
// failed. Each costs a few milliseconds on the work plane.
// "full-resolution" only applies when the work plane is downscaled.
var frameFallbacks = []string{
	"full-resolution", "global-binariser", "full-resolution", "sharpened",
	"full-resolution", "inverted", "full-resolution", "stretched",
}

// OpenCV's locator reads tilted and glared codes gozxing's own finder
// misses, but costs 10 ms or more on a noisy frame. It runs at once when
// gozxing saw finder patterns it could not decode (a code is there), and
// otherwise once every locateEvery frames.
const locateEvery = 6

// DecodeFrame decodes one video frame within a per-frame budget: first the
// region where a code was last seen, then the whole (work-size) frame, then
// one slower fallback of the cascade, a different one each frame, so a hard
// code is read within a few frames and no frame costs much more than the
// plain decode. Results are in g's coordinates, largest first.
func (d *Decoder) DecodeFrame(g Gray) ([]Result, error) {
	if err := g.check(); err != nil {
		return nil, err
	}
	d.fast = true
	defer func() { d.fast = false }()
	fs := &d.fs
	fs.sinceHit++
	hit := func(rs []Result, stage string) []Result {
		rs = largestFirst(tag(rs, stage))
		fs.region = rs[0].Corners.Bounds()
		fs.sinceHit = 0
		if stage != "region" {
			fs.stage = stage
		}
		return rs
	}
	// 1. The region around the last code: a code held still is re-read
	// from a small crop.
	if fs.sinceHit <= regionFrames && !fs.region.Empty() {
		r := fs.region
		m := max(r.Dx(), r.Dy()) / 3
		r = r.Inset(-m).Intersect(image.Rect(0, 0, g.Width, g.Height))
		if r.Dx() >= 21 && r.Dy() >= 21 && r.Dx()*r.Dy() < g.Width*g.Height*2/3 {
			rs, err := d.zx.decode(g.sub(r), hybrid, false, true)
			if err != nil {
				return nil, err
			}
			if len(rs) == 0 {
				// The step that read this code last time, on the crop only:
				// a hard code held still stays cheap to re-read.
				if st, ok := stageByName(fs.stage); ok && fs.stage != "plain" {
					rs, err = st.run(d, g.sub(r))
					if err != nil {
						return nil, err
					}
				}
			}
			if len(rs) > 0 {
				return hit(rescale(rs, 1, float64(r.Min.X), float64(r.Min.Y)), "region"), nil
			}
		}
	}
	// 2. The whole frame, at work size.
	work, f, err := d.workPlane(g)
	if err != nil {
		return nil, err
	}
	rs, err := d.zx.decode(work, hybrid, false, true)
	if err != nil {
		return nil, err
	}
	if len(rs) > 0 {
		return hit(rescale(rs, f, 0, 0), "plain"), nil
	}
	// 3. One fallback.
	fs.count++
	var name string
	switch {
	case d.zx.candidate && fs.count-fs.located > 1, fs.count-fs.located >= locateEvery:
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
	if name == "full-resolution" {
		{
			rs, err := d.zx.decode(g, hybrid, false, true)
			if err != nil || len(rs) == 0 {
				return nil, err
			}
			return hit(rs, name), nil
		}
	}
	if name == "opencv-locator" {
		rs, err = d.locateSmall(work)
	} else {
		st, ok := stageByName(name)
		if !ok {
			return nil, fmt.Errorf("unknown cascade stage %q", name)
		}
		rs, err = st.run(d, work)
	}
	if err != nil || len(rs) == 0 {
		return nil, err
	}
	return hit(rescale(rs, f, 0, 0), name), nil
}

// workPlane returns g, or g at half size when it is wide, and the factor
// mapping work coordinates back to g's.
func (d *Decoder) workPlane(g Gray) (Gray, float64, error) {
	if g.Width <= workWidth {
		return g, 1, nil
	}
	w, h := g.Width/2, g.Height/2
	s := &d.fs.scratch
	if cap(s.Pix) < w*h {
		s.Pix = make([]byte, w*h)
	}
	*s = Gray{Pix: s.Pix[:w*h], Width: w, Height: h, Stride: w}
	if err := resizeInto(g, *s, interpArea); err != nil {
		return Gray{}, 0, err
	}
	return *s, float64(g.Width) / float64(w), nil
}

// locateSmall runs OpenCV's locator on a copy of g at most locateWidth
// wide (its cost grows quickly with size and noise; downscaling also
// averages noise out) and warps the code from g itself.
func (d *Decoder) locateSmall(g Gray) ([]Result, error) {
	if d.loc == nil || g.Width <= locateWidth {
		return stageLocate(d, g)
	}
	w := locateWidth
	h := g.Height * w / g.Width
	s := &d.fs.small
	if cap(s.Pix) < w*h {
		s.Pix = make([]byte, w*h)
	}
	*s = Gray{Pix: s.Pix[:w*h], Width: w, Height: h, Stride: w}
	if err := resizeInto(g, *s, interpArea); err != nil {
		return nil, err
	}
	q, ok, err := d.loc.detect(*s)
	if err != nil || !ok {
		return nil, err
	}
	return d.decodeQuad(g, q.scale(float64(g.Width)/float64(w), 0, 0))
}

func stageByName(name string) (stage, bool) {
	for _, s := range stages {
		if s.name == name {
			return s, true
		}
	}
	return stage{}, false
}

// ResetFrames forgets what DecodeFrame learnt (a new video source).
func (d *Decoder) ResetFrames() { d.fs = frameState{scratch: d.fs.scratch, small: d.fs.small} }
