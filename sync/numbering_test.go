package sync_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
	cpsync "github.com/checkpoint-terminal/checkpoint/sync"
	"github.com/checkpoint-terminal/checkpoint/sync/hub"
	"github.com/checkpoint-terminal/checkpoint/sync/wire"
)

// TestRevocationNumberingSurvivesPruningAndRestore: after the deltas are
// pruned, new revocations still reach a terminal (the number never goes
// back); after a restore from backup the terminal reports that the hub is
// behind instead of silently stopping, and a new series brings it back.
func TestRevocationNumberingSurvivesPruningAndRestore(t *testing.T) {
	h := newHub(t)
	h.start()
	ctx := context.Background()
	for i, p := range []string{"a", "b", "c"} {
		if seq, _, err := h.admin.AddRevocations(ctx, hashes(p, 3), h.sign); err != nil || seq != uint64(i+1) {
			t.Fatalf("delta %d: seq %d, %v", i+1, seq, err)
		}
	}
	if _, _, err := h.admin.PublishSnapshot(ctx, h.sign, false); err != nil {
		t.Fatal(err)
	}
	if n, err := h.admin.PruneRevocations(ctx); err != nil || n != 3 {
		t.Fatalf("prune: %d deleted, %v; want 3", n, err)
	}
	s := openStore(t, "", h.auth.roots())
	c := h.client(s, h.url())
	if err := c.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	fresh := hashes("after-prune", 1)
	seq, _, err := h.admin.AddRevocations(ctx, fresh, h.sign)
	if err != nil || seq != 4 {
		t.Fatalf("revocation after pruning: seq %d, %v; want 4 (never a reused number)", seq, err)
	}
	if err := c.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if ok, _ := s.IsRevoked(fresh[0]); !ok || c.Status().RevocationSeq != 4 {
		t.Fatalf("after pruning, a new revocation did not reach the terminal (seq %d)", c.Status().RevocationSeq)
	}
	// A second terminal starting from nothing gets snapshot 3 and delta 4.
	s2 := openStore(t, "", h.auth.roots())
	if err := h.client(s2, h.url()).Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if ok, _ := s2.IsRevoked(hashes("a", 1)[0]); !ok {
		t.Error("a new terminal misses a revocation covered by the snapshot")
	}

	// The counter refuses to hand out a number the hub has used.
	if _, err := h.pool.Exec(ctx, "UPDATE hub_state SET revocation_seq = 2"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := h.admin.AddRevocations(ctx, hashes("reuse", 1), h.sign); err == nil || !strings.Contains(err.Error(), "already used") {
		t.Errorf("reusing number 3: %v, want refused", err)
	}

	// A restore from an older backup: the hub knows batches up to 2 only.
	for _, q := range []string{"DELETE FROM revocation_deltas", "DELETE FROM revocation_snapshots", "DELETE FROM revoked_hashes WHERE seq > 2"} {
		if _, err := h.pool.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	err = c.Sync(ctx)
	if !errors.Is(err, cpsync.ErrHubBehind) || !strings.Contains(c.Status().LastError, "restored") {
		t.Fatalf("terminal ahead of a restored hub: %v (status %q), want ErrHubBehind", err, c.Status().LastError)
	}
	// The hub heard of batch 4 and will not number anything 3 or 4 again
	// (those would never reach this terminal) ...
	if _, _, err := h.admin.AddRevocations(ctx, hashes("post-restore", 2), h.sign); !errors.Is(err, hub.ErrRestored) {
		t.Fatalf("adding revocations on a restored hub: %v, want ErrRestored", err)
	}
	// ... until the operator starts a new series; the terminal takes its
	// snapshot, then the deltas after it.
	snapSeq, _, err := h.admin.PublishSnapshot(ctx, h.sign, true)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := h.admin.AddRevocations(ctx, hashes("post-restore", 2), h.sign); err != nil {
		t.Fatal(err)
	}
	snapSeq++
	if err := c.Sync(ctx); err != nil {
		t.Fatalf("sync after a new series: %v", err)
	}
	if ok, _ := s.IsRevoked(hashes("post-restore", 1)[0]); !ok || c.Status().RevocationSeq != snapSeq {
		t.Errorf("after a new series: revoked %v, seq %d, want the snapshot %d", ok, c.Status().RevocationSeq, snapSeq)
	}
}

// TestPolicyBehindAndExpired: a hub serving an older policy version than
// the terminal holds is reported; an expired policy or revocation batch is
// never installed, whatever its signature.
func TestPolicyBehindAndExpired(t *testing.T) {
	h := newHub(t)
	h.start()
	ctx := context.Background()
	for range 2 {
		if _, err := h.admin.PublishPolicy(ctx, 0, checkpoint.DefaultPolicy(), h.sign); err != nil {
			t.Fatal(err)
		}
	}
	s := openStore(t, "", h.auth.roots())
	c := h.client(s, h.url())
	if err := c.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	// A restore: version 2 and the counter past 1 are gone.
	if _, err := h.pool.Exec(ctx, "DELETE FROM policies WHERE version = 2; UPDATE hub_state SET policy_version = 1"); err != nil {
		t.Fatal(err)
	}
	if err := c.Sync(ctx); !errors.Is(err, cpsync.ErrHubBehind) {
		t.Errorf("hub serving policy 1 to a terminal at 2: %v, want ErrHubBehind", err)
	}
	if _, err := h.admin.PublishPolicy(ctx, 0, checkpoint.DefaultPolicy(), h.sign); !errors.Is(err, hub.ErrRestored) {
		t.Errorf("publishing version 2 again after a terminal reported holding it: %v, want ErrRestored", err)
	}
	if _, v := s.Policy(); v != 2 {
		t.Errorf("policy version %d after a hub behind, want 2 kept", v)
	}

	later := fixedClock(time.Now().Add(48 * time.Hour))
	s2, err := cpsync.Open(filepath.Join(t.TempDir(), "late.db"), cpsync.Options{Roots: h.auth.roots(), Clock: later})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if err := s2.InstallPolicy(h.auth.policy(t, 5, checkpoint.DefaultPolicy()), h.auth.roots()); !errors.Is(err, wire.ErrExpiredDocument) {
		t.Errorf("installing an expired policy: %v, want ErrExpiredDocument", err)
	}
	if err := s2.ApplyRevocationDelta(h.auth.snapshot(t, 9, hashes("x", 2)), h.auth.roots()); !errors.Is(err, wire.ErrExpiredDocument) {
		t.Errorf("installing an expired revocation snapshot: %v, want ErrExpiredDocument", err)
	}
	if st, _ := s2.SyncState(); st.RevocationSeq != 0 {
		t.Errorf("an expired snapshot moved the sequence to %d", st.RevocationSeq)
	}
}

type fixedClock time.Time

func (c fixedClock) Now() time.Time { return time.Time(c) }
