package checkpoint

import (
	"errors"
	"fmt"
	"time"
)

// Policy is what a site (or the health authority for it) decides about who
// passes. It is distributed signed by the hub and cached on the terminal;
// DefaultPolicy is what applies until one arrives.
type Policy struct {
	// FeverThreshold in °C: a reading at or above it is a Recheck, never a Pass.
	FeverThreshold float64 `json:"fever_threshold" toml:"fever_threshold"`
	// MinPlausible and MaxPlausible bound a forehead reading in °C; outside
	// them the reading is "no valid reading", not a temperature.
	MinPlausible float64 `json:"min_plausible" toml:"min_plausible"`
	MaxPlausible float64 `json:"max_plausible" toml:"max_plausible"`
	// RequireTemperature: without a valid reading a green code is sent to a
	// (manual) measurement instead of passing.
	RequireTemperature bool `json:"require_temperature" toml:"require_temperature"`
	// PairingWindow is how far apart the scan and the reading may be.
	PairingWindow time.Duration `json:"pairing_window" toml:"pairing_window"`
	// MaxDynamicAge is how long after issue a dynamic (phone) code is
	// accepted: older ones may be screenshots.
	MaxDynamicAge time.Duration `json:"max_dynamic_age" toml:"max_dynamic_age"`
	// A dynamic code also lives at most MaxDynamicAge + ClockSkew (the last
	// moment it could be accepted): one whose exp - iat is longer is refused
	// as invalid_claims.
	//
	// AllowReusedDynamic turns off the replay rule: by default a dynamic
	// code that already received a final verdict at this terminal and is
	// shown again within its life is refused as already_used.
	AllowReusedDynamic bool `json:"allow_reused_dynamic" toml:"allow_reused_dynamic"`
	// ClockSkew is the tolerance applied to every time comparison with the
	// issuer's clock (issued-at in the future, expiry just past).
	ClockSkew time.Duration `json:"clock_skew" toml:"clock_skew"`
	// MaxListAge is how old the cached trust and revocation lists may get
	// before the terminal warns that it is out of date.
	MaxListAge time.Duration `json:"max_list_age" toml:"max_list_age"`
	// Retention is how long stored records are kept before they are purged.
	Retention time.Duration `json:"retention" toml:"retention"`
	// TrustListGrace is how long after its expiry a trust list is still
	// used (shown as EXPIRED); after it every code is refused until a new
	// list arrives (TrustListState). Zero: refused from the expiry on.
	TrustListGrace time.Duration `json:"trust_list_grace,omitempty" toml:"trust_list_grace"`
}

// DefaultPolicy is what a health authority would expect when nothing else is
// configured: only green passes, 37.3 °C is a fever, temperature required,
// a phone code older than five minutes is refused.
func DefaultPolicy() Policy {
	return Policy{
		FeverThreshold:     37.3,
		MinPlausible:       34.0,
		MaxPlausible:       43.0,
		RequireTemperature: true,
		PairingWindow:      10 * time.Second,
		MaxDynamicAge:      5 * time.Minute,
		ClockSkew:          2 * time.Minute,
		MaxListAge:         72 * time.Hour,
		Retention:          28 * 24 * time.Hour,
		TrustListGrace:     24 * time.Hour,
	}
}

// Validate reports the first setting that cannot be right. Decide assumes a
// valid policy; the store refuses to install an invalid one.
func (p Policy) Validate() error {
	var errs []error
	if !(p.MinPlausible > 25 && p.MinPlausible < p.MaxPlausible && p.MaxPlausible < 50) {
		errs = append(errs, fmt.Errorf("plausible range %.1f..%.1f °C is not a forehead range", p.MinPlausible, p.MaxPlausible))
	}
	if !(p.FeverThreshold > p.MinPlausible && p.FeverThreshold <= p.MaxPlausible) {
		errs = append(errs, fmt.Errorf("fever threshold %.1f °C lies outside the plausible range", p.FeverThreshold))
	}
	if p.PairingWindow <= 0 || p.PairingWindow > 5*time.Minute {
		errs = append(errs, fmt.Errorf("pairing window %s must be positive and at most 5m", p.PairingWindow))
	}
	if p.MaxDynamicAge <= 0 {
		errs = append(errs, fmt.Errorf("max dynamic age %s must be positive", p.MaxDynamicAge))
	}
	if p.ClockSkew < 0 || p.ClockSkew > time.Hour {
		errs = append(errs, fmt.Errorf("clock skew %s must be between 0 and 1h", p.ClockSkew))
	}
	if p.MaxListAge <= 0 {
		errs = append(errs, fmt.Errorf("max list age %s must be positive", p.MaxListAge))
	}
	if p.Retention <= 0 {
		errs = append(errs, fmt.Errorf("retention %s must be positive", p.Retention))
	}
	if p.TrustListGrace < 0 || p.TrustListGrace > MaxTrustListGrace {
		errs = append(errs, fmt.Errorf("trust list grace %s must be between 0 and %s", p.TrustListGrace, MaxTrustListGrace))
	}
	return errors.Join(errs...)
}
