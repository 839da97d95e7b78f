package hub_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
	"github.com/checkpoint-terminal/checkpoint/healthcode"
	"github.com/checkpoint-terminal/checkpoint/sync/hub"
	"github.com/checkpoint-terminal/checkpoint/sync/wire"
)

// TestSignedFiles: documents signed away from the hub are published only
// with the numbers and dataset the hub hands out, verified against its
// roots and unexpired; a withdrawal takes its hashes out of the set, the
// next snapshot and the lookups.
func TestSignedFiles(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	n, err := e.admin.Next(ctx)
	if err != nil || n.RevocationSeq != 1 || n.PolicyVersion != 1 || n.Dataset != e.dataset(t) {
		t.Fatalf("Next on an empty hub: %+v %v", n, err)
	}
	now := time.Now().UTC().Truncate(time.Second)
	rev := func(kind wire.RevocationKind, seq, prev uint64, ds wire.DatasetID, hs []checkpoint.RevocationHash) wire.RevocationDoc {
		return wire.RevocationDoc{Kind: kind, Seq: seq, Prev: prev, Dataset: ds, IssuedAt: now, ExpiresAt: now.Add(time.Hour), Hashes: hs}
	}
	sign := func(d wire.RevocationDoc) []byte {
		b, err := tagged(d.Marshal())
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	hs := hashes("h", 4)
	expired := rev(wire.KindDelta, 1, 0, n.Dataset, hs)
	expired.IssuedAt, expired.ExpiresAt = now.Add(-2*time.Hour), now.Add(-time.Hour)
	foreign, _ := healthcode.GenerateKey(healthcode.ES256)
	foreignSigned, _ := healthcode.SignDocument(rev(wire.KindDelta, 1, 0, n.Dataset, hs).Marshal(), foreign)
	for _, tc := range []struct {
		name   string
		signed []byte
		want   error
	}{
		{"a sequence number ahead", sign(rev(wire.KindDelta, 5, 4, n.Dataset, hs)), hub.ErrWrongNumber},
		{"a delta of another dataset", sign(rev(wire.KindDelta, 1, 0, wire.DatasetID{9}, hs)), hub.ErrWrongNumber},
		{"an expired delta", sign(expired), wire.ErrExpiredDocument},
		{"a foreign signature", foreignSigned, hub.ErrForeignSignature},
		{"a snapshot of nothing", sign(rev(wire.KindSnapshot, 1, 0, n.Dataset, hs)), hub.ErrWrongNumber},
	} {
		if _, err := e.admin.PublishSignedRevocations(ctx, tc.signed); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	var rows int
	e.pool.QueryRow(ctx, "SELECT (SELECT count(*) FROM revocation_deltas) + (SELECT count(*) FROM revoked_hashes) + (SELECT revocation_seq FROM hub_state)").Scan(&rows)
	if rows != 0 {
		t.Fatalf("refused documents left %d rows or moved the counter", rows)
	}
	if d, err := e.admin.PublishSignedRevocations(ctx, sign(rev(wire.KindDelta, 1, 0, n.Dataset, hs))); err != nil || d.Seq != 1 {
		t.Fatalf("a delta signed offline: %+v %v", d, err)
	}
	if _, err := e.admin.PublishSignedRevocations(ctx, sign(rev(wire.KindDelta, 1, 0, n.Dataset, hs))); !errors.Is(err, hub.ErrWrongNumber) {
		t.Errorf("the same delta again: %v, want ErrWrongNumber", err)
	}
	if d, err := e.admin.PublishSignedRevocations(ctx, sign(rev(wire.KindWithdraw, 2, 1, n.Dataset, hs[1:2]))); err != nil || d.Kind != wire.KindWithdraw {
		t.Fatalf("a withdrawal signed offline: %+v %v", d, err)
	}
	in, err := e.admin.RevokedIn(ctx, hs)
	if err != nil || len(in) != 3 || in[hs[0]] != 1 {
		t.Errorf("RevokedIn after withdrawing one of 4: %v %v", in, err)
	}
	if _, ok := in[hs[1]]; ok {
		t.Error("the withdrawn hash is still listed as revoked")
	}
	set, seq, err := e.admin.RevocationSet(ctx)
	if err != nil || seq != 2 || len(set) != 3 {
		t.Fatalf("RevocationSet: %d hashes at %d, %v; want 3 at 2", len(set), seq, err)
	}
	// An offline snapshot must carry exactly that set.
	if _, err := e.admin.PublishSignedRevocations(ctx, sign(rev(wire.KindSnapshot, 2, 0, n.Dataset, hs))); !errors.Is(err, hub.ErrWrongNumber) {
		t.Errorf("a snapshot still carrying the withdrawn hash: %v, want ErrWrongNumber", err)
	}
	if _, err := e.admin.PublishSignedRevocations(ctx, sign(rev(wire.KindSnapshot, 2, 0, n.Dataset, set))); err != nil {
		t.Fatalf("the exported set as a snapshot: %v", err)
	}
	// The hub-signed path: withdraw one more, and the next snapshot lacks it.
	wseq, gone, err := e.admin.WithdrawRevocations(ctx, []checkpoint.RevocationHash{hs[2], hs[1]}, tagged)
	if err != nil || wseq != 3 || len(gone) != 1 || gone[0] != hs[2] {
		t.Fatalf("WithdrawRevocations: seq %d withdrawn %v %v; want 3 and only the hash still revoked", wseq, gone, err)
	}
	if _, count, err := e.admin.PublishSnapshot(ctx, tagged, false); err != nil || count != 2 {
		t.Errorf("snapshot after two withdrawals: %d hashes %v; want 2", count, err)
	}
	// Terminals are served the withdrawal like a delta.
	token, err := e.admin.RegisterDevice(ctx, "T1", "gate-1")
	if err != nil {
		t.Fatal(err)
	}
	resp, b := e.do(t, "GET", fmt.Sprintf("%s?since=1&dataset=%s", wire.PathRevocations, n.Dataset), "T1", token, nil, nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("revocations since 1: status %d", resp.StatusCode)
	}
	if docs := readFrames(t, b); len(docs) != 2 || docs[0].Kind != wire.KindWithdraw || docs[1].Kind != wire.KindWithdraw || docs[1].Seq != 3 {
		t.Errorf("since 1: %+v; want withdrawals 2 and 3", docs)
	}

	// Policies signed offline.
	pol := func(version uint64, ds wire.DatasetID) []byte {
		p, _ := json.Marshal(wire.PolicyDoc{Version: version, Dataset: ds, IssuedAt: now, ExpiresAt: now.Add(time.Hour), Policy: checkpoint.DefaultPolicy()})
		b, err := tagged(p)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	if _, err := e.admin.PublishSignedPolicy(ctx, pol(1, wire.DatasetID{9})); !errors.Is(err, hub.ErrWrongNumber) {
		t.Errorf("a policy of another dataset: %v, want ErrWrongNumber", err)
	}
	if d, err := e.admin.PublishSignedPolicy(ctx, pol(1, n.Dataset)); err != nil || d.Version != 1 {
		t.Fatalf("a policy signed offline: %+v %v", d, err)
	}
	if _, err := e.admin.PublishSignedPolicy(ctx, pol(1, n.Dataset)); !errors.Is(err, hub.ErrExists) {
		t.Errorf("the same version again: %v, want ErrExists", err)
	}
	if n2, _ := e.admin.Next(ctx); n2.PolicyVersion != 2 || n2.RevocationSeq != 4 {
		t.Errorf("Next after publishing: %+v, want policy 2 and revocation 4", n2)
	}
}
