package sync

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
	"github.com/checkpoint-terminal/checkpoint/sync/wire"
	bolt "go.etcd.io/bbolt"
)

// The revocation set is a small log-structured merge of sorted runs, so a
// delta costs what it adds, not what the set holds:
//
//   - A run is a nested bucket of bucketRevRuns named by an 8-byte id that
//     grows with each new run. Its keys are the first hash of a chunk and
//     its values chunks of up to chunkHashes sorted 16-byte hashes, so one
//     chunk fills one 4 KiB page and 10 million hashes take ~170 MB.
//   - A delta becomes a new run. Afterwards the newest runs are merged while
//     the older of the last two holds at most mergeRatio times the newer,
//     which keeps the number of runs logarithmic in the set's size. The
//     oldest run is merged automatically only while it holds fewer than
//     autoMergeLimit hashes: rewriting a 10-million base takes a second or
//     two, which is left to CompactRevocations (idle time) or to the next
//     snapshot, so that applying a delta stays quick.
//   - A snapshot replaces every run with one.
//
// Lookup seeks each run's chunk index and binary-searches one chunk.

const (
	chunkHashes    = 240
	mergeRatio     = 4
	autoMergeLimit = 1 << 20
)

var _ checkpoint.RevocationChecker = (*Store)(nil)

// ErrRevocationGap means a delta does not follow the batch the store holds:
// the client must fetch what lies between (or a snapshot).
var ErrRevocationGap = errors.New("revocation delta does not follow the stored sequence")

// IsRevoked reports whether h is in the revocation set.
func (s *Store) IsRevoked(h checkpoint.RevocationHash) (bool, error) {
	var found bool
	err := s.db.View(func(tx *bolt.Tx) error {
		runs := tx.Bucket(bucketRevRuns)
		c := runs.Cursor()
		for k, v := c.Last(); k != nil; k, v = c.Prev() {
			if v != nil {
				continue
			}
			if runContains(runs.Bucket(k), h) {
				found = true
				return nil
			}
		}
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("checking revocation: %w", err)
	}
	return found, nil
}

func runContains(b *bolt.Bucket, h checkpoint.RevocationHash) bool {
	c := b.Cursor()
	k, _ := c.Seek(h[:])
	if k != nil && bytes.Equal(k, h[:]) {
		return true
	}
	var v []byte
	if k == nil {
		k, v = c.Last()
	} else {
		k, v = c.Prev()
	}
	if k == nil {
		return false
	}
	n := len(v) / 16
	i, j := 0, n
	for i < j {
		m := int(uint(i+j) >> 1)
		switch bytes.Compare(v[16*m:16*m+16], h[:]) {
		case 0:
			return true
		case -1:
			i = m + 1
		default:
			j = m
		}
	}
	return false
}

// RevocationStats describes the stored set.
type RevocationStats struct {
	Runs    int
	Entries int64
	Seq     uint64
}

// RevocationStats counts the set's runs and entries (duplicates across
// unmerged runs count twice).
func (s *Store) RevocationStats() (RevocationStats, error) {
	var st RevocationStats
	err := s.db.View(func(tx *bolt.Tx) error {
		ss, err := readState(tx)
		if err != nil {
			return err
		}
		st.Seq = ss.RevocationSeq
		runs := tx.Bucket(bucketRevRuns)
		return runs.ForEachBucket(func(k []byte) error {
			st.Runs++
			st.Entries += int64(runs.Bucket(k).Sequence())
			return nil
		})
	})
	if err != nil {
		return st, fmt.Errorf("counting revocations: %w", err)
	}
	return st, nil
}

// applyRevocationDoc applies a verified revocation document: an expired one
// (by the store's clock) is refused; a snapshot of the series the store
// follows replaces the set when its Seq is higher, a snapshot of another
// series (wire.DatasetID) when it was issued no earlier than what the store
// holds; a delta must be of the same series (else ErrDatasetChanged) and
// follow the stored Seq (else ErrRevocationGap); a withdrawal follows the
// same rules as a delta and removes its hashes from the set.
func (s *Store) applyRevocationDoc(d wire.RevocationDoc) error {
	return s.applyRevocation(d, nil)
}

// applyRevocation is applyRevocationDoc remembering sum, the SHA-256 of
// the document's signed bytes (nil: unknown), when the document is applied.
func (s *Store) applyRevocation(d wire.RevocationDoc, sum []byte) error {
	if now := s.clock.Now(); !d.ExpiresAt.IsZero() && now.After(d.ExpiresAt) {
		return fmt.Errorf("applying revocation %s %d: %w at %s", d.Kind, d.Seq, wire.ErrExpiredDocument, d.ExpiresAt.Format(time.RFC3339))
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		st, err := readState(tx)
		if err != nil {
			return err
		}
		sameSeries := st.RevocationDataset == d.Dataset || (st.RevocationSeq == 0 && st.RevocationDataset.IsZero())
		runs := tx.Bucket(bucketRevRuns)
		switch d.Kind {
		case wire.KindSnapshot:
			if sameSeries && d.Seq <= st.RevocationSeq {
				return nil // older than what we hold: keep ours
			}
			if !sameSeries && d.IssuedAt.Before(st.RevocationIssuedAt) {
				return nil // an older series: keep ours
			}
			var names [][]byte
			if err := runs.ForEachBucket(func(k []byte) error { names = append(names, clone(k)); return nil }); err != nil {
				return err
			}
			for _, k := range names {
				if err := runs.DeleteBucket(k); err != nil {
					return fmt.Errorf("dropping run %x: %w", k, err)
				}
			}
			if err := writeRun(runs, sliceIter(d.Hashes)); err != nil {
				return err
			}
		case wire.KindDelta, wire.KindWithdraw:
			if !sameSeries {
				return fmt.Errorf("%w: delta %d of series %s, store follows %s", ErrDatasetChanged, d.Seq, d.Dataset, st.RevocationDataset)
			}
			if d.Seq <= st.RevocationSeq {
				return nil // already applied
			}
			if d.Prev != st.RevocationSeq {
				return fmt.Errorf("%w: delta %d follows %d, store holds %d", ErrRevocationGap, d.Seq, d.Prev, st.RevocationSeq)
			}
			if d.Kind == wire.KindWithdraw {
				if err := withdrawHashes(runs, d.Hashes); err != nil {
					return err
				}
			} else if len(d.Hashes) > 0 {
				if err := writeRun(runs, sliceIter(d.Hashes)); err != nil {
					return err
				}
				if err := compactRuns(runs, false); err != nil {
					return err
				}
			}
		default:
			return fmt.Errorf("unknown revocation document kind %s", d.Kind)
		}
		st.RevocationSeq = d.Seq
		st.RevocationIssuedAt = d.IssuedAt
		st.RevocationDataset = d.Dataset
		st.RevocationDocSHA256 = sum
		return writeState(tx, st)
	})
	if err != nil {
		return fmt.Errorf("applying revocation %s %d: %w", d.Kind, d.Seq, err)
	}
	return nil
}

// withdrawHashes removes hs from every run holding one of them: such a run
// is rewritten without them (under a new name; the old one is dropped
// after), so a withdrawal costs the size of the runs it touches.
func withdrawHashes(runs *bolt.Bucket, hs []checkpoint.RevocationHash) error {
	if len(hs) == 0 {
		return nil
	}
	drop := make(map[checkpoint.RevocationHash]bool, len(hs))
	for _, h := range hs {
		drop[h] = true
	}
	var names [][]byte
	if err := runs.ForEachBucket(func(k []byte) error {
		b := runs.Bucket(k)
		for h := range drop {
			if runContains(b, h) {
				names = append(names, clone(k))
				break
			}
		}
		return nil
	}); err != nil {
		return err
	}
	for _, k := range names {
		src := runIter(runs.Bucket(k))
		kept := func() ([]byte, bool) {
			for {
				h, ok := src()
				if !ok {
					return nil, false
				}
				if !drop[checkpoint.RevocationHash(h)] {
					return h, true
				}
			}
		}
		if err := writeRun(runs, kept); err != nil {
			return err
		}
		if err := runs.DeleteBucket(k); err != nil {
			return fmt.Errorf("dropping run %x after a withdrawal: %w", k, err)
		}
	}
	return nil
}

// CompactRevocations merges every run into one (an idle-time chore: it
// rewrites the whole set).
func (s *Store) CompactRevocations() error {
	err := s.db.Update(func(tx *bolt.Tx) error { return compactRuns(tx.Bucket(bucketRevRuns), true) })
	if err != nil {
		return fmt.Errorf("compacting revocations: %w", err)
	}
	return nil
}

// hashIter yields sorted hashes; ok is false at the end.
type hashIter func() (h []byte, ok bool)

func sliceIter(hs []checkpoint.RevocationHash) hashIter {
	if !slices.IsSortedFunc(hs, func(a, b checkpoint.RevocationHash) int { return bytes.Compare(a[:], b[:]) }) {
		hs = slices.Clone(hs)
		slices.SortFunc(hs, func(a, b checkpoint.RevocationHash) int { return bytes.Compare(a[:], b[:]) })
	}
	i := 0
	return func() ([]byte, bool) {
		if i >= len(hs) {
			return nil, false
		}
		i++
		return hs[i-1][:], true
	}
}

func runIter(b *bolt.Bucket) hashIter {
	c := b.Cursor()
	_, chunk := c.First()
	return func() ([]byte, bool) {
		for len(chunk) == 0 {
			var k []byte
			k, chunk = c.Next()
			if k == nil {
				return nil, false
			}
		}
		h := chunk[:16]
		chunk = chunk[16:]
		return h, true
	}
}

// mergeIter merges sorted iterators, dropping duplicates.
func mergeIter(its []hashIter) hashIter {
	heads := make([][]byte, len(its))
	for i, it := range its {
		heads[i], _ = it()
	}
	var last []byte
	return func() ([]byte, bool) {
		for {
			min := -1
			for i, h := range heads {
				if h != nil && (min < 0 || bytes.Compare(h, heads[min]) < 0) {
					min = i
				}
			}
			if min < 0 {
				return nil, false
			}
			h := heads[min]
			heads[min], _ = its[min]()
			if last != nil && bytes.Equal(last, h) {
				continue
			}
			last = h
			return h, true
		}
	}
}

// writeRun writes a new newest run from sorted hashes, dropping
// duplicates; its bucket sequence holds its entry count.
func writeRun(runs *bolt.Bucket, it hashIter) error {
	var name []byte
	if k, _ := runs.Cursor().Last(); k != nil {
		name = binary.BigEndian.AppendUint64(nil, binary.BigEndian.Uint64(k)+1)
	} else {
		name = binary.BigEndian.AppendUint64(nil, 1)
	}
	b, err := runs.CreateBucket(name)
	if err != nil {
		return fmt.Errorf("creating revocation run: %w", err)
	}
	b.FillPercent = 1.0
	var n uint64
	chunk := make([]byte, 0, 16*chunkHashes)
	var prev [16]byte
	flush := func() error {
		if len(chunk) == 0 {
			return nil
		}
		if err := b.Put(chunk[:16], chunk); err != nil {
			return fmt.Errorf("writing revocation chunk: %w", err)
		}
		chunk = make([]byte, 0, 16*chunkHashes)
		return nil
	}
	for h, ok := it(); ok; h, ok = it() {
		if n > 0 && bytes.Equal(prev[:], h) {
			continue
		}
		copy(prev[:], h)
		chunk = append(chunk, h...)
		n++
		if len(chunk) == cap(chunk) {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := flush(); err != nil {
		return err
	}
	if n == 0 {
		return runs.DeleteBucket(name)
	}
	return b.SetSequence(n)
}

// compactRuns merges the newest runs while the older of the last two is at
// most mergeRatio times the newer; all merges every run into one.
func compactRuns(runs *bolt.Bucket, all bool) error {
	for {
		var names [][]byte
		var sizes []uint64
		if err := runs.ForEachBucket(func(k []byte) error {
			names = append(names, clone(k))
			sizes = append(sizes, runs.Bucket(k).Sequence())
			return nil
		}); err != nil {
			return err
		}
		n := len(names)
		if n < 2 {
			return nil
		}
		from := n - 2
		if all {
			from = 0
		} else if sizes[n-2] > mergeRatio*sizes[n-1] || (n == 2 && sizes[0] >= autoMergeLimit) {
			return nil
		}
		its := make([]hashIter, 0, n-from)
		for _, k := range names[from:] {
			its = append(its, runIter(runs.Bucket(k)))
		}
		// The merged run is written under a new, newest name before the
		// sources are dropped, so the iterators read pages still in place.
		if err := writeRun(runs, mergeIter(its)); err != nil {
			return err
		}
		for _, k := range names[from:] {
			if err := runs.DeleteBucket(k); err != nil {
				return fmt.Errorf("dropping merged run %x: %w", k, err)
			}
		}
		if all {
			return nil
		}
	}
}

// revocationAge is how old the newest applied revocation batch is.
func revocationAge(st SyncState, now time.Time) time.Duration {
	if st.RevocationIssuedAt.IsZero() {
		return 0
	}
	return now.Sub(st.RevocationIssuedAt)
}
