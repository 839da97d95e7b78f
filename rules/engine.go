package rules

import (
	"sync/atomic"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
)

// Engine decides with the rule set in force, or the built-in policy when
// none is. It is safe for concurrent use; Use swaps the sets atomically.
type Engine struct {
	sets atomic.Pointer[[]*Set]
	env  func() Env
}

// NewEngine makes an engine; env (nil: an empty Env) is read on every
// decision for the terminal's identity, clock state and list ages.
func NewEngine(env func() Env) *Engine {
	if env == nil {
		env = func() Env { return Env{TrustListAge: -1, RevocationAge: -1} }
	}
	return &Engine{env: env}
}

// Use replaces the sets the engine chooses from (each already verified and
// tested: see Open). The newest version in force at decision time applies.
func (e *Engine) Use(sets ...*Set) {
	cp := append([]*Set(nil), sets...)
	e.sets.Store(&cp)
}

// Active returns the set in force at now for this terminal, nil for none.
func (e *Engine) Active(now time.Time) *Set {
	env := e.env()
	return active(e.sets.Load(), now, env)
}

func active(sets *[]*Set, now time.Time, env Env) *Set {
	if sets == nil {
		return nil
	}
	var best *Set
	for _, s := range *sets {
		if s.InForce(now, env.Region, env.SiteID, env.TerminalID) && (best == nil || s.Version > best.Version) {
			best = s
		}
	}
	return best
}

// Explanation is a decision with how it was reached, for the operator.
type Explanation struct {
	Verdict checkpoint.Verdict
	// Set is nil when the built-in policy decided (no set in force, or the
	// code was refused before any rule: Floor says why).
	Set      *Set
	Floor    string
	Decision *Decision
	Context  map[string]any
}

// Decide has checkpoint.Decide's inputs and contract (pure of I/O, total):
// the built-in policy judges first, and a presentation it denies for the
// code itself (verification failure, validity times, invalid policy) stays
// denied. Otherwise the set in force, if any, decides and the verdict names
// it (RuleSet, Rule).
func (e *Engine) Decide(p checkpoint.Presentation, r *checkpoint.Reading, pol checkpoint.Policy, now time.Time) checkpoint.Verdict {
	return e.Explain(p, r, pol, now).Verdict
}

// Explain is Decide with its reasons: which set, which rules fired or were
// skipped, and the data context they saw.
func (e *Engine) Explain(p checkpoint.Presentation, r *checkpoint.Reading, pol checkpoint.Policy, now time.Time) Explanation {
	env := e.env()
	base := checkpoint.Decide(p, r, pol, now)
	x := Explanation{Verdict: base}
	set := active(e.sets.Load(), now, env)
	if set == nil {
		x.Floor = "no rule set in force: built-in policy"
		return x
	}
	if base.Reason == checkpoint.ReasonInvalidPolicy || base.Failure != checkpoint.FailNone || base.Code == nil {
		x.Floor = "code refused before the rules: " + string(base.Reason)
		return x
	}
	x.Set = set
	x.Context = Context(base.Code, r, base.TempState, pol, env, now)
	d := set.Evaluate(x.Context, now, env.Region, env.SiteID, env.TerminalID)
	x.Decision = &d
	v := base
	v.Outcome, v.Reason = d.Result.Outcome(), checkpoint.Reason(d.Reason)
	v.MessageKey = v.Reason.MessageKey()
	v.RuleSet, v.Rule = set.Name(), d.Rule
	for _, r := range set.Rules {
		if r.ID == d.Rule {
			v.RuleText = &checkpoint.BilingualText{ZH: r.Description.ZH, EN: r.Description.EN}
		}
	}
	x.Verdict = v
	return x
}
