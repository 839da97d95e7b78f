package healthcode

import (
	"testing"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
	"github.com/fxamacker/cbor/v2"
)

// HCN1 1.1: the optional test and vaccination claims survive issue and
// verification; a 1.0 code (without them) still verifies.
func TestFactsRoundTrip(t *testing.T) {
	f := newIssuer(t, SM2)
	v := NewVerifier(f.list, NewMemoryRevocations(), &fixedClock{t: t0}, Options{})
	cl := greenClaims()
	cl.Test = &checkpoint.TestFact{SampledAt: t0.Add(-26 * time.Hour), Result: checkpoint.TestNegative, Type: checkpoint.TestNucleicAcid}
	cl.Vaccination = &checkpoint.VaccinationFact{Doses: 3, SeriesDoses: 2, LastDose: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)}
	code, err := v.Verify(mustIssue(t, cl, f.key))
	if err != nil {
		t.Fatal(err)
	}
	if code.Test == nil || *code.Test != *cl.Test {
		t.Errorf("test %+v, want %+v", code.Test, cl.Test)
	}
	if code.Vaccination == nil || *code.Vaccination != *cl.Vaccination || !code.Vaccination.Complete() {
		t.Errorf("vaccination %+v, want %+v", code.Vaccination, cl.Vaccination)
	}
	if code.BirthYear != 1950 {
		t.Errorf("birth year %d", code.BirthYear)
	}
	old, err := v.Verify(mustIssue(t, greenClaims(), f.key))
	if err != nil || old.Test != nil || old.Vaccination != nil {
		t.Fatalf("a 1.0 code: %+v, %v", old, err)
	}
	// The facts cost about 20 bytes of payload.
	if n := len(payloadOf(t, cl)) - len(payloadOf(t, greenClaims())); n > 32 {
		t.Errorf("facts add %d bytes", n)
	}
}

func TestFactsRefused(t *testing.T) {
	f := newIssuer(t, ES256)
	for name, edit := range map[string]func(c *Claims){
		"unknown result":        func(c *Claims) { c.Test.Result = "inconclusive" },
		"unknown type":          func(c *Claims) { c.Test.Type = "smell" },
		"no sampling time":      func(c *Claims) { c.Test.SampledAt = time.Time{} },
		"sampled after issue":   func(c *Claims) { c.Test.SampledAt = t0.Add(time.Hour) },
		"negative doses":        func(c *Claims) { c.Vaccination.Doses = -1 },
		"30 doses":              func(c *Claims) { c.Vaccination.Doses = 30 },
		"doses without a date":  func(c *Claims) { c.Vaccination.LastDose = time.Time{} },
		"a date without doses":  func(c *Claims) { c.Vaccination.Doses = 0 },
		"last dose after issue": func(c *Claims) { c.Vaccination.LastDose = t0.Add(time.Hour) },
	} {
		cl := greenClaims()
		cl.Test = &checkpoint.TestFact{SampledAt: t0.Add(-2 * time.Hour), Result: checkpoint.TestNegative, Type: checkpoint.TestAntigen}
		cl.Vaccination = &checkpoint.VaccinationFact{Doses: 2, LastDose: t0.AddDate(0, -1, 0)}
		edit(&cl)
		if _, err := Issue(cl, f.key); err == nil {
			t.Errorf("%s: issued", name)
		}
	}
	// A signed payload with a bad test claim is refused as invalid claims.
	// (The verifier holds the same rules as Issue: a sampling time or a
	// last dose after iat is refused, not shown.)
	day := t0.Truncate(24 * time.Hour).Unix()
	for name, claim := range map[string]map[int]any{
		"result 7":                    {1: t0.Unix() - 3600, 2: 7, 3: 1},
		"no sampling time":            {2: 1, 3: 1},
		"sampled after iat":           {1: t0.Unix(), 2: 1, 3: 1},
		"vaccination: dose after iat": {-10: map[int]any{1: 3, 2: day + 86400, 3: 2}},
	} {
		w, err := greenClaims().toCWT()
		if err != nil {
			t.Fatal(err)
		}
		payload, _ := cborEnc.Marshal(w)
		var m map[int]cbor.RawMessage
		if err := cbor.Unmarshal(payload, &m); err != nil {
			t.Fatal(err)
		}
		var hcn map[int]any
		cbor.Unmarshal(m[ClaimHealthCode], &hcn)
		if v, ok := claim[-10]; ok {
			hcn[10] = v
		} else {
			hcn[9] = claim
		}
		m[ClaimHealthCode], _ = cborEnc.Marshal(hcn)
		payload, _ = cborEnc.Marshal(m)
		text := craft(t, Prefix, map[any]any{1: AlgES256, 4: mustKid(t, f.key.Public())}, nil, payload, signerFor(t, f.key))
		_, err = NewVerifier(f.list, NewMemoryRevocations(), &fixedClock{t: t0}, Options{}).Verify(text)
		if failureOf(err) != checkpoint.FailInvalidClaims {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// EU DCC facts map to the same domain fields as our own codes.
func TestDCCFactsMapToDomain(t *testing.T) {
	dsc := newDSC(t)
	iat, exp := t0.AddDate(0, -1, 0), t0.AddDate(1, 0, 0)
	day := func(d int) string { return t0.AddDate(0, 0, d).Format("2006-01-02") }
	v := NewVerifier(dsc.list, NewMemoryRevocations(), &fixedClock{t: t0}, Options{DCC: DCCPolicy{VaccinationWait: -1}})
	verify := func(m map[string]any) checkpoint.Code {
		t.Helper()
		c, err := v.Verify(dsc.dccText(t, m, iat, exp))
		if err != nil {
			t.Fatal(err)
		}
		if c.BirthYear != 1964 {
			t.Errorf("birth year %d", c.BirthYear)
		}
		return c
	}
	c := verify(vaccination(2, 2, day(-30)))
	if c.Vaccination == nil || c.Vaccination.Doses != 2 || c.Vaccination.SeriesDoses != 2 || !c.Vaccination.Complete() ||
		!c.Vaccination.LastDose.Equal(t0.AddDate(0, 0, -30).Truncate(24*time.Hour)) || c.Test != nil {
		t.Errorf("vaccination %+v test %+v", c.Vaccination, c.Test)
	}
	c = verify(testEntry(testNegative, t0.Add(-5*time.Hour).Format(time.RFC3339)))
	if c.Test == nil || c.Test.Result != checkpoint.TestNegative || c.Test.Type != checkpoint.TestNucleicAcid || !c.Test.SampledAt.Equal(t0.Add(-5*time.Hour)) {
		t.Errorf("test %+v", c.Test)
	}
	c = verify(recovery(day(-10), day(100)))
	if c.Recovery == nil || !c.Recovery.ValidUntil.Equal(t0.AddDate(0, 0, 100).Truncate(24*time.Hour)) || c.Vaccination != nil {
		t.Errorf("recovery %+v", c.Recovery)
	}
}
