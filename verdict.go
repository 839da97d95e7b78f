package checkpoint

import "time"

// Outcome is what the guard is told to do with the person in front of them.
// The zero value OutcomeNone means "no verdict yet" and never lets anyone in.
type Outcome int

const (
	OutcomeNone Outcome = iota
	// OutcomePass: green code, verified, normal temperature.
	OutcomePass
	// OutcomeDeny: the code is not green, not valid, or not acceptable.
	OutcomeDeny
	// OutcomeRecheck: green code but a fever reading: send to the recheck point.
	OutcomeRecheck
	// OutcomeMeasure: green code but no valid temperature: measure by hand.
	OutcomeMeasure
)

// String returns "pass", "deny", "recheck", "measure" or "none".
func (o Outcome) String() string {
	switch o {
	case OutcomePass:
		return "pass"
	case OutcomeDeny:
		return "deny"
	case OutcomeRecheck:
		return "recheck"
	case OutcomeMeasure:
		return "measure"
	}
	return "none"
}

// ParseOutcome is the inverse of Outcome.String.
func ParseOutcome(s string) Outcome {
	for o := OutcomePass; o <= OutcomeMeasure; o++ {
		if o.String() == s {
			return o
		}
	}
	return OutcomeNone
}

// MarshalText writes the name.
func (o Outcome) MarshalText() ([]byte, error) { return []byte(o.String()), nil }

// UnmarshalText reads the name; an unknown name is OutcomeNone.
func (o *Outcome) UnmarshalText(b []byte) error { *o = ParseOutcome(string(b)); return nil }

// Reason is a stable, machine-readable reason code for a verdict. It is
// stored in records and is the suffix of the message key the UI translates.
type Reason string

const (
	ReasonGreen              Reason = "green"                // pass: green and normal temperature
	ReasonGreenNoTemperature Reason = "green_no_temperature" // pass: green, policy does not require a reading
	// ReasonYellow carries the authorities' instruction for yellow codes:
	// 14 days of home isolation and medical observation.
	ReasonYellow Reason = "yellow"
	// ReasonRed carries the authorities' instruction for red codes: referral
	// to a designated hospital, or 14 days of centralised isolation.
	ReasonRed                    Reason = "red"
	ReasonUnknownColor           Reason = "unknown_color"
	ReasonFever                  Reason = "fever"
	ReasonNoTemperature          Reason = "no_temperature"
	ReasonTemperatureStale       Reason = "temperature_stale"
	ReasonTemperatureImplausible Reason = "temperature_implausible"
	ReasonInvalidPolicy          Reason = "invalid_policy"
)

// ReasonForFailure is the reason code of a verdict refused for failure f:
// the failure's own name ("bad_signature", "revoked", ...).
func ReasonForFailure(f Failure) Reason { return Reason(f.String()) }

// MessageKey is the translation key the UI shows for a reason.
func (r Reason) MessageKey() string { return "reason." + string(r) }

// Verdict is the result of Decide for one presentation.
type Verdict struct {
	Outcome Outcome `json:"outcome"`
	Reason  Reason  `json:"reason"`
	// MessageKey is the translation key of the text shown to the guard.
	MessageKey string `json:"message_key"`
	// Code is a copy of the verified code, nil when verification failed.
	Code *Code `json:"code,omitempty"`
	// Failure is the verification failure, FailNone when the code verified.
	Failure Failure `json:"failure,omitempty"`
	// Temperature is the paired reading in °C when it was plausible.
	Temperature *float64 `json:"temperature,omitempty"`
	// TempState says what the reading meant (none, stale, ..., fever).
	TempState TemperatureState `json:"-"`
	// CapturedAt is the frame time of the presentation; DecidedAt is now.
	CapturedAt time.Time `json:"captured_at"`
	DecidedAt  time.Time `json:"decided_at"`
	// RuleSet ("<id>@<version>") and Rule name the site rule that decided;
	// both empty when the built-in policy (Decide) did.
	RuleSet string `json:"rule_set,omitempty"`
	Rule    string `json:"rule,omitempty"`
	// RuleText is that rule's description, shown when the UI has no text
	// of its own for the reason key.
	RuleText *BilingualText `json:"rule_text,omitempty"`
}

// BilingualText is a message in both UI languages.
type BilingualText struct {
	ZH string `json:"zh-CN"`
	EN string `json:"en"`
}

// Decide turns one presentation and the reading paired with it into a
// verdict, under pol, at now. It is pure and total: every input, however
// broken, yields a verdict, and only a verified green code with a normal
// temperature (or, when pol does not require one, no valid reading) passes.
//
// Order of judgement: an invalid policy denies everything; then the code
// (verification, validity times, age of a dynamic code, colour); then the
// temperature. A yellow or red code is denied whatever the temperature.
func Decide(p Presentation, r *Reading, pol Policy, now time.Time) Verdict {
	v := Verdict{CapturedAt: p.CapturedAt, DecidedAt: now, Failure: p.Failure}
	scanAt := p.CapturedAt
	if scanAt.IsZero() {
		scanAt = now
	}
	v.TempState = Classify(r, pol, scanAt)
	if v.TempState == TempNormal || v.TempState == TempFever {
		c := r.Celsius
		v.Temperature = &c
	}
	if p.Code != nil {
		c := *p.Code
		v.Code = &c
	}
	deny := func(reason Reason) Verdict {
		v.Outcome, v.Reason, v.MessageKey = OutcomeDeny, reason, reason.MessageKey()
		return v
	}
	if pol.Validate() != nil {
		return deny(ReasonInvalidPolicy)
	}
	if !p.Verified() {
		f := p.Failure
		if f == FailNone {
			f = FailMalformed // a presentation with neither code nor failure
			v.Failure = f
		}
		return deny(ReasonForFailure(f))
	}
	if f := checkTimes(p.Code, pol, now); f != FailNone {
		v.Failure = f
		return deny(ReasonForFailure(f))
	}
	switch p.Code.Color {
	case ColorGreen:
	case ColorYellow:
		return deny(ReasonYellow)
	case ColorRed:
		return deny(ReasonRed)
	default:
		return deny(ReasonUnknownColor)
	}
	set := func(o Outcome, reason Reason) Verdict {
		v.Outcome, v.Reason, v.MessageKey = o, reason, reason.MessageKey()
		return v
	}
	switch v.TempState {
	case TempNormal:
		return set(OutcomePass, ReasonGreen)
	case TempFever:
		return set(OutcomeRecheck, ReasonFever)
	}
	if !pol.RequireTemperature {
		return set(OutcomePass, ReasonGreenNoTemperature)
	}
	switch v.TempState {
	case TempStale:
		return set(OutcomeMeasure, ReasonTemperatureStale)
	case TempImplausible:
		return set(OutcomeMeasure, ReasonTemperatureImplausible)
	}
	return set(OutcomeMeasure, ReasonNoTemperature)
}

// checkTimes re-checks a verified code's validity at now. The verifier has
// checked them already, but verified codes are cached across frames and
// time moves on, so Decide checks again.
func checkTimes(c *Code, pol Policy, now time.Time) Failure {
	if c.IssuedAt.IsZero() || c.ID == "" {
		return FailInvalidClaims
	}
	if !c.ExpiresAt.IsZero() && now.After(c.ExpiresAt.Add(pol.ClockSkew)) {
		return FailExpired
	}
	if c.IssuedAt.After(now.Add(pol.ClockSkew)) {
		return FailNotYetValid
	}
	switch c.Kind {
	case KindDynamic:
		// A dynamic code is accepted at most MaxDynamicAge (+ skew) after
		// iat; an exp beyond that is a life no dynamic code may claim.
		if !c.ExpiresAt.IsZero() && c.ExpiresAt.Sub(c.IssuedAt) > pol.MaxDynamicAge+pol.ClockSkew {
			return FailInvalidClaims
		}
		if now.Sub(c.IssuedAt) > pol.MaxDynamicAge+pol.ClockSkew {
			return FailTooOld
		}
	case KindCard:
	default:
		return FailInvalidClaims
	}
	return FailNone
}
