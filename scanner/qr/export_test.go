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
