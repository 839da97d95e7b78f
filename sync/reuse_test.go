package sync_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	gosync "sync"
	"testing"

	cpsync "github.com/checkpoint-terminal/checkpoint/sync"
	"github.com/checkpoint-terminal/checkpoint/sync/hub"
	"github.com/checkpoint-terminal/checkpoint/sync/wire"
)

// revocationTables is what a backup of the hub's revocation numbering
// holds: the counter (with revocation_seen), the signed documents, the
// set and the digests.
var revocationTables = []string{"revocation_deltas", "revocation_snapshots", "revoked_hashes", "revocation_digests"}

// backupRevocations copies the revocation tables and hub_state aside, as
// a database backup would.
func backupRevocations(t *testing.T, h *hubEnv) {
	t.Helper()
	for _, tb := range append(revocationTables, "hub_state") {
		if _, err := h.pool.Exec(context.Background(), "CREATE TABLE backup_"+tb+" AS SELECT * FROM "+tb); err != nil {
			t.Fatal(err)
		}
	}
}

// restoreRevocations puts the backup back: counter, revocation_seen,
// documents, set and digests all go back to when it was taken.
func restoreRevocations(t *testing.T, h *hubEnv) {
	t.Helper()
	ctx := context.Background()
	for _, tb := range revocationTables {
		if _, err := h.pool.Exec(ctx, "DELETE FROM "+tb+"; INSERT INTO "+tb+" SELECT * FROM backup_"+tb); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := h.pool.Exec(ctx, `UPDATE hub_state h SET dataset = b.dataset, revocation_seq = b.revocation_seq,
		revocation_seen = b.revocation_seen, policy_version = b.policy_version, policy_seen = b.policy_seen FROM backup_hub_state b`); err != nil {
		t.Fatal(err)
	}
}

type syncBuffer struct {
	mu gosync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// reusedNumbers reproduces the reviewer's scenario: deltas 1–4 published,
// a terminal synced to 4, the database restored to a backup taken at batch
// 2, then two new batches published before any terminal syncs: the hub
// numbers them 3 and 4 again. It returns the hub (serving with its log in
// the buffer), the terminal's store and client, and a second terminal
// that had synced to 2 only.
func reusedNumbers(t *testing.T) (h *hubEnv, srv *httptest.Server, logs *syncBuffer, s *cpsync.Store, c *cpsync.Client, s2 *cpsync.Store, c2 *cpsync.Client) {
	t.Helper()
	h = newHub(t)
	logs = &syncBuffer{}
	srv = httptest.NewServer(hub.New(h.pool, hub.Config{Log: slog.New(slog.NewTextHandler(logs, nil))}).Handler())
	t.Cleanup(srv.Close)
	ctx := context.Background()
	for i, p := range []string{"one", "two"} {
		if seq, _, err := h.admin.AddRevocations(ctx, hashes(p, 2), h.sign); err != nil || seq != uint64(i+1) {
			t.Fatalf("delta %d: seq %d, %v", i+1, seq, err)
		}
	}
	s2 = openStore(t, "", h.auth.roots())
	c2 = h.client(s2, srv.URL)
	if err := c2.Sync(ctx); err != nil || c2.Status().RevocationSeq != 2 {
		t.Fatalf("second terminal at 2: seq %d, %v", c2.Status().RevocationSeq, err)
	}
	backupRevocations(t, h)
	for i, p := range []string{"three", "four"} {
		if seq, _, err := h.admin.AddRevocations(ctx, hashes(p, 2), h.sign); err != nil || seq != uint64(i+3) {
			t.Fatalf("delta %d: seq %d, %v", i+3, seq, err)
		}
	}
	s = openStore(t, "", h.auth.roots())
	c = h.client(s, srv.URL)
	if err := c.Sync(ctx); err != nil || c.Status().RevocationSeq != 4 {
		t.Fatalf("terminal at 4: seq %d, %v", c.Status().RevocationSeq, err)
	}
	restoreRevocations(t, h)
	for i, p := range []string{"post-restore-a", "post-restore-b"} {
		if seq, _, err := h.admin.AddRevocations(ctx, hashes(p, 1), h.sign); err != nil || seq != uint64(i+3) {
			t.Fatalf("post-restore delta: seq %d, %v; want %d (the restored hub reuses the number)", seq, err, i+3)
		}
	}
	return h, srv, logs, s, c, s2, c2
}

// TestRevocationNumberReusedAfterRestore: a terminal at batch 4 of a hub
// restored to batch 2 that then published a new 3 and 4 is told so (409,
// ErrHubBehind in its status, an error in the hub's log naming the device
// and number) instead of silently hearing "nothing new"; a terminal that
// held only batches the hub still has gets the new ones; a terminal that
// does not send its digest is served as before.
func TestRevocationNumberReusedAfterRestore(t *testing.T) {
	h, srv, logs, s, c, s2, c2 := reusedNumbers(t)
	ctx := context.Background()

	err := c.Sync(ctx)
	if !errors.Is(err, cpsync.ErrHubBehind) {
		t.Fatalf("terminal at 4 of a hub that reused 3 and 4: %v, want ErrHubBehind (the new revocations would never reach it)", err)
	}
	if st := c.Status(); !strings.Contains(st.LastError, "reused") || st.RevocationSeq != 4 {
		t.Errorf("terminal status: error %q, seq %d; want the reused number reported, 4 kept", st.LastError, st.RevocationSeq)
	}
	if l := logs.String(); !strings.Contains(l, "level=ERROR") || !strings.Contains(l, "device=T1") || !strings.Contains(l, "seq=4") {
		t.Errorf("hub log does not name the device and number at error level:\n%s", l)
	}

	// The terminal that stopped at 2 holds the same batch 2: it gets the
	// new 3 and 4.
	if err := c2.Sync(ctx); err != nil {
		t.Fatalf("terminal at 2: %v", err)
	}
	if ok, _ := s2.IsRevoked(hashes("post-restore-b", 1)[0]); !ok || c2.Status().RevocationSeq != 4 {
		t.Errorf("terminal at 2 after the restore: revoked %v, seq %d; want the new batches", ok, c2.Status().RevocationSeq)
	}
	if ok, _ := s.IsRevoked(hashes("post-restore-a", 1)[0]); ok {
		t.Error("the terminal at 4 applied a batch that does not follow what it holds")
	}

	// An older terminal (no digest) is answered as before: nothing new.
	st, err := s.SyncState()
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodGet, srv.URL+wire.PathRevocations+"?since=4&dataset="+st.RevocationDataset.String(), nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set(wire.HeaderDevice, "T1")
	req.Header.Set("Authorization", "Bearer "+h.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotModified {
		t.Errorf("request without have: %d, want 304 as before", resp.StatusCode)
	}
}

// TestRevocationNumberReusedRecovered: after the operator publishes a
// snapshot of a new series (hub revocations snapshot --new-dataset), the
// terminal that reported the reused number takes it and follows the deltas
// after it; re-signed snapshots and pruned deltas are no divergence.
func TestRevocationNumberReusedRecovered(t *testing.T) {
	h, _, _, s, c, _, _ := reusedNumbers(t)
	ctx := context.Background()
	if err := c.Sync(ctx); !errors.Is(err, cpsync.ErrHubBehind) {
		t.Fatalf("before the new series: %v, want ErrHubBehind", err)
	}
	snapSeq, _, err := h.admin.PublishSnapshot(ctx, h.sign, true)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Sync(ctx); err != nil {
		t.Fatalf("sync after a new series: %v", err)
	}
	for _, p := range []string{"one", "two", "post-restore-a", "post-restore-b"} {
		if ok, _ := s.IsRevoked(hashes(p, 1)[0]); !ok {
			t.Errorf("after the new series %q is not revoked on the terminal", p)
		}
	}
	if got := c.Status().RevocationSeq; got != snapSeq {
		t.Errorf("terminal at %d, want the new snapshot %d", got, snapSeq)
	}
	if ok, _ := s.IsRevoked(hashes("three", 1)[0]); ok {
		t.Error("a batch lost with the restore is still in the terminal's set (the snapshot replaces it)")
	}

	// Deltas after the snapshot reach it.
	seq, _, err := h.admin.AddRevocations(ctx, hashes("later", 1), h.sign)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if ok, _ := s.IsRevoked(hashes("later", 1)[0]); !ok || c.Status().RevocationSeq != seq {
		t.Fatalf("delta %d after the new series: revoked %v, terminal at %d", seq, ok, c.Status().RevocationSeq)
	}
	// The terminal holds delta seq; a snapshot at the same number signed
	// twice and the delta pruned are the same batch, not a divergence.
	for range 2 {
		if _, _, err := h.admin.PublishSnapshot(ctx, h.sign, false); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := h.admin.PruneRevocations(ctx); err != nil {
		t.Fatal(err)
	}
	fresh := openStore(t, "", h.auth.roots())
	cf := h.client(fresh, h.url())
	h.start()
	if err := cf.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if _, _, err := h.admin.PublishSnapshot(ctx, h.sign, false); err != nil {
		t.Fatal(err)
	}
	for name, cl := range map[string]*cpsync.Client{"terminal holding the pruned delta": c, "terminal holding an earlier signing of the snapshot": cf} {
		if err := cl.Sync(ctx); err != nil {
			t.Errorf("%s: %v, want no divergence", name, err)
		}
	}
}
