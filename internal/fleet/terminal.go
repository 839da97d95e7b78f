package fleet

import (
	"bytes"
	"context"
	"crypto"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	gosync "sync"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
	cpsync "github.com/checkpoint-terminal/checkpoint/sync"
	"github.com/checkpoint-terminal/checkpoint/sync/wire"
)

// stats gathers what the terminals' transports saw.
type stats struct {
	mu     gosync.Mutex
	pushes int
	cuts   int
	lat    []time.Duration
}

// terminal is one simulated terminal.
type terminal struct {
	id, site, token string
	cfg             *Config
	stats           *stats
	store           *cpsync.Store
	client          *cpsync.Client
	ids             []string

	mu      gosync.Mutex
	rng     *rand.Rand
	offline bool
	noCuts  bool
}

func newRand(seed, i uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, i)) }

func (t *terminal) chance(p float64) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.rng.Float64() < p
}

// open makes the terminal's store (a real bbolt file; without fsync, as
// the simulation measures the hub, not the terminal's disk) and client.
func (t *terminal) open(path string, roots []crypto.PublicKey) error {
	s, err := cpsync.Open(path, cpsync.Options{NoSync: true})
	if err != nil {
		return err
	}
	t.store = s
	t.client, err = cpsync.NewClient(s, cpsync.ClientConfig{HubURL: t.cfg.HubURL, DeviceID: t.id, Token: t.token, Roots: roots,
		BatchSize: 500, RequestTimeout: 30 * time.Second, WrapTransport: func(next http.RoundTripper) http.RoundTripper {
			return roundTripper(func(r *http.Request) (*http.Response, error) { return t.roundTrip(next, r) })
		}}, nil, t.cfg.Log)
	if err != nil {
		s.Close()
	}
	return err
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

var errOffline = errors.New("simulated: terminal offline")

// roundTrip is the terminal's network: refused while offline; a push is
// timed, and sometimes its answer is lost after the hub stored it.
func (t *terminal) roundTrip(next http.RoundTripper, r *http.Request) (*http.Response, error) {
	t.mu.Lock()
	offline, noCuts := t.offline, t.noCuts
	t.mu.Unlock()
	if offline {
		return nil, errOffline
	}
	push := r.Method == http.MethodPost && r.URL.Path == wire.PathRecords
	start := time.Now()
	resp, err := next.RoundTrip(r)
	if !push || err != nil {
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	d := time.Since(start)
	cut := !noCuts && t.chance(t.cfg.Cut)
	t.stats.mu.Lock()
	t.stats.pushes++
	t.stats.lat = append(t.stats.lat, d)
	if cut {
		t.stats.cuts++
	}
	t.stats.mu.Unlock()
	if err != nil {
		return nil, err
	}
	if cut {
		return nil, errors.New("simulated: connection cut before the answer")
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return resp, nil
}

// run appends the terminal's records over several rounds, syncing after
// each unless offline, then syncs with a steady network until its outbox
// is empty.
func (t *terminal) run(ctx context.Context) error {
	per := max(1, t.cfg.Records/t.cfg.Rounds)
	now := time.Now()
	for n := 0; n < t.cfg.Records; {
		for range min(per, t.cfg.Records-n) {
			c := 36.0 + float64(n%15)/10
			r, err := t.store.Append(ctx, checkpoint.Record{Time: now.Add(-time.Duration(t.cfg.Records-n) * 10 * time.Millisecond), TerminalID: t.id, SiteID: t.site,
				CodeID: fmt.Sprintf("%s-%d", t.id, n), Format: checkpoint.FormatHealthCode, Color: checkpoint.ColorGreen, Celsius: &c,
				Outcome: checkpoint.OutcomePass, Reason: checkpoint.ReasonGreen})
			if err != nil {
				return fmt.Errorf("terminal %s: %w", t.id, err)
			}
			t.ids = append(t.ids, r.ID)
			n++
		}
		off := t.chance(t.cfg.Offline)
		t.mu.Lock()
		t.offline = off
		t.mu.Unlock()
		t.client.Sync(ctx) //nolint:errcheck // offline rounds and cut pushes fail by design
	}
	t.mu.Lock()
	t.offline, t.noCuts = false, true
	t.mu.Unlock()
	for range 20 {
		if t.store.Pending() == 0 {
			return nil
		}
		t.client.Sync(ctx) //nolint:errcheck // the pulls find nothing published; the push is what counts
	}
	return fmt.Errorf("terminal %s: %d records still pending after 20 steady rounds", t.id, t.store.Pending())
}
