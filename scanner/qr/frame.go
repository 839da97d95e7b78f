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
)

// frameState carries what DecodeFrame learns from one frame to the next.
type frameState struct {
	region   image.Rectangle // where the last code was, frame coordinates
	sinceHit int             // frames since a code was last decoded
	next     int             // next fallback in the rotation
	scratch  Gray            // the half-size work plane, reused
}

// frameFallbacks run one per frame, in rotation, after the fast attempts
// failed. Each stays within a few milliseconds on the work plane.
// "full-resolution" only applies when the work plane is downscaled.
var frameFallbacks = []string{"full-resolution", "global-binariser", "full-resolution", "sharpened", "full-resolution", "opencv-locator", "full-resolution", "inverted", "full-resolution", "stretched"}

// DecodeFrame decodes one video frame within a per-frame budget: first the
// region where a code was last seen, then the whole (work-size) frame, then
// one slower fallback of the cascade, a different one each frame, so a hard
// code is read within a few frames and no frame costs much more than the
// plain decode. Results are in g's coordinates, largest first.
func (d *Decoder) DecodeFrame(g Gray) ([]Result, error) {
	if err := g.check(); err != nil {
		return nil, err
	}
	fs := &d.fs
	fs.sinceHit++
	hit := func(rs []Result, stage string) []Result {
		rs = largestFirst(tag(rs, stage))
		fs.region = rs[0].Corners.Bounds()
		fs.sinceHit = 0
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
	name := frameFallbacks[fs.next%len(frameFallbacks)]
	fs.next++
	if name == "full-resolution" {
		if f == 1 {
			name = frameFallbacks[fs.next%len(frameFallbacks)]
			fs.next++
		} else {
			rs, err := d.zx.decode(g, hybrid, false, true)
			if err != nil || len(rs) == 0 {
				return nil, err
			}
			return hit(rs, name), nil
		}
	}
	st, ok := stageByName(name)
	if !ok {
		return nil, fmt.Errorf("unknown cascade stage %q", name)
	}
	rs, err = st.run(d, work)
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

func stageByName(name string) (stage, bool) {
	for _, s := range stages {
		if s.name == name {
			return s, true
		}
	}
	return stage{}, false
}

// ResetFrames forgets what DecodeFrame learnt (a new video source).
func (d *Decoder) ResetFrames() { d.fs = frameState{scratch: d.fs.scratch} }

