package qr_test

import (
	"fmt"
	"image"
	"image/color"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/checkpoint-terminal/checkpoint/scanner/qr"
	"github.com/checkpoint-terminal/checkpoint/scanner/videogen"
	"gocv.io/x/gocv"
)

// codelessScene is one camera frame without a code, of a kind a
// checkpoint camera sees between people.
type codelessScene struct {
	name  string
	frame qr.Gray
}

// codelessScenes renders w x h frames without a code beyond the bench's
// empty counter: a printed form (text, ruled boxes and tick boxes, whose
// square-in-square is finder-like), a tiled floor and a fabric texture, a
// face and shoulders, and a phone screen held up showing a lit page with
// no code (its pixel grid is what the screen step looks for).
func codelessScenes(tb testing.TB, w, h int) []codelessScene {
	tb.Helper()
	rng := rand.New(rand.NewPCG(11, uint64(w)))
	var out []codelessScene
	// (noise from rng, not OpenCV's global generator: rendering these
	// must not change the frames the benchmarks render after them)
	add := func(name string, m gocv.Mat, noise float64) {
		defer m.Close()
		grey := gocv.NewMat()
		defer grey.Close()
		gocv.CvtColor(m, &grey, gocv.ColorBGRToGray)
		g, err := qr.GrayFromMat(grey)
		if err != nil {
			tb.Fatal(err)
		}
		for i, v := range g.Pix {
			g.Pix[i] = uint8(max(0, min(255, float64(v)+noise*rng.NormFloat64()+0.5)))
		}
		out = append(out, codelessScene{name, g})
	}
	for k := range 2 {
		add(fmt.Sprintf("form-%d", k), formScene(w, h, rng, 1+0.6*float64(k)), 3+2*float64(k))
		add(fmt.Sprintf("floor-%d", k), floorScene(w, h, rng, 18+14*k), 4)
		add(fmt.Sprintf("fabric-%d", k), fabricScene(w, h, rng, 1.5+3*float64(k)), 3)
		add(fmt.Sprintf("face-%d", k), faceScene(w, h, rng, float64(k)*0.15), 4)
	}
	for k, m := range []float64{2.4, 3.0} {
		take := renderScreenTake(tb, benchText, screenTake{Module: m, Rotate: 4 * float64(k), Phase: 0.37 * float64(k), Seed: uint64(90 + k), Blank: true})
		bg := faceScene(w, h, rng, 0)
		add(fmt.Sprintf("blank-screen-%d", k), bg, 3)
		paste(out[len(out)-1].frame, take)
	}
	return out
}

// paste copies src into the middle of dst (clipped).
func paste(dst, src qr.Gray) {
	x0, y0 := max(0, (dst.Width-src.Width)/2), max(0, (dst.Height-src.Height)/2)
	for y := 0; y < min(src.Height, dst.Height-y0); y++ {
		n := min(src.Width, dst.Width-x0)
		copy(dst.Pix[(y0+y)*dst.Stride+x0:][:n], src.Pix[y*src.Stride:][:n])
	}
}

// formScene is a printed form filling the view: lines of text, a ruled
// table and tick boxes, some ticked (a filled square in a square), turned
// by a few degrees and defocused by blur pixels.
func formScene(w, h int, rng *rand.Rand, blur float64) gocv.Mat {
	m := gocv.NewMatWithSize(h, w, gocv.MatTypeCV8UC3)
	m.SetTo(gocv.NewScalar(225, 232, 236, 0))
	ink := color.RGBA{40, 35, 30, 0}
	s := float64(h) / 480
	words := []string{"Name", "Date of birth", "Passport No.", "Destination", "Health declaration", "I declare that", "fever", "cough", "contact", "signature", "2026-12-07", "Checkpoint 4"}
	for y := int(40 * s); y < h-int(20*s); y += int(28 * s) {
		x := int(30 * s)
		for x < w-int(60*s) {
			t := words[rng.IntN(len(words))]
			sc := (0.5 + 0.3*rng.Float64()) * s
			gocv.PutText(&m, t, image.Pt(x, y), gocv.FontHersheySimplex, sc, ink, max(1, int(s)))
			sz := gocv.GetTextSize(t, gocv.FontHersheySimplex, sc, max(1, int(s)))
			x += sz.X + int(18*s)
			if rng.IntN(4) == 0 { // a tick box, ticked or not
				b := int(16 * s)
				gocv.Rectangle(&m, image.Rect(x, y-b, x+b, y), ink, max(1, int(2*s)))
				if rng.IntN(2) == 0 {
					gocv.Rectangle(&m, image.Rect(x+b/4+1, y-b+b/4+1, x+b-b/4-1, y-b/4-1), ink, -1)
				}
				x += b + int(18*s)
			}
		}
		if rng.IntN(3) == 0 { // a ruled line
			gocv.Line(&m, image.Pt(int(20*s), y+int(8*s)), image.Pt(w-int(20*s), y+int(8*s)), ink, 1)
		}
	}
	rot := gocv.GetRotationMatrix2D(image.Pt(w/2, h/2), -6+12*rng.Float64(), 1.1)
	defer rot.Close()
	gocv.WarpAffineWithParams(m, &m, rot, image.Pt(w, h), gocv.InterpolationLinear, gocv.BorderReplicate, color.RGBA{})
	gocv.GaussianBlur(m, &m, image.Point{}, blur, blur, gocv.BorderReflect101)
	return m
}

// floorScene is a tiled floor seen from above: light tiles of side tile
// pixels with dark grout, each tile's shade varying.
func floorScene(w, h int, rng *rand.Rand, tile int) gocv.Mat {
	m := gocv.NewMatWithSize(h, w, gocv.MatTypeCV8UC3)
	m.SetTo(gocv.NewScalar(70, 75, 80, 0))
	for y := 0; y < h; y += tile {
		for x := 0; x < w; x += tile {
			v := uint8(150 + rng.IntN(60))
			gocv.Rectangle(&m, image.Rect(x+2, y+2, x+tile-1, y+tile-1), color.RGBA{v, v, v - 10, 0}, -1)
		}
	}
	gocv.GaussianBlur(m, &m, image.Point{}, 1, 1, gocv.BorderReflect101)
	return m
}

// fabricScene is a coarse random texture (cloth, wood grain, a bag)
// of grain sigma pixels, at full contrast.
func fabricScene(w, h int, rng *rand.Rand, grain float64) gocv.Mat {
	buf := make([]byte, w*h*3)
	for i := range buf {
		buf[i] = uint8(max(0, min(255, 128+80*rng.NormFloat64())))
	}
	g, err := gocv.NewMatFromBytes(h, w, gocv.MatTypeCV8UC3, buf)
	if err != nil {
		panic(err) // the sizes are right by construction
	}
	defer g.Close()
	gocv.GaussianBlur(g, &g, image.Point{}, grain, grain, gocv.BorderReflect101)
	out := gocv.NewMat()
	gocv.Normalize(g, &out, 0, 255, gocv.NormMinMax)
	return out
}

// faceScene is a person facing the camera: hair, a face with eyes,
// brows and mouth, a striped shirt, before a wall; lean turns it.
func faceScene(w, h int, rng *rand.Rand, lean float64) gocv.Mat {
	m := gocv.NewMatWithSize(h, w, gocv.MatTypeCV8UC3)
	m.SetTo(gocv.NewScalar(180, 190, 200, 0))
	cx, cy, r := w/2+int(float64(w)*(rng.Float64()-0.5)*0.2), h*9/20, h/4
	shirt := image.Rect(cx-2*r, cy+r, cx+2*r, h)
	gocv.Rectangle(&m, shirt, color.RGBA{60, 80, 140, 0}, -1)
	for x := shirt.Min.X; x < shirt.Max.X; x += r / 5 {
		gocv.Rectangle(&m, image.Rect(x, shirt.Min.Y, x+r/12, h), color.RGBA{230, 230, 230, 0}, -1)
	}
	gocv.Ellipse(&m, image.Pt(cx, cy-r/5), image.Pt(r*9/10, r*11/10), 0, 0, 360, color.RGBA{40, 30, 25, 0}, -1)
	gocv.Ellipse(&m, image.Pt(cx, cy), image.Pt(r*3/4, r), lean*60, 0, 360, color.RGBA{200, 160, 140, 0}, -1)
	for _, dx := range []int{-r / 3, r / 3} {
		e := image.Pt(cx+dx, cy-r/6)
		gocv.Ellipse(&m, e, image.Pt(r/7, r/14), 0, 0, 360, color.RGBA{240, 240, 240, 0}, -1)
		gocv.Circle(&m, e, r/16, color.RGBA{50, 40, 30, 0}, -1)
		gocv.Circle(&m, e, r/40, color.RGBA{10, 10, 10, 0}, -1)
		gocv.Line(&m, image.Pt(e.X-r/6, e.Y-r/6), image.Pt(e.X+r/6, e.Y-r/5), color.RGBA{60, 40, 30, 0}, max(2, r/25))
	}
	gocv.Ellipse(&m, image.Pt(cx, cy+r/2), image.Pt(r/4, r/12), 0, 0, 180, color.RGBA{150, 70, 70, 0}, max(2, r/25))
	gocv.GaussianBlur(m, &m, image.Point{}, 1.2, 1.2, gocv.BorderReflect101)
	return m
}

// TestCodelessFramesSpareTheLocator runs DecodeFrame on streams of frames
// without a code (the frame benchmark's empty counter and codelessScenes,
// at both bench sizes) and checks that none reads a code, that OpenCV's
// whole-frame locator never runs on a frame where gozxing logged no pair
// of finder-pattern candidates that could be one code's, and that it
// still runs, when due, on a frame where it logged one.
func TestCodelessFramesSpareTheLocator(t *testing.T) {
	d, err := qr.NewDecoder(qr.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	probe, err := qr.NewDecoder(qr.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer probe.Close()
	var scenes []codelessScene
	for _, sz := range benchSizes {
		for i, sc := range benchScenes(false) {
			scenes = append(scenes, codelessScene{fmt.Sprintf("%dx%d counter-%d", sz[0], sz[1], i), frameOf(t, sz[0], sz[1], sc)})
		}
		for _, s := range codelessScenes(t, sz[0], sz[1]) {
			s.name = fmt.Sprintf("%dx%d %s", sz[0], sz[1], s.name)
			scenes = append(scenes, s)
		}
	}
	// a frame with a pair of finder patterns and no readable code: one
	// code's top-left and top-right patterns, the rest of it covered
	pair := frameOf(t, 640, 480, videogen.Scene{Text: benchText, Size: 0.6, Noise: 3})
	for y := pair.Height / 2; y < pair.Height; y++ {
		for x := range pair.Width {
			pair.Pix[y*pair.Stride+x] = 200
		}
	}
	scenes = append(scenes, codelessScene{"640x480 half a code", pair})
	spared, seen, ranSeen := 0, 0, 0
	for _, s := range scenes {
		_, paired, _, _ := qr.Evidence(probe, s.frame)
		d.ResetFrames()
		runs := 0
		for range 2 * qr.LocateEvery {
			before := d.Trace().Located
			rs, err := d.DecodeFrame(s.frame)
			if err != nil {
				t.Fatalf("%s: %v", s.name, err)
			}
			if len(rs) > 0 {
				t.Errorf("%s: read %q where there is no code", s.name, rs[0].Text)
			}
			if d.Trace().Located != before {
				runs++
			}
		}
		switch {
		case !paired && runs > 0:
			t.Errorf("%s: no pair of finder-pattern candidates, yet the whole-frame locator ran %d times in %d frames", s.name, runs, 2*qr.LocateEvery)
		case !paired:
			spared++
		default:
			seen++
			if runs > 0 {
				ranSeen++
			}
		}
	}
	t.Logf("%d scenes without a pair of finder candidates spared the locator; %d with one, the locator ran on %d", spared, seen, ranSeen)
	if spared == 0 || seen == 0 {
		t.Fatalf("%d scenes without a pair, %d with one: both kinds are needed to check anything", spared, seen)
	}
	if ranSeen == 0 {
		t.Errorf("the whole-frame locator never ran on the %d scenes with a pair of finder-pattern candidates", seen)
	}
}

// BenchmarkCodelessSteps is the cost, in the thread's CPU time, of each
// step DecodeFrame may run on a frame without a code, each step alone on
// every frame of the case ("1280x720/absent": the frame benchmark's empty
// counter; "1280x720/scenes": codelessScenes): the median over the
// frames, as <step>-ms. What dominates a codeless frame's time is read
// here, then which steps a frame runs is DecodeFrame's evidence to decide.
func BenchmarkCodelessSteps(b *testing.B) {
	for _, c := range benchCases(b) {
		if c.present {
			continue
		}
		frames := c.frames
		b.Run(c.name, func(b *testing.B) {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			d, err := qr.NewDecoder(qr.Options{Clock: cpu})
			if err != nil {
				b.Fatal(err)
			}
			defer d.Close()
			costs := map[string][]time.Duration{}
			for b.Loop() {
				for _, g := range frames {
					m, _, _, _ := qr.StepCosts(d, g, cpu)
					for k, v := range m {
						costs[k] = append(costs[k], v)
					}
				}
			}
			for k, v := range costs {
				slices.Sort(v)
				b.ReportMetric(float64(v[len(v)/2])/1e6, k+"-ms")
			}
			b.ReportMetric(0, "ns/op")
		})
	}
}

// frozenClock never advances: every step is within the frame budget, so
// which steps run depends on the frames alone (not on the machine's load).
type frozenClock struct{}

func (frozenClock) Now() time.Time { return time.Unix(1_700_000_000, 0) }

// A phone showing no code held in view: its screen grid is seen on every
// frame, but the screen read (the costliest live step) runs on the first
// and then on every other frame only, not on each.
func TestBlankScreenIsReadEveryOtherFrame(t *testing.T) {
	opts := qr.DefaultOptions()
	opts.Clock = frozenClock{}
	checked := 0
	for _, sz := range [][2]int{{1280, 720}, {640, 480}} {
		for _, s := range codelessScenes(t, sz[0], sz[1]) {
			if !strings.HasPrefix(s.name, "blank-screen") {
				continue
			}
			d, err := qr.NewDecoder(opts)
			if err != nil {
				t.Fatal(err)
			}
			const frames = 8
			for range frames {
				if rs, err := d.DecodeFrame(s.frame); err != nil || len(rs) > 0 {
					t.Fatalf("%dx%d %s: %v, %v: want nothing read", sz[0], sz[1], s.name, rs, err)
				}
			}
			n := d.Trace().ScreenReads
			if n == 0 {
				continue // no grid seen at this size: nothing to check
			}
			checked++
			if n > frames/2 {
				t.Errorf("%dx%d %s: the screen read ran on %d of %d frames, want at most every other one", sz[0], sz[1], s.name, n, frames)
			}
		}
	}
	if checked == 0 {
		t.Fatal("no blank screen's grid was seen: nothing checked")
	}
}
