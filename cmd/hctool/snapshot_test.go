package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/checkpoint-terminal/checkpoint/healthcode"
	cpsync "github.com/checkpoint-terminal/checkpoint/sync"
)

// A snapshot made from hctool revoke's file seeds a terminal's store.
func TestSnapshotSeedsAStore(t *testing.T) {
	dir := operatorSetup(t)
	revoked := filepath.Join(dir, "revoked.txt")
	mustHctool(t, "revoke", "--out", revoked, "--code-id", "0011223344556677")
	snap := filepath.Join(dir, "revocations.cose")
	out := mustHctool(t, "snapshot", "--root", filepath.Join(dir, "root.key"), "--hashes", revoked, "--out", snap, "--seq", "42")
	if !strings.Contains(out, "snapshot 42, 1 hash") {
		t.Fatalf("snapshot output: %q", out)
	}
	roots, err := healthcode.ReadPublicKeys(filepath.Join(dir, "root.pub"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := cpsync.Open(filepath.Join(t.TempDir(), "store.db"), cpsync.Options{Roots: roots})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	b, err := os.ReadFile(snap)
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := s.SeedRevocations(b, roots); !ok || err != nil {
		t.Fatalf("seeding the snapshot: %v %v", ok, err)
	}
	h, _ := healthcode.RevocationHashForCodeID("0011223344556677")
	if r, err := s.IsRevoked(h); !r || err != nil {
		t.Fatalf("the snapshot's code is not revoked: %v %v", r, err)
	}
	if _, errs, code := hctool(t, "snapshot", "--root", filepath.Join(dir, "root.key"), "--hashes", filepath.Join(dir, "none.txt"), "--out", snap); code == 0 || !strings.Contains(errs, "none.txt") {
		t.Fatalf("a missing hash file: exit %d %q", code, errs)
	}
}
