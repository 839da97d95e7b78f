package thermometer

import (
	"math"
	"slices"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
)

// Settler turns a stream of samples into person readings. A forehead
// reading rises from ambient, settles on a plateau and falls when the
// person steps away; the settled value is the median of the plateau, never
// the first sample.
//
//   - A sample outside [min, max] (ambient, a hot cup, NaN) means nobody is
//     measured: the first such sample after anything else is reported once
//     as SensorNoPerson, and the plateau search starts over.
//   - Plausible samples enter a window of n; when the window is full and its
//     spread (max - min) is at most tol, the person has settled and the
//     window's median is reported as SensorOK, stamped with the time of the
//     sample that completed the plateau.
//   - While the same person stays, each further settled window refreshes
//     Latest; it is reported again only if the plateau moved by more than
//     tol (the person came closer, a second person stepped in).
//
// A Settler is not safe for concurrent use.
type Settler struct {
	n        int
	tol      float64
	min, max float64

	win       []float64
	settled   bool
	reported  float64
	announced bool // a no-person report has been made since the last plausible sample
	latest    checkpoint.Reading
	hasLatest bool
}

// NewSettler makes a settler for a plausible range, a window of n samples
// and a tolerance in °C.
func NewSettler(minPlausible, maxPlausible float64, n int, tol float64) *Settler {
	return &Settler{n: max(n, 1), tol: tol, min: minPlausible, max: maxPlausible}
}

// SetRange changes the plausible range for the samples that follow; a
// plateau being built is kept (its samples were plausible when they came).
func (s *Settler) SetRange(minPlausible, maxPlausible float64) {
	s.min, s.max = minPlausible, maxPlausible
}

// Add takes one calibrated sample taken at at and returns the reading to
// report, if any.
func (s *Settler) Add(at time.Time, c float64) (checkpoint.Reading, bool) {
	if math.IsNaN(c) || c < s.min || c > s.max {
		s.win, s.settled = s.win[:0], false
		if s.announced {
			return checkpoint.Reading{}, false
		}
		s.announced = true
		if math.IsNaN(c) || math.IsInf(c, 0) {
			return checkpoint.Reading{At: at, Status: checkpoint.SensorError}, true
		}
		return checkpoint.Reading{Celsius: c, At: at, Status: checkpoint.SensorNoPerson}, true
	}
	s.announced = false
	if len(s.win) == s.n {
		copy(s.win, s.win[1:])
		s.win = s.win[:s.n-1]
	}
	s.win = append(s.win, c)
	if len(s.win) < s.n || spread(s.win) > s.tol+1e-9 {
		return checkpoint.Reading{}, false
	}
	m := median(s.win)
	r := checkpoint.Reading{Celsius: m, At: at, Status: checkpoint.SensorOK}
	s.latest, s.hasLatest = r, true
	if s.settled && math.Abs(m-s.reported) <= s.tol+1e-9 {
		return checkpoint.Reading{}, false
	}
	s.settled, s.reported = true, m
	return r, true
}

// Latest is the most recent settled reading (refreshed while the plateau
// lasts).
func (s *Settler) Latest() (checkpoint.Reading, bool) { return s.latest, s.hasLatest }

// Reset forgets the current window (after a reconnect); Latest stays.
func (s *Settler) Reset() {
	s.win, s.settled, s.announced = s.win[:0], false, false
}

func spread(w []float64) float64 {
	lo, hi := w[0], w[0]
	for _, v := range w[1:] {
		lo, hi = min(lo, v), max(hi, v)
	}
	return hi - lo
}

func median(w []float64) float64 {
	s := slices.Clone(w)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
