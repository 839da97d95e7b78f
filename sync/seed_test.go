package sync_test

import (
	"errors"
	"testing"
	"time"

	cpsync "github.com/checkpoint-terminal/checkpoint/sync"
)

func TestSeedTrustList(t *testing.T) {
	a := newAuthority(t)
	s := openStore(t, "", a.roots())
	now := time.Now()
	v2 := a.trustList(t, 2, now.Add(-time.Hour), now.Add(24*time.Hour))
	if ok, err := s.SeedTrustList(v2, a.roots(), now); !ok || err != nil {
		t.Fatalf("seeding an empty store: %v, %v", ok, err)
	}
	if ok, err := s.SeedTrustList(v2, a.roots(), now); ok || err != nil {
		t.Fatalf("seeding the same list again: %v, %v; want already current, no error", ok, err)
	}
	v1 := a.trustList(t, 1, now.Add(-2*time.Hour), now.Add(24*time.Hour))
	if ok, err := s.SeedTrustList(v1, a.roots(), now); ok || err != nil {
		t.Fatalf("seeding an older list: %v, %v; want already current, no error", ok, err)
	}
	if v, _, _, _ := s.TrustListInfo(); v != 2 {
		t.Fatalf("store holds version %d after older seeds, want 2", v)
	}
	expired := a.trustList(t, 3, now.Add(-48*time.Hour), now.Add(-time.Hour))
	if ok, err := s.SeedTrustList(expired, a.roots(), now); ok || err == nil {
		t.Fatalf("an expired seed: %v, %v; want an error", ok, err)
	}
	other := newAuthority(t)
	if ok, err := s.SeedTrustList(other.trustList(t, 9, now, now.Add(time.Hour)), a.roots(), now); ok || err == nil {
		t.Fatalf("a seed signed by an unpinned root: %v, %v; want an error", ok, err)
	}
}

func TestSeedRevocations(t *testing.T) {
	a := newAuthority(t)
	s := openStore(t, "", a.roots())
	hs := hashes("seed", 3)
	if ok, err := s.SeedRevocations(a.snapshot(t, 10, hs), a.roots()); !ok || err != nil {
		t.Fatalf("seeding an empty store: %v, %v", ok, err)
	}
	if revoked, err := s.IsRevoked(hs[1]); !revoked || err != nil {
		t.Fatalf("a seeded hash is not revoked: %v, %v", revoked, err)
	}
	if ok, err := s.SeedRevocations(a.snapshot(t, 10, hs), a.roots()); ok || err != nil {
		t.Fatalf("the same snapshot again: %v, %v; want already current", ok, err)
	}
	if ok, err := s.SeedRevocations(a.snapshot(t, 5, hashes("old", 1)), a.roots()); ok || err != nil {
		t.Fatalf("an older snapshot: %v, %v; want already current", ok, err)
	}
	newer := hashes("newer", 2)
	if ok, err := s.SeedRevocations(a.snapshot(t, 11, newer), a.roots()); !ok || err != nil {
		t.Fatalf("a newer snapshot: %v, %v", ok, err)
	}
	if revoked, _ := s.IsRevoked(hs[1]); revoked {
		t.Error("a newer snapshot did not replace the set")
	}
	if revoked, _ := s.IsRevoked(newer[0]); !revoked {
		t.Error("the newer snapshot's hash is not revoked")
	}
	if _, err := s.SeedRevocations(a.delta(t, 12, 11, hashes("d", 1)), a.roots()); !errors.Is(err, cpsync.ErrNotSnapshot) {
		t.Fatalf("a delta as a seed: %v, want ErrNotSnapshot", err)
	}
	if _, err := s.SeedRevocations([]byte("garbage"), a.roots()); err == nil {
		t.Fatal("a garbage seed was accepted")
	}
}
