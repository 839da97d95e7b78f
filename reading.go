package checkpoint

import "time"

// SensorStatus is the thermometer's own judgement of a reading.
type SensorStatus int

const (
	// SensorOK: a settled forehead temperature.
	SensorOK SensorStatus = iota
	// SensorNoPerson: the sensor sees ambient temperature or something that
	// is not a forehead; Celsius is not a body temperature.
	SensorNoPerson
	// SensorError: the sensor reported a fault or the value failed checks.
	SensorError
)

// String returns "ok", "no_person" or "error".
func (s SensorStatus) String() string {
	switch s {
	case SensorOK:
		return "ok"
	case SensorNoPerson:
		return "no_person"
	}
	return "error"
}

// MarshalText writes the name.
func (s SensorStatus) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Reading is one temperature measurement handed on by the thermometer.
// At is when the sensor produced it (the terminal's clock), so Decide can
// pair it with the scan it belongs to.
type Reading struct {
	Celsius float64      `json:"celsius"`
	At      time.Time    `json:"time"`
	Status  SensorStatus `json:"status"`
	// Manual is true when the guard typed the value in (sensor down).
	Manual bool `json:"manual,omitempty"`
}

// TemperatureState classifies a reading against a policy at a moment.
type TemperatureState int

const (
	TempNone        TemperatureState = iota // no reading at all
	TempStale                               // outside the pairing window
	TempImplausible                         // not a forehead temperature
	TempNormal                              // plausible and below the fever threshold
	TempFever                               // at or above the fever threshold
)

// String names the state for tests and logs.
func (t TemperatureState) String() string {
	return [...]string{"none", "stale", "implausible", "normal", "fever"}[t]
}

// Classify says what a reading means for a scan made at scanAt under pol.
// A nil reading is TempNone. NaN and infinities are implausible.
func Classify(r *Reading, pol Policy, scanAt time.Time) TemperatureState {
	if r == nil {
		return TempNone
	}
	d := r.At.Sub(scanAt)
	if d < 0 {
		d = -d
	}
	if r.At.IsZero() || d > pol.PairingWindow {
		return TempStale
	}
	c := r.Celsius
	// The comparisons are written so that NaN falls through to implausible.
	if r.Status != SensorOK || !(c >= pol.MinPlausible && c <= pol.MaxPlausible) {
		return TempImplausible
	}
	if c >= pol.FeverThreshold {
		return TempFever
	}
	return TempNormal
}
