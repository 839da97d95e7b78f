package healthcode

import (
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/checkpoint-terminal/checkpoint"
)

// DCCPolicy is the site's rule for which EU DCCs are accepted as green.
// The zero value is the default: complete vaccination at least 14 days old,
// a negative test taken within 72 hours, a recovery certificate inside its
// validity window.
type DCCPolicy struct {
	// RejectVaccination, RejectTest and RejectRecovery switch a certificate
	// type off entirely.
	RejectVaccination, RejectTest, RejectRecovery bool
	// VaccinationWait is how long after the last dose a complete vaccination
	// counts. Zero means 14 days; negative means no wait.
	VaccinationWait time.Duration
	// TestValidity is how long after sample collection a negative test
	// counts. Zero means 72 hours.
	TestValidity time.Duration
}

func (p DCCPolicy) vaccinationWait() time.Duration {
	switch {
	case p.VaccinationWait == 0:
		return 14 * 24 * time.Hour
	case p.VaccinationWait < 0:
		return 0
	}
	return p.VaccinationWait
}

func (p DCCPolicy) testValidity() time.Duration {
	if p.TestValidity <= 0 {
		return 72 * time.Hour
	}
	return p.TestValidity
}

// dccNumber is a CBOR number (integer or float) as DCC fields carry it.
type dccNumber float64

func (n *dccNumber) UnmarshalCBOR(b []byte) error {
	var v any
	if err := cborDec.Unmarshal(b, &v); err != nil {
		return err
	}
	switch x := v.(type) {
	case int64:
		*n = dccNumber(x)
	case uint64:
		*n = dccNumber(x)
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Errorf("number %v", x)
		}
		*n = dccNumber(x)
	default:
		return fmt.Errorf("want a number, got %T", v)
	}
	return nil
}

// dgcEntry holds the fields of a vaccination, test or recovery entry that
// the verifier uses (HCERT eu_dgc_v1 schema).
type dgcEntry struct {
	TG string    `cbor:"tg"`
	CO string    `cbor:"co"`
	IS string    `cbor:"is"`
	CI string    `cbor:"ci"`
	DN dccNumber `cbor:"dn"` // vaccination: dose number
	SD dccNumber `cbor:"sd"` // vaccination: series of doses
	DT string    `cbor:"dt"` // vaccination: date
	MP string    `cbor:"mp"`
	TT string    `cbor:"tt"` // test: type
	SC string    `cbor:"sc"` // test: sample collection time
	TR string    `cbor:"tr"` // test: result
	FR string    `cbor:"fr"` // recovery: first positive result date
	DF string    `cbor:"df"` // recovery: valid from
	DU string    `cbor:"du"` // recovery: valid until
}

type dgc struct {
	Ver string `cbor:"ver"`
	Nam struct {
		FN  string `cbor:"fn"`
		FNT string `cbor:"fnt"`
		GN  string `cbor:"gn"`
		GNT string `cbor:"gnt"`
	} `cbor:"nam"`
	DOB string     `cbor:"dob"`
	V   []dgcEntry `cbor:"v"`
	T   []dgcEntry `cbor:"t"`
	R   []dgcEntry `cbor:"r"`
}

// dccType is the certificate type, matching the key-usage OIDs' last arc.
type dccType int

const (
	dccTest        dccType = 1
	dccVaccination dccType = 2
	dccRecovery    dccType = 3
)

func (t dccType) String() string {
	switch t {
	case dccTest:
		return "test"
	case dccVaccination:
		return "vaccination"
	case dccRecovery:
		return "recovery"
	}
	return "none"
}

// kind returns the type of the certificate, or 0 if it does not hold
// exactly one entry.
func (d *dgc) kind() dccType {
	switch {
	case len(d.V) == 1 && len(d.T) == 0 && len(d.R) == 0:
		return dccVaccination
	case len(d.V) == 0 && len(d.T) == 1 && len(d.R) == 0:
		return dccTest
	case len(d.V) == 0 && len(d.T) == 0 && len(d.R) == 1:
		return dccRecovery
	}
	return 0
}

func (d *dgc) entry() *dgcEntry {
	switch d.kind() {
	case dccVaccination:
		return &d.V[0]
	case dccTest:
		return &d.T[0]
	case dccRecovery:
		return &d.R[0]
	}
	return nil
}

// hcertPayload returns the raw eu_dgc_v1 (hcert claim -260, key 1).
func hcertPayload(c *cwtClaims) ([]byte, error) {
	if c.HCert == nil {
		return nil, checkpoint.Failf(checkpoint.FailInvalidClaims, "no hcert claim (-260)")
	}
	raw, ok := c.HCert[1]
	if !ok || len(raw) == 0 {
		return nil, checkpoint.Failf(checkpoint.FailInvalidClaims, "hcert claim has no eu_dgc_v1 (key 1)")
	}
	if raw[0]>>5 != 5 {
		return nil, checkpoint.Failf(checkpoint.FailMalformed, "eu_dgc_v1 is not a CBOR map")
	}
	return raw, nil
}

// decodeDGC decodes the DCC in the claims; it must hold exactly one
// vaccination, test or recovery entry.
func decodeDGC(c *cwtClaims) (*dgc, error) {
	raw, err := hcertPayload(c)
	if err != nil {
		return nil, err
	}
	var d dgc
	if err := cborDec.Unmarshal(raw, &d); err != nil {
		return nil, checkpoint.Failf(checkpoint.FailInvalidClaims, "eu_dgc_v1: %w", err)
	}
	if d.kind() == 0 {
		return nil, checkpoint.Failf(checkpoint.FailInvalidClaims, "eu_dgc_v1 holds %d vaccination, %d test and %d recovery entries, want exactly one", len(d.V), len(d.T), len(d.R))
	}
	return &d, nil
}

// Key-usage OIDs of DCC document signer certificates (HCERT 5.1.1), with the
// variant some member states issued with an extra ".0." arc.
var dccKeyUsageOIDs = map[string]dccType{
	"1.3.6.1.4.1.1847.2021.1.1":   dccTest,
	"1.3.6.1.4.1.1847.2021.1.2":   dccVaccination,
	"1.3.6.1.4.1.1847.2021.1.3":   dccRecovery,
	"1.3.6.1.4.1.0.1847.2021.1.1": dccTest,
	"1.3.6.1.4.1.0.1847.2021.1.2": dccVaccination,
	"1.3.6.1.4.1.0.1847.2021.1.3": dccRecovery,
}

// checkKeyUsage enforces the DSC's extended key usage: a certificate that
// names any DCC type may sign only the types it names; one that names none
// may sign all.
func checkKeyUsage(cert *x509.Certificate, t dccType) error {
	if cert == nil {
		return nil
	}
	allowed := map[dccType]bool{}
	for _, oid := range cert.UnknownExtKeyUsage {
		if k, ok := dccKeyUsageOIDs[oidString(oid)]; ok {
			allowed[k] = true
		}
	}
	if len(allowed) == 0 || allowed[t] {
		return nil
	}
	return checkpoint.Failf(checkpoint.FailKeyUsage, "signing certificate may not sign %s certificates", t)
}

func oidString(o asn1.ObjectIdentifier) string { return o.String() }

// parseDCCDate reads a full-date, or the date part of a date-time.
func parseDCCDate(s string) (time.Time, error) {
	if len(s) >= 10 {
		if t, err := time.Parse("2006-01-02", s[:10]); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("date %q is not YYYY-MM-DD", s)
}

// parseDCCTime reads an RFC 3339 date-time as DCCs write it (with or
// without fractional seconds, "Z" or an offset, an offset without colon).
func parseDCCTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05Z0700", "2006-01-02T15:04:05.999999999Z0700", "2006-01-02T15:04:05Z07"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("time %q is not RFC 3339", s)
}

// testNegative is the SNOMED CT code "Not detected" (value set
// covid-19-lab-result).
const testNegative = "260415000"

// accept applies the site policy at now; it returns the note shown to the
// guard or a FailNotAccepted error saying why.
func (p DCCPolicy) accept(d *dgc, now time.Time, skew time.Duration) (string, error) {
	e := d.entry()
	switch d.kind() {
	case dccVaccination:
		if p.RejectVaccination {
			return "", checkpoint.Failf(checkpoint.FailNotAccepted, "vaccination certificates are not accepted here")
		}
		dn, sd := int(e.DN), int(e.SD)
		if dn <= 0 || sd <= 0 || dn < sd {
			return "", checkpoint.Failf(checkpoint.FailNotAccepted, "vaccination %d/%d is incomplete", dn, sd)
		}
		dt, err := parseDCCDate(e.DT)
		if err != nil {
			return "", checkpoint.Failf(checkpoint.FailNotAccepted, "vaccination date: %w", err)
		}
		if from := dt.Add(p.vaccinationWait()); now.Add(skew).Before(from) {
			return "", checkpoint.Failf(checkpoint.FailNotAccepted, "vaccination %d/%d of %s counts only from %s", dn, sd, e.DT[:10], from.Format("2006-01-02"))
		}
		return fmt.Sprintf("vaccination %d/%d", dn, sd), nil
	case dccTest:
		if p.RejectTest {
			return "", checkpoint.Failf(checkpoint.FailNotAccepted, "test certificates are not accepted here")
		}
		if e.TR != testNegative {
			return "", checkpoint.Failf(checkpoint.FailNotAccepted, "test result %q is not negative (%s)", e.TR, testNegative)
		}
		sc, err := parseDCCTime(e.SC)
		if err != nil {
			return "", checkpoint.Failf(checkpoint.FailNotAccepted, "test sample time: %w", err)
		}
		if sc.After(now.Add(skew)) {
			return "", checkpoint.Failf(checkpoint.FailNotAccepted, "test sample time %s is in the future", e.SC)
		}
		age := now.Sub(sc)
		if age > p.testValidity() {
			return "", checkpoint.Failf(checkpoint.FailNotAccepted, "negative test is %s old, more than %s", age.Round(time.Hour), p.testValidity())
		}
		return fmt.Sprintf("negative test, %s old", age.Round(time.Minute)), nil
	case dccRecovery:
		if p.RejectRecovery {
			return "", checkpoint.Failf(checkpoint.FailNotAccepted, "recovery certificates are not accepted here")
		}
		df, err1 := parseDCCDate(e.DF)
		du, err2 := parseDCCDate(e.DU)
		if err1 != nil || err2 != nil {
			return "", checkpoint.Failf(checkpoint.FailNotAccepted, "recovery validity dates %q..%q unreadable", e.DF, e.DU)
		}
		if now.Add(skew).Before(df) {
			return "", checkpoint.Failf(checkpoint.FailNotAccepted, "recovery valid only from %s", e.DF)
		}
		if now.Add(-skew).After(du.AddDate(0, 0, 1)) { // du is inclusive
			return "", checkpoint.Failf(checkpoint.FailNotAccepted, "recovery valid only until %s", e.DU)
		}
		return "recovery until " + e.DU[:10], nil
	}
	return "", checkpoint.Failf(checkpoint.FailInvalidClaims, "no single vaccination, test or recovery entry")
}

// maskName keeps the first letter of the family name and masks the rest.
// The name is cleaned first (checkpoint.CleanText), so the kept letter is
// never a bidi override, a zero-width or a control character.
func maskName(d *dgc) string {
	n := checkpoint.CleanText(d.Nam.FNT, checkpoint.MaxClaimRunes)
	if n == "" {
		n = checkpoint.CleanText(d.Nam.FN, checkpoint.MaxClaimRunes)
	}
	if n == "" {
		return ""
	}
	r, _ := utf8.DecodeRuneInString(n)
	return string(r) + "*"
}

// dccCode maps a verified, accepted DCC to the domain Code.
func dccCode(c *cwtClaims, d *dgc, note string) checkpoint.Code {
	e := d.entry()
	country := checkpoint.CleanText(strings.ToUpper(c.Iss), 16)
	if country == "" {
		country = checkpoint.CleanText(strings.ToUpper(e.CO), 16)
	}
	h := checkpoint.HashForRevocation([]byte(e.CI))
	code := checkpoint.Code{
		Format: checkpoint.FormatDCC, Issuer: country, Region: country,
		ID: hex.EncodeToString(h[:]), Color: checkpoint.ColorGreen, Kind: checkpoint.KindCard,
		HolderMasked: maskName(d), Note: note,
	}
	if c.Iat != nil {
		code.IssuedAt = c.Iat.t
	}
	if c.Exp != nil {
		code.ExpiresAt = c.Exp.t
	}
	return code
}
