// Package checkpoint holds the domain of a health-code checkpoint terminal:
// the codes people present, the temperatures the sensor reads, the policy a
// site applies, and the pure function Decide that turns them into a verdict.
//
// The package does no I/O and imports nothing outside the standard library.
// Adapters (scanner, thermometer, sync, ui) depend on it, never the reverse.
package checkpoint

import (
	"fmt"
	"time"
)

// Color is the colour of a health code as its issuer assigned it.
// The zero value is ColorUnknown, which never passes.
type Color int

const (
	ColorUnknown Color = iota
	ColorGreen
	ColorYellow
	ColorRed
)

// String returns the lower-case English name used in records and logs.
func (c Color) String() string {
	switch c {
	case ColorGreen:
		return "green"
	case ColorYellow:
		return "yellow"
	case ColorRed:
		return "red"
	}
	return "unknown"
}

// ParseColor is the inverse of Color.String.
func ParseColor(s string) (Color, error) {
	switch s {
	case "green":
		return ColorGreen, nil
	case "yellow":
		return ColorYellow, nil
	case "red":
		return ColorRed, nil
	}
	return ColorUnknown, fmt.Errorf("unknown colour %q", s)
}

// MarshalText makes colours readable in JSON and TOML.
func (c Color) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// UnmarshalText accepts the names written by MarshalText, including
// "unknown" (the colour of a record whose code never verified).
func (c *Color) UnmarshalText(b []byte) error {
	if string(b) == "unknown" {
		*c = ColorUnknown
		return nil
	}
	v, err := ParseColor(string(b))
	if err != nil {
		return err
	}
	*c = v
	return nil
}

// Format names the envelope a code arrived in.
type Format string

const (
	// FormatHealthCode is our own signed three-colour health code.
	FormatHealthCode Format = "HC"
	// FormatDCC is the EU Digital COVID Certificate (HCERT, "HC1:").
	FormatDCC Format = "DCC"
)

// CodeKind says how a code is carried. It decides how long a code may be
// shown after it was issued.
type CodeKind int

const (
	KindUnknown CodeKind = iota
	// KindDynamic is a code rendered live on a phone: valid for minutes, so a
	// screenshot goes stale.
	KindDynamic
	// KindCard is a printed card for people without a phone (the elderly,
	// children): long-lived and covered by revocation instead.
	KindCard
)

// String returns "dynamic", "card" or "unknown".
func (k CodeKind) String() string {
	switch k {
	case KindDynamic:
		return "dynamic"
	case KindCard:
		return "card"
	}
	return "unknown"
}

// ParseCodeKind is the inverse of CodeKind.String.
func ParseCodeKind(s string) (CodeKind, error) {
	switch s {
	case "dynamic":
		return KindDynamic, nil
	case "card":
		return KindCard, nil
	}
	return KindUnknown, fmt.Errorf("unknown code kind %q", s)
}

// MarshalText makes kinds readable in JSON and TOML.
func (k CodeKind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// UnmarshalText accepts the names written by MarshalText, "unknown" included.
func (k *CodeKind) UnmarshalText(b []byte) error {
	if string(b) == "unknown" {
		*k = KindUnknown
		return nil
	}
	v, err := ParseCodeKind(string(b))
	if err != nil {
		return err
	}
	*k = v
	return nil
}

// Code is a health code whose signature has been verified against the trust
// list. The scanner hands on a Code only after verification; every field
// comes from the signed payload or from the trust-list entry that signed it.
//
// A Code never carries a full name or an identity number: HolderMasked is
// already masked by the issuer (surname plus "*").
type Code struct {
	Format Format `json:"format"`
	// Issuer identifies the signing authority: for our codes the GB/T 2260
	// division code and issuer id ("110000:BJHC"), for DCCs the country.
	Issuer string `json:"issuer"`
	// Region is the issuing region shown to the guard (division code or
	// ISO 3166 country code).
	Region string `json:"region"`
	// ID is a pseudonymous identifier of the code (hex), stable for one code
	// and useless for identifying its holder without the issuer's records.
	ID         string    `json:"id"`
	Color      Color     `json:"color"`
	ColorSince time.Time `json:"color_since,omitzero"`
	IssuedAt   time.Time `json:"issued_at"`
	ExpiresAt  time.Time `json:"expires_at,omitzero"`
	Kind       CodeKind  `json:"kind"`
	// HolderMasked is the masked holder name as printed by the issuer.
	HolderMasked string `json:"holder_masked,omitempty"`
	// Proxy is true when a family member shows the code for a relative;
	// Relation then says who the holder is to the presenter.
	Proxy    bool   `json:"proxy,omitempty"`
	Relation string `json:"relation,omitempty"`
	// Note carries a format-specific summary shown to the guard, e.g. the
	// DCC rule that made a certificate acceptable ("vaccination 2/2").
	Note string `json:"note,omitempty"`
	// Test, Vaccination and Recovery are the optional facts a code carries
	// (HCN1 minor revision 1.1, EU DCC); nil when the code states none.
	Test        *TestFact        `json:"test,omitempty"`
	Vaccination *VaccinationFact `json:"vaccination,omitempty"`
	Recovery    *RecoveryFact    `json:"recovery,omitempty"`
	// BirthYear is the holder's year of birth when the code states it, 0
	// otherwise (it gives a holder's age to site rules; never recorded).
	BirthYear int `json:"birth_year,omitempty"`
}

// Presentation is one person holding one code in front of the camera: either
// a verified Code, or the reason verification failed. CapturedAt is the
// capture time of the frame the code was read from, so latency can be
// measured end to end.
type Presentation struct {
	// Code is set when Failure is FailNone, and also when a code whose
	// signature verified was refused (revoked, expired: VerifyError.Code),
	// so its record keeps the pseudonymous code id; Failure decides.
	Code *Code `json:"code,omitempty"`
	// Failure is FailNone for a verified code, else why it was refused.
	Failure Failure `json:"failure,omitempty"`
	// Detail is a human-readable explanation of the failure for logs and the
	// operator; it never decides anything.
	Detail string `json:"detail,omitempty"`
	// CapturedAt is when the camera captured the frame.
	CapturedAt time.Time `json:"captured_at"`
}

// Verified reports whether the presentation carries a verified code.
func (p Presentation) Verified() bool { return p.Failure == FailNone && p.Code != nil }
