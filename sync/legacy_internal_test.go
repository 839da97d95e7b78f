package sync

import (
	"crypto"
	"path/filepath"
	"testing"

	"github.com/checkpoint-terminal/checkpoint/healthcode"
	bolt "go.etcd.io/bbolt"
)

// TestStoredPolicyWithoutExpiryReloads: a terminal upgraded with a policy
// installed before documents carried an expiry still opens and keeps it;
// only installing requires an expiry.
func TestStoredPolicyWithoutExpiryReloads(t *testing.T) {
	root, err := healthcode.GenerateKey(healthcode.ES256)
	if err != nil {
		t.Fatal(err)
	}
	legacy, err := healthcode.SignDocument([]byte(`{"version":3,"issued_at":"2026-11-23T08:00:00Z","policy":{"fever_threshold":37.3,"min_plausible":34,"max_plausible":43,"require_temperature":true,"pairing_window":10000000000,"max_dynamic_age":300000000000,"clock_skew":120000000000,"max_list_age":259200000000000,"retention":2419200000000000}}`), root)
	if err != nil {
		t.Fatal(err)
	}
	roots := []crypto.PublicKey{root.Public()}
	path := filepath.Join(t.TempDir(), "store.db")
	s, err := Open(path, Options{Roots: roots})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.InstallPolicy(legacy, roots); err == nil {
		t.Error("a policy without expiry was installed")
	}
	if err := s.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketMeta).Put(keyPolicy, legacy) }); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = Open(path, Options{Roots: roots})
	if err != nil {
		t.Fatalf("reopening a store holding a policy without expiry: %v", err)
	}
	defer s.Close()
	if _, v := s.Policy(); v != 3 {
		t.Errorf("policy version %d after reload, want 3", v)
	}
}
