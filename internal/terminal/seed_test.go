package terminal

import (
	"context"
	"crypto"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
	"github.com/checkpoint-terminal/checkpoint/healthcode"
	"github.com/checkpoint-terminal/checkpoint/internal/config"
	"github.com/checkpoint-terminal/checkpoint/sync/wire"
)

// [trust] trust_list and revocations seed an offline terminal at start;
// starting again with the same (now not newer) files is no error, and
// the store keeps what it holds.
// authority is a root and one issuer it trusts, with their files under
// dir: root.pub and a trust list (list.cose, version 7).
type authority struct {
	root, issuer crypto.Signer
	dir          string
}

func newAuthority(t *testing.T) *authority {
	t.Helper()
	root, err := healthcode.GenerateKey(healthcode.ES256)
	if err != nil {
		t.Fatal(err)
	}
	issuer, err := healthcode.GenerateKey(healthcode.ES256)
	if err != nil {
		t.Fatal(err)
	}
	a := &authority{root: root, issuer: issuer, dir: t.TempDir()}
	pub, err := healthcode.MarshalPublicKeyPEM(root.Public())
	if err != nil {
		t.Fatal(err)
	}
	a.write(t, "root.pub", pub)
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
	a.write(t, "list.cose", list)
	return a
}

func (a *authority) write(t *testing.T, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(a.dir, name)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// seededConfig is a terminal that trusts a and is seeded with its list.
func (a *authority) seededConfig(t *testing.T) config.Config {
	cfg := testConfig(t)
	cfg.Camera.Source = imageFolder(t)
	cfg.Trust.Roots = []string{filepath.Join(a.dir, "root.pub")}
	cfg.Trust.TrustList = filepath.Join(a.dir, "list.cose")
	return cfg
}

func TestBuildSeedsTrustListAndRevocations(t *testing.T) {
	a := newAuthority(t)
	now := time.Now()
	revoked := checkpoint.HashForRevocation([]byte("card-1"))
	snap, err := healthcode.SignDocument(wire.RevocationDoc{Kind: wire.KindSnapshot, Seq: 3, IssuedAt: now.Add(-time.Minute), ExpiresAt: now.Add(90 * 24 * time.Hour),
		Hashes: []checkpoint.RevocationHash{revoked}}.Marshal(), a.root)
	if err != nil {
		t.Fatal(err)
	}
	cfg := a.seededConfig(t)
	cfg.Trust.Revocations = a.write(t, "revocations.cose", snap)
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

// The verifier reads the clock skew from the policy in force: widening it
// on the settings screen lets a code just past its expiry through the
// signature check at once, as Decide already did (one policy, one answer).
func TestVerifierFollowsThePolicysSkewLive(t *testing.T) {
	a := newAuthority(t)
	term, err := Build(context.Background(), a.seededConfig(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer term.Close()
	now := time.Now()
	text, err := healthcode.Issue(healthcode.Claims{Issuer: "BJHC", Region: "110000", ID: "0011223344556677",
		Color: checkpoint.ColorGreen, IssuedAt: now.Add(-10 * time.Minute), ExpiresAt: now.Add(-3 * time.Minute),
		Kind: checkpoint.KindCard, HolderMasked: "张*"}, a.issuer)
	if err != nil {
		t.Fatal(err)
	}
	if v := term.TestCode(text); v.Reason != checkpoint.ReasonForFailure(checkpoint.FailExpired) {
		t.Fatalf("3 min past expiry with the default 2 min skew: %s/%s, want expired", v.Outcome, v.Reason)
	}
	pol := checkpoint.DefaultPolicy()
	pol.ClockSkew = 5 * time.Minute
	if err := term.SetLocalPolicy(pol); err != nil {
		t.Fatal(err)
	}
	if v := term.TestCode(text); v.Code == nil || v.Reason == checkpoint.ReasonForFailure(checkpoint.FailExpired) {
		t.Fatalf("3 min past expiry after the skew was widened to 5 min: %s/%s, want a verified code", v.Outcome, v.Reason)
	}
	pol.ClockSkew = 0
	if err := term.SetLocalPolicy(pol); err != nil {
		t.Fatal(err)
	}
	if v := term.TestCode(text); v.Reason != checkpoint.ReasonForFailure(checkpoint.FailExpired) {
		t.Fatalf("a policy skew of 0 means none: %s/%s, want expired", v.Outcome, v.Reason)
	}
}
