package rules

import (
	"crypto"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
	"github.com/checkpoint-terminal/checkpoint/healthcode"
	"github.com/checkpoint-terminal/checkpoint/internal/decidecases"
)

// The built-in policy written as a rule set decides every case of
// checkpoint.Decide's tables exactly as Decide does.
func TestDefaultSetAgreesWithDecide(t *testing.T) {
	e := NewEngine(nil)
	e.Use(Default())
	byRule := 0
	for _, c := range decidecases.All() {
		want := checkpoint.Decide(c.P, c.R, c.Pol, c.Now)
		got := e.Decide(c.P, c.R, c.Pol, c.Now)
		if got.Outcome != want.Outcome || got.Reason != want.Reason || got.Failure != want.Failure || got.MessageKey != want.MessageKey {
			t.Errorf("%s: rules gave %s/%s, Decide %s/%s", c.Name, got.Outcome, got.Reason, want.Outcome, want.Reason)
		}
		if got.Outcome != c.Outcome || got.Reason != c.Reason {
			t.Errorf("%s: rules gave %s/%s, table says %s/%s", c.Name, got.Outcome, got.Reason, c.Outcome, c.Reason)
		}
		if got.Rule != "" {
			byRule++
			if got.RuleSet != "builtin@1" {
				t.Errorf("%s: rule set named %q", c.Name, got.RuleSet)
			}
		}
	}
	if byRule < 20 {
		t.Errorf("only %d cases were decided by a rule", byRule)
	}
}

func TestDefaultSetOwnTests(t *testing.T) {
	if fails, err := Default().Test(); err != nil {
		t.Fatalf("%v %v", err, fails)
	}
}

func rootKey(t *testing.T) (crypto.Signer, []crypto.PublicKey) {
	t.Helper()
	k, err := healthcode.GenerateKey(healthcode.ES256)
	if err != nil {
		t.Fatal(err)
	}
	return k, []crypto.PublicKey{k.Public()}
}

func TestSignOpen(t *testing.T) {
	root, roots := rootKey(t)
	other, _ := rootKey(t)
	signed, err := Sign(Default(), root)
	if err != nil {
		t.Fatal(err)
	}
	s, err := Open(signed, roots)
	if err != nil || s.Name() != "builtin@1" || len(s.Rules) != 9 {
		t.Fatalf("open: %v %+v", err, s)
	}
	if _, err := Open(signed, []crypto.PublicKey{other.Public()}); err == nil {
		t.Error("a set signed by an unpinned key opened")
	}
	tampered := append([]byte(nil), signed...)
	tampered[len(tampered)/2] ^= 1
	if _, err := Open(tampered, roots); err == nil {
		t.Error("a tampered set opened")
	}
	// A set whose own tests fail is refused even when properly signed.
	bad := Default()
	bad.Tests[0].Expect.Result = Deny
	if _, err := Sign(bad, root); !errors.Is(err, ErrTestsFailed) {
		t.Errorf("Sign of a failing set: %v", err)
	}
	raw, _ := json.Marshal(bad)
	doc, err := healthcode.SignDocument(raw, root)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Open(doc, roots); !errors.Is(err, ErrTestsFailed) {
		t.Errorf("Open of a failing set: %v", err)
	}
}

func TestParseRefuses(t *testing.T) {
	base := string(DefaultJSON())
	for name, mutate := range map[string]func(s *Set){
		"no id":              func(s *Set) { s.ID = "" },
		"no version":         func(s *Set) { s.Version = 0 },
		"unknown result":     func(s *Set) { s.Rules[0].Result = "ALLOW" },
		"reason with spaces": func(s *Set) { s.Rules[0].Reason = "not ok" },
		"no English":         func(s *Set) { s.Rules[0].Description.EN = "" },
		"duplicate rule id":  func(s *Set) { s.Rules[1].ID = s.Rules[0].ID },
		"invalid CertLogic":  func(s *Set) { s.Rules[0].Logic = json.RawMessage(`{"max":[1,2]}`) },
		"float literal":      func(s *Set) { s.Rules[0].Logic = json.RawMessage(`{">":[{"var":"x"},37.3]}`) },
		"no rules":           func(s *Set) { s.Rules = nil },
		// Names and reasons the hub would refuse on every record decided.
		"reason in camelCase":   func(s *Set) { s.Rules[0].Reason = "notVaccinated" },
		"reason with a dash":    func(s *Set) { s.Rules[0].Reason = "not-vaccinated" },
		"reason in Chinese":     func(s *Set) { s.Rules[0].Reason = "未接种" },
		"reason too long":       func(s *Set) { s.Rules[0].Reason = strings.Repeat("r", 65) },
		"rule id with NUL":      func(s *Set) { s.Rules[0].ID = "R\x00" },
		"rule id too long":      func(s *Set) { s.Rules[0].ID = strings.Repeat("R", 129) },
		"set id too long":       func(s *Set) { s.ID = strings.Repeat("s", 101) },
		"set id with a newline": func(s *Set) { s.ID = "a\nb" },
	} {
		s, err := Parse([]byte(base))
		if err != nil {
			t.Fatal(err)
		}
		mutate(s)
		b, _ := json.Marshal(s)
		if _, err := Parse(b); !errors.Is(err, ErrInvalidSet) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := Parse([]byte(`{"id":"x","version":1,"surprise":1,"rules":[]}`)); !errors.Is(err, ErrInvalidSet) {
		t.Errorf("unknown field: %v", err)
	}
	if _, err := Parse([]byte(`not json`)); !errors.Is(err, ErrInvalidSet) {
		t.Errorf("garbage: %v", err)
	}
}

func TestScope(t *testing.T) {
	for _, tc := range []struct {
		name                   string
		scope                  Scope
		region, site, terminal string
		want                   bool
	}{
		{"empty scope matches all", Scope{}, "110105", "S1", "T1", true},
		{"province covers district", Scope{Regions: []string{"110000"}}, "110105", "S1", "T1", true},
		{"city covers district", Scope{Regions: []string{"440300"}}, "440304", "", "", true},
		{"city excludes other city", Scope{Regions: []string{"440300"}}, "440104", "", "", false},
		{"province excludes other province", Scope{Regions: []string{"110000"}}, "440304", "", "", false},
		{"district exact", Scope{Regions: []string{"110105"}}, "110105", "", "", true},
		{"district excludes sibling", Scope{Regions: []string{"110105"}}, "110106", "", "", false},
		{"country exact", Scope{Regions: []string{"DE"}}, "DE", "", "", true},
		{"no region configured", Scope{Regions: []string{"110000"}}, "", "", "", false},
		{"site listed", Scope{Sites: []string{"a", "b"}}, "", "b", "", true},
		{"site not listed", Scope{Sites: []string{"a"}}, "", "b", "", false},
		{"terminal listed", Scope{Terminals: []string{"T1"}}, "", "", "T1", true},
		{"terminal not listed", Scope{Terminals: []string{"T1"}}, "", "", "T2", false},
	} {
		if got := tc.scope.Matches(tc.region, tc.site, tc.terminal); got != tc.want {
			t.Errorf("%s: %v", tc.name, got)
		}
	}
}

var t0 = decidecases.T0

func greenPresentation() checkpoint.Presentation {
	return checkpoint.Presentation{CapturedAt: t0, Code: &checkpoint.Code{Format: checkpoint.FormatHealthCode, ID: "c0de",
		Color: checkpoint.ColorGreen, Kind: checkpoint.KindDynamic, IssuedAt: t0.Add(-time.Minute), Region: "110000"}}
}

func oneRule(t *testing.T, logic string, r Rule) *Set {
	t.Helper()
	r.ID, r.Version, r.Description = "R", 1, Text{ZH: "规则", EN: "rule"}
	if r.Result == "" {
		r.Result, r.Reason = Pass, "ok"
	}
	r.Logic = json.RawMessage(logic)
	s := &Set{ID: "t", Version: 1, Description: Text{ZH: "测", EN: "t"}, Rules: []Rule{r}}
	b, _ := json.Marshal(s)
	out, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestEvaluationFailsClosed(t *testing.T) {
	normal := decidecases.Reading("normal")
	pol := checkpoint.DefaultPolicy()
	for _, tc := range []struct {
		name   string
		set    *Set
		now    time.Time
		reason checkpoint.Reason
	}{
		{"logic that errors denies", oneRule(t, `{"plusTime":[{"var":"code.test.sampled_at"},1,"day"]}`, Rule{}), t0, ReasonRuleError},
		{"logic neither truthy nor falsy denies", oneRule(t, `{"plusTime":["2026-01-01",1,"day"]}`, Rule{}), t0, ReasonRuleError},
		{"no rule holding denies", oneRule(t, `false`, Rule{}), t0, ReasonNoRule},
		{"rule not yet valid is skipped", oneRule(t, `true`, Rule{ValidFrom: t0.Add(time.Hour)}), t0, ReasonNoRule},
		{"rule past its window is skipped", oneRule(t, `true`, Rule{ValidUntil: t0}), t0, ReasonNoRule},
		{"rule in its window fires", oneRule(t, `true`, Rule{ValidFrom: t0.Add(-time.Hour), ValidUntil: t0.Add(time.Hour)}), t0, "ok"},
		{"rule out of scope is skipped", oneRule(t, `true`, Rule{Scope: Scope{Sites: []string{"other"}}}), t0, ReasonNoRule},
		{"temperature in tenths", oneRule(t, `{"<":[{"var":"temperature.deci_celsius"},{"var":"policy.fever_deci_celsius"}]}`, Rule{}), t0, "ok"},
	} {
		e := NewEngine(func() Env {
			return Env{TerminalID: "T1", SiteID: "S1", Region: "110105", TrustListAge: -1, RevocationAge: -1}
		})
		e.Use(tc.set)
		x := e.Explain(greenPresentation(), normal, pol, tc.now)
		if x.Verdict.Reason != tc.reason {
			t.Errorf("%s: %s/%s, trace %+v", tc.name, x.Verdict.Outcome, x.Verdict.Reason, x.Decision)
		}
		if tc.reason != "ok" && x.Verdict.Outcome != checkpoint.OutcomeDeny {
			t.Errorf("%s: outcome %s", tc.name, x.Verdict.Outcome)
		}
	}
}

// A set never admits a code the built-in policy refuses for itself.
func TestRulesCannotAdmitRefusedCodes(t *testing.T) {
	e := NewEngine(nil)
	e.Use(oneRule(t, `true`, Rule{}))
	for _, f := range checkpoint.Failures() {
		p := greenPresentation()
		p.Failure = f
		if v := e.Decide(p, decidecases.Reading("normal"), checkpoint.DefaultPolicy(), t0); v.Outcome != checkpoint.OutcomeDeny || v.Rule != "" {
			t.Errorf("%s: %s by %q", f, v.Outcome, v.Rule)
		}
	}
	old := greenPresentation()
	old.Code.IssuedAt = t0.Add(-time.Hour)
	if v := e.Decide(old, nil, checkpoint.DefaultPolicy(), t0); v.Reason != "too_old" {
		t.Errorf("old dynamic code: %s", v.Reason)
	}
}

func TestActiveSetChoice(t *testing.T) {
	env := Env{TerminalID: "T1", SiteID: "S1", Region: "110105"}
	e := NewEngine(func() Env { return env })
	a := oneRule(t, `true`, Rule{})
	b := oneRule(t, `true`, Rule{})
	b.Version, b.ActivateAt = 2, t0.Add(time.Hour)
	c := oneRule(t, `true`, Rule{})
	c.Version, c.Scope = 3, Scope{Regions: []string{"440300"}}
	e.Use(a, b, c)
	if s := e.Active(t0); s != a {
		t.Errorf("before b's activation: %v", s)
	}
	if s := e.Active(t0.Add(2 * time.Hour)); s != b {
		t.Errorf("after b's activation: %v", s)
	}
	env.Region = "440304"
	if s := e.Active(t0); s != c {
		t.Errorf("in Shenzhen: %v", s)
	}
	a.ValidUntil = t0
	env.Region = "110105"
	if s := e.Active(t0); s != nil {
		t.Errorf("expired set still active: %v", s)
	}
}

// Every example set in rules/examples parses and passes its own tests.
func TestExampleSets(t *testing.T) {
	files, _ := filepath.Glob("examples/*.json")
	if len(files) < 6 {
		t.Fatalf("%d example sets", len(files))
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		s, err := Parse(b)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if len(s.Tests) == 0 {
			t.Errorf("%s has no tests", f)
		}
		if fails, err := s.Test(); err != nil {
			t.Errorf("%s: %v %v", f, err, fails)
		}
	}
}
