// Package hub is the server side of synchronisation: an HTTP API (see
// docs/sync-protocol.md) in front of PostgreSQL that ingests pass records
// from terminals and serves them the signed trust list, policy and
// revocation batches. It keeps no state outside PostgreSQL, so several hub
// processes can serve one database behind a load balancer.
package hub

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
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
}

// Server serves the sync API.
type Server struct {
	pool    *pgxpool.Pool
	log     *slog.Logger
	clock   checkpoint.Clock
	reg     *prometheus.Registry
	m       metrics
	maxRevB int
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
	s := &Server{pool: pool, log: cfg.Log, clock: cfg.Clock, reg: cfg.Registry, maxRevB: cfg.MaxRevocationBytes}
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

// Handler returns the HTTP API with /healthz and /metrics.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("POST "+wire.PathRecords, s.route("records", s.device(s.push)))
	mux.Handle("GET "+wire.PathTrustList, s.route("trustlist", s.device(s.signedDoc("trust_lists", "tl"))))
	mux.Handle("GET "+wire.PathPolicy, s.route("policy", s.device(s.signedDoc("policies", "pol"))))
	mux.Handle("GET "+wire.PathRules, s.route("rules", s.device(s.signedDoc("rule_sets", "rules"))))
	mux.Handle("GET "+wire.PathRevocations, s.route("revocations", s.device(s.revocations)))
	mux.Handle("GET /healthz", s.route("healthz", http.HandlerFunc(s.healthz)))
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
		s.log.Debug("request", "route", name, "status", sw.code, "duration", d, "device", r.Header.Get(wire.HeaderDevice))
	})
}

func (s *Server) fail(w http.ResponseWriter, r *http.Request, code int, msg string, err error) {
	if code >= 500 {
		s.log.Error(msg, "path", r.URL.Path, "device", r.Header.Get(wire.HeaderDevice), "err", err)
	} else {
		s.log.Info(msg, "path", r.URL.Path, "device", r.Header.Get(wire.HeaderDevice), "err", err)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(wire.ErrorBody{Error: msg}) //nolint:errcheck // the client may be gone
}

type ctxKey struct{}

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
		err := s.pool.QueryRow(r.Context(), "SELECT token_hash, revoked_at FROM devices WHERE id = $1", id).Scan(&stored, &revoked)
		if errors.Is(err, pgx.ErrNoRows) || (err == nil && (revoked != nil || subtle.ConstantTimeCompare(stored, TokenHash(token)) != 1)) {
			s.m.authFailures.Inc()
			s.fail(w, r, http.StatusUnauthorized, "unknown or revoked device, or wrong token", nil)
			return
		}
		if err != nil {
			s.fail(w, r, http.StatusServiceUnavailable, "database unavailable", err)
			return
		}
		h(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, id)))
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

func (s *Server) push(w http.ResponseWriter, r *http.Request) {
	device := r.Context().Value(ctxKey{}).(string)
	var req wire.PushRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, wire.MaxPushBytes))
	if err := dec.Decode(&req); err != nil {
		s.fail(w, r, http.StatusBadRequest, "push body is not a record batch", err)
		return
	}
	if len(req.Records) > wire.MaxBatchRecords {
		s.fail(w, r, http.StatusRequestEntityTooLarge, fmt.Sprintf("at most %d records per push", wire.MaxBatchRecords), nil)
		return
	}
	s.m.received.Add(float64(len(req.Records)))
	resp := wire.PushResponse{Stored: make([]string, 0, len(req.Records))}
	valid := make([]checkpoint.Record, 0, len(req.Records))
	seen := make(map[uuid.UUID]bool, len(req.Records))
	for _, rec := range req.Records {
		id, err := uuid.Parse(rec.ID)
		switch {
		case err != nil:
			resp.Rejected = append(resp.Rejected, wire.Rejection{ID: rec.ID, Reason: "id is not a UUID"})
		case rec.TerminalID != device:
			resp.Rejected = append(resp.Rejected, wire.Rejection{ID: rec.ID, Reason: "terminal id is not the pushing device"})
		case rec.Validate() != nil:
			resp.Rejected = append(resp.Rejected, wire.Rejection{ID: rec.ID, Reason: rec.Validate().Error()})
		case seen[id]:
			resp.Stored = append(resp.Stored, rec.ID) // same record twice in one batch
		default:
			seen[id] = true
			valid = append(valid, rec)
			resp.Stored = append(resp.Stored, rec.ID)
		}
	}
	s.m.rejected.Add(float64(len(resp.Rejected)))
	n, err := s.Ingest(r.Context(), device, valid)
	if err != nil {
		s.fail(w, r, http.StatusServiceUnavailable, "storing records failed; retry", err)
		return
	}
	resp.Inserted = int(n)
	s.m.inserted.Add(float64(n))
	if _, err := s.pool.Exec(r.Context(), "UPDATE devices SET last_seen = $2 WHERE id = $1", device, s.clock.Now()); err != nil {
		s.log.Warn("recording device last seen", "device", device, "err", err)
	}
	s.log.Info("push", "device", device, "records", len(req.Records), "inserted", n, "rejected", len(resp.Rejected))
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(resp) //nolint:errcheck
}

// Ingest stores records (already validated) in one multi-row insert that
// skips ids already present, and returns how many were new.
func (s *Server) Ingest(ctx context.Context, device string, recs []checkpoint.Record) (int64, error) {
	if len(recs) == 0 {
		return 0, nil
	}
	n := len(recs)
	var (
		ids                                                      = make([]string, n)
		times                                                    = make([]time.Time, n)
		terms, sites, codes, formats, issuers, colors, outs, rsn = make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		proxies                                                  = make([]bool, n)
		celsius                                                  = make([]*float64, n)
	)
	for i, r := range recs {
		ids[i], times[i], terms[i], sites[i], codes[i] = r.ID, r.Time, r.TerminalID, r.SiteID, r.CodeID
		formats[i], issuers[i], colors[i], proxies[i], celsius[i] = string(r.Format), r.Issuer, r.Color.String(), r.Proxy, r.Celsius
		outs[i], rsn[i] = r.Outcome.String(), string(r.Reason)
	}
	tag, err := s.pool.Exec(ctx, `INSERT INTO records
		(id, time, terminal_id, site_id, code_id, format, issuer, color, proxy, celsius, outcome, reason, device_id, received_at)
		SELECT u.*, $13, $14 FROM unnest($1::uuid[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
			$8::text[], $9::bool[], $10::float8[], $11::text[], $12::text[]) AS u
		ON CONFLICT (id) DO NOTHING`,
		ids, times, terms, sites, codes, formats, issuers, colors, proxies, celsius, outs, rsn, device, s.clock.Now())
	if err != nil {
		return 0, fmt.Errorf("inserting %d records: %w", n, err)
	}
	if err := s.ingestRuleNames(ctx, recs); err != nil { // rules.go
		return 0, err
	}
	return tag.RowsAffected(), nil
}

// signedDoc serves the newest row of a table of signed documents with an
// ETag of its version; If-None-Match with that tag is answered 304.
func (s *Server) signedDoc(table, tag string) http.HandlerFunc {
	q := "SELECT version, signed FROM " + table + " ORDER BY version DESC LIMIT 1"
	return func(w http.ResponseWriter, r *http.Request) {
		var version int64
		var signed []byte
		err := s.pool.QueryRow(r.Context(), q).Scan(&version, &signed)
		if errors.Is(err, pgx.ErrNoRows) {
			s.fail(w, r, http.StatusNotFound, "nothing published yet", nil)
			return
		}
		if err != nil {
			s.fail(w, r, http.StatusServiceUnavailable, "database unavailable", err)
			return
		}
		etag := fmt.Sprintf(`"%s-%d"`, tag, version)
		w.Header().Set("ETag", etag)
		if matchETag(r.Header.Get("If-None-Match"), etag) {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("Content-Type", wire.ContentSigned)
		w.Header().Set("Content-Length", strconv.Itoa(len(signed)))
		w.Write(signed) //nolint:errcheck
	}
}

func matchETag(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		if strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(t), "W/")) == etag {
			return true
		}
	}
	return false
}

// revocations serves the batches after ?since=N: the deltas when they
// chain from N and weigh less than the newest snapshot, otherwise that
// snapshot and the deltas after it. One answer carries at most
// MaxRevocationBytes (but always one frame); X-Checkpoint-Revocation-Seq
// says how far the hub goes, so the client asks again until it is there.
func (s *Server) revocations(w http.ResponseWriter, r *http.Request) {
	since, err := strconv.ParseUint(r.URL.Query().Get("since"), 10, 63)
	if err != nil {
		s.fail(w, r, http.StatusBadRequest, "since must be a sequence number", err)
		return
	}
	ctx := r.Context()
	var latest int64
	if err := s.pool.QueryRow(ctx, "SELECT coalesce(max(seq), 0) FROM revocation_deltas").Scan(&latest); err != nil {
		s.fail(w, r, http.StatusServiceUnavailable, "database unavailable", err)
		return
	}
	w.Header().Set(wire.HeaderRevocationSeq, strconv.FormatInt(latest, 10))
	w.Header().Set("ETag", fmt.Sprintf(`"rev-%d"`, latest))
	if int64(since) >= latest {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	var frames [][]byte
	var snapSeq, snapCount int64
	err = s.pool.QueryRow(ctx, "SELECT seq, count FROM revocation_snapshots ORDER BY seq DESC LIMIT 1").Scan(&snapSeq, &snapCount)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		s.fail(w, r, http.StatusServiceUnavailable, "database unavailable", err)
		return
	}
	from := int64(since)
	if snapSeq > from {
		var nDeltas, sum int64
		if err := s.pool.QueryRow(ctx, "SELECT count(*), coalesce(sum(count), 0) FROM revocation_deltas WHERE seq > $1 AND seq <= $2", from, snapSeq).Scan(&nDeltas, &sum); err != nil {
			s.fail(w, r, http.StatusServiceUnavailable, "database unavailable", err)
			return
		}
		if nDeltas != snapSeq-from || sum > snapCount {
			var snap []byte
			if err := s.pool.QueryRow(ctx, "SELECT signed FROM revocation_snapshots WHERE seq = $1", snapSeq).Scan(&snap); err != nil {
				s.fail(w, r, http.StatusServiceUnavailable, "database unavailable", err)
				return
			}
			frames = append(frames, snap)
			from = snapSeq
		}
	}
	size := 0
	for _, f := range frames {
		size += len(f)
	}
	rows, err := s.pool.Query(ctx, "SELECT signed FROM revocation_deltas WHERE seq > $1 ORDER BY seq", from)
	if err != nil {
		s.fail(w, r, http.StatusServiceUnavailable, "database unavailable", err)
		return
	}
	for rows.Next() {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			rows.Close()
			s.fail(w, r, http.StatusServiceUnavailable, "database unavailable", err)
			return
		}
		if len(frames) > 0 && size+len(b) > s.maxRevB {
			break
		}
		frames = append(frames, b)
		size += len(b)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		s.fail(w, r, http.StatusServiceUnavailable, "database unavailable", err)
		return
	}
	var buf bytes.Buffer
	for _, f := range frames {
		wire.WriteFrame(&buf, f) //nolint:errcheck // a bytes.Buffer does not fail
	}
	w.Header().Set("Content-Type", wire.ContentRevocations)
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.Write(buf.Bytes()) //nolint:errcheck
}
