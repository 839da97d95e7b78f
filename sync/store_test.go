package sync_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"path/filepath"
	gosync "sync"
	"testing"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
	cpsync "github.com/checkpoint-terminal/checkpoint/sync"
)

func TestAppendIsDurableAndOrdered(t *testing.T) {
	path := filepath.Join(t.TempDir(), "store.db")
	s, err := cpsync.Open(path, cpsync.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	base := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
	const n = 200
	var wg gosync.WaitGroup
	ids := make([]string, n)
	for i := range n {
		wg.Go(func() {
			r, err := s.Append(ctx, newRecord("T1", "gate-1", "c", base.Add(time.Duration(i)*time.Second)))
			if err != nil {
				t.Error(err)
				return
			}
			ids[i] = r.ID
		})
	}
	wg.Wait()
	for i, id := range ids {
		if !isUUIDv7(id) {
			t.Fatalf("record %d got id %q, want a UUIDv7", i, id)
		}
	}
	if _, err := s.Append(ctx, checkpoint.Record{TerminalID: "T1"}); err == nil {
		t.Error("an invalid record (no time, outcome, reason) was stored")
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.Append(cctx, newRecord("T1", "g", "c", base)); !errors.Is(err, context.Canceled) {
		t.Errorf("append with a cancelled context: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = openStore(t, path, nil)
	if s.Pending() != n {
		t.Errorf("after reopening: %d pending, want %d", s.Pending(), n)
	}
	recent, err := s.Recent(5)
	if err != nil || len(recent) != 5 {
		t.Fatalf("Recent(5): %d records, %v", len(recent), err)
	}
	seen := map[string]bool{}
	for _, id := range ids {
		seen[id] = true
	}
	for _, r := range recent {
		if !seen[r.ID] {
			t.Errorf("Recent returned unknown id %s", r.ID)
		}
	}
	var buf bytes.Buffer
	if err := s.ExportCSV(&buf, base.Add(10*time.Second), base.Add(20*time.Second)); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil || len(rows) != 11 || rows[0][0] != "id" {
		t.Fatalf("ExportCSV of 10 s: %d rows (%v), want header and 10", len(rows), err)
	}
	if err := s.Check(); err != nil {
		t.Errorf("consistency check: %v", err)
	}
}

func TestPurgeKeepsUnacknowledgedRecords(t *testing.T) {
	s := openStore(t, "", nil)
	ctx := context.Background()
	old := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 10 {
		if _, err := s.Append(ctx, newRecord("T1", "g", "c", old.Add(time.Duration(i)*time.Minute))); err != nil {
			t.Fatal(err)
		}
	}
	n, err := s.Purge(old.AddDate(0, 6, 0), 28*24*time.Hour)
	if err != nil || n != 0 || s.Pending() != 10 {
		t.Fatalf("purging pending records: purged %d (%v), %d pending; want 0 purged", n, err, s.Pending())
	}
	if _, err := s.Purge(old, 0); err == nil {
		t.Error("zero retention was accepted")
	}
}

func TestRevocationDeltasSnapshotsAndCompaction(t *testing.T) {
	a := newAuthority(t)
	path := filepath.Join(t.TempDir(), "store.db")
	s := openStore(t, path, a.roots())
	revoked := func(h checkpoint.RevocationHash) bool {
		t.Helper()
		ok, err := s.IsRevoked(h)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	var all []checkpoint.RevocationHash
	for seq := uint64(1); seq <= 12; seq++ {
		hs := hashes(string(rune('a'+seq)), int(50*seq))
		all = append(all, hs...)
		if err := s.ApplyRevocationDelta(a.delta(t, seq, seq-1, hs), a.roots()); err != nil {
			t.Fatalf("delta %d: %v", seq, err)
		}
	}
	st, err := s.RevocationStats()
	if err != nil || st.Seq != 12 || st.Runs > 5 {
		t.Fatalf("after 12 deltas: %+v %v; want seq 12 and a few runs", st, err)
	}
	for _, h := range all {
		if !revoked(h) {
			t.Fatalf("hash %x from a delta is not revoked", h)
		}
	}
	for _, h := range hashes("never", 500) {
		if revoked(h) {
			t.Fatalf("hash %x never revoked is reported revoked", h)
		}
	}
	for _, tc := range []struct {
		name string
		doc  []byte
		want error
	}{
		{"delta with a gap", a.delta(t, 14, 13, hashes("gap", 3)), cpsync.ErrRevocationGap},
		{"delta signed by another root", newAuthority(t).delta(t, 13, 12, hashes("evil", 3)), nil},
		{"garbage", []byte("not a signed document"), nil},
	} {
		err := s.ApplyRevocationDelta(tc.doc, a.roots())
		if err == nil || (tc.want != nil && !errors.Is(err, tc.want)) {
			t.Errorf("%s: %v, want an error (%v)", tc.name, err, tc.want)
		}
	}
	if revoked(hashes("evil", 1)[0]) || revoked(hashes("gap", 1)[0]) {
		t.Error("a refused delta changed the set")
	}
	if err := s.ApplyRevocationDelta(a.delta(t, 5, 4, hashes("replay", 2)), a.roots()); err != nil || revoked(hashes("replay", 1)[0]) {
		t.Errorf("replayed old delta: %v; must be a no-op", err)
	}
	if err := s.CompactRevocations(); err != nil {
		t.Fatal(err)
	}
	if st, _ := s.RevocationStats(); st.Runs != 1 || st.Entries != int64(len(all)) {
		t.Errorf("after compaction: %+v, want 1 run of %d", st, len(all))
	}
	if !revoked(all[0]) || !revoked(all[len(all)-1]) {
		t.Error("compaction lost hashes")
	}
	snap := hashes("snap", 1000)
	if err := s.ApplyRevocationDelta(a.snapshot(t, 20, snap), a.roots()); err != nil {
		t.Fatal(err)
	}
	if revoked(all[0]) || !revoked(snap[999]) {
		t.Error("a snapshot did not replace the set")
	}
	if err := s.ApplyRevocationDelta(a.delta(t, 21, 20, hashes("after", 1)), a.roots()); err != nil || !revoked(hashes("after", 1)[0]) {
		t.Errorf("delta after snapshot: %v", err)
	}
	if err := s.Check(); err != nil {
		t.Errorf("consistency check: %v", err)
	}
	s.Close()
	s = openStore(t, path, a.roots())
	if !revoked(snap[0]) {
		t.Error("revocations lost on reopen")
	}
}

func TestTrustListAndPolicyInstallKeepGoodData(t *testing.T) {
	a := newAuthority(t)
	now := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	path := filepath.Join(t.TempDir(), "store.db")
	s := openStore(t, path, a.roots())
	kid := func() []checkpoint.TrustedKey {
		k, err := s.KeysFor(checkpoint.FormatHealthCode, mustKid(t, a))
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	if len(kid()) != 0 {
		t.Fatal("an empty store trusts a key")
	}
	v2 := a.trustList(t, 2, now.Add(-time.Hour), now.Add(30*24*time.Hour))
	if err := s.InstallTrustList(v2, a.roots(), now); err != nil {
		t.Fatal(err)
	}
	if len(kid()) != 1 {
		t.Fatal("installed trust list does not answer for its key")
	}
	tampered := bytes.Clone(v2)
	tampered[len(tampered)/2] ^= 0x40
	for _, tc := range []struct {
		name   string
		signed []byte
		roots  bool
	}{
		{"tampered", tampered, true},
		{"older version", a.trustList(t, 1, now.Add(-time.Hour), now.Add(time.Hour)), true},
		{"same version", v2, true},
		{"expired", a.trustList(t, 3, now.Add(-48*time.Hour), now.Add(-time.Hour)), true},
		{"signed by another root", newAuthority(t).trustList(t, 9, now, now.Add(time.Hour)), true},
		{"no roots", a.trustList(t, 4, now, now.Add(time.Hour)), false},
	} {
		roots := a.roots()
		if !tc.roots {
			roots = nil
		}
		if err := s.InstallTrustList(tc.signed, roots, now); err == nil {
			t.Errorf("%s trust list installed", tc.name)
		}
		if v, _, _, _ := s.TrustListInfo(); v != 2 || len(kid()) != 1 {
			t.Errorf("after the %s list: version %d; the good list must stay", tc.name, v)
		}
	}

	if p, v := s.Policy(); v != 0 || p != checkpoint.DefaultPolicy() {
		t.Errorf("no policy installed: version %d; want the default", v)
	}
	pol := checkpoint.DefaultPolicy()
	pol.FeverThreshold = 37.5
	if err := s.InstallPolicy(a.policy(t, 3, pol), a.roots()); err != nil {
		t.Fatal(err)
	}
	bad := pol
	bad.FeverThreshold = 99
	if err := s.InstallPolicy(a.policy(t, 4, bad), a.roots()); err == nil {
		t.Error("an invalid policy was installed")
	}
	if err := s.InstallPolicy(a.policy(t, 2, checkpoint.DefaultPolicy()), a.roots()); !errors.Is(err, cpsync.ErrStaleList) {
		t.Errorf("older policy: %v, want ErrStaleList", err)
	}
	if err := s.InstallPolicy(newAuthority(t).policy(t, 9, pol), a.roots()); err == nil {
		t.Error("a policy signed by another root was installed")
	}

	// Reopened later, after the list expired offline: it still loads.
	s.Close()
	s = openStore(t, path, a.roots())
	if v, _, _, ok := s.TrustListInfo(); !ok || v != 2 || len(kid()) != 1 {
		t.Errorf("after reopening: trust list version %d loaded %v", v, ok)
	}
	if p, v := s.Policy(); v != 3 || p.FeverThreshold != 37.5 {
		t.Errorf("after reopening: policy version %d threshold %.1f", v, p.FeverThreshold)
	}
	if st, err := s.SyncState(); err != nil || st.TrustListVersion != 2 || st.PolicyVersion != 3 {
		t.Errorf("sync state: %+v %v", st, err)
	}
}
