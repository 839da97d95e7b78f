// Package sync is the terminal's side of synchronisation: a bbolt file that
// holds the verified trust list, the revocation set, the policy, the outbox
// of pass records and the sync state, and a Client that keeps it in step
// with the hub (see docs/sync-protocol.md).
//
// Invariants:
//   - A record is in the file, committed and fsynced, before Append returns.
//   - A record leaves the outbox only after the hub named it as stored.
//   - The trust list, policy and revocations are replaced only by documents
//     whose signature verified against the pinned roots; a bad download
//     never replaces good data.
package sync

import (
	"crypto"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	gosync "sync"
	"sync/atomic"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
	"github.com/checkpoint-terminal/checkpoint/sync/wire"
	bolt "go.etcd.io/bbolt"
)

var (
	bucketMeta     = []byte("meta")
	bucketRecords  = []byte("records")
	bucketPending  = []byte("pending")
	bucketRejected = []byte("rejected")
	bucketRevRuns  = []byte("revocation-runs")
	// bucketIncidents (schema 2) holds the damaged files this store replaced.
	bucketIncidents = []byte("incidents")

	keyState     = []byte("state")
	keyTrustList = []byte("trustlist")
	keyPolicy    = []byte("policy")
	keySchema    = []byte("schema")
)

// schemaVersion is the layout of the buckets this binary writes. Version 1
// had meta, records, pending, rejected and revocation-runs; version 2 adds
// incidents. A store of an older version is migrated at Open in the same
// transaction that checks the version (see migrations); a newer one is
// refused with ErrSchemaNewer.
const schemaVersion = 2

// migrations[v] moves a store from schema v to v+1 inside the caller's
// write transaction.
var migrations = map[uint64]func(*bolt.Tx) error{
	1: func(tx *bolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(bucketIncidents)
		return err
	},
}

// ErrSchemaNewer is returned by Open for a store written by a newer
// terminal (a downgrade): the store is left as it is.
var ErrSchemaNewer = errors.New("store was written by a newer version of checkpoint")

// Options tune Open. The zero value is fine.
type Options struct {
	// Timeout is how long Open waits for the file lock (another process
	// holding the file); 0 means 5 s.
	Timeout time.Duration
	// BatchDelay is how long Append waits to group concurrent records into
	// one commit; 0 means 2 ms.
	BatchDelay time.Duration
	// NoSync skips fsync. Only benchmarks that build large fixtures use it;
	// a terminal must never set it.
	NoSync bool
	// Roots are the pinned roots the stored trust list and policy are
	// verified against again at Open; without them the store starts with
	// no trust list and the default policy until new ones are installed.
	Roots []crypto.PublicKey
	// Clock judges the expiry of signed policies and revocation batches
	// being installed; nil is the system clock.
	Clock checkpoint.Clock
	// RulesFor, when set, is the terminal the stored rule sets are kept
	// for: a set whose scope does not take it in is not stored, and never
	// evicts one that does (InstallRuleSet). Nil: every set is kept as in
	// scope.
	RulesFor *RulesTerminal
}

// Store is the terminal's bbolt file. It is safe for concurrent use.
type Store struct {
	db *bolt.DB

	pending  atomic.Int64
	rejected atomic.Int64

	clock checkpoint.Clock

	rulesFor *RulesTerminal

	mu     gosync.RWMutex
	trust  *trustState
	policy *policyState

	asideMsgs []string // lists set aside at Open (SetAside)
}

// SyncState is what the store knows about its last exchanges with the hub.
type SyncState struct {
	LastPull time.Time `json:"last_pull"`
	LastPush time.Time `json:"last_push"`

	TrustListVersion   uint64    `json:"trust_list_version"`
	TrustListIssuedAt  time.Time `json:"trust_list_issued_at"`
	TrustListExpiresAt time.Time `json:"trust_list_expires_at"`
	// TrustListInstalledAt is when the terminal installed it (its clock).
	TrustListInstalledAt time.Time `json:"trust_list_installed_at"`

	PolicyVersion  uint64    `json:"policy_version"`
	PolicyIssuedAt time.Time `json:"policy_issued_at"`
	// PolicyDataset is the hub series PolicyVersion counts in.
	PolicyDataset wire.DatasetID `json:"policy_dataset"`

	// RevocationSeq is the last revocation batch applied.
	RevocationSeq      uint64    `json:"revocation_seq"`
	RevocationIssuedAt time.Time `json:"revocation_issued_at"`
	// RevocationDataset is the hub series RevocationSeq counts in.
	RevocationDataset wire.DatasetID `json:"revocation_dataset"`
	// RevocationDocSHA256 is the SHA-256 of the signed bytes of the newest
	// revocation document applied (delta, withdrawal or snapshot), sent to
	// the hub so it can tell the same number holding another document (a
	// hub that reused numbers after a restore). Empty when unknown (a
	// seeded snapshot, a store from before this field).
	RevocationDocSHA256 []byte `json:"revocation_doc_sha256,omitempty"`
}

// Open opens or creates the store at path. Before bbolt maps the file it is
// locked and checked page by page (CheckFile). Errors a caller branches on:
// ErrDamaged (a *DamageError: move the file aside, see OpenOrRecover),
// ErrLocked (a *LockedError: another process holds it for longer than
// Options.Timeout) and ErrSchemaNewer (written by a newer terminal).
func Open(path string, opts Options) (*Store, error) {
	if opts.Timeout == 0 {
		opts.Timeout = 5 * time.Second
	}
	if opts.BatchDelay == 0 {
		opts.BatchDelay = 2 * time.Millisecond
	}
	if err := precheck(path, opts.Timeout); err != nil {
		return nil, fmt.Errorf("opening store: %w", err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: opts.Timeout, NoSync: opts.NoSync, NoFreelistSync: true, FreelistType: bolt.FreelistMapType, MmapFlags: mmapFlags})
	if err != nil {
		return nil, fmt.Errorf("opening store: %w", boltOpenError(path, err, opts.Timeout))
	}
	db.MaxBatchDelay = opts.BatchDelay
	s := &Store{db: db, clock: opts.Clock, rulesFor: opts.RulesFor}
	if s.clock == nil {
		s.clock = checkpoint.SystemClock{}
	}
	if err := s.init(opts.Roots); err != nil {
		db.Close()
		return nil, fmt.Errorf("opening store %s: %w", path, err)
	}
	return s, nil
}

func (s *Store) init(roots []crypto.PublicKey) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bucketMeta, bucketRecords, bucketPending, bucketRejected, bucketRevRuns} {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return fmt.Errorf("creating bucket %s: %w", name, err)
			}
		}
		meta := tx.Bucket(bucketMeta)
		v := meta.Get(keySchema)
		if v == nil {
			// A new file: create the current layout.
			if err := migrations[1](tx); err != nil {
				return err
			}
			return meta.Put(keySchema, binary.BigEndian.AppendUint64(nil, schemaVersion))
		}
		if len(v) != 8 {
			return fmt.Errorf("store schema %x is not a version number", v)
		}
		have := binary.BigEndian.Uint64(v)
		if have > schemaVersion {
			return fmt.Errorf("%w: its schema is version %d, this binary knows up to %d; install the newer package again or move the store aside", ErrSchemaNewer, have, schemaVersion)
		}
		for ; have < schemaVersion; have++ {
			m, ok := migrations[have]
			if !ok {
				return fmt.Errorf("no migration from store schema %d", have)
			}
			if err := m(tx); err != nil {
				return fmt.Errorf("migrating the store from schema %d to %d: %w", have, have+1, err)
			}
		}
		return meta.Put(keySchema, binary.BigEndian.AppendUint64(nil, schemaVersion))
	})
	if err != nil {
		return fmt.Errorf("initialising: %w", err)
	}
	var n, nRejected int64
	var trustRaw, policyRaw []byte
	var st SyncState
	err = s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketPending).Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			n++
		}
		c = tx.Bucket(bucketRejected).Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			nRejected++
		}
		meta := tx.Bucket(bucketMeta)
		trustRaw = clone(meta.Get(keyTrustList))
		policyRaw = clone(meta.Get(keyPolicy))
		var err error
		st, err = readState(tx)
		return err
	})
	if err != nil {
		return fmt.Errorf("reading outbox: %w", err)
	}
	s.pending.Store(n)
	s.rejected.Store(nRejected)
	return s.loadLists(roots, trustRaw, policyRaw, st)
}

// Close closes the file. Records already appended are durable.
func (s *Store) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("closing store: %w", err)
	}
	return nil
}

// Check verifies the file's internal consistency (bbolt's page checks).
func (s *Store) Check() error {
	return s.db.View(func(tx *bolt.Tx) error {
		var errs []error
		for err := range tx.Check() {
			errs = append(errs, err)
		}
		return errors.Join(errs...)
	})
}

// Size is the file's size in bytes.
func (s *Store) Size() (int64, error) {
	var n int64
	err := s.db.View(func(tx *bolt.Tx) error { n = tx.Size(); return nil })
	return n, err
}

// SyncState returns the stored sync state.
func (s *Store) SyncState() (SyncState, error) {
	var st SyncState
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		st, err = readState(tx)
		return err
	})
	return st, err
}

func readState(tx *bolt.Tx) (SyncState, error) {
	var st SyncState
	v := tx.Bucket(bucketMeta).Get(keyState)
	if v == nil {
		return st, nil
	}
	if err := json.Unmarshal(v, &st); err != nil {
		return st, fmt.Errorf("decoding sync state: %w", err)
	}
	return st, nil
}

func writeState(tx *bolt.Tx, st SyncState) error {
	b, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("encoding sync state: %w", err)
	}
	return tx.Bucket(bucketMeta).Put(keyState, b)
}

// updateState changes the sync state in its own transaction.
func (s *Store) updateState(f func(*SyncState)) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		st, err := readState(tx)
		if err != nil {
			return err
		}
		f(&st)
		return writeState(tx, st)
	})
	if err != nil {
		return fmt.Errorf("saving sync state: %w", err)
	}
	return nil
}

func clone(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append([]byte(nil), b...)
}

func seqKey(seq uint64) []byte { return binary.BigEndian.AppendUint64(nil, seq) }

// SchemaVersion is the store's schema version (schemaVersion once opened).
func (s *Store) SchemaVersion() (uint64, error) {
	var v uint64
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketMeta).Get(keySchema)
		if len(b) != 8 {
			return fmt.Errorf("store schema %x is not a version number", b)
		}
		v = binary.BigEndian.Uint64(b)
		return nil
	})
	return v, err
}
