package hub_test

import (
	"context"
	"errors"
	"testing"

	"github.com/checkpoint-terminal/checkpoint"
	"github.com/checkpoint-terminal/checkpoint/healthcode"
	"github.com/checkpoint-terminal/checkpoint/sync/hub"
)

// TestPublishingGuard: nothing that terminals would refuse, or that would
// wedge them, is published.
func TestPublishingGuard(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	foreign, err := healthcode.GenerateKey(healthcode.ES256)
	if err != nil {
		t.Fatal(err)
	}
	foreignSign := func(p []byte) ([]byte, error) { return healthcode.SignDocument(p, foreign) }
	if _, err := e.admin.PublishTrustList(ctx, trustList(t, 5, foreign)); !errors.Is(err, hub.ErrForeignSignature) {
		t.Errorf("trust list signed by a foreign root: %v, want ErrForeignSignature", err)
	}
	if _, err := e.admin.PublishPolicy(ctx, 0, checkpoint.DefaultPolicy(), foreignSign); !errors.Is(err, hub.ErrForeignSignature) {
		t.Errorf("policy signed by a foreign root: %v, want ErrForeignSignature", err)
	}
	if _, _, err := e.admin.AddRevocations(ctx, hashes("f", 2), foreignSign); !errors.Is(err, hub.ErrForeignSignature) {
		t.Errorf("revocations signed by a foreign root: %v, want ErrForeignSignature", err)
	}
	if n, _ := e.admin.PruneRevocations(ctx); n != 0 {
		t.Errorf("a refused delta left %d rows", n)
	}
	var rows int
	e.pool.QueryRow(ctx, "SELECT (SELECT count(*) FROM trust_lists) + (SELECT count(*) FROM policies) + (SELECT count(*) FROM revocation_deltas) + (SELECT count(*) FROM revoked_hashes)").Scan(&rows)
	if rows != 0 {
		t.Errorf("refused documents left %d rows behind", rows)
	}

	// Versions: up only, and no absurd jump unless forced.
	if _, err := e.admin.PublishTrustList(ctx, trustList(t, 1<<62, nil)); !errors.Is(err, hub.ErrVersionJump) {
		t.Errorf("trust list version 2^62: %v, want ErrVersionJump", err)
	}
	if _, err := e.admin.PublishPolicy(ctx, 1<<40, checkpoint.DefaultPolicy(), tagged); !errors.Is(err, hub.ErrVersionJump) {
		t.Errorf("policy version 2^40: %v, want ErrVersionJump", err)
	}
	if v, err := e.admin.PublishPolicy(ctx, 0, checkpoint.DefaultPolicy(), tagged); err != nil || v != 1 {
		t.Errorf("a normal policy after refused ones: version %d, %v; want 1", v, err)
	}
	forced := &hub.Admin{Pool: e.pool, Force: true}
	if _, err := forced.PublishTrustList(ctx, trustList(t, 1<<63, nil)); !errors.Is(err, hub.ErrVersionJump) {
		t.Errorf("a forced trust list version 2^63 (past bigint): %v, want ErrVersionJump", err)
	}
	if _, err := forced.PublishTrustList(ctx, trustList(t, 1<<62, nil)); err != nil {
		t.Errorf("a forced jump: %v", err)
	}
	if _, err := e.admin.PublishTrustList(ctx, trustList(t, 100, nil)); !errors.Is(err, hub.ErrExists) {
		t.Errorf("a lower trust list version: %v, want ErrExists", err)
	}
}
