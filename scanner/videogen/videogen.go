// Package videogen writes test and demo videos: MJPG .avi files (or single
// frames) showing QR codes the way a checkpoint camera sees them — scaled,
// rotated, tilted, blurred, under a glare spot, at low contrast, with sensor
// noise, a hand moving in, and gaps with no code at all.
//
// The terminal's demo mode plays such a video through the real camera path;
// the scanner's tests assert on the presentations read back from it.
package videogen

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"math"

	"github.com/checkpoint-terminal/checkpoint/scanner/qr"
	"gocv.io/x/gocv"
)

// Scene is a run of frames showing one code (or none) under one set of
// perturbations. Zero values mean "no perturbation".
type Scene struct {
	// Text is the QR code's content; empty shows no code (a gap).
	Text string
	// Frames is how many frames the scene lasts (at least 1).
	Frames int
	// Size is the code's side as a fraction of the frame height
	// (default 0.45).
	Size float64
	// X, Y move the code's centre from the frame centre, as fractions of
	// the frame width and height (-0.5 .. 0.5).
	X, Y float64
	// Rotate turns the code by this many degrees.
	Rotate float64
	// Tilt is perspective: the code's top edge is shortened by this
	// fraction (0 .. 0.6), as when a phone leans back.
	Tilt float64
	// Blur is a Gaussian blur sigma in pixels (defocus, motion).
	Blur float64
	// Glare is the strength (0 .. 1) of a bright spot over the code, as a
	// lamp reflected on a phone screen.
	Glare float64
	// Contrast scales the code's dark-light difference (default 1; 0.25 is
	// a dim screen).
	Contrast float64
	// Noise is the standard deviation of Gaussian sensor noise, in grey
	// levels.
	Noise float64
	// Hand moves a hand in from the right edge over the scene, covering
	// part of the frame but not the code's finder patterns.
	Hand bool
	// Others are further codes in the same frame (a queue behind the
	// person at the counter); only their Text, Size, X, Y, Rotate, Tilt and
	// Contrast are used.
	Others []Scene
}

// Options are the video's format.
type Options struct {
	Width, Height int     // default 640 x 480
	FPS           float64 // default 30
}

func (o Options) withDefaults() Options {
	if o.Width <= 0 {
		o.Width = 640
	}
	if o.Height <= 0 {
		o.Height = 480
	}
	if o.FPS <= 0 {
		o.FPS = 30
	}
	return o
}

// WriteVideo renders the scenes one after the other into an MJPG .avi at
// path.
func WriteVideo(path string, scenes []Scene, opts Options) error {
	opts = opts.withDefaults()
	if len(scenes) == 0 {
		return errors.New("writing video: no scenes")
	}
	vw, err := gocv.VideoWriterFile(path, "MJPG", opts.FPS, opts.Width, opts.Height, true)
	if err != nil {
		return fmt.Errorf("opening video writer %s: %w", path, err)
	}
	defer vw.Close()
	if !vw.IsOpened() {
		return fmt.Errorf("opening video writer %s: OpenCV cannot write MJPG here", path)
	}
	r := NewRenderer(opts)
	defer r.Close()
	for si, sc := range scenes {
		n := max(sc.Frames, 1)
		for i := range n {
			if err := r.Render(sc, i); err != nil {
				return fmt.Errorf("rendering scene %d frame %d: %w", si, i, err)
			}
			if err := vw.Write(r.Frame); err != nil {
				return fmt.Errorf("writing scene %d frame %d: %w", si, i, err)
			}
		}
	}
	return nil
}

// Renderer draws scene frames into Frame (8-bit BGR). It caches the last
// code it rendered. Not safe for concurrent use; Close frees it.
type Renderer struct {
	opts  Options
	Frame gocv.Mat
	text  string
	code  gocv.Mat
	// codeRight is the right-most x of the last code drawn.
	codeRight int
}

// NewRenderer creates a renderer for frames of the given format.
func NewRenderer(opts Options) *Renderer {
	opts = opts.withDefaults()
	return &Renderer{opts: opts, Frame: gocv.NewMatWithSize(opts.Height, opts.Width, gocv.MatTypeCV8UC3), code: gocv.NewMat()}
}

// Close frees the renderer's Mats.
func (r *Renderer) Close() error {
	r.Frame.Close()
	r.code.Close()
	return nil
}

// Render draws frame i of sc into r.Frame.
func (r *Renderer) Render(sc Scene, i int) error {
	w, h := r.opts.Width, r.opts.Height
	background(&r.Frame, w, h)
	for _, o := range sc.Others {
		if o.Text != "" {
			if err := r.drawCode(o); err != nil {
				return err
			}
		}
	}
	if sc.Text != "" {
		if err := r.drawCode(sc); err != nil {
			return err
		}
	}
	if sc.Glare > 0 {
		glare(&r.Frame, sc, w, h)
	}
	if sc.Hand {
		n := max(sc.Frames, 1)
		stop := w * 3 / 4
		if sc.Text != "" {
			stop = max(stop, r.codeRight+w/40) // up to the code, not over it
		}
		hand(&r.Frame, float64(i)/float64(max(n-1, 1)), w, stop, h)
	}
	if sc.Blur > 0 {
		gocv.GaussianBlur(r.Frame, &r.Frame, image.Point{}, sc.Blur, sc.Blur, gocv.BorderReflect101)
	}
	if sc.Noise > 0 {
		noise := gocv.NewMatWithSize(h, w, gocv.MatTypeCV8UC3)
		defer noise.Close()
		gocv.RandN(&noise, gocv.NewScalar(128, 128, 128, 0), gocv.NewScalar(sc.Noise, sc.Noise, sc.Noise, 0))
		gocv.AddWeighted(r.Frame, 1, noise, 1, -128, &r.Frame)
	}
	return nil
}

// background paints a soft left-to-right gradient with a few darker
// shapes, so the frame is not a flat field.
func background(m *gocv.Mat, w, h int) {
	m.SetTo(gocv.NewScalar(150, 160, 165, 0))
	for k := range 8 {
		x := k * w / 8
		v := uint8(120 + 12*k%60)
		gocv.Rectangle(m, image.Rect(x, 0, x+w/8, h), color.RGBA{v, v + 5, v + 10, 0}, -1)
	}
	gocv.Rectangle(m, image.Rect(w/20, h*3/4, w/3, h-h/20), color.RGBA{60, 70, 80, 0}, -1)
	gocv.GaussianBlur(*m, m, image.Point{}, 9, 9, gocv.BorderReflect101)
}

// drawCode renders sc.Text and warps it into place.
func (r *Renderer) drawCode(sc Scene) error {
	if sc.Text != r.text || r.code.Empty() {
		const px = 600
		img, err := qr.Encode(sc.Text, px)
		if err != nil {
			return err
		}
		bw, bh, buf := img.Rect.Dx(), img.Rect.Dy(), img.Pix
		g, err := gocv.NewMatFromBytes(bh, bw, gocv.MatTypeCV8UC1, buf)
		if err != nil {
			return fmt.Errorf("wrapping QR bitmap: %w", err)
		}
		r.code.Close()
		r.code = gocv.NewMat()
		gocv.CvtColor(g, &r.code, gocv.ColorGrayToBGR)
		g.Close()
		r.text = sc.Text
	}
	src := r.code
	if c := sc.Contrast; c > 0 && c < 1 {
		low := gocv.NewMat()
		defer low.Close()
		// dark = 255*(1-c)*0.6, light = dark + 255*c
		dark := 255 * (1 - c) * 0.6
		r.code.ConvertToWithParams(&low, gocv.MatTypeCV8UC3, float32(c), float32(dark))
		src = low
	}
	w, h := float64(r.opts.Width), float64(r.opts.Height)
	size := sc.Size
	if size <= 0 {
		size = 0.45
	}
	side := size * h
	cx, cy := w/2+sc.X*w, h/2+sc.Y*h
	half := side / 2
	top := half * (1 - math.Max(0, math.Min(sc.Tilt, 0.9)))
	// corners before rotation: TL, TR, BR, BL
	pts := [4][2]float64{{-top, -half}, {top, -half}, {half, half}, {-half, half}}
	a := sc.Rotate * math.Pi / 180
	ca, sa := math.Cos(a), math.Sin(a)
	var dst [4]gocv.Point2f
	right := 0.0
	for i, p := range pts {
		dst[i] = gocv.Point2f{X: float32(cx + p[0]*ca - p[1]*sa), Y: float32(cy + p[0]*sa + p[1]*ca)}
		right = math.Max(right, float64(dst[i].X))
	}
	r.codeRight = int(right)
	sw, sh := float32(src.Cols()), float32(src.Rows())
	from := gocv.NewPoint2fVectorFromPoints([]gocv.Point2f{{X: 0, Y: 0}, {X: sw, Y: 0}, {X: sw, Y: sh}, {X: 0, Y: sh}})
	defer from.Close()
	to := gocv.NewPoint2fVectorFromPoints(dst[:])
	defer to.Close()
	m := gocv.GetPerspectiveTransform2f(from, to)
	defer m.Close()
	gocv.WarpPerspectiveWithParams(src, &r.Frame, m, image.Pt(r.opts.Width, r.opts.Height), gocv.InterpolationArea, gocv.BorderTransparent, color.RGBA{})
	return nil
}

// glare adds a soft bright spot over the upper part of the code.
func glare(m *gocv.Mat, sc Scene, w, h int) {
	spot := gocv.NewMatWithSize(h, w, gocv.MatTypeCV8UC3)
	defer spot.Close()
	spot.SetTo(gocv.NewScalar(0, 0, 0, 0))
	size := sc.Size
	if size <= 0 {
		size = 0.45
	}
	r := int(size * float64(h) / 4)
	c := image.Pt(w/2+int(sc.X*float64(w))+r/2, h/2+int(sc.Y*float64(h))-r/2)
	v := uint8(255 * math.Min(sc.Glare, 1))
	gocv.Circle(&spot, c, r, color.RGBA{v, v, v, 0}, -1)
	gocv.GaussianBlur(spot, &spot, image.Point{}, float64(r)/3, float64(r)/3, gocv.BorderReflect101)
	gocv.Add(*m, spot, m)
}

// hand draws a skin-coloured palm and fingers entering from the right;
// progress runs from 0 (finger tips at the edge) to 1 (finger tips at x =
// stop).
func hand(m *gocv.Mat, progress float64, w, stop, h int) {
	skin := color.RGBA{205, 150, 120, 0}
	x := w + w/12 - int(progress*float64(w-stop))
	palm := image.Pt(x+w/10, h*2/3)
	gocv.Ellipse(m, palm, image.Pt(w/9, h/6), 0, 0, 360, skin, -1)
	for k := range 4 {
		y := h*2/3 - h/8 + k*h/14
		gocv.Rectangle(m, image.Rect(x-w/12, y, x+w/20, y+h/20), skin, -1)
	}
}
