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
	"unicode/utf8"

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
}

// cwtTime is a NumericDate: seconds since the epoch, integer or float.
type cwtTime struct{ t time.Time }

func (c *cwtTime) UnmarshalCBOR(b []byte) error {
	var v any
	if err := cborDec.Unmarshal(b, &v); err != nil {
		return err
	}
	var secs float64
	switch n := v.(type) {
	case int64:
		secs = float64(n)
	case uint64:
		secs = float64(n)
	case float64:
		secs = n
	default:
		return fmt.Errorf("NumericDate is %T, want a number", v)
	}
	if math.IsNaN(secs) || secs < 0 || secs > 253402300799 { // year 9999
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
	Relation   string   `cbor:"8,keyasint,omitempty"`
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

func decodeClaims(payload []byte) (*cwtClaims, error) {
	if len(payload) == 0 || payload[0]>>5 != 5 {
		return nil, checkpoint.Failf(checkpoint.FailMalformed, "CWT payload is not a CBOR map")
	}
	var c cwtClaims
	if err := cborDec.Unmarshal(payload, &c); err != nil {
		return nil, checkpoint.Failf(checkpoint.FailMalformed, "CWT claims: %w", err)
	}
	return &c, nil
}

// decodePayload decodes the CWT claims of an envelope; for a DCC the hcert
// claim must hold a CBOR map.
func decodePayload(env *envelope) (*cwtClaims, error) {
	c, err := decodeClaims(env.msg.Payload)
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

// toCWT checks c and builds its claims set.
func (c Claims) toCWT() (*cwtClaims, error) {
	if !isDivisionCode(c.Region) {
		return nil, fmt.Errorf("region %q is not a GB/T 2260 six-digit division code", c.Region)
	}
	if !validIssuerID(c.Issuer) {
		return nil, fmt.Errorf("issuer id %q must be 1-32 letters, digits, '-', '_' or '.'", c.Issuer)
	}
	id, err := hex.DecodeString(c.ID)
	if err != nil || len(id) < 8 || len(id) > 32 {
		return nil, fmt.Errorf("code id %q must be 8 to 32 bytes of hex", c.ID)
	}
	if c.Color < checkpoint.ColorGreen || c.Color > checkpoint.ColorRed {
		return nil, fmt.Errorf("colour %v is not green, yellow or red", c.Color)
	}
	if c.Kind != checkpoint.KindDynamic && c.Kind != checkpoint.KindCard {
		return nil, fmt.Errorf("kind %v is not dynamic or card", c.Kind)
	}
	if c.IssuedAt.IsZero() || c.ExpiresAt.IsZero() || !c.ExpiresAt.After(c.IssuedAt) {
		return nil, errors.New("issued-at and expires-at must be set, expiry after issue")
	}
	if c.Proxy != (c.Relation != "") {
		return nil, errors.New("a proxy code needs a relation, and only a proxy code has one")
	}
	if utf8.RuneCountInString(c.HolderMasked) > 16 || len(c.IDLast4) > 4 || len(c.Relation) > 32 {
		return nil, errors.New("holder data too long (masked name <= 16 characters, id last 4, relation <= 32 bytes)")
	}
	for _, f := range []struct{ name, v string }{{"holder name", c.HolderMasked}, {"id last 4", c.IDLast4}, {"relation", c.Relation}} {
		if !checkpoint.IsCleanText(f.v, checkpoint.MaxClaimRunes) {
			return nil, fmt.Errorf("%s %q holds control, line-break, bidirectional or invisible characters", f.name, f.v)
		}
	}
	if c.HolderMasked != "" && !strings.Contains(c.HolderMasked, "*") {
		return nil, fmt.Errorf("holder name %q is not masked (surname plus \"*\")", c.HolderMasked)
	}
	if c.BirthYear < 0 || c.BirthYear > 9999 {
		return nil, fmt.Errorf("birth year %d out of range", c.BirthYear)
	}
	h := &hcnClaims{
		Color: uint64(c.Color), Kind: uint64(c.Kind),
		Holder: c.HolderMasked, IDLast4: c.IDLast4, BirthYear: uint64(c.BirthYear),
		Proxy: c.Proxy, Relation: c.Relation,
	}
	if !c.ColorSince.IsZero() {
		h.ColorSince = &cwtTime{c.ColorSince}
	}
	return &cwtClaims{
		Iss: c.Region + ":" + c.Issuer,
		Iat: &cwtTime{c.IssuedAt}, Exp: &cwtTime{c.ExpiresAt},
		Cti: id, HCN: h,
	}, nil
}

// claimsFromCWT is the inverse of toCWT for a payload already verified.
func claimsFromCWT(w *cwtClaims) (Claims, error) {
	if w.HCN == nil {
		return Claims{}, checkpoint.Failf(checkpoint.FailInvalidClaims, "no health-code claim (%d)", ClaimHealthCode)
	}
	region, issuer, ok := strings.Cut(w.Iss, ":")
	if !ok || !isDivisionCode(region) || !validIssuerID(issuer) {
		return Claims{}, checkpoint.Failf(checkpoint.FailInvalidClaims, "iss %q is not <division>:<issuer id>", w.Iss)
	}
	if len(w.Cti) < 8 || len(w.Cti) > 32 {
		return Claims{}, checkpoint.Failf(checkpoint.FailInvalidClaims, "code id (cti) is %d bytes, want 8 to 32", len(w.Cti))
	}
	if w.Iat == nil || w.Exp == nil {
		return Claims{}, checkpoint.Failf(checkpoint.FailInvalidClaims, "iat and exp are required")
	}
	h := w.HCN
	if h.Color < uint64(checkpoint.ColorGreen) || h.Color > uint64(checkpoint.ColorRed) {
		return Claims{}, checkpoint.Failf(checkpoint.FailInvalidClaims, "colour %d unknown", h.Color)
	}
	if h.Kind != uint64(checkpoint.KindDynamic) && h.Kind != uint64(checkpoint.KindCard) {
		return Claims{}, checkpoint.Failf(checkpoint.FailInvalidClaims, "kind %d unknown", h.Kind)
	}
	if h.Proxy != (h.Relation != "") {
		return Claims{}, checkpoint.Failf(checkpoint.FailInvalidClaims, "proxy flag and relation disagree")
	}
	if h.BirthYear > 9999 {
		return Claims{}, checkpoint.Failf(checkpoint.FailInvalidClaims, "birth year %d out of range", h.BirthYear)
	}
	c := Claims{
		Issuer: issuer, Region: region, ID: hex.EncodeToString(w.Cti),
		Color: checkpoint.Color(h.Color), Kind: checkpoint.CodeKind(h.Kind),
		IssuedAt: w.Iat.t, ExpiresAt: w.Exp.t,
		// Text claims are cleaned here, once, before anything shows or logs
		// them: a signed code may still carry line breaks, bidi overrides
		// or thousands of characters (see checkpoint.CleanText).
		HolderMasked: checkpoint.CleanText(h.Holder, checkpoint.MaxClaimRunes),
		IDLast4:      checkpoint.CleanText(h.IDLast4, 8),
		BirthYear:    int(h.BirthYear),
		Proxy:        h.Proxy, Relation: checkpoint.CleanText(h.Relation, checkpoint.MaxClaimRunes),
	}
	if h.Proxy && c.Relation == "" {
		c.Relation = "?" // a relation of only invisible characters still marks a proxy code
	}
	if h.ColorSince != nil {
		c.ColorSince = h.ColorSince.t
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
		Note: note,
	}
}

func hexDecode(s string) ([]byte, error) { return hex.DecodeString(s) }
