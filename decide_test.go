package checkpoint

import (
	"errors"
	"fmt"
	"math"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)

func greenCode() *Code {
	return &Code{
		Format: FormatHealthCode, Issuer: "110000:BJHC", Region: "110000",
		ID: "c0de", Color: ColorGreen, Kind: KindDynamic,
		IssuedAt: t0.Add(-30 * time.Second), ExpiresAt: t0.Add(4 * time.Minute),
	}
}

func codeColored(c Color) *Code {
	code := greenCode()
	code.Color = c
	return code
}

// temperature fixtures, one per TemperatureState
func reading(state string) *Reading {
	switch state {
	case "none":
		return nil
	case "stale":
		return &Reading{Celsius: 36.5, At: t0.Add(-time.Minute), Status: SensorOK}
	case "implausible":
		return &Reading{Celsius: 24.0, At: t0, Status: SensorNoPerson}
	case "normal":
		return &Reading{Celsius: 36.6, At: t0.Add(-2 * time.Second), Status: SensorOK}
	case "fever":
		return &Reading{Celsius: 37.8, At: t0.Add(time.Second), Status: SensorOK}
	}
	panic(state)
}

func TestDecideVerifiedCodes(t *testing.T) {
	pol := DefaultPolicy()
	tests := []struct {
		name    string
		color   Color
		temp    string
		outcome Outcome
		reason  Reason
	}{
		{"green code, no reading", ColorGreen, "none", OutcomeMeasure, ReasonNoTemperature},
		{"green code, stale reading", ColorGreen, "stale", OutcomeMeasure, ReasonTemperatureStale},
		{"green code, implausible reading", ColorGreen, "implausible", OutcomeMeasure, ReasonTemperatureImplausible},
		{"green code, normal temperature", ColorGreen, "normal", OutcomePass, ReasonGreen},
		{"green code, fever", ColorGreen, "fever", OutcomeRecheck, ReasonFever},
		{"yellow code, no reading", ColorYellow, "none", OutcomeDeny, ReasonYellow},
		{"yellow code, stale reading", ColorYellow, "stale", OutcomeDeny, ReasonYellow},
		{"yellow code, implausible reading", ColorYellow, "implausible", OutcomeDeny, ReasonYellow},
		{"yellow code, normal temperature", ColorYellow, "normal", OutcomeDeny, ReasonYellow},
		{"yellow code, fever", ColorYellow, "fever", OutcomeDeny, ReasonYellow},
		{"red code, no reading", ColorRed, "none", OutcomeDeny, ReasonRed},
		{"red code, stale reading", ColorRed, "stale", OutcomeDeny, ReasonRed},
		{"red code, implausible reading", ColorRed, "implausible", OutcomeDeny, ReasonRed},
		{"red code, normal temperature", ColorRed, "normal", OutcomeDeny, ReasonRed},
		{"red code, fever", ColorRed, "fever", OutcomeDeny, ReasonRed},
		{"colourless code, no reading", ColorUnknown, "none", OutcomeDeny, ReasonUnknownColor},
		{"colourless code, stale reading", ColorUnknown, "stale", OutcomeDeny, ReasonUnknownColor},
		{"colourless code, implausible reading", ColorUnknown, "implausible", OutcomeDeny, ReasonUnknownColor},
		{"colourless code, normal temperature", ColorUnknown, "normal", OutcomeDeny, ReasonUnknownColor},
		{"colourless code, fever", ColorUnknown, "fever", OutcomeDeny, ReasonUnknownColor},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := Presentation{Code: codeColored(tt.color), CapturedAt: t0}
			v := Decide(p, reading(tt.temp), pol, t0.Add(200*time.Millisecond))
			if v.Outcome != tt.outcome || v.Reason != tt.reason {
				t.Fatalf("got %s/%s, want %s/%s", v.Outcome, v.Reason, tt.outcome, tt.reason)
			}
			if v.MessageKey != "reason."+string(tt.reason) {
				t.Errorf("message key %q", v.MessageKey)
			}
			if v.Code == nil || v.Code.Color != tt.color {
				t.Errorf("verdict lost the code: %+v", v.Code)
			}
		})
	}
}

// A refused code is denied with its own failure as the reason, whatever its
// colour and whatever the thermometer says.
func TestDecideFailedCodes(t *testing.T) {
	tests := []struct {
		name    string
		failure Failure
		reason  Reason
	}{
		{"malformed QR", FailMalformed, "malformed"},
		{"unknown prefix", FailUnknownFormat, "unknown_format"},
		{"forged signature", FailBadSignature, "bad_signature"},
		{"issuer not in trust list", FailUnknownIssuer, "unknown_issuer"},
		{"algorithm not accepted", FailUnsupportedAlgorithm, "unsupported_algorithm"},
		{"expired code", FailExpired, "expired"},
		{"code from the future", FailNotYetValid, "not_yet_valid"},
		{"revoked code", FailRevoked, "revoked"},
		{"screenshot of an old dynamic code", FailTooOld, "too_old"},
		{"certificate not allowed to sign this", FailKeyUsage, "key_usage"},
		{"certificate not accepted by site policy", FailNotAccepted, "not_accepted"},
		{"payload missing claims", FailInvalidClaims, "invalid_claims"},
		{"no trust list loaded", FailTrustListUnavailable, "trust_list_unavailable"},
		{"dynamic code shown again at this terminal", FailAlreadyUsed, "already_used"},
	}
	if len(tests) != len(Failures()) {
		t.Fatalf("table covers %d failures, domain has %d", len(tests), len(Failures()))
	}
	for _, tt := range tests {
		for _, color := range []Color{ColorUnknown, ColorGreen, ColorYellow, ColorRed} {
			for _, temp := range []string{"none", "stale", "implausible", "normal", "fever"} {
				name := tt.name + ", " + color.String() + " code, " + temp + " reading"
				t.Run(name, func(t *testing.T) {
					// A failed presentation may still carry a decoded code
					// (e.g. revoked): it must not matter.
					p := Presentation{Code: codeColored(color), Failure: tt.failure, CapturedAt: t0}
					v := Decide(p, reading(temp), DefaultPolicy(), t0)
					if v.Outcome != OutcomeDeny || v.Reason != tt.reason || v.Failure != tt.failure {
						t.Fatalf("got %s/%s (%s), want deny/%s", v.Outcome, v.Reason, v.Failure, tt.reason)
					}
				})
			}
		}
	}
}

func TestDecideCodeTimes(t *testing.T) {
	pol := DefaultPolicy() // skew 2m, dynamic max age 5m
	tests := []struct {
		name    string
		mutate  func(c *Code)
		outcome Outcome
		reason  Reason
	}{
		{"dynamic code issued 30s ago", func(c *Code) {}, OutcomePass, ReasonGreen},
		{"dynamic code issued 6m ago, within skew", func(c *Code) { c.IssuedAt = t0.Add(-6 * time.Minute); c.ExpiresAt = time.Time{} }, OutcomePass, ReasonGreen},
		{"dynamic code issued 8m ago: screenshot", func(c *Code) { c.IssuedAt = t0.Add(-8 * time.Minute); c.ExpiresAt = time.Time{} }, OutcomeDeny, "too_old"},
		{"printed card issued a year ago", func(c *Code) {
			c.Kind = KindCard
			c.IssuedAt = t0.AddDate(-1, 0, 0)
			c.ExpiresAt = t0.AddDate(1, 0, 0)
		}, OutcomePass, ReasonGreen},
		{"expired 1m ago, within skew", func(c *Code) { c.ExpiresAt = t0.Add(-time.Minute) }, OutcomePass, ReasonGreen},
		{"expired 3m ago", func(c *Code) { c.ExpiresAt = t0.Add(-3 * time.Minute) }, OutcomeDeny, "expired"},
		{"issued 1m in the future, within skew", func(c *Code) { c.IssuedAt = t0.Add(time.Minute) }, OutcomePass, ReasonGreen},
		{"issued 3m in the future", func(c *Code) { c.IssuedAt = t0.Add(3 * time.Minute) }, OutcomeDeny, "not_yet_valid"},
		{"no issue time", func(c *Code) { c.IssuedAt = time.Time{} }, OutcomeDeny, "invalid_claims"},
		{"no code id", func(c *Code) { c.ID = "" }, OutcomeDeny, "invalid_claims"},
		{"unknown code kind", func(c *Code) { c.Kind = KindUnknown }, OutcomeDeny, "invalid_claims"},
		{"dynamic code living exactly the max age plus skew (exp - iat = 7m)", func(c *Code) { c.ExpiresAt = c.IssuedAt.Add(7 * time.Minute) }, OutcomePass, ReasonGreen},
		{"dynamic code living longer than the max age plus skew (exp - iat = 7m1s)", func(c *Code) { c.ExpiresAt = c.IssuedAt.Add(7*time.Minute + time.Second) }, OutcomeDeny, "invalid_claims"},
		{"dynamic code living a day", func(c *Code) { c.ExpiresAt = c.IssuedAt.Add(24 * time.Hour) }, OutcomeDeny, "invalid_claims"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := greenCode()
			tt.mutate(c)
			v := Decide(Presentation{Code: c, CapturedAt: t0}, reading("normal"), pol, t0)
			if v.Outcome != tt.outcome || v.Reason != tt.reason {
				t.Fatalf("got %s/%s, want %s/%s", v.Outcome, v.Reason, tt.outcome, tt.reason)
			}
		})
	}
}

func TestDecidePolicyVariants(t *testing.T) {
	noTemp := DefaultPolicy()
	noTemp.RequireTemperature = false
	broken := DefaultPolicy()
	broken.FeverThreshold = math.NaN()
	tests := []struct {
		name    string
		pol     Policy
		temp    *Reading
		outcome Outcome
		reason  Reason
	}{
		{"temperature optional, no reading", noTemp, nil, OutcomePass, ReasonGreenNoTemperature},
		{"temperature optional, fever still rechecks", noTemp, reading("fever"), OutcomeRecheck, ReasonFever},
		{"temperature optional, implausible reading", noTemp, reading("implausible"), OutcomePass, ReasonGreenNoTemperature},
		{"exactly at the threshold is a fever", DefaultPolicy(), &Reading{Celsius: 37.3, At: t0, Status: SensorOK}, OutcomeRecheck, ReasonFever},
		{"just below the threshold", DefaultPolicy(), &Reading{Celsius: 37.29, At: t0, Status: SensorOK}, OutcomePass, ReasonGreen},
		{"NaN reading is not a temperature", DefaultPolicy(), &Reading{Celsius: math.NaN(), At: t0, Status: SensorOK}, OutcomeMeasure, ReasonTemperatureImplausible},
		{"sensor says ok but 45 degrees", DefaultPolicy(), &Reading{Celsius: 45, At: t0, Status: SensorOK}, OutcomeMeasure, ReasonTemperatureImplausible},
		{"sensor error with a normal value", DefaultPolicy(), &Reading{Celsius: 36.5, At: t0, Status: SensorError}, OutcomeMeasure, ReasonTemperatureImplausible},
		{"reading 9s after the scan pairs", DefaultPolicy(), &Reading{Celsius: 36.5, At: t0.Add(9 * time.Second), Status: SensorOK}, OutcomePass, ReasonGreen},
		{"reading 11s after the scan is stale", DefaultPolicy(), &Reading{Celsius: 36.5, At: t0.Add(11 * time.Second), Status: SensorOK}, OutcomeMeasure, ReasonTemperatureStale},
		{"manual reading counts", DefaultPolicy(), &Reading{Celsius: 36.4, At: t0, Status: SensorOK, Manual: true}, OutcomePass, ReasonGreen},
		{"invalid policy denies", broken, reading("normal"), OutcomeDeny, ReasonInvalidPolicy},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := Decide(Presentation{Code: greenCode(), CapturedAt: t0}, tt.temp, tt.pol, t0)
			if v.Outcome != tt.outcome || v.Reason != tt.reason {
				t.Fatalf("got %s/%s, want %s/%s", v.Outcome, v.Reason, tt.outcome, tt.reason)
			}
		})
	}
}

func TestDecidePresentationWithoutCode(t *testing.T) {
	v := Decide(Presentation{CapturedAt: t0}, reading("normal"), DefaultPolicy(), t0)
	if v.Outcome != OutcomeDeny || v.Reason != "malformed" {
		t.Fatalf("empty presentation: got %s/%s, want deny/malformed", v.Outcome, v.Reason)
	}
}

func TestDecideCopiesCode(t *testing.T) {
	c := greenCode()
	v := Decide(Presentation{Code: c, CapturedAt: t0}, reading("normal"), DefaultPolicy(), t0)
	c.Color = ColorRed
	if v.Code.Color != ColorGreen {
		t.Fatal("verdict shares the presentation's code")
	}
}

func TestPolicyValidate(t *testing.T) {
	if err := DefaultPolicy().Validate(); err != nil {
		t.Fatalf("default policy invalid: %v", err)
	}
	bad := DefaultPolicy()
	bad.MinPlausible, bad.MaxPlausible = 40, 35
	bad.PairingWindow = 0
	if err := bad.Validate(); err == nil {
		t.Fatal("inverted range and zero window accepted")
	}
}

func TestNewRecordHoldsNoName(t *testing.T) {
	c := greenCode()
	c.HolderMasked = "张*"
	c.Proxy = true
	v := Decide(Presentation{Code: c, CapturedAt: t0}, reading("normal"), DefaultPolicy(), t0)
	r := NewRecord(v, "T-01", "S-01")
	if err := r.Validate(); err != nil {
		t.Fatal(err)
	}
	want := Record{Time: t0, TerminalID: "T-01", SiteID: "S-01", CodeID: "c0de", Format: FormatHealthCode,
		Issuer: "110000:BJHC", Color: ColorGreen, Proxy: true, Outcome: OutcomePass, Reason: ReasonGreen}
	got := r
	if got.Celsius == nil || *got.Celsius != 36.6 {
		t.Fatalf("temperature not recorded: %v", got.Celsius)
	}
	got.Celsius = nil
	if got != want {
		t.Fatalf("record\n got %+v\nwant %+v", got, want)
	}
	if (Record{}).Validate() == nil {
		t.Fatal("empty record validated")
	}
}

func TestTextRoundTrips(t *testing.T) {
	for _, c := range []Color{ColorUnknown, ColorGreen, ColorYellow, ColorRed} {
		var back Color
		b, _ := c.MarshalText()
		if err := back.UnmarshalText(b); err != nil || back != c {
			t.Errorf("colour %s round trip: %s, %v", c, back, err)
		}
	}
	for _, k := range []CodeKind{KindUnknown, KindDynamic, KindCard} {
		var back CodeKind
		b, _ := k.MarshalText()
		if err := back.UnmarshalText(b); err != nil || back != k {
			t.Errorf("kind %s round trip: %s, %v", k, back, err)
		}
	}
	for _, f := range Failures() {
		var back Failure
		b, _ := f.MarshalText()
		if err := back.UnmarshalText(b); err != nil || back != f {
			t.Errorf("failure %s round trip: %s, %v", f, back, err)
		}
	}
	for o := OutcomePass; o <= OutcomeMeasure; o++ {
		if ParseOutcome(o.String()) != o {
			t.Errorf("outcome %s does not round trip", o)
		}
	}
	if HashForRevocation([]byte("x")) == HashForRevocation([]byte("y")) {
		t.Error("revocation hashes collide")
	}
}

func TestPresentationOf(t *testing.T) {
	at := time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC)
	code := Code{Format: FormatHealthCode, ID: "c1", Color: ColorGreen}
	rows := []struct {
		name    string
		err     error
		failure Failure
	}{
		{"verified", nil, FailNone},
		{"typed failure", &VerifyError{Failure: FailRevoked, Err: errors.New("code id on the list")}, FailRevoked},
		{"typed failure wrapped", fmt.Errorf("verifying: %w", &VerifyError{Failure: FailExpired}), FailExpired},
		{"error without a typed reason", errors.New("zlib: invalid header"), FailMalformed},
		{"typed error that says no failure", &VerifyError{Failure: FailNone, Err: errors.New("odd")}, FailMalformed},
	}
	for _, r := range rows {
		p := PresentationOf(code, r.err, at)
		if p.Failure != r.failure || !p.CapturedAt.Equal(at) {
			t.Errorf("%s: failure %s at %s, want %s", r.name, p.Failure, p.CapturedAt, r.failure)
		}
		if r.err == nil && (p.Code == nil || p.Code.ID != "c1" || !p.Verified()) {
			t.Errorf("%s: code %+v not presented", r.name, p.Code)
		}
		if r.err != nil && (p.Code != nil || p.Detail != r.err.Error() || p.Verified()) {
			t.Errorf("%s: code %+v, detail %q: a refused code must carry no code and the error's text", r.name, p.Code, p.Detail)
		}
		if FailureOf(r.err) != r.failure {
			t.Errorf("%s: FailureOf = %s, want %s", r.name, FailureOf(r.err), r.failure)
		}
	}
}
