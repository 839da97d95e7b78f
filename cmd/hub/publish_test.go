package main

import (
	"strings"
	"testing"
	"time"

	"github.com/checkpoint-terminal/checkpoint/healthcode"
)

// TestPublishForeignRootRefused: the hub publishes only what verifies
// against the roots configured on it, whatever the operator passes.
func TestPublishForeignRootRefused(t *testing.T) {
	db := pg.Database(t)
	op := newOperator(t)
	if _, e, code := hubCmd(t, "trustlist", "publish", "--db", db, "--file", op.listFile); code != 1 || !strings.Contains(e, "roots add") {
		t.Errorf("publishing with no root configured: exit %d %q, want 1 and a hint", code, e)
	}
	if _, e, code := hubCmd(t, "roots", "add", "--db", db, "--file", op.pubFile); code != 0 {
		t.Fatalf("roots add: %d %s", code, e)
	}
	other, _ := healthcode.GenerateKey(healthcode.ES256)
	foreign, err := healthcode.SignTrustList(healthcode.TrustListDoc{Version: 4, IssuedAt: time.Now().Add(-time.Hour), ExpiresAt: time.Now().Add(time.Hour)}, other)
	foreignFile := writePEM(t, op.dir, "foreign.bin", foreign, err)
	if _, e, code := hubCmd(t, "trustlist", "publish", "--db", db, "--file", foreignFile); code != 1 || !strings.Contains(e, "does not verify") {
		t.Errorf("publishing a list signed by a foreign root: exit %d %q, want 1", code, e)
	}
	otherKey, err := healthcode.MarshalPrivateKeyPEM(other)
	otherFile := writePEM(t, op.dir, "other.key", otherKey, err)
	if _, e, code := hubCmd(t, "policy", "publish", "--db", db, "--key", otherFile); code != 1 || !strings.Contains(e, "does not verify") {
		t.Errorf("publishing a policy signed by a foreign key: exit %d %q, want 1", code, e)
	}
	if _, e, code := hubCmd(t, "policy", "publish", "--db", db, "--key", op.keyFile, "--version", "99999999999"); code != 1 || !strings.Contains(e, "absurdly") {
		t.Errorf("a policy version jumping absurdly: exit %d %q, want 1", code, e)
	}
}
