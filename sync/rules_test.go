package sync_test

import (
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/checkpoint-terminal/checkpoint/rules"
	cpsync "github.com/checkpoint-terminal/checkpoint/sync"
)

func ruleSet(t *testing.T, a *authority, version uint64, breakTests bool) []byte {
	t.Helper()
	s := rules.Default()
	s.ID, s.Version = "site", version
	if breakTests {
		s.Tests[0].Expect.Result = rules.Deny
		raw, _ := json.Marshal(s)
		return a.sign(t, raw) // signed, but its own tests fail
	}
	b, err := rules.Sign(s, a.root)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestRuleSetsInstallMonotonicAndReload(t *testing.T) {
	a := newAuthority(t)
	other := newAuthority(t)
	path := filepath.Join(t.TempDir(), "store.db")
	s := openStore(t, path, a.roots())
	if _, err := s.InstallRuleSet(ruleSet(t, a, 5, false), a.roots()); err != nil {
		t.Fatal(err)
	}
	if _, err := s.InstallRuleSet(ruleSet(t, a, 5, false), a.roots()); !errors.Is(err, cpsync.ErrStaleList) {
		t.Errorf("same version again: %v", err)
	}
	if _, err := s.InstallRuleSet(ruleSet(t, a, 4, false), a.roots()); !errors.Is(err, cpsync.ErrStaleList) {
		t.Errorf("older version: %v", err)
	}
	if _, err := s.InstallRuleSet(ruleSet(t, a, 6, true), a.roots()); !errors.Is(err, rules.ErrTestsFailed) {
		t.Errorf("set failing its tests: %v", err)
	}
	if _, err := s.InstallRuleSet(ruleSet(t, other, 7, false), a.roots()); err == nil {
		t.Error("set signed by an unpinned root installed")
	}
	if v := s.RuleSetVersion(); v != 5 {
		t.Fatalf("version %d after refusals, want 5", v)
	}
	for v := uint64(6); v <= 9; v++ {
		if _, err := s.InstallRuleSet(ruleSet(t, a, v, false), a.roots()); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	s2, err := cpsync.Open(path, cpsync.Options{Roots: a.roots()})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	sets, err := s2.RuleSets(a.roots())
	if err != nil || len(sets) != 3 || sets[0].Version != 9 || sets[2].Version != 7 {
		t.Fatalf("reloaded %d sets (%v)", len(sets), err)
	}
	if sets, err := s2.RuleSets(other.roots()); err == nil || len(sets) != 0 {
		t.Errorf("sets reloaded under another root: %d, %v", len(sets), err)
	}
}

// A store that kept a set out of scope for its terminal (written before
// Options.RulesFor, or the terminal moved) does not let it block or evict
// the sets in scope: an older in-scope version still installs, the stray
// set is dropped, and the newest three in scope stay.
func TestRuleSetsStoreKeepsNewestInScope(t *testing.T) {
	a := newAuthority(t)
	path := filepath.Join(t.TempDir(), "store.db")
	sign := func(id string, v uint64, sc rules.Scope) []byte {
		s := rules.Default()
		s.ID, s.Version, s.Scope = id, v, sc
		b, err := rules.Sign(s, a.root)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	legacy := openStore(t, path, a.roots())
	if _, err := legacy.InstallRuleSet(sign("shenzhen", 5, rules.Scope{Regions: []string{"440300"}}), a.roots()); err != nil {
		t.Fatal(err)
	}
	legacy.Close()
	s, err := cpsync.Open(path, cpsync.Options{Roots: a.roots(), RulesFor: &cpsync.RulesTerminal{Region: "110105", Site: "bj-gate", Terminal: "BJ1"}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.InstallRuleSet(sign("nation", 3, rules.Scope{}), a.roots()); err != nil {
		t.Fatalf("nationwide v3 under a stored Shenzhen v5: %v", err)
	}
	for v := uint64(6); v <= 8; v++ {
		if _, err := s.InstallRuleSet(sign("beijing", v, rules.Scope{Regions: []string{"110000"}}), a.roots()); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.InstallRuleSet(sign("nation", 7, rules.Scope{}), a.roots()); !errors.Is(err, cpsync.ErrStaleList) {
		t.Errorf("v7 under a stored v8 in scope: %v, want ErrStaleList", err)
	}
	sets, err := s.RuleSets(a.roots())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, set := range sets {
		got = append(got, set.Name())
	}
	if strings.Join(got, " ") != "beijing@8 beijing@7 beijing@6" {
		t.Errorf("stored sets %v, want the newest three in scope", got)
	}
}
