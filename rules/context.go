package rules

import (
	"math"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
)

// Env is what the terminal knows beyond Decide's inputs: who it is, whether
// its clock is trustworthy, how old its lists are.
type Env struct {
	TerminalID, SiteID string
	// Region is the terminal's GB/T 2260 division code (config rules.region).
	Region string
	// ClockBehind is true when the clock reads earlier than the newest list
	// or record seen (the status bar's clock warning).
	ClockBehind bool
	// TrustListAge and RevocationAge are the ages of the installed lists;
	// negative when none is installed.
	TrustListAge, RevocationAge time.Duration
}

// Context builds the data context a rule's CertLogic logic reads. Every key
// is always present (null when unknown), so a rule can test for absence:
//
//	now                      validation time, RFC 3339 UTC ("2026-11-23T08:00:00Z")
//	terminal.id, .site, .region
//	code.format              "HC" (our health code) or "DCC"
//	code.color               "green", "yellow", "red", "unknown"
//	code.kind                "dynamic", "card"
//	code.region, code.issuer the issuing division code or country; issuer id
//	code.proxy               true when shown for a relative
//	code.issued_at           RFC 3339; code.expires_at RFC 3339 or null
//	code.age_minutes         whole minutes since issue (integer)
//	code.holder_age          whole years since the birth year, or null
//	code.test                null, or {sampled_at, result: "negative"|"positive",
//	                         type: "nucleic_acid"|"antigen", age_hours}
//	code.vaccination         null, or {doses, series_doses, last_dose, complete}
//	code.recovery            null, or {first_positive, valid_from, valid_until}
//	temperature.state        "none", "stale", "implausible", "normal", "fever"
//	temperature.deci_celsius the paired plausible reading in 0.1 °C (366), or null
//	temperature.manual       true when typed in by the guard
//	policy.require_temperature, policy.fever_deci_celsius
//	clock.state              "ok" or "behind"
//	lists.trust_age_hours, lists.revocation_age_hours   integers, or null
//
// CertLogic compares only integers and date-times, hence temperatures in
// tenths of a degree and ages in whole units; dates are strings for
// plusTime.
func Context(code *checkpoint.Code, r *checkpoint.Reading, state checkpoint.TemperatureState, pol checkpoint.Policy, env Env, now time.Time) map[string]any {
	temp := map[string]any{"state": state.String(), "deci_celsius": nil, "manual": r != nil && r.Manual}
	if r != nil && (state == checkpoint.TempNormal || state == checkpoint.TempFever) {
		temp["deci_celsius"] = deci(r.Celsius)
	}
	clock := "ok"
	if env.ClockBehind {
		clock = "behind"
	}
	return map[string]any{
		"now":         stamp(now),
		"terminal":    map[string]any{"id": env.TerminalID, "site": env.SiteID, "region": env.Region},
		"code":        codeContext(code, now),
		"temperature": temp,
		"policy":      map[string]any{"require_temperature": pol.RequireTemperature, "fever_deci_celsius": deci(pol.FeverThreshold)},
		"clock":       map[string]any{"state": clock},
		"lists":       map[string]any{"trust_age_hours": hours(env.TrustListAge), "revocation_age_hours": hours(env.RevocationAge)},
	}
}

func codeContext(c *checkpoint.Code, now time.Time) any {
	if c == nil {
		return nil
	}
	m := map[string]any{
		"format": string(c.Format), "color": c.Color.String(), "kind": c.Kind.String(),
		"region": c.Region, "issuer": c.Issuer, "proxy": c.Proxy,
		"issued_at": stamp(c.IssuedAt), "expires_at": stampOrNil(c.ExpiresAt),
		"age_minutes": math.Floor(now.Sub(c.IssuedAt).Minutes()),
		"holder_age":  nil, "test": nil, "vaccination": nil, "recovery": nil,
	}
	if c.BirthYear > 0 {
		m["holder_age"] = float64(now.Year() - c.BirthYear)
	}
	if t := c.Test; t != nil {
		m["test"] = map[string]any{"sampled_at": stamp(t.SampledAt), "result": string(t.Result), "type": string(t.Type),
			"age_hours": math.Floor(now.Sub(t.SampledAt).Hours())}
	}
	if v := c.Vaccination; v != nil {
		m["vaccination"] = map[string]any{"doses": float64(v.Doses), "series_doses": float64(v.SeriesDoses),
			"last_dose": stamp(v.LastDose), "complete": v.Complete()}
	}
	if rc := c.Recovery; rc != nil {
		m["recovery"] = map[string]any{"first_positive": stamp(rc.FirstPositive), "valid_from": stampOrNil(rc.ValidFrom), "valid_until": stampOrNil(rc.ValidUntil)}
	}
	return m
}

func deci(c float64) float64 { return math.Round(c * 10) }

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func stampOrNil(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return stamp(t)
}

func hours(d time.Duration) any {
	if d < 0 {
		return nil
	}
	return math.Floor(d.Hours())
}
