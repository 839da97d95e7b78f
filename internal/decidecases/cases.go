// Package decidecases holds the decision tables of checkpoint.Decide
// (decide_test.go) as data, so that every other decider (the rules engine
// with the built-in rule set) can be proved to agree with it case by case.
package decidecases

import (
	"math"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
)

// T0 is the scan time of every case.
var T0 = time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)

// Case is one row: the inputs of Decide and the verdict it must give.
type Case struct {
	Name    string
	P       checkpoint.Presentation
	R       *checkpoint.Reading
	Pol     checkpoint.Policy
	Now     time.Time
	Outcome checkpoint.Outcome
	Reason  checkpoint.Reason
}

func greenCode() *checkpoint.Code {
	return &checkpoint.Code{
		Format: checkpoint.FormatHealthCode, Issuer: "110000:BJHC", Region: "110000",
		ID: "c0de", Color: checkpoint.ColorGreen, Kind: checkpoint.KindDynamic,
		IssuedAt: T0.Add(-30 * time.Second), ExpiresAt: T0.Add(4 * time.Minute),
	}
}

func colored(c checkpoint.Color) *checkpoint.Code {
	code := greenCode()
	code.Color = c
	return code
}

// Reading returns the fixture reading of a temperature state name.
func Reading(state string) *checkpoint.Reading {
	switch state {
	case "stale":
		return &checkpoint.Reading{Celsius: 36.5, At: T0.Add(-time.Minute), Status: checkpoint.SensorOK}
	case "implausible":
		return &checkpoint.Reading{Celsius: 24.0, At: T0, Status: checkpoint.SensorNoPerson}
	case "normal":
		return &checkpoint.Reading{Celsius: 36.6, At: T0.Add(-2 * time.Second), Status: checkpoint.SensorOK}
	case "fever":
		return &checkpoint.Reading{Celsius: 37.8, At: T0.Add(time.Second), Status: checkpoint.SensorOK}
	}
	return nil
}

var (
	temps  = []string{"none", "stale", "implausible", "normal", "fever"}
	colors = []checkpoint.Color{checkpoint.ColorUnknown, checkpoint.ColorGreen, checkpoint.ColorYellow, checkpoint.ColorRed}
)

// All returns every row of Decide's tables: verified codes (colour x
// temperature), failed codes (failure x colour x temperature), code times,
// policy variants, and the empty presentation.
func All() []Case {
	var out []Case
	pol := checkpoint.DefaultPolicy()
	verified := map[checkpoint.Color]map[string][2]any{}
	green := map[string][2]any{
		"none": {checkpoint.OutcomeMeasure, checkpoint.ReasonNoTemperature}, "stale": {checkpoint.OutcomeMeasure, checkpoint.ReasonTemperatureStale},
		"implausible": {checkpoint.OutcomeMeasure, checkpoint.ReasonTemperatureImplausible},
		"normal":      {checkpoint.OutcomePass, checkpoint.ReasonGreen}, "fever": {checkpoint.OutcomeRecheck, checkpoint.ReasonFever},
	}
	verified[checkpoint.ColorGreen] = green
	for c, reason := range map[checkpoint.Color]checkpoint.Reason{checkpoint.ColorYellow: checkpoint.ReasonYellow, checkpoint.ColorRed: checkpoint.ReasonRed, checkpoint.ColorUnknown: checkpoint.ReasonUnknownColor} {
		m := map[string][2]any{}
		for _, t := range temps {
			m[t] = [2]any{checkpoint.OutcomeDeny, reason}
		}
		verified[c] = m
	}
	for _, c := range colors {
		for _, t := range temps {
			want := verified[c][t]
			out = append(out, Case{Name: c.String() + " code, " + t + " reading", P: checkpoint.Presentation{Code: colored(c), CapturedAt: T0},
				R: Reading(t), Pol: pol, Now: T0.Add(200 * time.Millisecond), Outcome: want[0].(checkpoint.Outcome), Reason: want[1].(checkpoint.Reason)})
		}
	}
	for _, f := range checkpoint.Failures() {
		for _, c := range colors {
			for _, t := range temps {
				out = append(out, Case{Name: f.String() + ", " + c.String() + " code, " + t + " reading",
					P: checkpoint.Presentation{Code: colored(c), Failure: f, CapturedAt: T0}, R: Reading(t), Pol: pol, Now: T0,
					Outcome: checkpoint.OutcomeDeny, Reason: checkpoint.ReasonForFailure(f)})
			}
		}
	}
	times := []struct {
		name   string
		mutate func(c *checkpoint.Code)
		reason checkpoint.Reason
	}{
		{"dynamic code issued 30s ago", func(c *checkpoint.Code) {}, checkpoint.ReasonGreen},
		{"dynamic code issued 6m ago, within skew", func(c *checkpoint.Code) { c.IssuedAt = T0.Add(-6 * time.Minute); c.ExpiresAt = time.Time{} }, checkpoint.ReasonGreen},
		{"dynamic code issued 8m ago: screenshot", func(c *checkpoint.Code) { c.IssuedAt = T0.Add(-8 * time.Minute); c.ExpiresAt = time.Time{} }, "too_old"},
		{"printed card issued a year ago", func(c *checkpoint.Code) {
			c.Kind = checkpoint.KindCard
			c.IssuedAt = T0.AddDate(-1, 0, 0)
			c.ExpiresAt = T0.AddDate(1, 0, 0)
		}, checkpoint.ReasonGreen},
		{"expired 1m ago, within skew", func(c *checkpoint.Code) { c.ExpiresAt = T0.Add(-time.Minute) }, checkpoint.ReasonGreen},
		{"expired 3m ago", func(c *checkpoint.Code) { c.ExpiresAt = T0.Add(-3 * time.Minute) }, "expired"},
		{"issued 1m in the future, within skew", func(c *checkpoint.Code) { c.IssuedAt = T0.Add(time.Minute) }, checkpoint.ReasonGreen},
		{"issued 3m in the future", func(c *checkpoint.Code) { c.IssuedAt = T0.Add(3 * time.Minute) }, "not_yet_valid"},
		{"no issue time", func(c *checkpoint.Code) { c.IssuedAt = time.Time{} }, "invalid_claims"},
		{"no code id", func(c *checkpoint.Code) { c.ID = "" }, "invalid_claims"},
		{"unknown code kind", func(c *checkpoint.Code) { c.Kind = checkpoint.KindUnknown }, "invalid_claims"},
	}
	for _, tc := range times {
		c := greenCode()
		tc.mutate(c)
		o := checkpoint.OutcomeDeny
		if tc.reason == checkpoint.ReasonGreen {
			o = checkpoint.OutcomePass
		}
		out = append(out, Case{Name: tc.name, P: checkpoint.Presentation{Code: c, CapturedAt: T0}, R: Reading("normal"), Pol: pol, Now: T0, Outcome: o, Reason: tc.reason})
	}
	noTemp := checkpoint.DefaultPolicy()
	noTemp.RequireTemperature = false
	broken := checkpoint.DefaultPolicy()
	broken.FeverThreshold = math.NaN()
	at := func(c float64, d time.Duration, s checkpoint.SensorStatus, manual bool) *checkpoint.Reading {
		return &checkpoint.Reading{Celsius: c, At: T0.Add(d), Status: s, Manual: manual}
	}
	for _, tc := range []struct {
		name    string
		pol     checkpoint.Policy
		r       *checkpoint.Reading
		outcome checkpoint.Outcome
		reason  checkpoint.Reason
	}{
		{"temperature optional, no reading", noTemp, nil, checkpoint.OutcomePass, checkpoint.ReasonGreenNoTemperature},
		{"temperature optional, fever still rechecks", noTemp, Reading("fever"), checkpoint.OutcomeRecheck, checkpoint.ReasonFever},
		{"temperature optional, implausible reading", noTemp, Reading("implausible"), checkpoint.OutcomePass, checkpoint.ReasonGreenNoTemperature},
		{"exactly at the threshold is a fever", pol, at(37.3, 0, checkpoint.SensorOK, false), checkpoint.OutcomeRecheck, checkpoint.ReasonFever},
		{"just below the threshold", pol, at(37.29, 0, checkpoint.SensorOK, false), checkpoint.OutcomePass, checkpoint.ReasonGreen},
		{"NaN reading is not a temperature", pol, at(math.NaN(), 0, checkpoint.SensorOK, false), checkpoint.OutcomeMeasure, checkpoint.ReasonTemperatureImplausible},
		{"sensor says ok but 45 degrees", pol, at(45, 0, checkpoint.SensorOK, false), checkpoint.OutcomeMeasure, checkpoint.ReasonTemperatureImplausible},
		{"sensor error with a normal value", pol, at(36.5, 0, checkpoint.SensorError, false), checkpoint.OutcomeMeasure, checkpoint.ReasonTemperatureImplausible},
		{"reading 9s after the scan pairs", pol, at(36.5, 9*time.Second, checkpoint.SensorOK, false), checkpoint.OutcomePass, checkpoint.ReasonGreen},
		{"reading 11s after the scan is stale", pol, at(36.5, 11*time.Second, checkpoint.SensorOK, false), checkpoint.OutcomeMeasure, checkpoint.ReasonTemperatureStale},
		{"manual reading counts", pol, at(36.4, 0, checkpoint.SensorOK, true), checkpoint.OutcomePass, checkpoint.ReasonGreen},
		{"invalid policy denies", broken, Reading("normal"), checkpoint.OutcomeDeny, checkpoint.ReasonInvalidPolicy},
	} {
		out = append(out, Case{Name: tc.name, P: checkpoint.Presentation{Code: greenCode(), CapturedAt: T0}, R: tc.r, Pol: tc.pol, Now: T0, Outcome: tc.outcome, Reason: tc.reason})
	}
	out = append(out, Case{Name: "presentation without a code", P: checkpoint.Presentation{CapturedAt: T0}, R: Reading("normal"), Pol: pol, Now: T0,
		Outcome: checkpoint.OutcomeDeny, Reason: "malformed"})
	return out
}
