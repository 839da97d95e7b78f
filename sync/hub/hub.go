// Package hub is the server side of synchronisation: an HTTP API (see
// docs/sync-protocol.md) in front of PostgreSQL that ingests pass records
// from terminals and serves them the signed trust list, policy and
// revocation batches. It keeps no state outside PostgreSQL, so several hub
// processes can serve one database behind a load balancer.
package hub

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
	"github.com/checkpoint-terminal/checkpoint/sync/wire"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Config configures a Server.
type Config struct {
	Log *slog.Logger
	// Registry receives the hub's metrics and is served on /metrics; nil
	// makes a fresh one.
	Registry *prometheus.Registry
	// Clock stamps received records; nil is the system clock.
	Clock checkpoint.Clock
	// MaxRevocationBytes bounds one revocation download; the client asks
	// again for the rest. 0 means 64 MiB.
	MaxRevocationBytes int
	// Retention is how long records are kept (whole daily partitions are
	// dropped past it) and so the oldest record time a push may carry;
	// 0 means DefaultRetention.
	Retention time.Duration
	// MaxFuture is how far past the hub's clock a record's time may lie
	// (terminal clocks drift); 0 means DefaultMaxFuture.
	MaxFuture time.Duration
}

// DefaultRetention is the hub's record retention: 28 days, as the
// terminals' default policy.
const DefaultRetention = 28 * 24 * time.Hour

// DefaultMaxFuture is how far ahead of the hub a record time may be: 26 h.
// A refused record is set aside by its terminal for good, so the window
// must cover the clock faults a terminal recovers from: a clock set to
// local time as if it were UTC (up to 14 h off), plus drift. Partitions
// exist PartitionsAhead days ahead, so such a record still has one.
const DefaultMaxFuture = 26 * time.Hour

// Server serves the sync API.
type Server struct {
	pool    *pgxpool.Pool
	log     *slog.Logger
	clock   checkpoint.Clock
	reg     *prometheus.Registry
	m       metrics
	maxRevB int

	retention, maxFuture time.Duration

	scopes ruleScopes
}

type metrics struct {
	requests     *prometheus.CounterVec
	duration     *prometheus.HistogramVec
	received     prometheus.Counter
	inserted     prometheus.Counter
	rejected     prometheus.Counter
	authFailures prometheus.Counter
}

// New makes a Server on pool (already migrated, see Migrate).
func New(pool *pgxpool.Pool, cfg Config) *Server {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Registry == nil {
		cfg.Registry = prometheus.NewRegistry()
	}
	if cfg.Clock == nil {
		cfg.Clock = checkpoint.SystemClock{}
	}
	if cfg.MaxRevocationBytes == 0 {
		cfg.MaxRevocationBytes = 64 << 20
	}
	if cfg.Retention <= 0 {
		cfg.Retention = DefaultRetention
	}
	if cfg.MaxFuture <= 0 {
		cfg.MaxFuture = DefaultMaxFuture
	}
	s := &Server{pool: pool, log: cfg.Log, clock: cfg.Clock, reg: cfg.Registry, maxRevB: cfg.MaxRevocationBytes, retention: cfg.Retention, maxFuture: cfg.MaxFuture}
	f := func(name, help string) prometheus.Counter {
		c := prometheus.NewCounter(prometheus.CounterOpts{Namespace: "checkpoint_hub", Name: name, Help: help})
		s.reg.MustRegister(c)
		return c
	}
	s.m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "checkpoint_hub", Name: "http_requests_total", Help: "HTTP requests by route and status."}, []string{"route", "code"})
	s.m.duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: "checkpoint_hub", Name: "http_request_duration_seconds", Help: "HTTP request latency by route.", Buckets: prometheus.DefBuckets}, []string{"route"})
	s.reg.MustRegister(s.m.requests, s.m.duration)
	s.m.received = f("records_received_total", "Records received in pushes.")
	s.m.inserted = f("records_inserted_total", "Records newly stored (duplicates excluded).")
	s.m.rejected = f("records_rejected_total", "Records refused as invalid.")
	s.m.authFailures = f("auth_failures_total", "Requests refused for unknown, revoked or wrongly authenticated devices.")
	return s
}

// Handler returns the HTTP API with /healthz; /metrics is MetricsHandler.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("POST "+wire.PathRecords, s.route("records", s.device(s.push)))
	mux.Handle("GET "+wire.PathTrustList, s.route("trustlist", s.device(s.signedDoc("trust_lists", "tl"))))
	mux.Handle("GET "+wire.PathPolicy, s.route("policy", s.device(s.policyHave(s.signedDoc("policies", "pol")))))
	mux.Handle("GET "+wire.PathTrustList+"/{version}", s.route("trustlist", s.device(s.signedDoc("trust_lists", "tl"))))
	mux.Handle("GET "+wire.PathPolicy+"/{version}", s.route("policy", s.device(s.signedDoc("policies", "pol"))))
	mux.Handle("GET "+wire.PathRules, s.route("rules", s.device(s.rulesFor)))
	mux.Handle("GET "+wire.PathRevocations, s.route("revocations", s.device(s.revocations)))
	mux.Handle("GET "+wire.PathRevocations+"/{seq}", s.route("revocations", s.device(s.revocationBatch)))
	mux.Handle("GET /healthz", s.route("healthz", http.HandlerFunc(s.healthz)))
	return mux
}

// MetricsHandler serves /metrics (Prometheus), for a listener of its own
// (loopback by default in cmd/hub): never on the API's address.
func (s *Server) MetricsHandler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{}))
	return mux
}

type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(c int) { w.code = c; w.ResponseWriter.WriteHeader(c) }

func (s *Server) route(name string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, code: http.StatusOK}
		h.ServeHTTP(sw, r)
		d := time.Since(start)
		s.m.requests.WithLabelValues(name, strconv.Itoa(sw.code)).Inc()
		s.m.duration.WithLabelValues(name).Observe(d.Seconds())
		s.log.Debug("request", "route", name, "status", sw.code, "duration", d, "device", clip(r.Header.Get(wire.HeaderDevice)))
	})
}

func (s *Server) fail(w http.ResponseWriter, r *http.Request, code int, msg string, err error) {
	if code >= 500 {
		s.log.Error(msg, "path", clip(r.URL.Path), "device", clip(r.Header.Get(wire.HeaderDevice)), "err", err)
	} else {
		s.log.Info(msg, "path", clip(r.URL.Path), "device", clip(r.Header.Get(wire.HeaderDevice)), "err", err)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(wire.ErrorBody{Error: msg}) //nolint:errcheck // the client may be gone
}

type ctxKey struct{}

// device is the authenticated device of a request: its id and the site it
// was registered to.
type device struct{ id, site string }

// TokenHash is how the hub stores a device token.
func TokenHash(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// device authenticates the request's device: known, not revoked, token
// matching. The device id travels to the handler in the context.
func (s *Server) device(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get(wire.HeaderDevice)
		token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if id == "" || !ok || token == "" {
			s.m.authFailures.Inc()
			s.fail(w, r, http.StatusUnauthorized, "device id and bearer token required", nil)
			return
		}
		var stored []byte
		var revoked *time.Time
		var site string
		err := s.pool.QueryRow(r.Context(), "SELECT token_hash, revoked_at, site_id FROM devices WHERE id = $1", id).Scan(&stored, &revoked, &site)
		if errors.Is(err, pgx.ErrNoRows) || (err == nil && (revoked != nil || subtle.ConstantTimeCompare(stored, TokenHash(token)) != 1)) {
			s.m.authFailures.Inc()
			s.fail(w, r, http.StatusUnauthorized, "unknown or revoked device, or wrong token", nil)
			return
		}
		if err != nil {
			s.fail(w, r, http.StatusServiceUnavailable, "database unavailable", err)
			return
		}
		h(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, device{id: id, site: site})))
	})
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.pool.Ping(ctx); err != nil {
		s.fail(w, r, http.StatusServiceUnavailable, "database unavailable", err)
		return
	}
	w.Header().Set("Content-Type", "text/plain")
	w.Write([]byte("ok\n")) //nolint:errcheck
}

// Cache lifetimes for shared caches (a CDN in front of the hub): a
// document named by its version never changes; "the newest" may change at
// any time and is re-checked after a minute.
const (
	cacheImmutable = "public, max-age=31536000, immutable"
	cacheLatest    = "public, max-age=60"
)

// signedDoc serves the newest row of a table of signed documents, or with
// a {version} path value that version (immutable). The ETag is strong and
// bound to the bytes ("tl-<version>-<SHA-256 prefix>"), so a document
// re-numbered after a restore never matches an old tag; If-None-Match with
// it is answered 304.
func (s *Server) signedDoc(table, tag string) http.HandlerFunc {
	latest := "SELECT version, signed FROM " + table + " ORDER BY version DESC LIMIT 1"
	byVersion := "SELECT version, signed FROM " + table + " WHERE version = $1"
	return func(w http.ResponseWriter, r *http.Request) {
		var version int64
		var signed []byte
		var err error
		cache := cacheLatest
		if v := r.PathValue("version"); v != "" {
			n, perr := strconv.ParseInt(v, 10, 64)
			if perr != nil || n <= 0 {
				s.fail(w, r, http.StatusBadRequest, "version must be a positive number", perr)
				return
			}
			cache = cacheImmutable
			err = s.pool.QueryRow(r.Context(), byVersion, n).Scan(&version, &signed)
		} else {
			err = s.pool.QueryRow(r.Context(), latest).Scan(&version, &signed)
		}
		if errors.Is(err, pgx.ErrNoRows) {
			s.fail(w, r, http.StatusNotFound, "nothing published (at that version)", nil)
			return
		}
		if err != nil {
			s.fail(w, r, http.StatusServiceUnavailable, "database unavailable", err)
			return
		}
		sum := sha256.Sum256(signed)
		etag := fmt.Sprintf(`"%s-%d-%x"`, tag, version, sum[:8])
		w.Header().Set("ETag", etag)
		w.Header().Set("Cache-Control", cache)
		if matchETag(r.Header.Get("If-None-Match"), etag) {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("Content-Type", wire.ContentSigned)
		w.Header().Set("Content-Length", strconv.Itoa(len(signed)))
		w.Write(signed) //nolint:errcheck
	}
}

// policyHave notes the policy a terminal reports holding (?have=VERSION
// &dataset=D): a version past the newest published one in the hub's series
// means the hub was restored, and PublishPolicy then refuses to hand that
// version out again (ErrRestored).
func (s *Server) policyHave(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		have, err := strconv.ParseInt(q.Get("have"), 10, 64)
		ds, derr := wire.ParseDatasetID(q.Get("dataset"))
		if err == nil && derr == nil && have > 0 {
			if _, err := s.pool.Exec(r.Context(), `UPDATE hub_state SET policy_seen = greatest(policy_seen, $1)
				WHERE dataset = $2 AND $1 > (SELECT coalesce(max(version), 0) FROM policies)`, have, uuid.UUID(ds)); err != nil {
				s.log.Warn("recording a terminal ahead of the hub", "err", err)
			}
		}
		h(w, r)
	}
}

// revocationBatch serves one delta by its number: immutable, cacheable
// by any CDN.
func (s *Server) revocationBatch(w http.ResponseWriter, r *http.Request) {
	seq, err := strconv.ParseInt(r.PathValue("seq"), 10, 64)
	if err != nil || seq <= 0 {
		s.fail(w, r, http.StatusBadRequest, "seq must be a positive number", err)
		return
	}
	var signed []byte
	err = s.pool.QueryRow(r.Context(), "SELECT signed FROM revocation_deltas WHERE seq = $1", seq).Scan(&signed)
	if errors.Is(err, pgx.ErrNoRows) {
		s.fail(w, r, http.StatusNotFound, "no such revocation batch (pruned, or not yet published)", nil)
		return
	}
	if err != nil {
		s.fail(w, r, http.StatusServiceUnavailable, "database unavailable", err)
		return
	}
	sum := sha256.Sum256(signed)
	w.Header().Set("ETag", fmt.Sprintf(`"rev-%d-%x"`, seq, sum[:8]))
	w.Header().Set("Cache-Control", cacheImmutable)
	w.Header().Set("Content-Type", wire.ContentSigned)
	w.Header().Set("Content-Length", strconv.Itoa(len(signed)))
	w.Write(signed) //nolint:errcheck
}

func matchETag(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		if strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(t), "W/")) == etag {
			return true
		}
	}
	return false
}

// revocations serves the batches after ?since=N (&dataset=D, the series
// the terminal follows): the deltas when they chain from N, none has
// expired and together they weigh no more than the newest snapshot,
// otherwise that snapshot and the deltas after it; a terminal of another
// series always starts from the snapshot. A terminal ahead of the hub in
// the same series (a hub restored from backup) is answered 409, never
// silently 304. Frames are streamed as they are read, at most
// MaxRevocationBytes (but always one frame) per answer;
// X-Checkpoint-Revocation-Seq (the newest of delta and snapshot) says how
// far the hub goes, so the client asks again until it is there.
func (s *Server) revocations(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	since, err := strconv.ParseUint(q.Get("since"), 10, 63)
	if err != nil {
		s.fail(w, r, http.StatusBadRequest, "since must be a sequence number", err)
		return
	}
	var theirs wire.DatasetID
	if d := q.Get("dataset"); d != "" {
		if theirs, err = wire.ParseDatasetID(d); err != nil {
			s.fail(w, r, http.StatusBadRequest, "dataset must be 32 hex digits", err)
			return
		}
	}
	var have []byte
	if h := q.Get("have"); h != "" {
		if have, err = hex.DecodeString(h); err != nil || len(have) != sha256.Size {
			s.fail(w, r, http.StatusBadRequest, "have must be 64 hex digits (the SHA-256 of the newest revocation document the terminal installed)", err)
			return
		}
	}
	ctx := r.Context()
	var ds uuid.UUID
	var latest, snapSeq, snapCount int64
	var snapExpires *time.Time
	err = s.pool.QueryRow(ctx, `SELECT h.dataset,
			greatest((SELECT coalesce(max(seq), 0) FROM revocation_deltas), (SELECT coalesce(max(seq), 0) FROM revocation_snapshots)),
			coalesce(sn.seq, 0), coalesce(sn.count, 0), sn.expires_at
		FROM hub_state h LEFT JOIN LATERAL (SELECT seq, count, expires_at FROM revocation_snapshots
			WHERE dataset = h.dataset ORDER BY seq DESC LIMIT 1) sn ON true`).Scan(&ds, &latest, &snapSeq, &snapCount, &snapExpires)
	if err != nil {
		s.fail(w, r, http.StatusServiceUnavailable, "database unavailable", err)
		return
	}
	ours := wire.DatasetID(ds)
	w.Header().Set(wire.HeaderRevocationSeq, strconv.FormatInt(latest, 10))
	w.Header().Set(wire.HeaderDataset, ours.String())
	otherSeries := theirs != ours && (since > 0 || !theirs.IsZero())
	from := int64(since)
	if !otherSeries && have != nil && from > 0 && from <= latest {
		// Same number, other document: the hub reused the number (restored
		// from a backup, then published again). Only judged where the hub
		// recorded a delta at that number: a terminal may hold a delta
		// pruned before digests were kept.
		var deltaKnown, match bool
		if err := s.pool.QueryRow(ctx, `SELECT coalesce(bool_or(delta), false), coalesce(bool_or(sha256 = $2), false)
			FROM revocation_digests WHERE seq = $1`, from, have).Scan(&deltaKnown, &match); err != nil {
			s.fail(w, r, http.StatusServiceUnavailable, "database unavailable", err)
			return
		}
		if deltaKnown && !match {
			s.log.Error("terminal holds a different revocation batch under the same number: the hub reused it (restored from a backup?); publish a snapshot with --new-dataset",
				"device", clip(r.Header.Get(wire.HeaderDevice)), "seq", from, "have", clip(q.Get("have")), "dataset", ours.String())
			s.fail(w, r, http.StatusConflict, fmt.Sprintf("terminal holds a different revocation batch %d than the hub: the hub reused the number (restored from a backup?); publish a snapshot with --new-dataset", since), nil)
			return
		}
	}
	switch {
	case otherSeries && snapSeq == 0:
		s.fail(w, r, http.StatusConflict, fmt.Sprintf("terminal follows series %s at %d; the hub's series %s has no snapshot yet", theirs, since, ours), nil)
		return
	case otherSeries:
		from = -1
	case from > latest:
		// Remember it: the hub must not hand these numbers out again.
		if _, err := s.pool.Exec(ctx, "UPDATE hub_state SET revocation_seen = greatest(revocation_seen, $1) WHERE dataset = $2", from, ds); err != nil {
			s.log.Warn("recording a terminal ahead of the hub", "err", err)
		}
		s.fail(w, r, http.StatusConflict, fmt.Sprintf("terminal holds revocation batch %d but the hub only %d: was the hub restored from a backup? (publish a snapshot with --new-dataset)", since, latest), nil)
		return
	case from == latest:
		w.Header().Set("ETag", fmt.Sprintf(`"rev-%s-%d"`, ours, latest))
		w.WriteHeader(http.StatusNotModified)
		return
	}
	useSnap := otherSeries
	if !useSnap && snapSeq > from {
		var nDeltas, sum, expired int64
		if err := s.pool.QueryRow(ctx, `SELECT count(*), coalesce(sum(count), 0), count(*) FILTER (WHERE expires_at IS NULL OR expires_at < $3)
			FROM revocation_deltas WHERE seq > $1 AND seq <= $2`, from, snapSeq, s.clock.Now()).Scan(&nDeltas, &sum, &expired); err != nil {
			s.fail(w, r, http.StatusServiceUnavailable, "database unavailable", err)
			return
		}
		useSnap = nDeltas != snapSeq-from || sum > snapCount || expired > 0
	}
	var frames [][]byte
	if useSnap {
		var snap []byte
		if err := s.pool.QueryRow(ctx, "SELECT signed FROM revocation_snapshots WHERE seq = $1", snapSeq).Scan(&snap); err != nil {
			s.fail(w, r, http.StatusServiceUnavailable, "database unavailable", err)
			return
		}
		frames = append(frames, snap)
		from = snapSeq
	}
	rows, err := s.pool.Query(ctx, "SELECT signed FROM revocation_deltas WHERE seq > $1 ORDER BY seq", from)
	if err != nil {
		s.fail(w, r, http.StatusServiceUnavailable, "database unavailable", err)
		return
	}
	defer rows.Close()
	w.Header().Set("Content-Type", wire.ContentRevocations)
	w.Header().Set("Cache-Control", cacheLatest)
	size, started := 0, false
	write := func(f []byte) bool {
		if !started {
			w.WriteHeader(http.StatusOK)
			started = true
		}
		size += len(f)
		return wire.WriteFrame(w, f) == nil
	}
	for _, f := range frames {
		if !write(f) {
			return
		}
	}
	for rows.Next() {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			break
		}
		if started && size+len(b) > s.maxRevB {
			break
		}
		if !write(b) {
			return
		}
	}
	if err := rows.Err(); err != nil && !started {
		s.fail(w, r, http.StatusServiceUnavailable, "database unavailable", err)
		return
	}
	if !started {
		w.WriteHeader(http.StatusOK)
	}
}
