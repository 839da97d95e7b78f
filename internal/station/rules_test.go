package station

import (
	"context"
	"crypto"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
	"github.com/checkpoint-terminal/checkpoint/healthcode"
	"github.com/checkpoint-terminal/checkpoint/internal/testenv"
	"github.com/checkpoint-terminal/checkpoint/rules"
)

// startRules runs a station that decides with a rules engine.
func startRules(t *testing.T, e *rules.Engine, site string) *harness {
	t.Helper()
	h := &harness{pres: make(chan checkpoint.Presentation), reads: make(chan checkpoint.Reading),
		events: make(chan Event, 16), log: &memLog{}, clock: &clock{now: t0}, done: make(chan error, 1)}
	st, err := New(Config{TerminalID: "T1", SiteID: site, Record: true, Decide: e.Decide}, h.clock, h.log, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	go func() { h.done <- st.Run(ctx, h.pres, h.reads, func(e Event) { h.events <- e }) }()
	t.Cleanup(func() { cancel(); <-h.done })
	return h
}

// signedExample signs rules/examples/<name>.json with root and opens it
// again as a terminal does (signature, validity, the set's own tests).
func signedExample(t *testing.T, root crypto.Signer, name string) *rules.Set {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testenv.RepoRoot(t), "rules", "examples", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := rules.Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	signed, err := rules.Sign(s, root)
	if err != nil {
		t.Fatal(err)
	}
	opened, err := rules.Open(signed, []crypto.PublicKey{root.Public()})
	if err != nil {
		t.Fatal(err)
	}
	return opened
}

// The six examples of issue 17, each a signed rule set, decide real
// presentations through the station, and every record names the set and
// the rule.
func TestSiteRuleExamplesThroughTheStation(t *testing.T) {
	root, err := healthcode.GenerateKey(healthcode.ES256)
	if err != nil {
		t.Fatal(err)
	}
	normal, fever := deg(36.6), deg(38.1)
	dcc := func(c *checkpoint.Code) {
		c.Format, c.Issuer, c.Region, c.Kind = checkpoint.FormatDCC, "DE", "DE", checkpoint.KindCard
		c.ExpiresAt = t0.AddDate(0, 6, 0)
	}
	both := func(fs ...func(c *checkpoint.Code)) func(c *checkpoint.Code) {
		return func(c *checkpoint.Code) {
			for _, f := range fs {
				f(c)
			}
		}
	}
	yellow := func(c *checkpoint.Code) { c.Color = checkpoint.ColorYellow }
	red := func(c *checkpoint.Code) { c.Color = checkpoint.ColorRed }
	for _, ex := range []struct {
		name, set, site, region string
		people                  []person
	}{
		{"green and a negative test within 48 h", "green-test-48h", "S1", "110105", []person{
			{"green, negative test 26 h ago", testFact(26, checkpoint.TestNegative), normal, checkpoint.OutcomePass, "green", "GREEN-NORMAL"},
			{"green, negative test 50 h ago", testFact(50, checkpoint.TestNegative), normal, checkpoint.OutcomeDeny, "no_negative_test_48h", "TEST-48H"},
			{"green, positive test", testFact(5, checkpoint.TestPositive), normal, checkpoint.OutcomeDeny, "no_negative_test_48h", "TEST-48H"},
			{"green, no test", nil, normal, checkpoint.OutcomeDeny, "no_negative_test_48h", "TEST-48H"},
			{"green, test, fever", testFact(3, checkpoint.TestNegative), fever, checkpoint.OutcomeRecheck, "fever", "FEVER"},
		}},
		{"fever clinic: green or yellow, red never", "fever-clinic", "fever-clinic-1", "110105", []person{
			{"yellow with a fever", yellow, fever, checkpoint.OutcomePass, "fever_clinic", "ADMIT"},
			{"green, normal", nil, normal, checkpoint.OutcomePass, "fever_clinic", "ADMIT"},
			{"red", red, normal, checkpoint.OutcomeDeny, "red", "RED"},
		}},
		{"at least 2 doses", "vaccination-2", "S1", "110105", []person{
			{"3 doses", doses(3, 2), normal, checkpoint.OutcomePass, "green", "GREEN-NORMAL"},
			{"1 dose", doses(1, 2), normal, checkpoint.OutcomeDeny, "vaccination_required", "VACCINATION-2"},
			{"no vaccination stated", nil, normal, checkpoint.OutcomeDeny, "vaccination_required", "VACCINATION-2"},
		}},
		{"outdoor site: no temperature gate", "outdoor", "park-gate", "110105", []person{
			{"green, no reading at all", nil, nil, checkpoint.OutcomePass, "green_outdoor", "GREEN-OUTDOOR"},
			{"green, fever reading", nil, fever, checkpoint.OutcomePass, "green_outdoor", "GREEN-OUTDOOR"},
			{"yellow", yellow, nil, checkpoint.OutcomeDeny, "yellow", "YELLOW"},
		}},
		{"outdoor set at another site is ignored", "outdoor", "S1", "110105", []person{
			{"green, no reading: built-in policy measures", nil, nil, checkpoint.OutcomeMeasure, "no_temperature", ""},
		}},
		{"DCC only with a completed series", "dcc-complete-series", "S1", "110105", []person{
			{"DCC 2/2", both(dcc, doses(2, 2)), normal, checkpoint.OutcomePass, "green", "GREEN-NORMAL"},
			{"DCC 1/2", both(dcc, doses(1, 2)), normal, checkpoint.OutcomeDeny, "dcc_series_incomplete", "DCC-SERIES"},
			{"DCC test certificate", both(dcc, testFact(3, checkpoint.TestNegative)), normal, checkpoint.OutcomeDeny, "dcc_series_incomplete", "DCC-SERIES"},
			{"our code, no vaccination", nil, normal, checkpoint.OutcomePass, "green", "GREEN-NORMAL"},
		}},
		{"Shenzhen set at a Shenzhen terminal", "shenzhen-72h", "S1", "440304", []person{
			{"no test", nil, normal, checkpoint.OutcomeDeny, "no_negative_test_72h", "TEST-72H"},
			{"test 50 h ago", testFact(50, checkpoint.TestNegative), normal, checkpoint.OutcomePass, "green", "GREEN-NORMAL"},
		}},
		{"Shenzhen set ignored by a Beijing terminal", "shenzhen-72h", "S1", "110105", []person{
			{"no test: built-in policy passes", nil, normal, checkpoint.OutcomePass, "green", ""},
		}},
	} {
		t.Run(ex.name, func(t *testing.T) {
			set := signedExample(t, root, ex.set)
			e := rules.NewEngine(func() rules.Env {
				return rules.Env{TerminalID: "T1", SiteID: ex.site, Region: ex.region, TrustListAge: time.Hour, RevocationAge: time.Hour}
			})
			e.Use(set)
			h := startRules(t, e, ex.site)
			finals := runPeople(t, h, set, ex.people)
			h.log.mu.Lock()
			defer h.log.mu.Unlock()
			if len(h.log.recs) != finals || finals == 0 && len(ex.people) > 1 {
				t.Errorf("%d records for %d final verdicts", len(h.log.recs), finals)
			}
		})
	}
}

// person is one presentation with an optional reading before it.
type person struct {
	name    string
	code    func(c *checkpoint.Code)
	reading *float64
	outcome checkpoint.Outcome
	reason  checkpoint.Reason
	rule    string // "" when the built-in policy must decide
}

func deg(c float64) *float64 { return &c }

func testFact(hoursAgo float64, result checkpoint.TestResult) func(c *checkpoint.Code) {
	return func(c *checkpoint.Code) {
		c.Test = &checkpoint.TestFact{SampledAt: t0.Add(-time.Duration(hoursAgo * float64(time.Hour))), Result: result, Type: checkpoint.TestNucleicAcid}
	}
}

func doses(n, series int) func(c *checkpoint.Code) {
	return func(c *checkpoint.Code) {
		c.Vaccination = &checkpoint.VaccinationFact{Doses: n, SeriesDoses: series, LastDose: t0.AddDate(0, -3, 0)}
	}
}

// runPeople presents each person and checks the verdict and its record; a
// held "measure" prompt (no reading yet) is checked as it is shown. It
// returns how many final verdicts were recorded.
func runPeople(t *testing.T, h *harness, set *rules.Set, people []person) int {
	t.Helper()
	finals := 0
	for i, p := range people {
		pr := code(string(rune('a'+i)), checkpoint.ColorGreen)
		if p.code != nil {
			p.code(pr.Code)
		}
		if p.reading != nil {
			h.reads <- reading(*p.reading, t0)
		}
		h.pres <- pr
		e := h.next(t)
		v := e.Verdict
		if !e.Final {
			if v.Outcome != checkpoint.OutcomeMeasure || p.outcome != checkpoint.OutcomeMeasure || v.Reason != p.reason || v.Rule != p.rule {
				t.Errorf("%s: held %s/%s by %q, want %s/%s by %q", p.name, v.Outcome, v.Reason, v.Rule, p.outcome, p.reason, p.rule)
			}
			continue
		}
		finals++
		if v.Outcome != p.outcome || v.Reason != p.reason || v.Rule != p.rule {
			t.Errorf("%s: got %s/%s by %q, want %s/%s by %q", p.name, v.Outcome, v.Reason, v.Rule, p.outcome, p.reason, p.rule)
		}
		wantSet := ""
		if p.rule != "" {
			wantSet = set.Name()
		}
		if e.Record.RuleSet != wantSet || e.Record.Rule != p.rule || e.Record.Reason != p.reason {
			t.Errorf("%s: record names %q/%q reason %s, want %q/%q", p.name, e.Record.RuleSet, e.Record.Rule, e.Record.Reason, wantSet, p.rule)
		}
	}
	return finals
}
