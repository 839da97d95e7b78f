package sync_test

import (
	"context"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cpsync "github.com/checkpoint-terminal/checkpoint/sync"
	bolt "go.etcd.io/bbolt"
)

// setSchema rewrites a closed store's schema version with bbolt directly;
// with drop, the buckets added after version 1 are removed too, giving the
// layout an older terminal wrote.
func setSchema(t *testing.T, path string, v uint64, drop bool) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Update(func(tx *bolt.Tx) error {
		if drop {
			if err := tx.DeleteBucket([]byte("incidents")); err != nil {
				return err
			}
		}
		return tx.Bucket([]byte("meta")).Put([]byte("schema"), binary.BigEndian.AppendUint64(nil, v))
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestStoreOfPreviousLayoutIsMigrated: a store written by schema 1 (before
// the incidents bucket) opens with its records and outbox, and is schema 2
// afterwards.
func TestStoreOfPreviousLayoutIsMigrated(t *testing.T) {
	path := filepath.Join(t.TempDir(), "checkpoint.db")
	s := openStore(t, path, nil)
	at := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	for _, id := range []string{"a", "b", "c"} {
		if _, err := s.Append(context.Background(), newRecord("T1", "gate", id, at)); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	setSchema(t, path, 1, true)

	s, err := cpsync.Open(path, cpsync.Options{})
	if err != nil {
		t.Fatalf("opening a schema 1 store: %v", err)
	}
	defer s.Close()
	if v, err := s.SchemaVersion(); err != nil || v != 2 {
		t.Errorf("schema after migration: %d, %v; want 2", v, err)
	}
	if s.Pending() != 3 {
		t.Errorf("%d pending after migration, want 3", s.Pending())
	}
	if recs, err := s.Recent(10); err != nil || len(recs) != 3 {
		t.Errorf("%d records after migration (%v), want 3", len(recs), err)
	}
	if incs, err := s.Incidents(); err != nil || len(incs) != 0 {
		t.Errorf("incidents after migration: %v, %v", incs, err)
	}
}

// TestNewerStoreIsRefused: an older binary never touches a store a newer
// one wrote, and never moves it aside as damaged.
func TestNewerStoreIsRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "checkpoint.db")
	openStore(t, path, nil).Close()
	setSchema(t, path, 3, false)
	before, _ := os.ReadFile(path)

	_, err := cpsync.Open(path, cpsync.Options{})
	if !errors.Is(err, cpsync.ErrSchemaNewer) || !strings.Contains(err.Error(), "version 3") {
		t.Fatalf("Open of a schema 3 store: %v, want ErrSchemaNewer naming version 3", err)
	}
	if _, inc, err := cpsync.OpenOrRecover(path, cpsync.Options{}, time.Now()); !errors.Is(err, cpsync.ErrSchemaNewer) || inc != nil {
		t.Fatalf("OpenOrRecover: %v, %v; want ErrSchemaNewer and no move", inc, err)
	}
	after, _ := os.ReadFile(path)
	if string(before) != string(after) {
		t.Error("the refused store was changed")
	}
}
