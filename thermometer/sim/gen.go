package sim

import (
	"math/rand/v2"
	"time"
)

// Person is one scripted visitor.
type Person struct {
	// Celsius is the forehead temperature the sensor settles on; 0 (or
	// anything below 30) means nobody steps up: the sensor sees ambient for
	// Hold, a "no person" moment.
	Celsius float64
	// Hold is how long the person stands still; 0 means 2 s.
	Hold time.Duration
}

// RandomPerson draws a visitor: mostly normal (36.0..37.1 °C), sometimes
// feverish (37.4..39.0 °C), sometimes nobody.
func RandomPerson(r *rand.Rand) Person {
	switch x := r.IntN(100); {
	case x < 70:
		return Person{Celsius: 36.0 + r.Float64()*1.1, Hold: 2 * time.Second}
	case x < 85:
		return Person{Celsius: 37.4 + r.Float64()*1.6, Hold: 2 * time.Second}
	}
	return Person{Hold: 2 * time.Second}
}

type phase int

const (
	phaseGap phase = iota
	phaseRise
	phaseHold
	phaseFall
	phaseDone
)

// generator produces the object temperature over time: ambient, a rise,
// a plateau with a little noise, a fall, the next person. With explicit
// samples it plays them back one per call instead.
type generator struct {
	ambient, noise  float64
	gap, rise, fall time.Duration
	script          []Person
	loop, random    bool
	samples         []float64
	next            int
	rng             *rand.Rand
	cur             Person
	ph              phase
	phStart         time.Time
	started         bool
}

// value returns the object temperature at now (timeline mode) or the next
// sample (samples mode).
func (g *generator) value(now time.Time) float64 {
	if len(g.samples) > 0 {
		v := g.samples[min(g.next, len(g.samples)-1)]
		if g.next < len(g.samples) {
			g.next++
		} else if g.loop {
			g.next = 1
			v = g.samples[0]
		}
		return v
	}
	if !g.started {
		g.started, g.ph, g.phStart = true, phaseGap, now
	}
	for {
		el := now.Sub(g.phStart)
		switch g.ph {
		case phaseGap:
			if el < g.gap {
				return g.ambient + g.jitter()
			}
			if !g.advance() {
				g.ph, g.phStart = phaseDone, now
				continue
			}
			g.ph, g.phStart = phaseRise, g.phStart.Add(g.gap)
		case phaseRise:
			if g.cur.Celsius < 30 {
				g.ph = phaseHold
				continue
			}
			if el < g.rise {
				return g.ambient + (g.cur.Celsius-g.ambient)*float64(el)/float64(g.rise)
			}
			g.ph, g.phStart = phaseHold, g.phStart.Add(g.rise)
		case phaseHold:
			if el < g.cur.Hold {
				if g.cur.Celsius < 30 {
					return g.ambient + g.jitter()
				}
				return g.cur.Celsius + g.jitter()
			}
			g.ph, g.phStart = phaseFall, g.phStart.Add(g.cur.Hold)
		case phaseFall:
			if g.cur.Celsius < 30 {
				g.ph = phaseGap
				continue
			}
			if el < g.fall {
				return g.cur.Celsius - (g.cur.Celsius-g.ambient)*float64(el)/float64(g.fall)
			}
			g.ph, g.phStart = phaseGap, g.phStart.Add(g.fall)
		default:
			return g.ambient + g.jitter()
		}
		// A long pause (the simulator was paused, the host slept) must not
		// replay every missed phase one by one forever.
		if now.Sub(g.phStart) > time.Hour {
			g.phStart = now
		}
	}
}

// advance picks the next person; false when a finite script has ended.
func (g *generator) advance() bool {
	switch {
	case len(g.script) > 0 && g.next < len(g.script):
		g.cur = g.script[g.next]
		g.next++
	case len(g.script) > 0 && g.loop:
		g.next = 1
		g.cur = g.script[0]
	case len(g.script) == 0 && g.random:
		g.cur = RandomPerson(g.rng)
	default:
		return false
	}
	if g.cur.Hold <= 0 {
		g.cur.Hold = 2 * time.Second
	}
	return true
}

func (g *generator) jitter() float64 {
	if g.noise == 0 {
		return 0
	}
	return (g.rng.Float64()*2 - 1) * g.noise
}
