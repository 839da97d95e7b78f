package qr

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
