package terminal

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
	"github.com/checkpoint-terminal/checkpoint/healthcode"
	"github.com/checkpoint-terminal/checkpoint/sync/wire"
)

// [trust] trust_list and revocations seed an offline terminal at start;
// starting again with the same (now not newer) files is no error, and
// the store keeps what it holds.
func TestBuildSeedsTrustListAndRevocations(t *testing.T) {
	root, err := healthcode.GenerateKey(healthcode.ES256)
	if err != nil {
		t.Fatal(err)
	}
	issuer, err := healthcode.GenerateKey(healthcode.ES256)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	pub, err := healthcode.MarshalPublicKeyPEM(root.Public())
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	e, err := healthcode.NewKeyEntry(issuer.Public(), "110000", "BJHC")
	if err != nil {
		t.Fatal(err)
	}
	list, err := healthcode.SignTrustList(healthcode.TrustListDoc{Version: 7, IssuedAt: now.Add(-time.Hour), ExpiresAt: now.Add(time.Hour),
		Entries: []healthcode.TrustListEntry{e}}, root)
	if err != nil {
		t.Fatal(err)
	}
	revoked := checkpoint.HashForRevocation([]byte("card-1"))
	snap, err := healthcode.SignDocument(wire.RevocationDoc{Kind: wire.KindSnapshot, Seq: 3, IssuedAt: now.Add(-time.Minute),
		Hashes: []checkpoint.RevocationHash{revoked}}.Marshal(), root)
	if err != nil {
		t.Fatal(err)
	}
	cfg := testConfig(t)
	cfg.Camera.Source = imageFolder(t)
	cfg.Trust.Roots = []string{write("root.pub", pub)}
	cfg.Trust.TrustList = write("list.cose", list)
	cfg.Trust.Revocations = write("revocations.cose", snap)
	for run := 1; run <= 2; run++ {
		term, err := Build(context.Background(), cfg, Options{})
		if err != nil {
			t.Fatalf("start %d: %v", run, err)
		}
		h := term.Health()
		if v, _, _, _ := term.Store.TrustListInfo(); v != 7 || h.TrustListAt.IsZero() || h.RevocationAt.IsZero() {
			t.Errorf("start %d: trust list version %d, health %+v: want both seeds installed", run, v, h)
		}
		if r, err := term.Store.IsRevoked(revoked); !r || err != nil {
			t.Errorf("start %d: the seeded revocation is not in force: %v %v", run, r, err)
		}
		term.Close()
	}
}
