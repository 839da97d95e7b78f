package checkpoint

import "time"

// TestResult is the result of a COVID-19 test as issued (GB/T 38962-2020
// "检测结果"; DCC tr: 260415000 not detected, 260373001 detected).
type TestResult string

const (
	TestNegative TestResult = "negative"
	TestPositive TestResult = "positive"
)

// TestType is the kind of test (GB/T 38962-2020 "检测方法"; DCC tt:
// LP6464-4 nucleic acid amplification, LP217198-3 rapid antigen).
type TestType string

const (
	TestNucleicAcid TestType = "nucleic_acid" // 核酸检测 (PCR / NAAT)
	TestAntigen     TestType = "antigen"      // 抗原检测 (rapid antigen)
)

// TestFact is the latest test the issuer vouches for. Optional on a Code.
type TestFact struct {
	// SampledAt is when the sample was taken (采样时间; DCC sc).
	SampledAt time.Time  `json:"sampled_at"`
	Result    TestResult `json:"result"`
	Type      TestType   `json:"type"`
}

// VaccinationFact is the holder's vaccination as the issuer vouches for it
// (GB/T 38962-2020 "疫苗接种": doses received, date of the last dose).
type VaccinationFact struct {
	// Doses received so far (接种剂次; DCC dn).
	Doses int `json:"doses"`
	// SeriesDoses is the number of doses of a complete primary series for
	// the product when known (DCC sd), 0 when not stated.
	SeriesDoses int `json:"series_doses,omitempty"`
	// LastDose is the date of the last dose (末次接种日期; DCC dt).
	LastDose time.Time `json:"last_dose"`
}

// Complete reports whether the primary series is complete: Doses reaches
// SeriesDoses when that is stated.
func (v VaccinationFact) Complete() bool { return v.SeriesDoses > 0 && v.Doses >= v.SeriesDoses }

// RecoveryFact is a certified recovery (DCC r: fr, df, du).
type RecoveryFact struct {
	FirstPositive time.Time `json:"first_positive"`
	ValidFrom     time.Time `json:"valid_from"`
	ValidUntil    time.Time `json:"valid_until"`
}
