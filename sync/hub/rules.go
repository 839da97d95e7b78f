package hub

import (
	"context"
	"crypto"
	"crypto/sha256"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/checkpoint-terminal/checkpoint/sync/wire"
	"github.com/jackc/pgx/v5"

	"github.com/checkpoint-terminal/checkpoint/rules"
)

// PublishRuleSet publishes a signed rule set after checking it as a
// terminal will: signed by one of the configured roots (hub roots add), well-formed, its own tests
// passing (rules.Open). Versions only go up (ErrExists; ErrVersionJump
// past MaxVersionJump without Force). It
// returns the published set.
func (a *Admin) PublishRuleSet(ctx context.Context, signed []byte) (*rules.Set, error) {
	roots, err := a.Roots(ctx)
	if err != nil {
		return nil, fmt.Errorf("publishing rule set: %w", err)
	}
	set, err := rules.Open(signed, roots)
	if err != nil {
		return nil, fmt.Errorf("publishing rule set: %w", err)
	}
	if !set.ValidUntil.IsZero() && !a.now().Before(set.ValidUntil) {
		return nil, fmt.Errorf("publishing rule set %s: %w (valid_until %s)", set.Name(), ErrExpiredDocument, set.ValidUntil.UTC().Format(time.RFC3339))
	}
	var cur int64
	if err := a.Pool.QueryRow(ctx, "SELECT coalesce(max(version), 0) FROM rule_sets").Scan(&cur); err != nil {
		return nil, fmt.Errorf("publishing rule set: %w", err)
	}
	if err := a.guardVersion("rule set "+set.ID, set.Version, uint64(cur)); err != nil {
		return nil, err
	}
	_, err = a.Pool.Exec(ctx, "INSERT INTO rule_sets (version, set_id, signed) VALUES ($1, $2, $3)", int64(set.Version), set.ID, signed)
	if isUnique(err) {
		return nil, fmt.Errorf("publishing rule set %s: %w", set.Name(), ErrExists)
	}
	if err != nil {
		return nil, fmt.Errorf("publishing rule set %s: %w", set.Name(), err)
	}
	return set, nil
}

// ruleScopes caches the scope of each published rule set by version (a
// version's document never changes), read from the signed set itself.
type ruleScopes struct {
	mu sync.Mutex
	m  map[int64]rules.Scope
}

// rulesFor serves the newest rule set whose scope takes in the asking
// terminal: its device id, the site it was registered to, and the region
// it names (?region=, its [rules] region; empty when not given). Scopes
// match as on the terminal (rules.Scope.Matches), so a set scoped to one
// region never hides the nationwide set from terminals elsewhere. A set
// that no longer opens against the configured roots is passed over (a
// terminal would refuse it too).
func (s *Server) rulesFor(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	dev, _ := ctx.Value(ctxKey{}).(device)
	region := r.URL.Query().Get(wire.QueryRegion)
	if len(region) > 64 {
		s.fail(w, r, http.StatusBadRequest, "region too long", nil)
		return
	}
	rows, err := s.pool.Query(ctx, "SELECT version FROM rule_sets ORDER BY version DESC")
	if err != nil {
		s.fail(w, r, http.StatusServiceUnavailable, "database unavailable", err)
		return
	}
	versions, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		s.fail(w, r, http.StatusServiceUnavailable, "database unavailable", err)
		return
	}
	var roots []crypto.PublicKey
	for _, v := range versions {
		scope, ok, err := s.ruleScope(ctx, v, &roots)
		if err != nil {
			s.fail(w, r, http.StatusServiceUnavailable, "database unavailable", err)
			return
		}
		if !ok || !scope.Matches(region, dev.site, dev.id) {
			continue
		}
		var signed []byte
		if err := s.pool.QueryRow(ctx, "SELECT signed FROM rule_sets WHERE version = $1", v).Scan(&signed); err != nil {
			s.fail(w, r, http.StatusServiceUnavailable, "database unavailable", err)
			return
		}
		sum := sha256.Sum256(signed)
		etag := fmt.Sprintf(`"rules-%d-%x"`, v, sum[:8])
		w.Header().Set("ETag", etag)
		// The answer depends on the asking terminal: no shared cache.
		w.Header().Set("Cache-Control", "private, max-age=60")
		if matchETag(r.Header.Get("If-None-Match"), etag) {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("Content-Type", wire.ContentSigned)
		w.Header().Set("Content-Length", strconv.Itoa(len(signed)))
		w.Write(signed) //nolint:errcheck
		return
	}
	s.fail(w, r, http.StatusNotFound, "no rule set published for this terminal", nil)
}

// ruleScope returns the scope of the published set of version v (cached;
// roots are read once per request when needed). ok is false for a set
// that no longer opens against the configured roots.
func (s *Server) ruleScope(ctx context.Context, v int64, roots *[]crypto.PublicKey) (rules.Scope, bool, error) {
	s.scopes.mu.Lock()
	sc, ok := s.scopes.m[v]
	s.scopes.mu.Unlock()
	if ok {
		return sc, true, nil
	}
	if *roots == nil {
		rs, err := (&Admin{Pool: s.pool}).Roots(ctx)
		if errors.Is(err, ErrNoRoots) {
			return rules.Scope{}, false, nil
		}
		if err != nil {
			return rules.Scope{}, false, err
		}
		*roots = rs
	}
	var signed []byte
	if err := s.pool.QueryRow(ctx, "SELECT signed FROM rule_sets WHERE version = $1", v).Scan(&signed); err != nil {
		return rules.Scope{}, false, err
	}
	set, err := rules.Open(signed, *roots)
	if err != nil {
		s.log.Warn("published rule set no longer opens; not served", "version", v, "err", err)
		return rules.Scope{}, false, nil
	}
	s.scopes.mu.Lock()
	if s.scopes.m == nil {
		s.scopes.m = map[int64]rules.Scope{}
	}
	s.scopes.m[v] = set.Scope
	s.scopes.mu.Unlock()
	return set.Scope, true, nil
}
