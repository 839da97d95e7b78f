package sync_test

import (
	"context"
	"crypto"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/checkpoint-terminal/checkpoint/rules"
	cpsync "github.com/checkpoint-terminal/checkpoint/sync"
	"github.com/checkpoint-terminal/checkpoint/sync/hub"
)

// The hub publishes rule sets only when they verify and pass their own
// tests, versions going up; the client pulls the newest into the store.
func TestRuleSetsFromHubToStore(t *testing.T) {
	h := newHub(t)
	h.start()
	ctx := context.Background()
	h.publish(1, time.Now())
	other := newAuthority(t)
	if _, err := h.admin.PublishRuleSet(ctx, ruleSet(t, other, 4, false)); err == nil {
		t.Error("the hub published a set signed by an unpinned root")
	}
	if _, err := h.admin.PublishRuleSet(ctx, ruleSet(t, h.auth, 4, true)); err == nil {
		t.Error("the hub published a set failing its own tests")
	}
	expired := rules.Default()
	expired.ID, expired.Version, expired.ValidUntil = "site", 4, time.Now().Add(-time.Hour)
	if b, err := rules.Sign(expired, h.auth.root); err != nil {
		t.Fatal(err)
	} else if _, err := h.admin.PublishRuleSet(ctx, b); !errors.Is(err, hub.ErrExpiredDocument) {
		t.Errorf("a set past its valid_until: %v, want ErrExpiredDocument (served as the newest it would switch every terminal to the built-in policy)", err)
	}
	if set, err := h.admin.PublishRuleSet(ctx, ruleSet(t, h.auth, 5, false)); err != nil || set.Version != 5 {
		t.Fatalf("publish v5: %v", err)
	}
	if _, err := h.admin.PublishRuleSet(ctx, ruleSet(t, h.auth, 5, false)); !errors.Is(err, hub.ErrExists) {
		t.Errorf("v5 again: %v", err)
	}
	s := openStore(t, "", h.auth.roots())
	c := h.client(s, h.url())
	rec := newRecord("T1", "gate-1", "c0de", time.Now())
	rec.RuleSet, rec.Rule = "site@5", "GREEN-NORMAL"
	stored, err := s.Append(ctx, rec)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Append(ctx, newRecord("T1", "gate-1", "c0de2", time.Now())); err != nil {
		t.Fatal(err)
	}
	if err := c.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	var set, rule string
	if err := h.pool.QueryRow(ctx, "SELECT rule_set, rule FROM records WHERE id = $1", stored.ID).Scan(&set, &rule); err != nil || set != "site@5" || rule != "GREEN-NORMAL" {
		t.Errorf("hub record names %q/%q (%v)", set, rule, err)
	}
	var unnamed int
	if err := h.pool.QueryRow(ctx, "SELECT count(*) FROM records WHERE rule_set = ''").Scan(&unnamed); err != nil || unnamed != 1 {
		t.Errorf("%d records without a rule set (%v), want 1", unnamed, err)
	}
	if v := s.RuleSetVersion(); v != 5 {
		t.Fatalf("store holds rule set %d after sync, want 5", v)
	}
	if err := c.Sync(ctx); err != nil { // unchanged: 304
		t.Fatal(err)
	}
	if _, err := h.admin.PublishRuleSet(ctx, ruleSet(t, h.auth, 6, false)); err != nil {
		t.Fatal(err)
	}
	if err := c.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	sets, err := s.RuleSets(h.auth.roots())
	if err != nil || len(sets) != 2 || sets[0].Version != 6 {
		t.Fatalf("store sets after the second publish: %d %v", len(sets), err)
	}
}

// scopedSet signs the built-in set as id@version limited to scope.
func scopedSet(t *testing.T, a *authority, id string, version uint64, scope rules.Scope) []byte {
	t.Helper()
	s := rules.Default()
	s.ID, s.Version, s.Scope = id, version, scope
	b, err := rules.Sign(s, a.root)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// scopedTerminal registers device id at site on the hub and returns a
// store kept for it (region, site, id) and a client asking for region.
func (h *hubEnv) scopedTerminal(id, site, region string) (*cpsync.Store, *cpsync.Client) {
	h.t.Helper()
	token, err := h.admin.RegisterDevice(context.Background(), id, site)
	if err != nil {
		h.t.Fatal(err)
	}
	s, err := cpsync.Open(filepath.Join(h.t.TempDir(), id+".db"), cpsync.Options{Roots: h.auth.roots(),
		RulesFor: &cpsync.RulesTerminal{Region: region, Site: site, Terminal: id}})
	if err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(func() { s.Close() })
	c, err := cpsync.NewClient(s, cpsync.ClientConfig{HubURL: h.url(), DeviceID: id, Token: token, Region: region, Roots: h.auth.roots(),
		Interval: time.Hour, MinBackoff: 5 * time.Millisecond, MaxBackoff: 50 * time.Millisecond, RequestTimeout: 10 * time.Second}, nil, quiet)
	if err != nil {
		h.t.Fatal(err)
	}
	return s, c
}

// inForce is the set a terminal of the store decides with at now, "" for
// the built-in policy.
func inForce(t *testing.T, s *cpsync.Store, roots []crypto.PublicKey, region, site, id string) string {
	t.Helper()
	sets, err := s.RuleSets(roots)
	if err != nil {
		t.Fatal(err)
	}
	e := rules.NewEngine(func() rules.Env { return rules.Env{Region: region, SiteID: site, TerminalID: id} })
	e.Use(sets...)
	if a := e.Active(time.Now()); a != nil {
		return a.Name()
	}
	return ""
}

// The reviewer's first case: a Beijing terminal that joins after a
// Shenzhen-scoped set was published still receives the nationwide set
// (the hub served only the newest set, which the terminal ignored, so it
// ran the built-in policy); the Shenzhen terminal receives its own.
func TestRuleSetsLateTerminalGetsNewestInScope(t *testing.T) {
	h := newHub(t)
	h.start()
	ctx := context.Background()
	if _, err := h.admin.PublishRuleSet(ctx, scopedSet(t, h.auth, "nation", 1, rules.Scope{})); err != nil {
		t.Fatal(err)
	}
	if _, err := h.admin.PublishRuleSet(ctx, scopedSet(t, h.auth, "shenzhen", 2, rules.Scope{Regions: []string{"440300"}})); err != nil {
		t.Fatal(err)
	}
	bj, bjc := h.scopedTerminal("BJ1", "bj-gate", "110105")
	if err := bjc.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if got := inForce(t, bj, h.auth.roots(), "110105", "bj-gate", "BJ1"); got != "nation@1" {
		t.Errorf("Beijing terminal joining late decides with %q, want nation@1", got)
	}
	sz, szc := h.scopedTerminal("SZ1", "sz-gate", "440304")
	if err := szc.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if got := inForce(t, sz, h.auth.roots(), "440304", "sz-gate", "SZ1"); got != "shenzhen@2" {
		t.Errorf("Futian terminal decides with %q, want shenzhen@2", got)
	}
	// A terminal naming no region gets no region-scoped set, and one
	// scoped to its site or to itself as the hub registered it.
	if _, err := h.admin.PublishRuleSet(ctx, scopedSet(t, h.auth, "bj-site", 3, rules.Scope{Sites: []string{"bj-gate"}})); err != nil {
		t.Fatal(err)
	}
	if _, err := h.admin.PublishRuleSet(ctx, scopedSet(t, h.auth, "sz1-only", 4, rules.Scope{Terminals: []string{"SZ1"}})); err != nil {
		t.Fatal(err)
	}
	for _, c := range []*cpsync.Client{bjc, szc} {
		if err := c.Sync(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if got := inForce(t, bj, h.auth.roots(), "110105", "bj-gate", "BJ1"); got != "bj-site@3" {
		t.Errorf("Beijing terminal after its site's set: %q, want bj-site@3", got)
	}
	if got := inForce(t, sz, h.auth.roots(), "440304", "sz-gate", "SZ1"); got != "sz1-only@4" {
		t.Errorf("Futian terminal after its own set: %q, want sz1-only@4", got)
	}
}

// The reviewer's second case: after three publishes scoped elsewhere, a
// Beijing terminal still holds and applies the nationwide set (the store
// kept the newest three versions, so sets it ignores evicted the one in
// force).
func TestRuleSetsScopedPublishesKeepNationwide(t *testing.T) {
	h := newHub(t)
	h.start()
	ctx := context.Background()
	bj, bjc := h.scopedTerminal("BJ1", "bj-gate", "110105")
	if _, err := h.admin.PublishRuleSet(ctx, scopedSet(t, h.auth, "nation", 1, rules.Scope{})); err != nil {
		t.Fatal(err)
	}
	if err := bjc.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	for i, sc := range []rules.Scope{{Regions: []string{"440300"}}, {Sites: []string{"sz-gate"}}, {Terminals: []string{"SZ1"}}, {Regions: []string{"310000"}}} {
		if _, err := h.admin.PublishRuleSet(ctx, scopedSet(t, h.auth, "elsewhere", uint64(2+i), sc)); err != nil {
			t.Fatal(err)
		}
		if err := bjc.Sync(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if got := inForce(t, bj, h.auth.roots(), "110105", "bj-gate", "BJ1"); got != "nation@1" {
		t.Errorf("Beijing terminal after four sets scoped elsewhere decides with %q, want nation@1", got)
	}
	// Even handed directly to the store (as rules.file would), sets out of
	// scope are not kept and never evict the nationwide one.
	for v := uint64(2); v <= 5; v++ {
		if _, err := bj.InstallRuleSet(scopedSet(t, h.auth, "elsewhere", v, rules.Scope{Regions: []string{"440300"}}), h.auth.roots()); !errors.Is(err, cpsync.ErrRuleSetOutOfScope) {
			t.Errorf("installing a Shenzhen set in a Beijing store: %v, want ErrRuleSetOutOfScope", err)
		}
	}
	if got := inForce(t, bj, h.auth.roots(), "110105", "bj-gate", "BJ1"); got != "nation@1" {
		t.Errorf("after direct installs: %q, want nation@1", got)
	}
	// The next nationwide set still arrives (versions stay monotonic).
	if _, err := h.admin.PublishRuleSet(ctx, scopedSet(t, h.auth, "nation", 6, rules.Scope{})); err != nil {
		t.Fatal(err)
	}
	if err := bjc.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if got := inForce(t, bj, h.auth.roots(), "110105", "bj-gate", "BJ1"); got != "nation@6" {
		t.Errorf("after the next nationwide set: %q, want nation@6", got)
	}
}
