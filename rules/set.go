// Package rules makes a site's admission rules data: a rule set is a list
// of rules, each a CertLogic expression (rules/certlogic) over a documented
// data context (see Context) with the result it gives when it holds, signed
// by a pinned root (COSE_Sign1, as the trust list), versioned, and carrying
// its own test cases. The station calls Engine.Decide with the same inputs
// as checkpoint.Decide; with no rule set in force the built-in policy
// decides as before.
//
// Evaluation: the rules of the set in force are tried in order; a rule
// outside its validity window or scope is skipped; the first whose logic is
// truthy decides (its result and reason key). A rule whose logic fails to
// evaluate denies (reason "rule_error"), and a set in which no rule holds
// denies (reason "no_rule"): rules fail closed. Codes that failed
// verification, validity times or the policy check are denied by the
// built-in policy before any rule is consulted: no rule can admit a forged,
// revoked or expired code.
package rules

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/checkpoint-terminal/checkpoint"
	"github.com/checkpoint-terminal/checkpoint/rules/certlogic"
)

// Result is what a rule decides when its logic holds.
type Result string

const (
	Pass    Result = "PASS"
	Deny    Result = "DENY"
	Recheck Result = "RECHECK"
	Measure Result = "MEASURE"
)

// Outcome maps a result to the verdict outcome; OutcomeNone for an unknown
// result.
func (r Result) Outcome() checkpoint.Outcome {
	switch r {
	case Pass:
		return checkpoint.OutcomePass
	case Deny:
		return checkpoint.OutcomeDeny
	case Recheck:
		return checkpoint.OutcomeRecheck
	case Measure:
		return checkpoint.OutcomeMeasure
	}
	return checkpoint.OutcomeNone
}

// Text is a description in both UI languages.
type Text struct {
	ZH string `json:"zh-CN"`
	EN string `json:"en"`
}

// In returns the text in lang ("zh-CN" or "en"; anything else is English).
func (t Text) In(lang string) string {
	if strings.HasPrefix(lang, "zh") && t.ZH != "" {
		return t.ZH
	}
	return t.EN
}

// Scope limits where a set or a rule applies. An empty list matches every
// value. Regions are GB/T 2260 division codes and match by their prefix:
// "110000" (Beijing) covers "110105" (Chaoyang), "440300" covers "440304";
// other region codes (ISO 3166 countries) match exactly.
type Scope struct {
	Regions   []string `json:"regions,omitempty"`
	Sites     []string `json:"sites,omitempty"`
	Terminals []string `json:"terminals,omitempty"`
}

// Matches reports whether a terminal of region, site and id is in scope.
func (s Scope) Matches(region, site, terminal string) bool {
	return regionIn(s.Regions, region) && in(s.Sites, site) && in(s.Terminals, terminal)
}

func in(list []string, v string) bool {
	if len(list) == 0 {
		return true
	}
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func regionIn(list []string, region string) bool {
	if len(list) == 0 {
		return true
	}
	for _, r := range list {
		if r == region || (isDivision(r) && isDivision(region) && strings.HasPrefix(region, divisionPrefix(r))) {
			return true
		}
	}
	return false
}

func isDivision(s string) bool {
	if len(s) != 6 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// divisionPrefix drops the trailing "00" pairs of a division code: the
// province "110000" is "11", the city "440300" is "4403".
func divisionPrefix(s string) string {
	for len(s) > 2 && strings.HasSuffix(s, "00") {
		s = s[:len(s)-2]
	}
	return s
}

// Rule is one admission rule.
type Rule struct {
	// ID names the rule in records ("GREEN-TEST-48H"); Version counts its edits.
	ID          string `json:"id"`
	Version     int    `json:"version"`
	Description Text   `json:"description"`
	// ValidFrom and ValidUntil bound when the rule is applied (zero: unbounded).
	ValidFrom  time.Time `json:"valid_from,omitzero"`
	ValidUntil time.Time `json:"valid_until,omitzero"`
	Scope      Scope     `json:"scope,omitzero"`
	// Result and Reason are the verdict when Logic holds; Reason is the
	// reason key shown to the guard as "reason.<key>" (and recorded).
	Result Result `json:"result"`
	Reason string `json:"reason"`
	// Logic is a CertLogic expression over the data context (Context).
	Logic json.RawMessage `json:"logic"`

	expr any
}

// Expect is what a test case expects: the result, optionally the reason and
// the rule that fires ("" for none checked).
type Expect struct {
	Result Result `json:"result"`
	Reason string `json:"reason,omitempty"`
	Rule   string `json:"rule,omitempty"`
}

// TestCase is a data context and the decision the set must reach on it.
type TestCase struct {
	Name   string          `json:"name"`
	Data   json.RawMessage `json:"data"`
	Expect Expect          `json:"expect"`
}

// Set is a versioned rule set.
type Set struct {
	ID          string    `json:"id"`
	Version     uint64    `json:"version"`
	Description Text      `json:"description"`
	IssuedAt    time.Time `json:"issued_at,omitzero"`
	// ActivateAt is when terminals start applying the set (zero: at once);
	// ValidUntil when they stop (zero: never). Before activation the set it
	// replaces (or the built-in policy) stays in force.
	ActivateAt time.Time  `json:"activate_at,omitzero"`
	ValidUntil time.Time  `json:"valid_until,omitzero"`
	Scope      Scope      `json:"scope,omitzero"`
	Rules      []Rule     `json:"rules"`
	Tests      []TestCase `json:"tests,omitempty"`
}

// Name is "<id>@<version>", as verdicts and records carry it.
func (s *Set) Name() string { return fmt.Sprintf("%s@%d", s.ID, s.Version) }

// Errors a caller can branch on.
var (
	// ErrInvalidSet: the set is malformed (missing ids, unknown results,
	// logic that is not valid CertLogic, duplicate rule ids).
	ErrInvalidSet = errors.New("invalid rule set")
	// ErrTestsFailed: the set's own test cases do not all hold.
	ErrTestsFailed = errors.New("rule set fails its own tests")
)

// MaxSet bounds a rule set's JSON.
const MaxSet = 1 << 20

// Parse decodes and validates a rule set's JSON (unknown fields refused).
// It does not run the set's tests (see Set.Test).
func Parse(b []byte) (*Set, error) {
	if len(b) > MaxSet {
		return nil, fmt.Errorf("%w: %d bytes, above the %d limit", ErrInvalidSet, len(b), MaxSet)
	}
	var s Set
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidSet, err)
	}
	if err := s.validate(); err != nil {
		return nil, err
	}
	return &s, nil
}

func (s *Set) validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if s.ID == "" {
		bad("set has no id")
	} else if !isName(s.ID, maxSetID) {
		bad("set id %q must be at most %d bytes without control characters (it is recorded with every verdict)", s.ID, maxSetID)
	}
	if s.Version == 0 {
		bad("set %q has no version", s.ID)
	}
	if len(s.Rules) == 0 {
		bad("set %q has no rules", s.ID)
	}
	seen := map[string]bool{}
	for i := range s.Rules {
		r := &s.Rules[i]
		if r.ID == "" {
			bad("rule %d has no id", i+1)
		}
		if seen[r.ID] {
			bad("rule id %q appears twice", r.ID)
		}
		seen[r.ID] = true
		if r.Result.Outcome() == checkpoint.OutcomeNone {
			bad("rule %q: result %q is not PASS, DENY, RECHECK or MEASURE", r.ID, r.Result)
		}
		if !isReasonKey(r.Reason) {
			bad("rule %q: reason key %q must be 1..%d of a-z, 0-9 and _ (it is recorded, and the hub refuses records with any other reason)", r.ID, r.Reason, maxReasonKey)
		}
		if r.ID != "" && !isName(r.ID, maxRuleID) {
			bad("rule id %q must be 1..%d bytes without control characters (it is recorded with every verdict)", r.ID, maxRuleID)
		}
		if r.Description.EN == "" || r.Description.ZH == "" {
			bad("rule %q: description needs both zh-CN and en", r.ID)
		}
		if !r.ValidFrom.IsZero() && !r.ValidUntil.IsZero() && !r.ValidUntil.After(r.ValidFrom) {
			bad("rule %q: valid_until is not after valid_from", r.ID)
		}
		if len(r.Logic) == 0 {
			bad("rule %q has no logic", r.ID)
			continue
		}
		if err := json.Unmarshal(r.Logic, &r.expr); err != nil {
			bad("rule %q: logic: %v", r.ID, err)
			continue
		}
		for _, is := range certlogic.Validate(r.expr) {
			bad("rule %q: logic: %s", r.ID, is.Message)
		}
	}
	for i, tc := range s.Tests {
		if tc.Name == "" {
			bad("test %d has no name", i+1)
		}
		if tc.Expect.Result.Outcome() == checkpoint.OutcomeNone {
			bad("test %q: expected result %q is not PASS, DENY, RECHECK or MEASURE", tc.Name, tc.Expect.Result)
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("%w %s@%d: %w", ErrInvalidSet, s.ID, s.Version, errors.Join(errs...))
	}
	return nil
}

// InForce reports whether the set applies at now to a terminal of region,
// site and id: activated, not past ValidUntil, and in scope.
func (s *Set) InForce(now time.Time, region, site, terminal string) bool {
	if !s.ActivateAt.IsZero() && now.Before(s.ActivateAt) {
		return false
	}
	if !s.ValidUntil.IsZero() && !now.Before(s.ValidUntil) {
		return false
	}
	return s.Scope.Matches(region, site, terminal)
}

// Caps matching what the hub stores with each record (sync/hub: rule_set
// and rule at most 128 bytes, reason a lower-case code of at most 64): a
// set whose names went past them would have every record it decides
// refused by the hub.
const (
	maxReasonKey = 64
	maxRuleID    = 128
	maxSetID     = 100 // plus "@" and up to 20 digits of version: 121
)

func isReasonKey(s string) bool {
	if s == "" || len(s) > maxReasonKey {
		return false
	}
	for _, c := range []byte(s) {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '_' {
			return false
		}
	}
	return true
}

func isName(s string, max int) bool {
	if s == "" || len(s) > max || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}
