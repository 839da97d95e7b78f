package healthcode

import (
	"fmt"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
)

// HCN1 revision 1.1 (docs/healthcode-format.md): two optional entries in
// the health-code claim map, following the data elements of GB/T
// 38962-2020 (个人健康信息码 数据格式): the latest nucleic-acid test (key 9)
// and the vaccination (key 10). A 1.0 code (neither key) is still valid.

// testClaim is key 9: {1: sampling time, 2: result, 3: test type}.
type testClaim struct {
	SampledAt *cwtTime `cbor:"1,keyasint"`
	Result    uint64   `cbor:"2,keyasint"` // 1 negative (阴性), 2 positive (阳性)
	Type      uint64   `cbor:"3,keyasint"` // 1 nucleic acid (核酸), 2 antigen (抗原)
}

// vaccinationClaim is key 10: {1: doses received, 2: date of the last
// dose (NumericDate of 00:00 UTC), 3: doses of a complete series (0 or
// absent: not stated)}.
type vaccinationClaim struct {
	Doses       uint64   `cbor:"1,keyasint"`
	LastDose    *cwtTime `cbor:"2,keyasint,omitempty"`
	SeriesDoses uint64   `cbor:"3,keyasint,omitempty"`
}

var (
	testResults = map[checkpoint.TestResult]uint64{checkpoint.TestNegative: 1, checkpoint.TestPositive: 2}
	testTypes   = map[checkpoint.TestType]uint64{checkpoint.TestNucleicAcid: 1, checkpoint.TestAntigen: 2}
)

// maxDoses bounds stated dose counts (no schedule has more).
const maxDoses = 20

// factsToCWT checks the optional test and vaccination claims of c and puts
// them into h.
func factsToCWT(c Claims, h *hcnClaims) error {
	if t := c.Test; t != nil {
		r, ok := testResults[t.Result]
		if !ok {
			return fmt.Errorf("test result %q: want negative or positive", t.Result)
		}
		ty, ok := testTypes[t.Type]
		if !ok {
			return fmt.Errorf("test type %q: want nucleic_acid or antigen", t.Type)
		}
		if t.SampledAt.IsZero() || t.SampledAt.After(c.IssuedAt) {
			return fmt.Errorf("test sampling time %s must be set and not after the issue time", t.SampledAt.Format(time.RFC3339))
		}
		h.Test = &testClaim{SampledAt: &cwtTime{t: t.SampledAt, uint: true}, Result: r, Type: ty}
	}
	if v := c.Vaccination; v != nil {
		if v.Doses < 0 || v.Doses > maxDoses || v.SeriesDoses < 0 || v.SeriesDoses > maxDoses {
			return fmt.Errorf("vaccination doses %d of %d: want 0..%d", v.Doses, v.SeriesDoses, maxDoses)
		}
		if (v.Doses > 0) == v.LastDose.IsZero() || v.LastDose.After(c.IssuedAt) {
			return fmt.Errorf("vaccination: the date of the last dose must be given exactly when doses > 0, and not after the issue time")
		}
		h.Vaccination = &vaccinationClaim{Doses: uint64(v.Doses), SeriesDoses: uint64(v.SeriesDoses)}
		if !v.LastDose.IsZero() {
			h.Vaccination.LastDose = &cwtTime{t: v.LastDose, uint: true}
		}
	}
	return nil
}

// factsFromCWT reads the optional claims of a verified payload into c.
func factsFromCWT(h *hcnClaims, c *Claims) error {
	if t := h.Test; t != nil {
		if t.SampledAt == nil {
			return checkpoint.Failf(checkpoint.FailInvalidClaims, "test claim without a sampling time")
		}
		f := &checkpoint.TestFact{SampledAt: t.SampledAt.t}
		for k, v := range testResults {
			if v == t.Result {
				f.Result = k
			}
		}
		for k, v := range testTypes {
			if v == t.Type {
				f.Type = k
			}
		}
		if f.Result == "" || f.Type == "" {
			return checkpoint.Failf(checkpoint.FailInvalidClaims, "test claim: result %d or type %d unknown", t.Result, t.Type)
		}
		c.Test = f
	}
	if v := h.Vaccination; v != nil {
		if v.Doses > maxDoses || v.SeriesDoses > maxDoses || (v.Doses > 0) != (v.LastDose != nil) {
			return checkpoint.Failf(checkpoint.FailInvalidClaims, "vaccination claim: %d of %d doses, last dose given: %v", v.Doses, v.SeriesDoses, v.LastDose != nil)
		}
		f := &checkpoint.VaccinationFact{Doses: int(v.Doses), SeriesDoses: int(v.SeriesDoses)}
		if v.LastDose != nil {
			f.LastDose = v.LastDose.t
		}
		c.Vaccination = f
	}
	return nil
}
