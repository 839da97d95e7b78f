package healthcode

import (
	"crypto"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
	"github.com/fxamacker/cbor/v2"
)

// CWT claim keys used: iss 1, exp 4, iat 6, cti 7 (RFC 8392), hcert -260
// (HCERT) and ours.
const (
	// ClaimHealthCode is the private-use CWT claim (below -65536, RFC 8392
	// section 9.1) holding the map of our health-code fields.
	ClaimHealthCode = -65537
)

// Claims are the signed fields of our three-colour health code.
type Claims struct {
	// Issuer is the issuer id inside its region (e.g. "BJHC"); Region is
	// the GB/T 2260 six-digit division code. The CWT iss claim is
	// Region + ":" + Issuer, which is what Code.Issuer becomes.
	Issuer, Region string
	// ID is the random pseudonymous code id in hex (see NewCodeID).
	ID         string
	Color      checkpoint.Color
	ColorSince time.Time
	IssuedAt   time.Time
	ExpiresAt  time.Time
	Kind       checkpoint.CodeKind
	// HolderMasked is the masked name (surname plus "*"); IDLast4 the last
	// four characters of the identity number; BirthYear the year of birth.
	HolderMasked, IDLast4 string
	BirthYear             int
	// Proxy marks a code shown by a family member for a relative; Relation
	// says who the holder is to the presenter (e.g. "mother").
	Proxy    bool
	Relation string

	// Test and Vaccination are the optional facts of HCN1 revision 1.1
	// (facts.go); nil when the code states none.
	Test        *checkpoint.TestFact
	Vaccination *checkpoint.VaccinationFact
}

// cwtTime is a NumericDate: seconds since the epoch, integer or float
// (RFC 8392). uint records whether it was an unsigned integer, which HCN1
// requires (checkWire); DCCs are read as RFC 8392 allows.
type cwtTime struct {
	t    time.Time
	uint bool
}

func (c *cwtTime) UnmarshalCBOR(b []byte) error {
	var v any
	if err := cborDec.Unmarshal(b, &v); err != nil {
		return err
	}
	var secs float64
	switch n := v.(type) {
	case int64:
		secs = float64(n)
		c.uint = n >= 0
	case uint64:
		secs = float64(n)
		c.uint = true
	case float64:
		secs = n
	default:
		return fmt.Errorf("NumericDate is %T, want a number", v)
	}
	if math.IsNaN(secs) || math.Abs(secs) > maxNumericDate {
		return fmt.Errorf("NumericDate %v out of range", secs)
	}
	whole, frac := math.Modf(secs)
	c.t = time.Unix(int64(whole), int64(frac*1e9)).UTC()
	return nil
}

func (c cwtTime) MarshalCBOR() ([]byte, error) { return cborEnc.Marshal(c.t.Unix()) }

// hcnClaims is the map under ClaimHealthCode. Keys are small integers so the
// QR stays small; docs/healthcode-format.md lists them.
type hcnClaims struct {
	Color      uint64   `cbor:"1,keyasint"`
	ColorSince *cwtTime `cbor:"2,keyasint,omitempty"`
	Kind       uint64   `cbor:"3,keyasint"`
	Holder     string   `cbor:"4,keyasint,omitempty"`
	IDLast4    string   `cbor:"5,keyasint,omitempty"`
	BirthYear  uint64   `cbor:"6,keyasint,omitempty"`
	Proxy      bool     `cbor:"7,keyasint,omitempty"`
	Relation   *string  `cbor:"8,keyasint,omitempty"`
	// HCN1 revision 1.1, optional (facts.go).
	Test        *testClaim        `cbor:"9,keyasint,omitempty"`
	Vaccination *vaccinationClaim `cbor:"10,keyasint,omitempty"`
}

// cwtClaims is the CWT claims set of both formats.
type cwtClaims struct {
	Iss   string                    `cbor:"1,keyasint,omitempty"`
	Exp   *cwtTime                  `cbor:"4,keyasint,omitempty"`
	Iat   *cwtTime                  `cbor:"6,keyasint,omitempty"`
	Cti   []byte                    `cbor:"7,keyasint,omitempty"`
	HCN   *hcnClaims                `cbor:"-65537,keyasint,omitempty"`
	HCert map[int64]cbor.RawMessage `cbor:"-260,keyasint,omitempty"`
}

// decodeClaims reads a CWT claims set with the format's decoder dm.
func decodeClaims(payload []byte, dm cbor.DecMode) (*cwtClaims, error) {
	if len(payload) == 0 || payload[0]>>5 != 5 { // major type 5: a map, in any length form
		return nil, checkpoint.Failf(checkpoint.FailMalformed, "CWT payload is not a CBOR map")
	}
	// The whole payload through the decoder first, unknown claims
	// included: the section 1 rule (valid UTF-8, integers within 64 bits
	// signed, no duplicate keys, depth) holds in every part of it, not only
	// in the claims the struct below reads (it skips unknown ones unread).
	var all any
	if err := dm.Unmarshal(payload, &all); err != nil {
		return nil, checkpoint.Failf(checkpoint.FailMalformed, "CWT claims: %w", err)
	}
	var c cwtClaims
	if err := dm.Unmarshal(payload, &c); err != nil {
		var dup *cbor.DupMapKeyError
		if dm.Wellformed(payload) != nil || errors.As(err, &dup) {
			return nil, checkpoint.Failf(checkpoint.FailMalformed, "CWT claims: %w", err)
		}
		// Well-formed CBOR whose claims have the wrong types is a
		// statement of the signer: invalid claims, once it is signed.
		return nil, checkpoint.Failf(checkpoint.FailInvalidClaims, "CWT claims: %w", err)
	}
	return &c, nil
}

// decodePayload decodes the CWT claims of an envelope; for a DCC the hcert
// claim must hold a CBOR map.
func decodePayload(env *envelope) (*cwtClaims, error) {
	c, err := decodeClaims(env.msg.Payload, env.dm)
	if err != nil {
		return nil, err
	}
	if env.format == checkpoint.FormatDCC {
		if _, err := hcertPayload(c); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// NewCodeID returns a random 128-bit pseudonymous code id in lower-case hex.
func NewCodeID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		// crypto/rand.Read does not fail on supported platforms (Go 1.24+).
		panic("healthcode: crypto/rand failed: " + err.Error())
	}
	return hex.EncodeToString(b[:])
}

func isDivisionCode(s string) bool {
	if len(s) != 6 {
		return false
	}
	for i := 0; i < 6; i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != "000000"
}

func validIssuerID(s string) bool {
	if s == "" || len(s) > 32 {
		return false
	}
	for _, r := range s {
		if !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return false
		}
	}
	return true
}

// toCWT checks c against the claim rules and builds its claims set.
func (c Claims) toCWT() (*cwtClaims, error) {
	if err := c.validate(); err != nil {
		return nil, err
	}
	for _, f := range []struct{ name, v string }{{"holder name", c.HolderMasked}, {"id last 4", c.IDLast4}, {"relation", c.Relation}} {
		if !checkpoint.IsCleanText(f.v, checkpoint.MaxClaimRunes) {
			return nil, fmt.Errorf("%s %q holds control, line-break, bidirectional or invisible characters", f.name, f.v)
		}
	}
	id, _ := hex.DecodeString(c.ID) // validate checked it
	h := &hcnClaims{
		Color: uint64(c.Color), Kind: uint64(c.Kind),
		Holder: c.HolderMasked, IDLast4: c.IDLast4, BirthYear: uint64(c.BirthYear),
		Proxy: c.Proxy,
	}
	if c.Proxy {
		h.Relation = &c.Relation
	}
	if !c.ColorSince.IsZero() {
		h.ColorSince = &cwtTime{t: c.ColorSince}
	}
	if err := factsToCWT(c, h); err != nil {
		return nil, err
	}
	return &cwtClaims{
		Iss: c.Region + ":" + c.Issuer,
		Iat: &cwtTime{t: c.IssuedAt}, Exp: &cwtTime{t: c.ExpiresAt},
		Cti: id, HCN: h,
	}, nil
}

// claimsFromCWT is the inverse of toCWT for a payload whose signature
// verified: the same rules, so a code Issue would refuse is refused here
// as invalid_claims.
func claimsFromCWT(w *cwtClaims) (Claims, error) {
	if w.HCN == nil {
		return Claims{}, checkpoint.Failf(checkpoint.FailInvalidClaims, "no health-code claim (%d)", ClaimHealthCode)
	}
	region, issuer, ok := strings.Cut(w.Iss, ":")
	if !ok {
		return Claims{}, checkpoint.Failf(checkpoint.FailInvalidClaims, "iss %q is not <division>:<issuer id>", w.Iss)
	}
	if w.Iat == nil || w.Exp == nil {
		return Claims{}, checkpoint.Failf(checkpoint.FailInvalidClaims, "iat and exp are required")
	}
	if err := checkWire(w); err != nil {
		return Claims{}, &checkpoint.VerifyError{Failure: checkpoint.FailInvalidClaims, Err: err}
	}
	h := w.HCN
	if h.Color > 255 || h.Kind > 255 || h.BirthYear > MaxBirthYear {
		return Claims{}, checkpoint.Failf(checkpoint.FailInvalidClaims, "colour %d, kind %d or birth year %d out of range", h.Color, h.Kind, h.BirthYear)
	}
	c := Claims{
		Issuer: issuer, Region: region, ID: hex.EncodeToString(w.Cti),
		Color: checkpoint.Color(h.Color), Kind: checkpoint.CodeKind(h.Kind),
		IssuedAt: w.Iat.t, ExpiresAt: w.Exp.t,
		// Text claims are cleaned here, once, before anything shows or logs
		// them (and before the claim rules judge them): a signed code may
		// still carry line breaks, bidi overrides or thousands of
		// characters (see checkpoint.CleanText).
		HolderMasked: checkpoint.CleanText(h.Holder, checkpoint.MaxClaimRunes),
		IDLast4:      checkpoint.CleanText(h.IDLast4, 8),
		BirthYear:    int(h.BirthYear),
		Proxy:        h.Proxy,
	}
	if h.Relation != nil {
		c.Relation = checkpoint.CleanText(*h.Relation, checkpoint.MaxClaimRunes)
		if c.Relation == "" && *h.Relation != "" {
			c.Relation = "?" // a relation of only invisible characters is still a relation
		}
	}
	if h.ColorSince != nil {
		c.ColorSince = h.ColorSince.t
	}
	if err := factsFromCWT(h, &c); err != nil {
		return Claims{}, err
	}
	if err := c.validate(); err != nil {
		return Claims{}, &checkpoint.VerifyError{Failure: checkpoint.FailInvalidClaims, Err: err}
	}
	return c, nil
}

// Issue signs c with key (ES256 or SM2) and returns the QR text: Prefix plus
// Base45 of the zlib-compressed COSE_Sign1. The kid is KeyID(key.Public()).
func Issue(c Claims, key crypto.Signer) (string, error) {
	w, err := c.toCWT()
	if err != nil {
		return "", fmt.Errorf("issuing code: %w", err)
	}
	payload, err := cborEnc.Marshal(w)
	if err != nil {
		return "", fmt.Errorf("issuing code: encoding claims: %w", err)
	}
	if key == nil {
		return "", errors.New("issuing code: no signing key")
	}
	kid, err := KeyID(key.Public())
	if err != nil {
		return "", fmt.Errorf("issuing code: %w", err)
	}
	return sealText(Prefix, payload, key, kid)
}

// sealText signs payload and wraps it as prefix + Base45(zlib(COSE)).
func sealText(prefix string, payload []byte, key crypto.Signer, kid []byte) (string, error) {
	msg, err := sign1(payload, key, kid)
	if err != nil {
		return "", fmt.Errorf("issuing code: %w", err)
	}
	z, err := deflate(msg)
	if err != nil {
		return "", fmt.Errorf("issuing code: compressing: %w", err)
	}
	return prefix + base45Encode(z), nil
}

// Code builds the domain Code of verified claims.
func (c Claims) Code() checkpoint.Code {
	note := ""
	if c.IDLast4 != "" {
		note = "ID …" + c.IDLast4
	}
	if c.BirthYear != 0 {
		if note != "" {
			note += ", "
		}
		note += fmt.Sprintf("born %d", c.BirthYear)
	}
	return checkpoint.Code{
		Format: checkpoint.FormatHealthCode,
		Issuer: c.Region + ":" + c.Issuer, Region: c.Region, ID: c.ID,
		Color: c.Color, ColorSince: c.ColorSince, IssuedAt: c.IssuedAt, ExpiresAt: c.ExpiresAt,
		Kind: c.Kind, HolderMasked: c.HolderMasked, Proxy: c.Proxy, Relation: c.Relation,
		Note: note, Test: c.Test, Vaccination: c.Vaccination, BirthYear: c.BirthYear,
	}
}

func hexDecode(s string) ([]byte, error) { return hex.DecodeString(s) }
