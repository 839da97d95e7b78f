package healthcode

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/checkpoint-terminal/checkpoint"
)

// The HCN1 claim rules of docs/healthcode-format.md section 3, in one place:
// Issue refuses to sign claims that break them and the verifier refuses a
// signed code that breaks them (checkpoint.FailInvalidClaims), so every code
// Issue makes verifies and every Code the verifier returns could have been
// issued.
const (
	// MaxHolderRunes bounds the masked holder name, in characters.
	MaxHolderRunes = 16
	// MaxIDPartBytes bounds the identity-number part ("ID last 4").
	MaxIDPartBytes = 4
	// MaxRelationBytes bounds the proxy relation, in UTF-8 bytes.
	MaxRelationBytes = 32
	// MinCodeIDBytes and MaxCodeIDBytes bound the code id (cti).
	MinCodeIDBytes, MaxCodeIDBytes = 8, 32
	// MaxBirthYear bounds the birth year.
	MaxBirthYear = 9999
)

// validate checks c against the section 3 rules that the claims alone
// decide. The errors are plain; the verifier wraps them as invalid_claims.
func (c Claims) validate() error {
	if !isDivisionCode(c.Region) {
		return fmt.Errorf("region %q is not a GB/T 2260 six-digit division code", c.Region)
	}
	if !validIssuerID(c.Issuer) {
		return fmt.Errorf("issuer id %q must be 1-32 letters, digits, '-', '_' or '.'", c.Issuer)
	}
	id, err := hex.DecodeString(c.ID)
	if err != nil || len(id) < MinCodeIDBytes || len(id) > MaxCodeIDBytes {
		return fmt.Errorf("code id %q must be %d to %d bytes of hex", c.ID, MinCodeIDBytes, MaxCodeIDBytes)
	}
	if c.Color < checkpoint.ColorGreen || c.Color > checkpoint.ColorRed {
		return fmt.Errorf("colour %d is not green (1), yellow (2) or red (3)", int(c.Color))
	}
	if c.Kind != checkpoint.KindDynamic && c.Kind != checkpoint.KindCard {
		return fmt.Errorf("kind %d is not dynamic (1) or card (2)", int(c.Kind))
	}
	if c.IssuedAt.IsZero() || c.ExpiresAt.IsZero() {
		return errors.New("issued-at (iat) and expires-at (exp) are required")
	}
	for _, t := range []struct {
		name string
		unix int64
	}{{"iat", c.IssuedAt.Unix()}, {"exp", c.ExpiresAt.Unix()}, {"colour since", c.ColorSince.Unix()}} {
		if t.name == "colour since" && c.ColorSince.IsZero() {
			continue
		}
		if t.unix < 0 || t.unix > maxNumericDate {
			return fmt.Errorf("%s %d is not a NumericDate between 1970 and 9999", t.name, t.unix)
		}
	}
	if !c.ExpiresAt.After(c.IssuedAt) {
		return fmt.Errorf("exp %s is not after iat %s", c.ExpiresAt.UTC().Format(timeLayout), c.IssuedAt.UTC().Format(timeLayout))
	}
	if n := utf8.RuneCountInString(c.HolderMasked); n > MaxHolderRunes {
		return fmt.Errorf("holder name is %d characters, more than %d", n, MaxHolderRunes)
	}
	if c.HolderMasked != "" && !strings.Contains(c.HolderMasked, "*") {
		return errors.New("holder name is not masked (surname plus \"*\")")
	}
	if len(c.IDLast4) > MaxIDPartBytes {
		return fmt.Errorf("ID part is %d bytes, more than the last %d characters", len(c.IDLast4), MaxIDPartBytes)
	}
	if len(c.Relation) > MaxRelationBytes {
		return fmt.Errorf("relation is %d bytes, more than %d", len(c.Relation), MaxRelationBytes)
	}
	if c.Proxy && c.Relation == "" {
		return errors.New("a proxy code needs a relation")
	}
	if !c.Proxy && c.Relation != "" {
		return errors.New("only a proxy code has a relation")
	}
	// Revision 1.1 facts happened before the code was issued.
	if c.Test != nil && c.Test.SampledAt.After(c.IssuedAt) {
		return fmt.Errorf("test sampling time %s is after the issue time", c.Test.SampledAt.UTC().Format(timeLayout))
	}
	if c.Vaccination != nil && c.Vaccination.LastDose.After(c.IssuedAt) {
		return fmt.Errorf("last vaccination dose %s is after the issue time", c.Vaccination.LastDose.UTC().Format(timeLayout))
	}
	if c.BirthYear < 0 || c.BirthYear > MaxBirthYear {
		return fmt.Errorf("birth year %d out of range 0-%d", c.BirthYear, MaxBirthYear)
	}
	return nil
}

// checkWire applies the section 3 rules that only the encoding shows: the
// NumericDates of HCN1 are unsigned integers (not negative, not floats),
// and a relation is present, even empty, only with the proxy flag.
func checkWire(w *cwtClaims) error {
	for _, t := range []struct {
		name string
		v    *cwtTime
	}{{"iat", w.Iat}, {"exp", w.Exp}} {
		if t.v != nil && !t.v.uint {
			return fmt.Errorf("%s is not an unsigned integer NumericDate", t.name)
		}
	}
	if h := w.HCN; h != nil {
		if h.ColorSince != nil && !h.ColorSince.uint {
			return errors.New("colour since is not an unsigned integer NumericDate")
		}
		if h.Test != nil && h.Test.SampledAt != nil && !h.Test.SampledAt.uint {
			return errors.New("test sampling time is not an unsigned integer NumericDate")
		}
		if h.Vaccination != nil && h.Vaccination.LastDose != nil && !h.Vaccination.LastDose.uint {
			return errors.New("last vaccination dose is not an unsigned integer NumericDate")
		}
		if h.Relation != nil && !h.Proxy {
			return errors.New("a relation is present but the proxy flag is not set")
		}
	}
	return nil
}

// maxNumericDate is 9999-12-31T23:59:59Z.
const maxNumericDate = 253402300799

const timeLayout = "2006-01-02T15:04:05Z07:00"
