package checkpoint

import (
	"errors"
	"fmt"
	"time"
)

// Failure is the typed reason a presented code could not be accepted as a
// verified Code. Every verification path ends in exactly one of these; none
// of them ever panics or passes.
type Failure int

const (
	FailNone Failure = iota
	// FailMalformed: the text or one of its layers (Base45, zlib, CBOR, COSE)
	// could not be decoded, or a size limit was exceeded.
	FailMalformed
	// FailUnknownFormat: the text carries no prefix we recognise.
	FailUnknownFormat
	// FailBadSignature: a trusted key exists but the signature does not verify.
	FailBadSignature
	// FailUnknownIssuer: no key in the trust list matches the code's kid.
	FailUnknownIssuer
	// FailUnsupportedAlgorithm: the algorithm is not one we accept (ES256,
	// PS256 for DCCs, SM2-SM3); "none" and MACs are refused here.
	FailUnsupportedAlgorithm
	// FailExpired: the code's expiry is in the past (beyond clock skew).
	FailExpired
	// FailNotYetValid: the code was issued in the future (beyond clock skew),
	// or its signing key is not yet valid.
	FailNotYetValid
	// FailRevoked: the code's hashed identifier is on the revocation list.
	FailRevoked
	// FailTooOld: a dynamic code older than the policy allows: possibly a
	// screenshot.
	FailTooOld
	// FailKeyUsage: the signing certificate may not sign this kind of code.
	FailKeyUsage
	// FailNotAccepted: a verified certificate that the site policy does not
	// accept (e.g. a DCC test result too old, an incomplete vaccination).
	FailNotAccepted
	// FailInvalidClaims: a signed payload with missing or contradictory
	// claims (no colour, no id, unknown kind).
	FailInvalidClaims
	// FailTrustListUnavailable: no valid trust list is loaded, so nothing can
	// be verified.
	FailTrustListUnavailable
	// FailAlreadyUsed: a dynamic code that already received a final verdict
	// at this terminal is shown again (after the scan hold-off, within its
	// life): a replayed or shared code. A local rule of the terminal, not of
	// the format; Policy.AllowReusedDynamic turns it off.
	FailAlreadyUsed
)

var failureNames = [...]string{
	FailNone:                 "none",
	FailMalformed:            "malformed",
	FailUnknownFormat:        "unknown_format",
	FailBadSignature:         "bad_signature",
	FailUnknownIssuer:        "unknown_issuer",
	FailUnsupportedAlgorithm: "unsupported_algorithm",
	FailExpired:              "expired",
	FailNotYetValid:          "not_yet_valid",
	FailRevoked:              "revoked",
	FailTooOld:               "too_old",
	FailKeyUsage:             "key_usage",
	FailNotAccepted:          "not_accepted",
	FailInvalidClaims:        "invalid_claims",
	FailTrustListUnavailable: "trust_list_unavailable",
	FailAlreadyUsed:          "already_used",
}

// Failures lists every failure reason except FailNone, for tests and UIs.
func Failures() []Failure {
	out := make([]Failure, 0, len(failureNames)-1)
	for f := FailMalformed; int(f) < len(failureNames); f++ {
		out = append(out, f)
	}
	return out
}

// String returns the snake_case name used in logs, records and JSON.
func (f Failure) String() string {
	if f >= 0 && int(f) < len(failureNames) {
		return failureNames[f]
	}
	return fmt.Sprintf("failure(%d)", int(f))
}

// MarshalText writes the snake_case name.
func (f Failure) MarshalText() ([]byte, error) { return []byte(f.String()), nil }

// UnmarshalText reads the snake_case name.
func (f *Failure) UnmarshalText(b []byte) error {
	for i, n := range failureNames {
		if n == string(b) {
			*f = Failure(i)
			return nil
		}
	}
	return fmt.Errorf("unknown failure %q", b)
}

// VerifyError is the error every verifier returns: a typed Failure plus the
// underlying cause for logs. Callers branch on Failure, never on the text.
type VerifyError struct {
	Failure Failure
	Err     error
	// Code is set when the signature verified but the code was refused
	// anyway (revoked, expired, not yet valid, key usage, not accepted):
	// its pseudonymous id goes into the record, so "where was code C
	// seen" finds refused attempts too. Nil otherwise.
	Code *Code
}

// Error says what failed.
func (e *VerifyError) Error() string {
	if e.Err == nil {
		return e.Failure.String()
	}
	return e.Failure.String() + ": " + e.Err.Error()
}

// Unwrap exposes the cause.
func (e *VerifyError) Unwrap() error { return e.Err }

// Failf builds a VerifyError with a formatted cause.
func Failf(f Failure, format string, args ...any) *VerifyError {
	return &VerifyError{Failure: f, Err: fmt.Errorf(format, args...)}
}

// FailureOf is the failure a verifier's error stands for: FailNone for nil,
// the typed Failure of a *VerifyError anywhere in err's chain, and
// FailMalformed for any other error (an error without a typed reason, or
// one that says FailNone, is never taken as a success).
func FailureOf(err error) Failure {
	if err == nil {
		return FailNone
	}
	var ve *VerifyError
	if errors.As(err, &ve) && ve.Failure != FailNone {
		return ve.Failure
	}
	return FailMalformed
}

// PresentationOf is what a verifier's answer for one text presents: the
// verified code when err is nil, else the failure (FailureOf) with err's
// text as the detail, and, for a genuine code refused after its signature
// verified (VerifyError.Code), that code so its record keeps the code id;
// the Failure still decides. capturedAt is the capture time of the frame the text
// was read from. The scanner and the operator's test-code screen both make
// their presentations here.
func PresentationOf(code Code, err error, capturedAt time.Time) Presentation {
	p := Presentation{CapturedAt: capturedAt}
	if err != nil {
		p.Failure, p.Detail = FailureOf(err), err.Error()
		var ve *VerifyError
		if errors.As(err, &ve) && ve.Code != nil && p.Failure != FailMalformed {
			c := *ve.Code
			p.Code = &c
		}
		return p
	}
	p.Code = &code
	return p
}
