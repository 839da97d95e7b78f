package hub

import (
	"context"
	"crypto"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
	"github.com/checkpoint-terminal/checkpoint/healthcode"
	"github.com/checkpoint-terminal/checkpoint/sync/wire"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// Errors of the publishing guard: the hub refuses a document that would
// wedge every terminal.
var (
	// ErrNoRoots means no root is configured (hub roots add).
	ErrNoRoots = errors.New("no roots configured on the hub (hub roots add --file ROOT.pub)")
	// ErrForeignSignature means a document does not verify against any
	// configured root: terminals would refuse it.
	ErrForeignSignature = errors.New("document does not verify against the hub's roots")
	// ErrVersionJump means a version lies more than MaxVersionJump above
	// both the newest published version and the current Unix time:
	// terminals would refuse every later document. Admin.Force overrides.
	ErrVersionJump = errors.New("version jumps absurdly")
	// ErrExpiredDocument means a document's validity ended before it was
	// published: served as the newest, it would switch every terminal off
	// it (a rule set past valid_until leaves the built-in policy deciding).
	ErrExpiredDocument = errors.New("document is past its validity")
)

// MaxVersionJump bounds a new version: at most this far (in version units,
// which are seconds for trust lists versioned by Unix time) above the larger
// of the newest published version and the current Unix time. One year.
const MaxVersionJump = 366 * 24 * 60 * 60

// AddRoot configures a root public key (PEM) that published documents
// must verify against, and returns its fingerprint (SHA-256 of the PEM's
// key, hex).
func (a *Admin) AddRoot(ctx context.Context, pem []byte) (string, error) {
	k, err := healthcode.ParsePublicKeyPEM(pem)
	if err != nil {
		return "", fmt.Errorf("adding root: %w", err)
	}
	canon, err := healthcode.MarshalPublicKeyPEM(k)
	if err != nil {
		return "", fmt.Errorf("adding root: %w", err)
	}
	sum := sha256.Sum256(canon)
	fp := hex.EncodeToString(sum[:])
	if _, err := a.Pool.Exec(ctx, "INSERT INTO roots (fingerprint, pem) VALUES ($1, $2) ON CONFLICT DO NOTHING", fp, string(canon)); err != nil {
		return "", fmt.Errorf("adding root: %w", err)
	}
	return fp, nil
}

// Roots returns the configured roots; none is ErrNoRoots.
func (a *Admin) Roots(ctx context.Context) ([]crypto.PublicKey, error) {
	rows, err := a.Pool.Query(ctx, "SELECT pem FROM roots ORDER BY fingerprint")
	if err != nil {
		return nil, fmt.Errorf("reading roots: %w", err)
	}
	pems, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("reading roots: %w", err)
	}
	if len(pems) == 0 {
		return nil, ErrNoRoots
	}
	out := make([]crypto.PublicKey, len(pems))
	for i, p := range pems {
		if out[i], err = healthcode.ParsePublicKeyPEM([]byte(p)); err != nil {
			return nil, fmt.Errorf("reading root %d: %w", i, err)
		}
	}
	return out, nil
}

// verify opens signed against the configured roots.
func (a *Admin) verify(ctx context.Context, what string, signed []byte) ([]byte, error) {
	roots, err := a.Roots(ctx)
	if err != nil {
		return nil, fmt.Errorf("publishing %s: %w", what, err)
	}
	payload, err := healthcode.OpenDocument(signed, roots)
	if err != nil {
		return nil, fmt.Errorf("publishing %s: %w: %w", what, ErrForeignSignature, err)
	}
	return payload, nil
}

// guardVersion refuses version unless it is above cur and within
// MaxVersionJump (Force lifts the second rule).
func (a *Admin) guardVersion(what string, version, cur uint64) error {
	if version <= cur {
		return fmt.Errorf("publishing %s version %d: %w (newest is %d)", what, version, ErrExists, cur)
	}
	if version > math.MaxInt64 {
		// Stored as bigint: past it the number would wrap negative and
		// the next document could reuse versions. Not even with Force.
		return fmt.Errorf("publishing %s version %d: %w (above %d, the largest the hub stores)", what, version, ErrVersionJump, int64(math.MaxInt64))
	}
	base := max(cur, uint64(max(a.now().Unix(), 0)))
	if !a.Force && version > base+MaxVersionJump {
		return fmt.Errorf("publishing %s version %d over %d: %w (more than %d above it and the current Unix time; --force if meant)", what, version, cur, ErrVersionJump, MaxVersionJump)
	}
	return nil
}

// PublishTrustList verifies a signed trust list against the configured
// roots (and its validity now), guards its version, stores it and returns
// the version. Versions only go up.
func (a *Admin) PublishTrustList(ctx context.Context, signed []byte) (*healthcode.TrustList, error) {
	roots, err := a.Roots(ctx)
	if err != nil {
		return nil, fmt.Errorf("publishing trust list: %w", err)
	}
	l, err := healthcode.ParseTrustList(signed, roots, a.now())
	if err != nil {
		return nil, fmt.Errorf("publishing trust list: %w: %w", ErrForeignSignature, err)
	}
	err = pgx.BeginFunc(ctx, a.Pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "LOCK TABLE trust_lists IN EXCLUSIVE MODE"); err != nil {
			return err
		}
		var cur int64
		if err := tx.QueryRow(ctx, "SELECT coalesce(max(version), 0) FROM trust_lists").Scan(&cur); err != nil {
			return err
		}
		if err := a.guardVersion("trust list", l.Version(), uint64(cur)); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, "INSERT INTO trust_lists (version, signed) VALUES ($1, $2)", int64(l.Version()), signed)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("publishing trust list version %d: %w", l.Version(), err)
	}
	return l, nil
}

// hubSeries is the hub's series and its counters (hub_state).
type hubSeries struct {
	dataset wire.DatasetID
	// revSeq and polVersion are the newest numbers handed out.
	revSeq, polVersion uint64
	// revSeen and polSeen are the highest numbers a terminal of this
	// series reported holding.
	revSeen, polSeen uint64
}

// ErrRestored means terminals hold numbers the hub has not handed out (its
// database was restored from a backup): handing them out again would make
// new documents invisible to those terminals.
var ErrRestored = errors.New("terminals hold numbers past the hub's counter (restored from a backup?): start a new series with hub revocations snapshot --new-dataset")

// series reads the hub's series under a row lock held until tx ends.
func series(ctx context.Context, tx pgx.Tx) (hubSeries, error) {
	var id uuid.UUID
	var r, p, rs, ps int64
	err := tx.QueryRow(ctx, "SELECT dataset, revocation_seq, policy_version, revocation_seen, policy_seen FROM hub_state FOR UPDATE").Scan(&id, &r, &p, &rs, &ps)
	if err != nil {
		return hubSeries{}, fmt.Errorf("reading the hub's series: %w", err)
	}
	return hubSeries{wire.DatasetID(id), uint64(r), uint64(p), uint64(rs), uint64(ps)}, nil
}

// PublishPolicy signs a policy document of the hub's series and stores it
// as version (0: one more than the newest ever handed out, a counter that
// never goes back). The signed document must verify against the configured
// roots; it expires after Validity.
func (a *Admin) PublishPolicy(ctx context.Context, version uint64, p checkpoint.Policy, sign Sign) (uint64, error) {
	if err := p.Validate(); err != nil {
		return 0, fmt.Errorf("publishing policy: %w", err)
	}
	err := pgx.BeginFunc(ctx, a.Pool, func(tx pgx.Tx) error {
		hs, err := series(ctx, tx)
		if err != nil {
			return err
		}
		ds, cur := hs.dataset, hs.polVersion
		if hs.polSeen > cur {
			return fmt.Errorf("a terminal holds policy version %d, the hub's counter is at %d: %w", hs.polSeen, cur, ErrRestored)
		}
		if version == 0 {
			version = cur + 1
		}
		if err := a.guardVersion("policy", version, cur); err != nil {
			return err
		}
		now := a.now().UTC().Truncate(time.Second)
		payload, err := jsonMarshal(wire.PolicyDoc{Version: version, Dataset: ds, IssuedAt: now, ExpiresAt: now.Add(a.validity()), Policy: p})
		if err != nil {
			return err
		}
		signed, err := sign(payload)
		if err != nil {
			return fmt.Errorf("signing policy: %w", err)
		}
		if _, err := a.verify(ctx, "policy", signed); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "UPDATE hub_state SET policy_version = $1", int64(version)); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, "INSERT INTO policies (version, signed, dataset) VALUES ($1, $2, $3)", int64(version), signed, uuid.UUID(ds))
		if isUnique(err) {
			return fmt.Errorf("policy version %d: %w", version, ErrExists)
		}
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("publishing policy: %w", err)
	}
	return version, nil
}
