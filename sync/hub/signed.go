package hub

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
	"github.com/checkpoint-terminal/checkpoint/sync/wire"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// Documents signed away from the hub (hctool sign-revocations, hctool
// sign-policy, hctool snapshot) carry numbers and a dataset the hub hands
// out (Next); the hub checks them instead of choosing them, so it never
// needs the root private key.

// ErrWrongNumber means a document signed offline carries another sequence
// number, version or dataset than the hub expects: sign it again with the
// numbers `hub revocations next` prints.
var ErrWrongNumber = errors.New("signed document does not carry the number the hub expects")

// Numbers are what a document signed offline must carry.
type Numbers struct {
	Dataset wire.DatasetID
	// RevocationSeq is the sequence number the next delta or withdrawal
	// takes (Prev is RevocationSeq-1); a snapshot takes RevocationSeq-1.
	RevocationSeq uint64
	// PolicyVersion is the lowest version the next policy may take.
	PolicyVersion uint64
}

// Next returns the numbers the next documents signed offline must carry.
func (a *Admin) Next(ctx context.Context) (Numbers, error) {
	var n Numbers
	err := pgx.BeginFunc(ctx, a.Pool, func(tx pgx.Tx) error {
		hs, err := series(ctx, tx)
		if err != nil {
			return err
		}
		n = Numbers{Dataset: hs.dataset, RevocationSeq: hs.revSeq + 1, PolicyVersion: hs.polVersion + 1}
		return nil
	})
	if err != nil {
		return Numbers{}, fmt.Errorf("reading the next numbers: %w", err)
	}
	return n, nil
}

// PublishSignedRevocations verifies a revocation document signed offline
// against the configured roots and stores it. A delta or withdrawal must
// be of the hub's dataset and follow its counter (Seq = counter+1, Prev =
// counter; else ErrWrongNumber); a withdrawal also drops its hashes from
// the set the next snapshot carries. A snapshot must be numbered at the
// counter and carry exactly the set the signed batches make (hub
// revocations export prints it). Expired documents are refused.
func (a *Admin) PublishSignedRevocations(ctx context.Context, signed []byte) (wire.RevocationDoc, error) {
	payload, err := a.verify(ctx, "revocations", signed)
	if err != nil {
		return wire.RevocationDoc{}, err
	}
	d, err := wire.ParseRevocationDoc(payload)
	if err != nil {
		return wire.RevocationDoc{}, fmt.Errorf("publishing revocations: %w", err)
	}
	if now := a.now(); !now.Before(d.ExpiresAt) {
		return d, fmt.Errorf("publishing revocation %s %d: %w at %s", d.Kind, d.Seq, wire.ErrExpiredDocument, d.ExpiresAt.Format(time.RFC3339))
	}
	err = pgx.BeginFunc(ctx, a.Pool, func(tx pgx.Tx) error {
		if err := lockRevocations(ctx, tx); err != nil {
			return err
		}
		hs, err := series(ctx, tx)
		if err != nil {
			return err
		}
		if hs.revSeen > hs.revSeq {
			return fmt.Errorf("a terminal holds revocation batch %d, the hub's counter is at %d: %w", hs.revSeen, hs.revSeq, ErrRestored)
		}
		if d.Dataset != hs.dataset {
			return fmt.Errorf("%w: dataset %s, the hub's is %s", ErrWrongNumber, d.Dataset, hs.dataset)
		}
		if d.Kind == wire.KindSnapshot {
			return a.storeSnapshot(ctx, tx, hs.revSeq, d, signed)
		}
		if d.Seq != hs.revSeq+1 || d.Prev != hs.revSeq {
			return fmt.Errorf("%w: %s %d after %d, the hub's next is %d after %d", ErrWrongNumber, d.Kind, d.Seq, d.Prev, hs.revSeq+1, hs.revSeq)
		}
		return storeBatch(ctx, tx, d, signed)
	})
	if err != nil {
		return d, fmt.Errorf("publishing revocation %s %d: %w", d.Kind, d.Seq, err)
	}
	return d, nil
}

// storeBatch stores a verified delta or withdrawal numbered after the
// counter and moves the counter to it.
func storeBatch(ctx context.Context, tx pgx.Tx, d wire.RevocationDoc, signed []byte) error {
	var used bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM revocation_deltas WHERE seq >= $1)
		OR EXISTS (SELECT 1 FROM revocation_snapshots WHERE seq >= $1)`, int64(d.Seq)).Scan(&used); err != nil {
		return err
	}
	if used {
		return fmt.Errorf("%w: %d", ErrSequenceReuse, d.Seq)
	}
	raw := make([][]byte, len(d.Hashes))
	for i := range d.Hashes {
		raw[i] = d.Hashes[i][:]
	}
	var err error
	if d.Kind == wire.KindWithdraw {
		_, err = tx.Exec(ctx, "DELETE FROM revoked_hashes WHERE hash = ANY($1::bytea[])", raw)
	} else {
		_, err = tx.Exec(ctx, `INSERT INTO revoked_hashes (hash, seq) SELECT h, $2 FROM unnest($1::bytea[]) AS h
			ON CONFLICT (hash) DO NOTHING`, raw, int64(d.Seq))
	}
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, "UPDATE hub_state SET revocation_seq = $1", int64(d.Seq)); err != nil {
		return err
	}
	_, err = tx.Exec(ctx, "INSERT INTO revocation_deltas (seq, count, signed, dataset, expires_at) VALUES ($1, $2, $3, $4, $5)",
		int64(d.Seq), len(d.Hashes), signed, uuid.UUID(d.Dataset), d.ExpiresAt)
	if isUnique(err) {
		return fmt.Errorf("%w: %d", ErrSequenceReuse, d.Seq)
	}
	return err
}

// storeSnapshot stores a verified snapshot numbered at the counter cur
// whose hashes are exactly the signed set.
func (a *Admin) storeSnapshot(ctx context.Context, tx pgx.Tx, cur uint64, d wire.RevocationDoc, signed []byte) error {
	if cur == 0 || d.Seq != cur {
		return fmt.Errorf("%w: snapshot %d, the hub's set is at batch %d", ErrWrongNumber, d.Seq, cur)
	}
	set, err := a.signedSet(ctx, tx)
	if err != nil {
		return err
	}
	if missing, extra := setDiff(set, d.Hashes); missing+extra > 0 {
		return fmt.Errorf("%w: the snapshot lacks %d and adds %d hash(es) against the signed batches (sign it from hub revocations export)", ErrWrongNumber, missing, extra)
	}
	_, err = tx.Exec(ctx, `INSERT INTO revocation_snapshots (seq, count, signed, dataset, expires_at) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (seq) DO UPDATE SET count = excluded.count, signed = excluded.signed, dataset = excluded.dataset,
		expires_at = excluded.expires_at, published_at = now()`, int64(d.Seq), len(d.Hashes), signed, uuid.UUID(d.Dataset), d.ExpiresAt)
	return err
}

// setDiff counts the hashes of want missing from got and those of got not
// in want; both are sorted and free of duplicates.
func setDiff(want, got []checkpoint.RevocationHash) (missing, extra int) {
	in := make(map[checkpoint.RevocationHash]bool, len(got))
	for _, h := range got {
		in[h] = true
	}
	for _, h := range want {
		if !in[h] {
			missing++
		}
	}
	return missing, len(got) - (len(want) - missing)
}

// RevocationSet returns the revocation set the signed batches make (the
// newest snapshot, then each delta and withdrawal), sorted: what an
// offline snapshot must carry.
func (a *Admin) RevocationSet(ctx context.Context) (set []checkpoint.RevocationHash, seq uint64, err error) {
	err = pgx.BeginFunc(ctx, a.Pool, func(tx pgx.Tx) error {
		hs, err := series(ctx, tx)
		if err != nil {
			return err
		}
		seq = hs.revSeq
		set, err = a.signedSet(ctx, tx)
		return err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("reading the revocation set: %w", err)
	}
	return set, seq, nil
}

// RevokedIn returns, for each of hs that is revoked, the batch that
// revoked it; a hash never revoked, or withdrawn, is absent.
func (a *Admin) RevokedIn(ctx context.Context, hs []checkpoint.RevocationHash) (map[checkpoint.RevocationHash]uint64, error) {
	raw := make([][]byte, len(hs))
	for i := range hs {
		raw[i] = hs[i][:]
	}
	rows, err := a.Pool.Query(ctx, "SELECT hash, seq FROM revoked_hashes WHERE hash = ANY($1::bytea[])", raw)
	if err != nil {
		return nil, fmt.Errorf("looking up revocations: %w", err)
	}
	out := make(map[checkpoint.RevocationHash]uint64, len(hs))
	var h []byte
	var seq int64
	_, err = pgx.ForEachRow(rows, []any{&h, &seq}, func() error {
		out[checkpoint.RevocationHash(h)] = uint64(seq)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("looking up revocations: %w", err)
	}
	return out, nil
}

// WithdrawRevocations signs (with sign) and publishes a withdrawal of hs
// numbered after the counter; see PublishSignedRevocations. Only the
// hashes revoked now are withdrawn; with none, nothing is published and
// seq is zero.
func (a *Admin) WithdrawRevocations(ctx context.Context, hs []checkpoint.RevocationHash, sign Sign) (seq uint64, withdrawn []checkpoint.RevocationHash, err error) {
	in, err := a.RevokedIn(ctx, hs)
	if err != nil {
		return 0, nil, err
	}
	for _, h := range sortedSet(append([]checkpoint.RevocationHash(nil), hs...)) {
		if _, ok := in[h]; ok {
			withdrawn = append(withdrawn, h)
		}
	}
	if len(withdrawn) == 0 {
		return 0, nil, nil
	}
	n, err := a.Next(ctx)
	if err != nil {
		return 0, nil, err
	}
	now := a.now().UTC().Truncate(time.Second)
	d := wire.RevocationDoc{Kind: wire.KindWithdraw, Seq: n.RevocationSeq, Prev: n.RevocationSeq - 1, Dataset: n.Dataset, IssuedAt: now, ExpiresAt: now.Add(a.validity()), Hashes: withdrawn}
	signed, err := sign(d.Marshal())
	if err != nil {
		return 0, nil, fmt.Errorf("signing the withdrawal: %w", err)
	}
	if _, err := a.PublishSignedRevocations(ctx, signed); err != nil {
		return 0, nil, err
	}
	return d.Seq, withdrawn, nil
}

// PublishSignedPolicy verifies a policy document signed offline against
// the configured roots and stores it: it must be of the hub's dataset
// (else ErrWrongNumber), unexpired, and its version above every version
// handed out and within MaxVersionJump (guardVersion).
func (a *Admin) PublishSignedPolicy(ctx context.Context, signed []byte) (wire.PolicyDoc, error) {
	payload, err := a.verify(ctx, "policy", signed)
	if err != nil {
		return wire.PolicyDoc{}, err
	}
	d, err := wire.ParsePolicyDoc(payload)
	if err != nil {
		return wire.PolicyDoc{}, fmt.Errorf("publishing policy: %w", err)
	}
	if now := a.now(); !now.Before(d.ExpiresAt) {
		return d, fmt.Errorf("publishing policy version %d: %w at %s", d.Version, wire.ErrExpiredDocument, d.ExpiresAt.Format(time.RFC3339))
	}
	err = pgx.BeginFunc(ctx, a.Pool, func(tx pgx.Tx) error {
		hs, err := series(ctx, tx)
		if err != nil {
			return err
		}
		if hs.polSeen > hs.polVersion {
			return fmt.Errorf("a terminal holds policy version %d, the hub's counter is at %d: %w", hs.polSeen, hs.polVersion, ErrRestored)
		}
		if d.Dataset != hs.dataset {
			return fmt.Errorf("%w: dataset %s, the hub's is %s", ErrWrongNumber, d.Dataset, hs.dataset)
		}
		if err := a.guardVersion("policy", d.Version, hs.polVersion); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "UPDATE hub_state SET policy_version = $1", int64(d.Version)); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, "INSERT INTO policies (version, signed, dataset) VALUES ($1, $2, $3)", int64(d.Version), signed, uuid.UUID(d.Dataset))
		if isUnique(err) {
			return fmt.Errorf("policy version %d: %w", d.Version, ErrExists)
		}
		return err
	})
	if err != nil {
		return d, fmt.Errorf("publishing signed policy: %w", err)
	}
	return d, nil
}
