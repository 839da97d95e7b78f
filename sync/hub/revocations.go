package hub

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
	"github.com/checkpoint-terminal/checkpoint/healthcode"
	"github.com/checkpoint-terminal/checkpoint/sync/wire"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// ErrSequenceReuse means a revocation number is taken already (a delta or
// snapshot at or past it exists): the hub never hands a number out twice.
var ErrSequenceReuse = errors.New("revocation sequence number already used")

// revocationLock serialises revocation publishing across admin processes.
const revocationLock = 0x4350_5245_5600 // "CPREV"

func lockRevocations(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", int64(revocationLock))
	return err
}

// AddRevocations adds hashes to the set as one signed delta batch (only
// the hashes not revoked already) and returns its sequence number, taken
// from the hub's counter (hub_state), which never goes back: pruned deltas
// or deleted rows never make a number come round again. With no new hash
// nothing is published and the current number is returned.
func (a *Admin) AddRevocations(ctx context.Context, hashes []checkpoint.RevocationHash, sign Sign) (seq uint64, added int, err error) {
	err = pgx.BeginFunc(ctx, a.Pool, func(tx pgx.Tx) error {
		if err := lockRevocations(ctx, tx); err != nil {
			return err
		}
		hs, err := series(ctx, tx)
		if err != nil {
			return err
		}
		ds, prev := hs.dataset, hs.revSeq
		if hs.revSeen > prev {
			return fmt.Errorf("a terminal holds revocation batch %d, the hub's counter is at %d: %w", hs.revSeen, prev, ErrRestored)
		}
		seq = prev + 1
		var used bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM revocation_deltas WHERE seq >= $1)
			OR EXISTS (SELECT 1 FROM revocation_snapshots WHERE seq >= $1)`, int64(seq)).Scan(&used); err != nil {
			return err
		}
		if used {
			return fmt.Errorf("%w: %d (the hub's counter is behind its own batches: restored? start a new series with a snapshot --new-dataset)", ErrSequenceReuse, seq)
		}
		raw := make([][]byte, len(hashes))
		for i := range hashes {
			raw[i] = hashes[i][:]
		}
		rows, err := tx.Query(ctx, `INSERT INTO revoked_hashes (hash, seq) SELECT h, $2 FROM unnest($1::bytea[]) AS h
			ON CONFLICT (hash) DO NOTHING RETURNING hash`, raw, int64(seq))
		if err != nil {
			return err
		}
		fresh, err := collectHashes(rows)
		if err != nil {
			return err
		}
		added = len(fresh)
		if added == 0 {
			seq = prev
			return nil
		}
		now := a.now().UTC().Truncate(time.Second)
		doc := wire.RevocationDoc{Kind: wire.KindDelta, Seq: seq, Prev: prev, Dataset: ds, IssuedAt: now, ExpiresAt: now.Add(a.validity()), Hashes: fresh}
		signed, err := sign(doc.Marshal())
		if err != nil {
			return fmt.Errorf("signing: %w", err)
		}
		if _, err := a.verify(ctx, "revocation delta", signed); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "UPDATE hub_state SET revocation_seq = $1", int64(seq)); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, "INSERT INTO revocation_deltas (seq, count, signed, dataset, expires_at) VALUES ($1, $2, $3, $4, $5)",
			int64(seq), added, signed, uuid.UUID(ds), doc.ExpiresAt)
		if isUnique(err) {
			return fmt.Errorf("%w: %d", ErrSequenceReuse, seq)
		}
		return err
	})
	if err != nil {
		return 0, 0, fmt.Errorf("adding %d revocations: %w", len(hashes), err)
	}
	return seq, added, nil
}

// PublishSnapshot signs the whole set as of the newest batch, so terminals
// far behind (or new) download it instead of every delta. The set is
// rebuilt from the signed documents (the newest snapshot and every delta
// after it, each verified against the configured roots), not from an
// editable table. With newSeries the hub first starts a new dataset: the
// snapshot takes the next number and terminals of the old series (or
// ahead of a hub restored from backup) replace their set with it.
func (a *Admin) PublishSnapshot(ctx context.Context, sign Sign, newSeries bool) (seq uint64, count int, err error) {
	err = pgx.BeginFunc(ctx, a.Pool, func(tx pgx.Tx) error {
		if err := lockRevocations(ctx, tx); err != nil {
			return err
		}
		hs0, err := series(ctx, tx)
		if err != nil {
			return err
		}
		ds, cur := hs0.dataset, hs0.revSeq
		if !newSeries && hs0.revSeen > cur {
			return fmt.Errorf("a terminal holds revocation batch %d, the hub's counter is at %d: %w", hs0.revSeen, cur, ErrRestored)
		}
		hs, err := a.signedSet(ctx, tx)
		if err != nil {
			return err
		}
		seq = cur
		if newSeries {
			var id uuid.UUID
			if err := tx.QueryRow(ctx, `UPDATE hub_state SET dataset = gen_random_uuid(), revocation_seq = revocation_seq + 1,
				revocation_seen = 0, policy_seen = 0 RETURNING dataset, revocation_seq`).Scan(&id, &seq); err != nil {
				return err
			}
			ds = wire.DatasetID(id)
		}
		if seq == 0 {
			return errors.New("no revocations published yet")
		}
		count = len(hs)
		now := a.now().UTC().Truncate(time.Second)
		doc := wire.RevocationDoc{Kind: wire.KindSnapshot, Seq: seq, Dataset: ds, IssuedAt: now, ExpiresAt: now.Add(a.validity()), Hashes: hs}
		signed, err := sign(doc.Marshal())
		if err != nil {
			return fmt.Errorf("signing: %w", err)
		}
		if _, err := a.verify(ctx, "revocation snapshot", signed); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO revocation_snapshots (seq, count, signed, dataset, expires_at) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (seq) DO UPDATE SET count = excluded.count, signed = excluded.signed, dataset = excluded.dataset,
			expires_at = excluded.expires_at, published_at = now()`, int64(seq), count, signed, uuid.UUID(ds), doc.ExpiresAt)
		return err
	})
	if err != nil {
		return 0, 0, fmt.Errorf("publishing revocation snapshot: %w", err)
	}
	return seq, count, nil
}

// signedSet rebuilds the revocation set from the stored signed documents:
// the newest snapshot, then every delta and withdrawal numbered after it,
// in order (a hash withdrawn and then revoked again is in the set).
func (a *Admin) signedSet(ctx context.Context, tx pgx.Tx) ([]checkpoint.RevocationHash, error) {
	roots, err := a.Roots(ctx)
	if err != nil {
		return nil, err
	}
	var docs [][]byte
	var from int64
	var snap []byte
	err = tx.QueryRow(ctx, "SELECT seq, signed FROM revocation_snapshots ORDER BY seq DESC LIMIT 1").Scan(&from, &snap)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
	case err != nil:
		return nil, err
	default:
		docs = append(docs, snap)
	}
	rows, err := tx.Query(ctx, "SELECT signed FROM revocation_deltas WHERE seq > $1 ORDER BY seq", from)
	if err != nil {
		return nil, err
	}
	deltas, err := pgx.CollectRows(rows, pgx.RowTo[[]byte])
	if err != nil {
		return nil, err
	}
	var hs []checkpoint.RevocationHash
	for _, signed := range append(docs, deltas...) {
		payload, err := healthcode.OpenDocument(signed, roots)
		if err != nil {
			return nil, fmt.Errorf("a stored revocation document does not verify: %w", err)
		}
		d, err := wire.ParseRevocationDoc(payload)
		if err != nil {
			return nil, fmt.Errorf("a stored revocation document: %w", err)
		}
		if d.Kind == wire.KindWithdraw {
			hs = withoutHashes(hs, d.Hashes)
			continue
		}
		hs = append(hs, d.Hashes...)
	}
	return sortedSet(hs), nil
}

func sortedSet(hs []checkpoint.RevocationHash) []checkpoint.RevocationHash {
	slices.SortFunc(hs, func(a, b checkpoint.RevocationHash) int { return bytes.Compare(a[:], b[:]) })
	return slices.Compact(hs)
}

// withoutHashes returns the set hs less the withdrawn hashes.
func withoutHashes(hs, withdrawn []checkpoint.RevocationHash) []checkpoint.RevocationHash {
	drop := make(map[checkpoint.RevocationHash]bool, len(withdrawn))
	for _, h := range withdrawn {
		drop[h] = true
	}
	return slices.DeleteFunc(sortedSet(hs), func(h checkpoint.RevocationHash) bool { return drop[h] })
}

// PruneRevocations deletes the deltas the newest snapshot covers and
// returns how many went. Numbers are never reused afterwards.
func (a *Admin) PruneRevocations(ctx context.Context) (int64, error) {
	tag, err := a.Pool.Exec(ctx, `DELETE FROM revocation_deltas
		WHERE seq <= (SELECT coalesce(max(seq), 0) FROM revocation_snapshots)`)
	if err != nil {
		return 0, fmt.Errorf("pruning revocation deltas: %w", err)
	}
	return tag.RowsAffected(), nil
}
