package qr

import (
	"time"

	"golang.org/x/sys/unix"
)

// Internals the external tests (package qr_test, which import videogen,
// which imports qr) need.

// Invert exposes invert.
func Invert(g Gray) Gray { return invert(g) }

// EvidenceSteps is the number of evidence steps DecodeFrame cycles through.
var EvidenceSteps = len(evidenceSteps)

// Stage is one named step of the still cascade.
type Stage struct {
	Name string
	Run  func(*Decoder, Gray) ([]Result, error)
}

// Stages lists the still cascade's steps in order.
func Stages() []Stage {
	out := make([]Stage, len(stages))
	for i, s := range stages {
		out[i] = Stage{Name: s.name, Run: s.run}
	}
	return out
}

// PlainGozxing returns one plain gozxing decode (hybrid binariser, no
// cascade): the benchmarks' floor.
func PlainGozxing() func(Gray) ([]Result, error) {
	z := newZxing()
	return func(g Gray) ([]Result, error) { return z.decode(g, hybrid, false, false) }
}

// ThreadClock reads the calling thread's CPU time (CLOCK_THREAD_CPUTIME_ID)
// as a clock: on a shared, loaded machine it measures the decoder's own
// work, not the time other processes hold the core. The caller must hold
// its OS thread (runtime.LockOSThread) while it uses it.
type ThreadClock struct{}

// Now returns the thread's CPU time since an arbitrary origin.
func (ThreadClock) Now() time.Time {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts); err != nil {
		panic(err)
	}
	return time.Unix(0, ts.Nano())
}

// LightOnDark exposes lightOnDark.
func LightOnDark(g Gray) bool { return lightOnDark(g) }

// ScreenGrid exposes screenGrid's verdict.
func ScreenGrid(g Gray) bool { _, ok := screenGrid(g); return ok }

// Resize exposes resize with area interpolation (DecodeFrame's work plane).
func Resize(g Gray, w, h int) (Gray, error) { return resize(g, w, h, interpArea) }

// FrameTrace is what DecodeFrame's frame state counts: frames that reached
// the fallback step, the fallback rotation's position, the count when the
// whole-frame locator last ran, evidence steps run on the current code,
// and the screen step's measured cost.
type FrameTrace struct {
	Count, Next, Located, Evidence int
	ScreenCost                     time.Duration
	ScreenReads                    int
}

// Trace reads d's frame-state counters: comparing them before and after a
// DecodeFrame says which steps it ran.
func (d *Decoder) Trace() FrameTrace {
	return FrameTrace{d.fs.count, d.fs.next, d.fs.located, d.fs.evidence, d.fs.screenCost, d.fs.screenReads}
}

// LocateEvery exposes locateEvery.
const LocateEvery = locateEvery

// StepCosts times on frame g each step DecodeFrame may run on a frame
// without a code, in clock's time (each alone, d in frame mode): the work
// plane, its plain decode with the finder log, the light-on-dark check,
// each fallback, the whole-frame locator, the screen-grid check and, where
// it sees a grid, the screen step (check and read; within d's budget). It
// also says whether gozxing saw a plausible finder triple, whether the
// histogram says light-on-dark, and whether a screen grid shows.
func StepCosts(d *Decoder, g Gray, clock interface{ Now() time.Time }) (costs map[string]time.Duration, triple, lod, grid bool) {
	costs = map[string]time.Duration{}
	t := func(name string, f func()) {
		t0 := clock.Now()
		f()
		costs[name] = clock.Now().Sub(t0)
	}
	d.fast = true
	defer func() { d.fast = false }()
	var work Gray
	var f float64
	t("work-plane", func() { work, f, _ = d.workPlane(g) })
	t("plain", func() { d.zx.decodeFinders(work) })
	_, _, _, triple = d.zx.finders.bestTriple()
	t("light-on-dark", func() { lod = lightOnDark(work) })
	if f > 1 {
		t("full-resolution", func() { d.zx.decode(g, hybrid, false, true) })
	}
	for _, n := range []string{"global-binariser", "sharpened", "inverted", "stretched"} {
		st, _ := stageByName(n)
		t(n, func() { st.run(d, work) })
	}
	t("opencv-locator", func() { d.locateSmall(work) })
	t("screen-grid", func() { _, grid = screenGrid(work) })
	if grid { // the grid check and the read of its region, as DecodeFrame runs them
		t("screen-step", func() { d.screenStep(g, work, f, d.opts.Clock.Now()) })
	}
	return costs, triple, lod, grid
}

// Evidence runs DecodeFrame's plain decode of g's work plane and reports
// how many finder-pattern candidates gozxing logged, whether two of them
// could be one code's (pairSeen), whether it read a code, and whether
// OpenCV's whole-frame locator (as DecodeFrame runs it) reads one.
func Evidence(d *Decoder, g Gray) (finders int, pair, plain, located bool) {
	d.fast = true
	defer func() { d.fast = false }()
	work, _, _ := d.workPlane(g)
	rs, _ := d.zx.decodeFinders(work)
	finders, pair = len(d.zx.finders.pts), d.zx.finders.pairSeen()
	ls, _ := d.locateSmall(work)
	return finders, pair, len(rs) > 0, len(ls) > 0
}

// LightFinders is lightFinders.
func LightFinders(g Gray) bool { var l finderLog; return lightFinders(g, &l) }
