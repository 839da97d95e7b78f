package qr_test

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/checkpoint-terminal/checkpoint/scanner/qr"
	"github.com/checkpoint-terminal/checkpoint/scanner/videogen"
)

// benchText has the length of a signed health code (about 250 characters,
// a version 8 QR code).
const benchText = "HCN1:NCFA30K20FFWTWGSLKC 4G99P5CM0PXL2CUU/6BV%K OD$96646G465H8469FN0ZNDI*OWY0ZNDI4NR-0HJBA1GGI1R1HV:3G98/S9T:P/E7V50S30W504H0:O0DCTVQH27BZZVC*7//NXLTYXP%*LKOR10G 11+7H+JU1+KYQ8RULWJ004QD+QT2VXWQ:4UW 46-9PILW0BOH4PA5YWPMQI9ZMUEJO:S9A7V50U50-DWGW5:4"

// benchScenes are varied views of a code as people hold it up (present) or
// an empty counter with a passing hand and sensor noise (absent).
func benchScenes(present bool) []videogen.Scene {
	rng := rand.New(rand.NewPCG(1, 2))
	var out []videogen.Scene
	for range 12 {
		sc := videogen.Scene{Noise: 3 + 4*rng.Float64(), Hand: rng.IntN(3) == 0, Frames: 4}
		if present {
			sc.Text = benchText
			sc.Size = 0.45 + 0.3*rng.Float64()
			sc.Rotate = -40 + 80*rng.Float64()
			sc.Tilt = 0.25 * rng.Float64()
			sc.X, sc.Y = -0.1+0.2*rng.Float64(), -0.05+0.1*rng.Float64()
			sc.Glare = 0.5 * rng.Float64()
		}
		out = append(out, sc)
	}
	return out
}

var benchSizes = [][2]int{{640, 480}, {1280, 720}}

// benchCase is one size with a code present or absent, and its frames.
type benchCase struct {
	name    string // "640x480/present", as scripts/bench-scanner.sh reads it
	present bool
	frames  []qr.Gray
}

// benchCases renders the frames of every size, code present and absent,
// then ("640x480/scenes") the other scenes without a code of
// codelessScenes: print, textures, faces, blank phone screens.
func benchCases(b testing.TB) []benchCase {
	cases := counterCases(b)
	for _, sz := range benchSizes {
		c := benchCase{name: fmt.Sprintf("%dx%d/scenes", sz[0], sz[1])}
		for _, s := range codelessScenes(b, sz[0], sz[1]) {
			c.frames = append(c.frames, s.frame)
		}
		cases = append(cases, c)
	}
	return cases
}

// counterCases renders the frames of every size, code present and absent.
func counterCases(b testing.TB) []benchCase {
	var cases []benchCase
	for _, sz := range benchSizes {
		for _, present := range []bool{true, false} {
			c := benchCase{name: fmt.Sprintf("%dx%d/absent", sz[0], sz[1]), present: present}
			if present {
				c.name = fmt.Sprintf("%dx%d/present", sz[0], sz[1])
			}
			for _, sc := range benchScenes(present) {
				c.frames = append(c.frames, frameOf(b, sz[0], sz[1], sc))
			}
			cases = append(cases, c)
		}
	}
	return cases
}

// cpu is the benchmarks' clock: the benchmark goroutine's thread CPU
// time (the goroutine holds its thread), so that on a shared, loaded
// machine the figures are the decoder's own work and its frame budget
// sees what it would on an idle core.
var cpu = qr.ThreadClock{}

func report(b *testing.B, ds []time.Duration) {
	slices.Sort(ds)
	ms := func(d time.Duration) float64 { return float64(d) / 1e6 }
	b.ReportMetric(ms(ds[len(ds)/2]), "median-ms")
	b.ReportMetric(ms(ds[len(ds)*95/100]), "p95-ms")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkDecodeFrame is the per-frame cost of the scan loop's decoder on
// a stream of frames: code held in view (present) or none (absent).
func BenchmarkDecodeFrame(b *testing.B) {
	for _, c := range benchCases(b) {
		frames, present := c.frames, c.present
		b.Run(c.name, func(b *testing.B) {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			d, err := qr.NewDecoder(qr.Options{Clock: cpu})
			if err != nil {
				b.Fatal(err)
			}
			defer d.Close()
			var ds []time.Duration
			missed := 0
			i := 0
			for b.Loop() {
				// each scene is held for 8 frames, as a person would
				g := frames[(i/8)%len(frames)]
				t0 := cpu.Now()
				rs, _ := d.DecodeFrame(g)
				ds = append(ds, cpu.Now().Sub(t0))
				if present && len(rs) == 0 {
					missed++
				}
				i++
			}
			report(b, ds)
			if present {
				b.ReportMetric(float64(missed)/float64(i), "miss-rate")
			}
		})
	}
}

// BenchmarkPlainGozxing is the floor: one plain gozxing decode of the whole
// frame, as the decoder of record does it without any cascade.
func BenchmarkPlainGozxing(b *testing.B) {
	for _, c := range benchCases(b) {
		frames := c.frames
		b.Run(c.name, func(b *testing.B) {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			decode := qr.PlainGozxing()
			var ds []time.Duration
			i := 0
			for b.Loop() {
				t0 := cpu.Now()
				decode(frames[i%len(frames)])
				ds = append(ds, cpu.Now().Sub(t0))
				i++
			}
			report(b, ds)
		})
	}
}

// BenchmarkFramesToDecode counts, for codes entering the view, how many
// frames pass before DecodeFrame reads them (1 = the first frame), and
// the cost of that first sighting.
func BenchmarkFramesToDecode(b *testing.B) {
	for _, sz := range benchSizes {
		var frames []qr.Gray
		for _, sc := range benchScenes(true) {
			frames = append(frames, frameOf(b, sz[0], sz[1], sc))
		}
		empty := frameOf(b, sz[0], sz[1], videogen.Scene{Noise: 4})
		b.Run(fmt.Sprintf("%dx%d", sz[0], sz[1]), func(b *testing.B) {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			d, err := qr.NewDecoder(qr.Options{Clock: cpu})
			if err != nil {
				b.Fatal(err)
			}
			defer d.Close()
			var counts []int
			var first []time.Duration
			never, i := 0, 0
			for b.Loop() {
				// the counter is empty for a few frames, then a code enters
				for range 3 {
					d.DecodeFrame(empty)
				}
				g := frames[i%len(frames)]
				n := 0
				for n < 30 {
					n++
					t0 := cpu.Now()
					rs, _ := d.DecodeFrame(g)
					if n == 1 {
						first = append(first, cpu.Now().Sub(t0))
					}
					if len(rs) > 0 {
						break
					}
				}
				if n == 30 {
					never++ // not read within a second: not a latency
				} else {
					counts = append(counts, n)
				}
				i++
			}
			slices.Sort(counts)
			if len(counts) > 0 {
				b.ReportMetric(float64(counts[len(counts)/2]), "median-frames")
				b.ReportMetric(float64(counts[len(counts)*95/100]), "p95-frames")
			}
			b.ReportMetric(float64(never)/float64(i), "unread-rate")
			report(b, first)
		})
	}
}
