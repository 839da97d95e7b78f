package rules

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/checkpoint-terminal/checkpoint/rules/certlogic"
)

// Reason keys the engine itself gives.
const (
	ReasonRuleError = "rule_error" // a rule's logic failed to evaluate: deny
	ReasonNoRule    = "no_rule"    // no rule of the set held: deny
)

// Step says what happened to one rule in an evaluation.
type Step struct {
	Rule string `json:"rule"`
	// Status: "skipped" (Why says: not yet valid, expired, out of scope),
	// "false", "fired", "error", or "not reached" (after the one that fired).
	Status string `json:"status"`
	Why    string `json:"why,omitempty"`
}

// Decision is the result of evaluating a set on a data context.
type Decision struct {
	Result Result `json:"result"`
	Reason string `json:"reason"`
	// Rule is the id of the rule that decided; empty for "no_rule".
	Rule  string `json:"rule,omitempty"`
	Trace []Step `json:"trace"`
}

// Evaluate tries the set's rules in order on data (a Context, or a test
// case's JSON decoded into any) at now, for a terminal of region, site and
// terminal id: the first rule in its window and scope whose logic is truthy
// decides. Logic that fails to evaluate or yields a value neither truthy nor
// falsy denies with ReasonRuleError; no rule holding denies with ReasonNoRule.
func (s *Set) Evaluate(data any, now time.Time, region, site, terminal string) Decision {
	d := Decision{}
	decided := false
	for i := range s.Rules {
		r := &s.Rules[i]
		if decided {
			d.Trace = append(d.Trace, Step{Rule: r.ID, Status: "not reached"})
			continue
		}
		switch {
		case !r.ValidFrom.IsZero() && now.Before(r.ValidFrom):
			d.Trace = append(d.Trace, Step{Rule: r.ID, Status: "skipped", Why: "not valid before " + stamp(r.ValidFrom)})
			continue
		case !r.ValidUntil.IsZero() && !now.Before(r.ValidUntil):
			d.Trace = append(d.Trace, Step{Rule: r.ID, Status: "skipped", Why: "expired at " + stamp(r.ValidUntil)})
			continue
		case !r.Scope.Matches(region, site, terminal):
			d.Trace = append(d.Trace, Step{Rule: r.ID, Status: "skipped", Why: "out of scope"})
			continue
		}
		v, err := certlogic.Evaluate(r.expr, data)
		switch {
		case err != nil:
			d.Trace = append(d.Trace, Step{Rule: r.ID, Status: "error", Why: err.Error()})
			d.Result, d.Reason, d.Rule, decided = Deny, ReasonRuleError, r.ID, true
		case certlogic.IsTruthy(v):
			d.Trace = append(d.Trace, Step{Rule: r.ID, Status: "fired"})
			d.Result, d.Reason, d.Rule, decided = r.Result, r.Reason, r.ID, true
		case certlogic.IsFalsy(v):
			d.Trace = append(d.Trace, Step{Rule: r.ID, Status: "false"})
		default:
			d.Trace = append(d.Trace, Step{Rule: r.ID, Status: "error", Why: fmt.Sprintf("logic gave %v, neither truthy nor falsy", v)})
			d.Result, d.Reason, d.Rule, decided = Deny, ReasonRuleError, r.ID, true
		}
	}
	if !decided {
		d.Result, d.Reason = Deny, ReasonNoRule
	}
	return d
}

// TestFailure is one embedded test case that did not hold.
type TestFailure struct {
	Name string
	Got  Decision
	Want Expect
	Err  error
}

func (f TestFailure) String() string {
	if f.Err != nil {
		return fmt.Sprintf("%s: %v", f.Name, f.Err)
	}
	return fmt.Sprintf("%s: got %s/%s by %q, want %s/%s by %q", f.Name, f.Got.Result, f.Got.Reason, f.Got.Rule, f.Want.Result, f.Want.Reason, f.Want.Rule)
}

// Test runs the set's embedded test cases. Each case's data is a data
// context (see Context); its "now" is the validation time (rule windows are
// checked against it) and its "terminal" the terminal's identity. It
// returns the cases that failed, and an error wrapping ErrTestsFailed when
// any did.
func (s *Set) Test() ([]TestFailure, error) {
	var fails []TestFailure
	for _, tc := range s.Tests {
		var data any
		if err := json.Unmarshal(tc.Data, &data); err != nil {
			fails = append(fails, TestFailure{Name: tc.Name, Want: tc.Expect, Err: fmt.Errorf("data: %w", err)})
			continue
		}
		now, region, site, terminal := testEnv(data)
		got := s.Evaluate(data, now, region, site, terminal)
		if got.Result != tc.Expect.Result || (tc.Expect.Reason != "" && got.Reason != tc.Expect.Reason) || (tc.Expect.Rule != "" && got.Rule != tc.Expect.Rule) {
			fails = append(fails, TestFailure{Name: tc.Name, Got: got, Want: tc.Expect})
		}
	}
	if len(fails) > 0 {
		return fails, fmt.Errorf("%w: %d of %d cases of %s, first %s", ErrTestsFailed, len(fails), len(s.Tests), s.Name(), fails[0])
	}
	return nil, nil
}

// testEnv reads the validation time and terminal identity out of a test
// case's data context.
func testEnv(data any) (now time.Time, region, site, terminal string) {
	m, _ := data.(map[string]any)
	if s, ok := m["now"].(string); ok {
		if d, err := certlogic.ParseDateTime(s); err == nil {
			now = d.Time()
		}
	}
	if t, ok := m["terminal"].(map[string]any); ok {
		region, _ = t["region"].(string)
		site, _ = t["site"].(string)
		terminal, _ = t["id"].(string)
	}
	return now, region, site, terminal
}
