package healthcode

import (
	"strconv"

	"github.com/checkpoint-terminal/checkpoint"
)

// DCC test types (value set covid-19-lab-test-type) and the "detected"
// result (covid-19-lab-result).
const (
	dccTestNAAT    = "LP6464-4"
	dccTestAntigen = "LP217198-3"
	testDetected   = "260373001"
)

// dccFacts maps the DCC's entry to the domain facts our own codes carry
// (checkpoint.TestFact, VaccinationFact, RecoveryFact), so site rules read
// both formats alike. A field that does not parse is left out.
func dccFacts(d *dgc, code *checkpoint.Code) {
	e := d.entry()
	switch {
	case len(d.V) > 0:
		v := &checkpoint.VaccinationFact{Doses: int(e.DN), SeriesDoses: int(e.SD)}
		if t, err := parseDCCDate(e.DT); err == nil {
			v.LastDose = t
		}
		code.Vaccination = v
	case len(d.T) > 0:
		t := &checkpoint.TestFact{}
		if at, err := parseDCCTime(e.SC); err == nil {
			t.SampledAt = at
		}
		switch e.TR {
		case testNegative:
			t.Result = checkpoint.TestNegative
		case testDetected:
			t.Result = checkpoint.TestPositive
		}
		switch e.TT {
		case dccTestNAAT:
			t.Type = checkpoint.TestNucleicAcid
		case dccTestAntigen:
			t.Type = checkpoint.TestAntigen
		}
		code.Test = t
	case len(d.R) > 0:
		r := &checkpoint.RecoveryFact{}
		r.FirstPositive, _ = parseDCCDate(e.FR)
		r.ValidFrom, _ = parseDCCDate(e.DF)
		r.ValidUntil, _ = parseDCCDate(e.DU)
		code.Recovery = r
	}
	if len(d.DOB) >= 4 {
		if y, err := strconv.Atoi(d.DOB[:4]); err == nil && y > 1800 {
			code.BirthYear = y
		}
	}
}
