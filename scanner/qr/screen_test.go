package qr_test

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/checkpoint-terminal/checkpoint/scanner/qr"
)

// TestScreenGridDetector: the screen-grid detector fires on most phone-
// screen takes with a visible grid and never on the counter scenes of the
// frame benchmark (noise, a passing hand, printed-looking codes) or on a
// clean render, where its remedy would only cost time.
func TestScreenGridDetector(t *testing.T) {
	hit, n := 0, 0
	for _, s := range screenSweep() {
		if s.Module != 2.4 && s.Module != 3.0 {
			continue
		}
		n++
		if qr.ScreenGrid(renderScreenTake(t, benchText, s)) {
			hit++
		}
	}
	// measured: 25 of 32
	if hit < n/2 {
		t.Errorf("screen grid seen on %d of %d screen takes at 2.4 and 3 px per module", hit, n)
	}
	for _, sz := range benchSizes {
		for _, present := range []bool{false, true} {
			for i, sc := range benchScenes(present) {
				g := frameOf(t, sz[0], sz[1], sc)
				if g.Width > 800 { // DecodeFrame's work plane
					w, err := qr.Resize(g, g.Width/2, g.Height/2)
					if err != nil {
						t.Fatal(err)
					}
					g = w
				}
				if qr.ScreenGrid(g) {
					t.Errorf("%dx%d scene %d (code %v): screen grid seen where there is none", sz[0], sz[1], i, present)
				}
			}
		}
	}
	img, err := qr.Encode(benchText, 600)
	if err != nil {
		t.Fatal(err)
	}
	if qr.ScreenGrid(qr.GrayFromImage(img)) {
		t.Error("screen grid seen on a clean render")
	}
}

// TestScreenSweepFirstFrame runs DecodeFrame once per screen take, as on
// the first frame a code is shown (frame state reset), prints the rate by
// module size and checks the floors the screen-grid step reaches. The
// frame budget is set out of reach so that the figures do not depend on
// the machine's speed or the race detector (with the default budget on
// the thread's CPU time, measured: 0, 0, 0, 1, 5, 10 of 16 at 1.4 ... 3
// px per module; without the step 0, 0, 0, 1, 0, 3; what the step costs
// per frame is scripts/bench-scanner.sh's to measure).
func TestScreenSweepFirstFrame(t *testing.T) {
	if testing.Short() {
		t.Skip("renders 96 takes")
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	d, err := qr.NewDecoder(qr.Options{Clock: qr.ThreadClock{}, FrameBudget: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	floor := map[float64]int{2.4: 3, 3.0: 7}
	read, total := map[float64]int{}, map[float64]int{}
	for _, s := range screenSweep() {
		g := renderScreenTake(t, benchText, s)
		d.ResetFrames()
		rs, err := d.DecodeFrame(g)
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		total[s.Module]++
		switch {
		case len(rs) > 0 && rs[0].Text == benchText:
			read[s.Module]++
		case len(rs) > 0:
			t.Errorf("%s: misread as %q", s, rs[0].Text)
		}
	}
	var line []string
	for _, m := range sweepModules {
		line = append(line, fmt.Sprintf("%.1fpx %d/%d", m, read[m], total[m]))
		if read[m] < floor[m] {
			t.Errorf("%.1f px per module: %d/%d read on the first frame, floor %d", m, read[m], total[m], floor[m])
		}
	}
	t.Logf("screen sweep, first frame: %s", strings.Join(line, ", "))
}
