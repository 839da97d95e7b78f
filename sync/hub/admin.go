package hub

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
	"github.com/checkpoint-terminal/checkpoint/sync/wire"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Admin runs the operator's actions against the hub's database. Signing
// happens on the operator's side (Sign), so the hub never holds a root key.
type Admin struct {
	Pool  *pgxpool.Pool
	Clock checkpoint.Clock
}

// Sign wraps a payload as a signed document (healthcode.SignDocument with
// the root key, in cmd/hub).
type Sign func(payload []byte) ([]byte, error)

// ErrExists means the device, version or sequence is taken already.
var ErrExists = errors.New("already exists")

// ErrNotFound means there is no such device.
var ErrNotFound = errors.New("not found")

func (a *Admin) now() time.Time {
	if a.Clock == nil {
		return time.Now()
	}
	return a.Clock.Now()
}

func isUnique(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}

// RegisterDevice registers a terminal and returns its bearer token, which
// is shown once: only its SHA-256 is stored. A revoked device may be
// registered again (a new token); an active one may not.
func (a *Admin) RegisterDevice(ctx context.Context, id, site string) (string, error) {
	if id == "" {
		return "", errors.New("registering device: empty id")
	}
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", fmt.Errorf("registering device %s: %w", id, err)
	}
	token := base64.RawURLEncoding.EncodeToString(raw[:])
	tag, err := a.Pool.Exec(ctx, `INSERT INTO devices (id, site_id, token_hash) VALUES ($1, $2, $3)
		ON CONFLICT (id) DO UPDATE SET site_id = excluded.site_id, token_hash = excluded.token_hash, revoked_at = NULL, created_at = now()
		WHERE devices.revoked_at IS NOT NULL`, id, site, TokenHash(token))
	if err != nil {
		return "", fmt.Errorf("registering device %s: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return "", fmt.Errorf("registering device %s: %w (revoke it first to issue a new token)", id, ErrExists)
	}
	return token, nil
}

// RevokeDevice makes the hub refuse the device from now on.
func (a *Admin) RevokeDevice(ctx context.Context, id string) error {
	tag, err := a.Pool.Exec(ctx, "UPDATE devices SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL", id, a.now())
	if err != nil {
		return fmt.Errorf("revoking device %s: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("revoking device %s: %w (or revoked already)", id, ErrNotFound)
	}
	return nil
}

// PublishTrustList stores a signed trust list (verified by the caller) of
// the given version; versions only go up.
func (a *Admin) PublishTrustList(ctx context.Context, version uint64, signed []byte) error {
	return a.publish(ctx, "trust_lists", "trust list", version, signed)
}

// PublishPolicy signs a policy document and stores it as version
// (0: one more than the newest).
func (a *Admin) PublishPolicy(ctx context.Context, version uint64, p checkpoint.Policy, sign Sign) (uint64, error) {
	if err := p.Validate(); err != nil {
		return 0, fmt.Errorf("publishing policy: %w", err)
	}
	if version == 0 {
		var cur int64
		if err := a.Pool.QueryRow(ctx, "SELECT coalesce(max(version), 0) FROM policies").Scan(&cur); err != nil {
			return 0, fmt.Errorf("publishing policy: %w", err)
		}
		version = uint64(cur) + 1
	}
	payload, err := jsonMarshal(wire.PolicyDoc{Version: version, IssuedAt: a.now().UTC(), Policy: p})
	if err != nil {
		return 0, err
	}
	signed, err := sign(payload)
	if err != nil {
		return 0, fmt.Errorf("signing policy: %w", err)
	}
	return version, a.publish(ctx, "policies", "policy", version, signed)
}

func (a *Admin) publish(ctx context.Context, table, what string, version uint64, signed []byte) error {
	var cur int64
	if err := a.Pool.QueryRow(ctx, "SELECT coalesce(max(version), 0) FROM "+table).Scan(&cur); err != nil {
		return fmt.Errorf("publishing %s: %w", what, err)
	}
	if version <= uint64(cur) {
		return fmt.Errorf("publishing %s version %d: %w (newest is %d)", what, version, ErrExists, cur)
	}
	_, err := a.Pool.Exec(ctx, "INSERT INTO "+table+" (version, signed) VALUES ($1, $2)", int64(version), signed)
	if isUnique(err) {
		return fmt.Errorf("publishing %s version %d: %w", what, version, ErrExists)
	}
	if err != nil {
		return fmt.Errorf("publishing %s version %d: %w", what, version, err)
	}
	return nil
}

// revocationLock serialises revocation publishing across admin processes.
const revocationLock = 0x4350_5245_5600 // "CPREV"

// AddRevocations adds hashes to the set as one signed delta batch (only
// the hashes not revoked already) and returns its sequence number; with no
// new hash nothing is published and the current sequence is returned.
func (a *Admin) AddRevocations(ctx context.Context, hashes []checkpoint.RevocationHash, sign Sign) (seq uint64, added int, err error) {
	err = pgx.BeginFunc(ctx, a.Pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", int64(revocationLock)); err != nil {
			return err
		}
		var prev int64
		if err := tx.QueryRow(ctx, "SELECT coalesce(max(seq), 0) FROM revocation_deltas").Scan(&prev); err != nil {
			return err
		}
		raw := make([][]byte, len(hashes))
		for i := range hashes {
			raw[i] = hashes[i][:]
		}
		rows, err := tx.Query(ctx, `INSERT INTO revoked_hashes (hash, seq) SELECT h, $2 FROM unnest($1::bytea[]) AS h
			ON CONFLICT (hash) DO NOTHING RETURNING hash`, raw, prev+1)
		if err != nil {
			return err
		}
		fresh, err := collectHashes(rows)
		if err != nil {
			return err
		}
		added = len(fresh)
		if added == 0 {
			seq = uint64(prev)
			return nil
		}
		seq = uint64(prev) + 1
		doc := wire.RevocationDoc{Kind: wire.KindDelta, Seq: seq, Prev: uint64(prev), IssuedAt: a.now(), Hashes: fresh}
		signed, err := sign(doc.Marshal())
		if err != nil {
			return fmt.Errorf("signing: %w", err)
		}
		_, err = tx.Exec(ctx, "INSERT INTO revocation_deltas (seq, count, signed) VALUES ($1, $2, $3)", int64(seq), added, signed)
		return err
	})
	if err != nil {
		return 0, 0, fmt.Errorf("adding %d revocations: %w", len(hashes), err)
	}
	return seq, added, nil
}

// PublishSnapshot signs the whole set as of the newest delta, so terminals
// far behind (or new) download it instead of every delta.
func (a *Admin) PublishSnapshot(ctx context.Context, sign Sign) (seq uint64, count int, err error) {
	err = pgx.BeginFunc(ctx, a.Pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", int64(revocationLock)); err != nil {
			return err
		}
		var s int64
		if err := tx.QueryRow(ctx, "SELECT coalesce(max(seq), 0) FROM revocation_deltas").Scan(&s); err != nil {
			return err
		}
		if s == 0 {
			return errors.New("no revocations published yet")
		}
		rows, err := tx.Query(ctx, "SELECT hash FROM revoked_hashes ORDER BY hash")
		if err != nil {
			return err
		}
		hs, err := collectHashes(rows)
		if err != nil {
			return err
		}
		seq, count = uint64(s), len(hs)
		signed, err := sign(wire.RevocationDoc{Kind: wire.KindSnapshot, Seq: seq, IssuedAt: a.now(), Hashes: hs}.Marshal())
		if err != nil {
			return fmt.Errorf("signing: %w", err)
		}
		_, err = tx.Exec(ctx, "INSERT INTO revocation_snapshots (seq, count, signed) VALUES ($1, $2, $3) ON CONFLICT (seq) DO UPDATE SET count = excluded.count, signed = excluded.signed, published_at = now()", s, count, signed)
		return err
	})
	if err != nil {
		return 0, 0, fmt.Errorf("publishing revocation snapshot: %w", err)
	}
	return seq, count, nil
}

// QuerySite writes as CSV every record at site with from <= time < to:
// "who passed checkpoint X between T1 and T2".
func (a *Admin) QuerySite(ctx context.Context, w io.Writer, site string, from, to time.Time) (int, error) {
	return a.query(ctx, w, "site_id = $1", site, from, to)
}

// QueryCode writes as CSV every record of code id with from <= time < to:
// "where was code C seen".
func (a *Admin) QueryCode(ctx context.Context, w io.Writer, code string, from, to time.Time) (int, error) {
	if code == "" {
		return 0, errors.New("querying code: empty code id")
	}
	return a.query(ctx, w, "code_id = $1", code, from, to)
}

func (a *Admin) query(ctx context.Context, w io.Writer, where, arg string, from, to time.Time) (int, error) {
	if to.IsZero() {
		to = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	rows, err := a.Pool.Query(ctx, `SELECT id::text, time, terminal_id, site_id, code_id, format, issuer, color, proxy, celsius, outcome, reason
		FROM records WHERE `+where+` AND time >= $2 AND time < $3 ORDER BY time, id`, arg, from, to)
	if err != nil {
		return 0, fmt.Errorf("querying records: %w", err)
	}
	defer rows.Close()
	cw := csv.NewWriter(w)
	if err := cw.Write(wire.CSVHeader); err != nil {
		return 0, fmt.Errorf("writing CSV: %w", err)
	}
	n := 0
	for rows.Next() {
		var r checkpoint.Record
		var format, color, outcome, reason string
		if err := rows.Scan(&r.ID, &r.Time, &r.TerminalID, &r.SiteID, &r.CodeID, &format, &r.Issuer, &color, &r.Proxy, &r.Celsius, &outcome, &reason); err != nil {
			return n, fmt.Errorf("reading records: %w", err)
		}
		r.Format, r.Reason, r.Outcome = checkpoint.Format(format), checkpoint.Reason(reason), checkpoint.ParseOutcome(outcome)
		r.Color, _ = checkpoint.ParseColor(color) // unknown stays unknown
		if err := cw.Write(wire.CSVRow(r)); err != nil {
			return n, fmt.Errorf("writing CSV: %w", err)
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return n, fmt.Errorf("reading records: %w", err)
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return n, fmt.Errorf("writing CSV: %w", err)
	}
	return n, nil
}

func jsonMarshal(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encoding %T: %w", v, err)
	}
	return b, nil
}

// Device is a registered terminal as Devices lists it.
type Device struct {
	ID, Site string
	Created  time.Time
	Revoked  *time.Time
	// LastSeen is the last push the hub accepted from it.
	LastSeen *time.Time
}

// Devices lists the registered devices, so an operator sees which
// terminals have gone silent.
func (a *Admin) Devices(ctx context.Context) ([]Device, error) {
	rows, err := a.Pool.Query(ctx, "SELECT id, site_id, created_at, revoked_at, last_seen FROM devices ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("listing devices: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Device, error) {
		var d Device
		err := r.Scan(&d.ID, &d.Site, &d.Created, &d.Revoked, &d.LastSeen)
		return d, err
	})
	if err != nil {
		return nil, fmt.Errorf("listing devices: %w", err)
	}
	return out, nil
}

// collectHashes reads rows of one bytea column holding revocation hashes,
// and closes them.
func collectHashes(rows pgx.Rows) ([]checkpoint.RevocationHash, error) {
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (checkpoint.RevocationHash, error) {
		var b []byte
		var h checkpoint.RevocationHash
		if err := row.Scan(&b); err != nil {
			return h, err
		}
		if len(b) != len(h) {
			return h, fmt.Errorf("stored revocation hash has %d bytes, want %d", len(b), len(h))
		}
		copy(h[:], b)
		return h, nil
	})
}
