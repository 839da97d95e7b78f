package sync

import (
	"context"
	"encoding/binary"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
	"github.com/checkpoint-terminal/checkpoint/sync/wire"
	"github.com/google/uuid"
	bolt "go.etcd.io/bbolt"
)

var _ checkpoint.RecordLog = (*Store)(nil)

// Append stores r in the outbox, assigning r.ID (a UUIDv7) when empty. It
// returns once the record is committed and fsynced; concurrent calls share
// one commit (bbolt's Batch). A full disk or read-only file is returned as
// an error: the record is then not stored.
func (s *Store) Append(ctx context.Context, r checkpoint.Record) (checkpoint.Record, error) {
	if err := ctx.Err(); err != nil {
		return checkpoint.Record{}, fmt.Errorf("storing record: %w", err)
	}
	if r.ID == "" {
		id, err := uuid.NewV7()
		if err != nil {
			return checkpoint.Record{}, fmt.Errorf("making record id: %w", err)
		}
		r.ID = id.String()
	}
	if err := r.Validate(); err != nil {
		return checkpoint.Record{}, fmt.Errorf("storing record %s: %w", r.ID, err)
	}
	b, err := json.Marshal(r)
	if err != nil {
		return checkpoint.Record{}, fmt.Errorf("encoding record %s: %w", r.ID, err)
	}
	err = s.db.Batch(func(tx *bolt.Tx) error {
		recs := tx.Bucket(bucketRecords)
		seq, err := recs.NextSequence()
		if err != nil {
			return err
		}
		k := seqKey(seq)
		if err := recs.Put(k, b); err != nil {
			return err
		}
		return tx.Bucket(bucketPending).Put(k, nil)
	})
	if err != nil {
		return checkpoint.Record{}, fmt.Errorf("storing record %s: %w", r.ID, err)
	}
	s.pending.Add(1)
	return r, nil
}

// Pending is the number of records the hub has not acknowledged yet.
func (s *Store) Pending() int { return int(s.pending.Load()) }

// outboxItem is one record waiting for the hub.
type outboxItem struct {
	seq    uint64
	record checkpoint.Record
}

// nextBatch returns up to n records of the outbox, oldest first.
func (s *Store) nextBatch(n int) ([]outboxItem, error) {
	var items []outboxItem
	err := s.db.View(func(tx *bolt.Tx) error {
		recs := tx.Bucket(bucketRecords)
		c := tx.Bucket(bucketPending).Cursor()
		for k, _ := c.First(); k != nil && len(items) < n; k, _ = c.Next() {
			v := recs.Get(k)
			var r checkpoint.Record
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("decoding record %x: %w", k, err)
			}
			items = append(items, outboxItem{seq: binary.BigEndian.Uint64(k), record: r})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading outbox: %w", err)
	}
	return items, nil
}

// acknowledge takes the acknowledged records out of the outbox and sets
// rejected ones aside with the hub's reason.
func (s *Store) acknowledge(acked []uint64, rejected map[uint64]string, now time.Time) error {
	var removed, setAside int64
	err := s.db.Update(func(tx *bolt.Tx) error {
		removed, setAside = 0, 0
		p := tx.Bucket(bucketPending)
		rej := tx.Bucket(bucketRejected)
		del := func(seq uint64) error {
			k := seqKey(seq)
			if p.Get(k) == nil {
				return nil
			}
			removed++
			return p.Delete(k)
		}
		for _, seq := range acked {
			if err := del(seq); err != nil {
				return err
			}
		}
		for seq, why := range rejected {
			if err := del(seq); err != nil {
				return err
			}
			if rej.Get(seqKey(seq)) == nil {
				setAside++
			}
			if err := rej.Put(seqKey(seq), []byte(why)); err != nil {
				return err
			}
		}
		st, err := readState(tx)
		if err != nil {
			return err
		}
		st.LastPush = now
		return writeState(tx, st)
	})
	if err != nil {
		return fmt.Errorf("acknowledging %d records: %w", len(acked), err)
	}
	s.pending.Add(-removed)
	s.rejected.Add(setAside)
	return nil
}

// Rejected is the number of records the hub refused for good: set aside
// outside the outbox, kept in the file (export, RejectedRecords) until
// they age past the retention like any record.
func (s *Store) Rejected() (int, error) { return int(s.rejected.Load()), nil }

// RejectedRecord is a record the hub refused, with the hub's reason.
type RejectedRecord struct {
	Record checkpoint.Record
	Reason string
}

// RejectedRecords returns up to n records the hub refused, oldest first
// (for doctor and the operator's screens).
func (s *Store) RejectedRecords(n int) ([]RejectedRecord, error) {
	var out []RejectedRecord
	err := s.db.View(func(tx *bolt.Tx) error {
		recs := tx.Bucket(bucketRecords)
		c := tx.Bucket(bucketRejected).Cursor()
		for k, why := c.First(); k != nil && len(out) < n; k, why = c.Next() {
			var r checkpoint.Record
			if v := recs.Get(k); v != nil {
				if err := json.Unmarshal(v, &r); err != nil {
					return fmt.Errorf("decoding record %x: %w", k, err)
				}
			}
			out = append(out, RejectedRecord{Record: r, Reason: string(why)})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading rejected records: %w", err)
	}
	return out, nil
}

// Recent returns the newest n records, newest first.
func (s *Store) Recent(n int) ([]checkpoint.Record, error) {
	var out []checkpoint.Record
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketRecords).Cursor()
		for k, v := c.Last(); k != nil && len(out) < n; k, v = c.Prev() {
			var r checkpoint.Record
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("decoding record %x: %w", k, err)
			}
			out = append(out, r)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading recent records: %w", err)
	}
	return out, nil
}

// Counters counts the final verdicts stored on the day that starts at day
// (local midnight, see checkpoint.DayOf), so a restart does not reset the
// guard's counters. Records are stored in time order; the walk goes back from
// the newest and stops at the first record before day.
func (s *Store) Counters(day time.Time) (checkpoint.Counters, error) {
	c := checkpoint.Counters{Day: day}
	end := day.AddDate(0, 0, 1)
	err := s.db.View(func(tx *bolt.Tx) error {
		cur := tx.Bucket(bucketRecords).Cursor()
		for k, v := cur.Last(); k != nil; k, v = cur.Prev() {
			var r checkpoint.Record
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("decoding record %x: %w", k, err)
			}
			if r.Time.Before(day) {
				return nil
			}
			if r.Time.Before(end) {
				c.Add(r.Outcome)
			}
		}
		return nil
	})
	if err != nil {
		return checkpoint.Counters{Day: day}, fmt.Errorf("counting the day's records: %w", err)
	}
	return c, nil
}

// ExportCSV writes the stored records with from <= Time < to as CSV
// (zero bounds are open), oldest first.
func (s *Store) ExportCSV(w io.Writer, from, to time.Time) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(wire.CSVHeader); err != nil {
		return fmt.Errorf("writing CSV: %w", err)
	}
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketRecords).ForEach(func(k, v []byte) error {
			var r checkpoint.Record
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("decoding record %x: %w", k, err)
			}
			if (!from.IsZero() && r.Time.Before(from)) || (!to.IsZero() && !r.Time.Before(to)) {
				return nil
			}
			return cw.Write(wire.CSVRow(r))
		})
	})
	if err != nil {
		return fmt.Errorf("exporting records: %w", err)
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("writing CSV: %w", err)
	}
	return nil
}

// Purge deletes acknowledged records older than retention and returns how
// many went. Records still in the outbox are kept whatever their age.
func (s *Store) Purge(now time.Time, retention time.Duration) (int, error) {
	return s.purge(now, retention, false)
}

// PurgeUnsent is Purge for a terminal without a hub: records past the
// retention go whether or not they were ever sent, since nothing will
// ever send them and privacy rules forbid keeping them longer.
func (s *Store) PurgeUnsent(now time.Time, retention time.Duration) (int, error) {
	return s.purge(now, retention, true)
}

func (s *Store) purge(now time.Time, retention time.Duration, unsent bool) (int, error) {
	if retention <= 0 {
		return 0, errors.New("purging records: retention must be positive")
	}
	cutoff := now.Add(-retention)
	var n, pendingGone int
	var unRejected int64
	err := s.db.Update(func(tx *bolt.Tx) error {
		n, pendingGone, unRejected = 0, 0, 0
		p := tx.Bucket(bucketPending)
		rej := tx.Bucket(bucketRejected)
		c := tx.Bucket(bucketRecords).Cursor()
		for k, v := c.First(); k != nil; {
			var r checkpoint.Record
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("decoding record %x: %w", k, err)
			}
			wasPending := p.Get(k) != nil
			if r.Time.Before(cutoff) && (!wasPending || unsent) {
				if rej.Get(k) != nil {
					unRejected++
				}
				if err := rej.Delete(k); err != nil {
					return err
				}
				if wasPending {
					if err := p.Delete(k); err != nil {
						return err
					}
					pendingGone++
				}
				if err := c.Delete(); err != nil {
					return err
				}
				n++
				k, v = c.Seek(k)
				continue
			}
			k, v = c.Next()
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("purging records older than %s: %w", cutoff.Format(time.RFC3339), err)
	}
	s.pending.Add(-int64(pendingGone))
	s.rejected.Add(-unRejected)
	return n, nil
}
