package sync_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/checkpoint-terminal/checkpoint/rules"
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
