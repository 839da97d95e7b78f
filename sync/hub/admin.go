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
	// Force publishes a document whose version jumps absurdly (see
	// ErrVersionJump); the signature check is never skipped.
	Force bool
	// Operator names who runs investigation queries; it is written to the
	// audit table (query_audit) with every query, which is refused without.
	Operator string
	// Validity is how long the policies and revocation batches signed
	// through Admin stay installable; 0 means DefaultValidity.
	Validity time.Duration
}

// DefaultValidity is the installable life of a signed policy or revocation
// batch: 90 days. Publish a fresh snapshot and policy more often than that
// (a terminal keeps using what it installed; only installing stops).
const DefaultValidity = 90 * 24 * time.Hour

func (a *Admin) validity() time.Duration {
	if a.Validity <= 0 {
		return DefaultValidity
	}
	return a.Validity
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

// RegisterDevice registers a terminal at site (the only site it may push
// records for) and returns its bearer token, which
// is shown once: only its SHA-256 is stored. A revoked device may be
// registered again (a new token); an active one may not.
func (a *Admin) RegisterDevice(ctx context.Context, id, site string) (string, error) {
	if id == "" || site == "" {
		return "", errors.New("registering device: the id and the site are required (a device pushes records only for its site)")
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

// QuerySite writes as CSV every record at site with from <= time < to:
// "who passed checkpoint X between T1 and T2".
func (a *Admin) QuerySite(ctx context.Context, w io.Writer, site string, from, to time.Time) (int, error) {
	if site == "" {
		return 0, errors.New("querying site: empty site id")
	}
	return a.query(ctx, w, "site", "site_id = $1", site, from, to)
}

// QueryCode writes as CSV every record of code id with from <= time < to:
// "where was code C seen".
func (a *Admin) QueryCode(ctx context.Context, w io.Writer, code string, from, to time.Time) (int, error) {
	if code == "" {
		return 0, errors.New("querying code: empty code id")
	}
	return a.query(ctx, w, "code", "code_id = $1", code, from, to)
}

// query audits, then runs, an investigation query: the audit row (who,
// when, what filter) is committed before any record is read, so a query
// that fails or is cut short is on record too.
func (a *Admin) query(ctx context.Context, w io.Writer, kind, where, arg string, from, to time.Time) (n int, err error) {
	if a.Operator == "" {
		return 0, errors.New("querying records: the operator's name is required for the audit")
	}
	if to.IsZero() {
		to = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	filter := map[string]any{kind: arg, "from": from.UTC(), "to": to.UTC()}
	var auditID int64
	if err := a.Pool.QueryRow(ctx, "INSERT INTO query_audit (at, operator, kind, filter) VALUES ($1, $2, $3, $4) RETURNING id",
		a.now(), a.Operator, kind, filter).Scan(&auditID); err != nil {
		return 0, fmt.Errorf("auditing the query: %w", err)
	}
	defer func() {
		if err == nil {
			if _, aerr := a.Pool.Exec(ctx, "UPDATE query_audit SET rows = $2 WHERE id = $1", auditID, n); aerr != nil {
				err = fmt.Errorf("auditing the query: %w", aerr)
			}
		}
	}()
	rows, err := a.Pool.Query(ctx, `SELECT id::text, time, terminal_id, site_id, code_id, format, issuer, color, proxy, celsius, outcome, reason, rule_set, rule
		FROM records WHERE `+where+` AND time >= $2 AND time < $3 ORDER BY time, id`, arg, from, to)
	if err != nil {
		return 0, fmt.Errorf("querying records: %w", err)
	}
	defer rows.Close()
	cw := csv.NewWriter(w)
	if err := cw.Write(wire.CSVHeader); err != nil {
		return 0, fmt.Errorf("writing CSV: %w", err)
	}
	for rows.Next() {
		var r checkpoint.Record
		var format, color, outcome, reason string
		if err := rows.Scan(&r.ID, &r.Time, &r.TerminalID, &r.SiteID, &r.CodeID, &format, &r.Issuer, &color, &r.Proxy, &r.Celsius, &outcome, &reason, &r.RuleSet, &r.Rule); err != nil {
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
