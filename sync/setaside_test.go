package sync_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
	cpsync "github.com/checkpoint-terminal/checkpoint/sync"
)

// TestStoredListsOfAnUnpinnedRootAreSetAside installs a trust list and a
// policy under one root, keeps a record unsent, then reopens the store with
// another root pinned: it opens, sets both aside with a message, keeps the
// record, and a list from the new root installs again.
func TestStoredListsOfAnUnpinnedRootAreSetAside(t *testing.T) {
	old, cur := newAuthority(t), newAuthority(t)
	path := filepath.Join(t.TempDir(), "s.db")
	now := time.Now()
	s, err := cpsync.Open(path, cpsync.Options{Roots: old.roots()})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.InstallTrustList(old.trustList(t, 3, now.Add(-time.Hour), now.Add(24*time.Hour)), old.roots(), now); err != nil {
		t.Fatal(err)
	}
	if err := s.InstallPolicy(old.policy(t, 2, checkpoint.DefaultPolicy()), old.roots()); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Append(context.Background(), newRecord("T1", "gate-1", "c", now)); err != nil {
		t.Fatal(err)
	}
	s.Close()

	s, err = cpsync.Open(path, cpsync.Options{Roots: cur.roots()})
	if err != nil {
		t.Fatalf("reopening with another root pinned: %v", err)
	}
	defer s.Close()
	msgs := s.SetAside()
	if len(msgs) != 2 || !strings.Contains(msgs[0], "trust list no longer verifies") || !strings.Contains(msgs[1], "policy no longer verifies") || !strings.Contains(msgs[0], "records are kept") {
		t.Errorf("set-aside messages: %q", msgs)
	}
	if _, _, _, ok := s.TrustListInfo(); ok {
		t.Error("the unpinned root's trust list is still in use")
	}
	if _, v := s.Policy(); v != 0 {
		t.Errorf("the unpinned root's policy version %d is still in force", v)
	}
	if s.Pending() != 1 {
		t.Errorf("pending records %d, want 1 kept", s.Pending())
	}
	if err := s.InstallTrustList(cur.trustList(t, 1, now.Add(-time.Hour), now.Add(24*time.Hour)), cur.roots(), now); err != nil {
		t.Errorf("a list from the pinned root after the set-aside: %v", err)
	}
}
