// Package fleet simulates a fleet of terminals against a hub: each
// terminal has a real bbolt store and the real sync client, goes offline
// for a while, has connections cut after the hub stored a push (so the
// client pushes again: duplicates), and pushes some records twice on
// purpose. It then checks that the hub holds every record exactly once.
// `hub loadgen` prints its figures.
package fleet

import (
	"bytes"
	"context"
	"crypto"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"slices"
	gosync "sync"
	"time"

	"github.com/checkpoint-terminal/checkpoint/healthcode"
	"github.com/checkpoint-terminal/checkpoint/sync/hub"
	"github.com/checkpoint-terminal/checkpoint/sync/wire"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Config describes one simulation.
type Config struct {
	// HubURL is the hub under test (http to loopback, or https).
	HubURL string
	// Pool is the hub's database: devices are registered and records
	// counted there.
	Pool *pgxpool.Pool
	// Terminals and Records (per terminal) size the fleet.
	Terminals, Records int
	// Dir holds the terminals' store files.
	Dir string
	// Offline is the share of sync rounds a terminal skips (0.2 if 0);
	// Cut the share of pushes whose answer is lost after the hub stored
	// them (0.05 if 0); Rounds the number of rounds records arrive in (10
	// if 0).
	Offline, Cut float64
	Rounds       int
	Seed         uint64
	Log          *slog.Logger
}

// Result is what a simulation measured.
type Result struct {
	Records       int
	Elapsed       time.Duration
	Pushes, Cuts  int
	PushLatencies []time.Duration // sorted
	// OnHub is the number of rows the hub holds for the fleet's devices;
	// Missing the records not there, Extra the rows beyond one per record.
	OnHub, Missing, Extra int
	// Pending is what the terminals' outboxes still hold at the end.
	Pending int
	// ResentInserted is what the hub inserted from deliberate re-pushes of
	// acknowledged records (must be 0).
	ResentInserted int
}

// ExactlyOnce reports whether every record is on the hub exactly once and
// nothing is left behind.
func (r Result) ExactlyOnce() bool {
	return r.Missing == 0 && r.Extra == 0 && r.Pending == 0 && r.ResentInserted == 0 && r.OnHub == r.Records
}

// Quantile returns the q-quantile (0..1) of the push latencies.
func (r Result) Quantile(q float64) time.Duration {
	if len(r.PushLatencies) == 0 {
		return 0
	}
	return r.PushLatencies[min(len(r.PushLatencies)-1, int(q*float64(len(r.PushLatencies))))]
}

// Run simulates the fleet and checks the result.
func Run(ctx context.Context, cfg Config) (Result, error) {
	if cfg.Terminals <= 0 || cfg.Records <= 0 || cfg.Pool == nil || cfg.HubURL == "" || cfg.Dir == "" {
		return Result{}, errors.New("fleet: terminals, records, hub URL, database and directory are required")
	}
	if cfg.Offline == 0 {
		cfg.Offline = 0.2
	}
	if cfg.Cut == 0 {
		cfg.Cut = 0.05
	}
	if cfg.Rounds <= 0 {
		cfg.Rounds = 10
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	root, err := healthcode.GenerateKey(healthcode.ES256)
	if err != nil {
		return Result{}, err
	}
	run := uuid.NewString()[:8]
	admin := &hub.Admin{Pool: cfg.Pool}
	var stats stats
	terms := make([]*terminal, cfg.Terminals)
	for i := range terms {
		t := &terminal{id: fmt.Sprintf("lg-%s-%d", run, i), site: fmt.Sprintf("lg-site-%d", i%10), stats: &stats, cfg: &cfg}
		t.rng = newRand(cfg.Seed, uint64(i))
		if t.token, err = admin.RegisterDevice(ctx, t.id, t.site); err != nil {
			return Result{}, err
		}
		if err := t.open(filepath.Join(cfg.Dir, t.id+".db"), []crypto.PublicKey{root.Public()}); err != nil {
			return Result{}, err
		}
		defer t.store.Close()
		terms[i] = t
	}
	start := time.Now()
	var wg gosync.WaitGroup
	errs := make([]error, len(terms))
	for i, t := range terms {
		wg.Go(func() { errs[i] = t.run(ctx) })
	}
	wg.Wait()
	res := Result{Elapsed: time.Since(start)}
	if err := errors.Join(errs...); err != nil {
		return res, err
	}
	return check(ctx, cfg, terms, &stats, res)
}

// check counts what the hub holds for the fleet against what the
// terminals appended, and re-pushes acknowledged records on purpose.
func check(ctx context.Context, cfg Config, terms []*terminal, st *stats, res Result) (Result, error) {
	want := map[string]bool{}
	devices := make([]string, len(terms))
	for i, t := range terms {
		devices[i] = t.id
		for _, id := range t.ids {
			want[id] = true
		}
		res.Pending += t.store.Pending()
		n, err := t.resend(ctx)
		if err != nil {
			return res, err
		}
		res.ResentInserted += n
	}
	res.Records = len(want)
	rows, err := cfg.Pool.Query(ctx, "SELECT id::text, count(*) FROM records WHERE device_id = ANY($1) GROUP BY id", devices)
	if err != nil {
		return res, fmt.Errorf("counting records on the hub: %w", err)
	}
	defer rows.Close()
	seen := 0
	for rows.Next() {
		var id string
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return res, err
		}
		res.OnHub += n
		res.Extra += n - 1
		if want[id] {
			seen++
		} else {
			res.Extra++
		}
	}
	if err := rows.Err(); err != nil {
		return res, err
	}
	res.Missing = len(want) - seen
	st.mu.Lock()
	res.Pushes, res.Cuts, res.PushLatencies = st.pushes, st.cuts, slices.Clone(st.lat)
	st.mu.Unlock()
	slices.Sort(res.PushLatencies)
	return res, nil
}

// resend pushes the terminal's newest acknowledged records again, as a
// terminal restored from a backup would; it returns how many the hub
// inserted (0 when exactly-once holds).
func (t *terminal) resend(ctx context.Context) (int, error) {
	recs, err := t.store.Recent(20)
	if err != nil {
		return 0, err
	}
	body, _ := json.Marshal(wire.PushRequest{Records: recs})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.cfg.HubURL+wire.PathRecords, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set(wire.HeaderDevice, t.id)
	req.Header.Set("Authorization", "Bearer "+t.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, fmt.Errorf("re-pushing: %w", err)
	}
	defer resp.Body.Close()
	var ack wire.PushResponse
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&ack) != nil || len(ack.Stored) != len(recs) {
		return 0, fmt.Errorf("re-pushing %d records: hub answered %d, stored %d", len(recs), resp.StatusCode, len(ack.Stored))
	}
	return ack.Inserted, nil
}
