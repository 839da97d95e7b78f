package terminal

import (
	"errors"
	"os"
	"strings"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
	"github.com/checkpoint-terminal/checkpoint/rules"
	cpsync "github.com/checkpoint-terminal/checkpoint/sync"
)

// newRules builds the rules engine: the terminal's identity and health as
// its environment, the stored rule sets (after installing rules.file when
// newer) as its sets.
func (t *Terminal) newRules() *rules.Engine {
	e := rules.NewEngine(t.rulesEnv)
	if f := t.Config.Rules.File; f != "" {
		if b, err := os.ReadFile(f); err != nil {
			t.log.Error("reading rules.file", "file", f, "err", err)
		} else if set, err := t.Store.InstallRuleSet(b, t.Roots); err != nil && !errors.Is(err, cpsync.ErrStaleList) {
			t.log.Error("rule set from rules.file refused", "file", f, "err", err)
		} else if err == nil {
			t.log.Info("rule set installed", "set", set.Name())
		}
	}
	t.reloadRules(e)
	return e
}

// reloadRules gives the engine the sets in the store.
func (t *Terminal) reloadRules(e *rules.Engine) {
	v := t.Store.RuleSetVersion()
	sets, err := t.Store.RuleSets(t.Roots)
	if err != nil {
		t.log.Error("stored rule sets", "err", err)
	}
	e.Use(sets...)
	t.rulesVersion.Store(v)
}

// refreshRules reloads the engine when a sync round installed a newer set
// (one cheap read of the store's newest version per decision).
func (t *Terminal) refreshRules() {
	if v := t.Store.RuleSetVersion(); v != t.rulesVersion.Load() {
		t.reloadRules(t.Rules)
		t.log.Info("rule sets reloaded", "newest", v)
	}
}

// decide is the station's decider: the rules engine on fresh sets.
func (t *Terminal) decide(p checkpoint.Presentation, r *checkpoint.Reading, pol checkpoint.Policy, now time.Time) checkpoint.Verdict {
	t.refreshRules()
	return t.Rules.Decide(p, r, pol, now)
}

// rulesEnv is what rules see of the terminal beyond Decide's inputs.
func (t *Terminal) rulesEnv() rules.Env {
	now := t.clock.Now()
	env := rules.Env{TerminalID: t.Config.TerminalID, SiteID: t.Config.SiteID, Region: t.Config.Rules.Region, TrustListAge: -1, RevocationAge: -1}
	if _, issued, _, ok := t.Store.TrustListInfo(); ok {
		env.TrustListAge = now.Sub(issued)
		env.ClockBehind = now.Before(issued)
	}
	if st, err := t.Store.SyncState(); err == nil && !st.RevocationIssuedAt.IsZero() {
		env.RevocationAge = now.Sub(st.RevocationIssuedAt)
		env.ClockBehind = env.ClockBehind || now.Before(st.RevocationIssuedAt)
	}
	return env
}

// ExplainCode verifies and decides a code text without recording it, and
// says how: which rule set and rule decided, or that the built-in policy
// did (the operator's "test code" screen, hctool rules explain).
func (t *Terminal) ExplainCode(text string) rules.Explanation {
	now := t.clock.Now()
	code, err := t.Verifier.Verify(strings.TrimSpace(text))
	p := checkpoint.PresentationOf(code, err, now)
	var r *checkpoint.Reading
	if latest, ok := t.Temperature(); ok {
		r = &latest
	}
	t.refreshRules()
	return t.Rules.Explain(p, r, t.Policy(), now)
}
