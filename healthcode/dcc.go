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
// The zero value is the default: a completed primary vaccination series
// counts 14 days after its last dose and a booster at once, a negative
// test taken within 72 hours, a recovery certificate inside its validity
// window.
type DCCPolicy struct {
	// RejectVaccination, RejectTest and RejectRecovery switch a certificate
	// type off entirely.
	RejectVaccination, RejectTest, RejectRecovery bool
	// VaccinationWait is how long after the last dose a completed primary
	// series (dn = sd) counts. Zero means 14 days; negative means no wait.
	// A booster (dn > sd) counts at once.
	VaccinationWait time.Duration
	// OneDoseAfterRecovery: a 1/1 vaccination with a product whose primary
	// series has two doses (anything but the single-dose products, e.g.
	// Janssen EU/1/20/1525) is the one dose given after a recovery, and
	// counts at once like a booster. Off by default: such a 1/1 waits
	// VaccinationWait like any completed series.
	OneDoseAfterRecovery bool
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

// singleDoseProducts are the medicinal products (value set
// vaccines-covid-19-names) whose primary series is one dose.
var singleDoseProducts = map[string]bool{"EU/1/20/1525": true, "Convidecia": true, "Sputnik-Light": true}

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

// kind returns the type of the certificate, or 0 if it holds no entry or
// entries of more than one type. Several entries of one type occur (national
// test certificates of schema 1.0-1.2 carry two vaccination entries).
func (d *dgc) kind() dccType {
	switch {
	case len(d.V) > 0 && len(d.T) == 0 && len(d.R) == 0:
		return dccVaccination
	case len(d.V) == 0 && len(d.T) > 0 && len(d.R) == 0:
		return dccTest
	case len(d.V) == 0 && len(d.T) == 0 && len(d.R) > 0:
		return dccRecovery
	}
	return 0
}

// entries returns the entries of the certificate's type.
func (d *dgc) entries() []dgcEntry {
	switch d.kind() {
	case dccVaccination:
		return d.V
	case dccTest:
		return d.T
	case dccRecovery:
		return d.R
	}
	return nil
}

// entry returns the entry that decides: the latest one of its type. For a
// vaccination the latest date, then the highest dose number; for a test the
// latest sample time; for a recovery the latest valid-from date. An entry
// whose date cannot be read sorts first, so a readable one decides.
func (d *dgc) entry() *dgcEntry {
	es := d.entries()
	if len(es) == 0 {
		return nil
	}
	best := 0
	for i := 1; i < len(es); i++ {
		if d.later(&es[i], &es[best]) {
			best = i
		}
	}
	return &es[best]
}

// later reports whether a was given after b (see entry).
func (d *dgc) later(a, b *dgcEntry) bool {
	key := func(e *dgcEntry) (time.Time, float64) {
		switch d.kind() {
		case dccVaccination:
			t, _ := parseDCCDate(e.DT)
			return t, float64(e.DN)
		case dccTest:
			t, _ := parseDCCTime(e.SC)
			return t, 0
		}
		t, _ := parseDCCDate(e.DF)
		return t, 0
	}
	ta, na := key(a)
	tb, nb := key(b)
	if !ta.Equal(tb) {
		return ta.After(tb)
	}
	return na > nb
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

// decodeDGC decodes the DCC in the claims; it must hold vaccination, test
// or recovery entries, of one type only.
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
		return nil, checkpoint.Failf(checkpoint.FailInvalidClaims, "eu_dgc_v1 holds %d vaccination, %d test and %d recovery entries, want entries of exactly one type", len(d.V), len(d.T), len(d.R))
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

// parseDCCDate reads a full-date, or the date part of a date-time, as the
// calendar date it names (at midnight UTC; see localDay).
func parseDCCDate(s string) (time.Time, error) {
	if len(s) >= 10 {
		if t, err := time.Parse("2006-01-02", s[:10]); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("date %q is not YYYY-MM-DD", s)
}

// localDay is the start of the calendar day of date (from parseDCCDate) at
// the terminal, in loc: a date-only field names a day where the certificate
// is checked, not a UTC day.
func localDay(date time.Time, loc *time.Location) time.Time {
	y, m, d := date.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, loc)
}

// addWait adds a waiting period to a local midnight: whole days as calendar
// days (a daylight-saving change does not move the day boundary), anything
// else as a duration.
func addWait(t time.Time, wait time.Duration) time.Time {
	if wait%(24*time.Hour) == 0 {
		return t.AddDate(0, 0, int(wait/(24*time.Hour)))
	}
	return t.Add(wait)
}

// dccTimeLayouts are the ISO 8601 date-time forms issuers write: RFC 3339
// with or without fractional seconds, an offset with or without colon or
// hours only, and the local form without any zone, which is read as UTC.
var dccTimeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02T15:04:05.999999999Z07",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
}

// parseDCCTime reads an ISO 8601 date-time as DCCs write it (see
// dccTimeLayouts); a time without zone is UTC. The separator "T" and the
// zone "Z" may be lower case (RFC 3339 section 5.6).
func parseDCCTime(s string) (time.Time, error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	for _, layout := range dccTimeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("time %q is not an ISO 8601 date-time", s)
}

// testNegative is the SNOMED CT code "Not detected" (value set
// covid-19-lab-result).
const testNegative = "260415000"

// accept applies the site policy at now, with date-only fields on the
// calendar of loc (the terminal's zone); it returns the note shown to the
// guard or a FailNotAccepted error saying why.
func (p DCCPolicy) accept(d *dgc, now time.Time, skew time.Duration, loc *time.Location) (string, error) {
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
		// A booster counts at once; only a completed primary series waits.
		booster := dn > sd || p.OneDoseAfterRecovery && dn == 1 && sd == 1 && e.MP != "" && !singleDoseProducts[e.MP]
		wait := p.vaccinationWait()
		if booster {
			wait = 0
		}
		if from := addWait(localDay(dt, loc), wait); now.Add(skew).Before(from) {
			return "", checkpoint.Failf(checkpoint.FailNotAccepted, "vaccination %d/%d of %s counts only from %s", dn, sd, e.DT[:10], from.Format("2006-01-02 15:04 MST"))
		}
		if booster {
			return fmt.Sprintf("vaccination %d/%d (booster)", dn, sd), nil
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
			return "", checkpoint.Failf(checkpoint.FailNotAccepted, "negative test is %s old, more than %s", age.Round(time.Second), p.testValidity())
		}
		return fmt.Sprintf("negative test, %s old", max(age, 0).Round(time.Minute)), nil
	case dccRecovery:
		if p.RejectRecovery {
			return "", checkpoint.Failf(checkpoint.FailNotAccepted, "recovery certificates are not accepted here")
		}
		df, err1 := parseDCCDate(e.DF)
		du, err2 := parseDCCDate(e.DU)
		if err1 != nil || err2 != nil {
			return "", checkpoint.Failf(checkpoint.FailNotAccepted, "recovery validity dates %q..%q unreadable", e.DF, e.DU)
		}
		if now.Add(skew).Before(localDay(df, loc)) {
			return "", checkpoint.Failf(checkpoint.FailNotAccepted, "recovery valid only from %s", e.DF)
		}
		if !now.Add(-skew).Before(localDay(du, loc).AddDate(0, 0, 1)) { // du is inclusive
			return "", checkpoint.Failf(checkpoint.FailNotAccepted, "recovery valid only until %s", e.DU)
		}
		return "recovery until " + e.DU[:10], nil
	}
	return "", checkpoint.Failf(checkpoint.FailInvalidClaims, "no vaccination, test or recovery entries of one type")
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
	dccFacts(d, &code)
	return code
}
