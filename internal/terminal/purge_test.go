package terminal

import (
	"context"
	"crypto"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
	"github.com/checkpoint-terminal/checkpoint/healthcode"
	cpsync "github.com/checkpoint-terminal/checkpoint/sync"
	"github.com/checkpoint-terminal/checkpoint/sync/wire"
)

// TestOnePurgeLoopWithTheConfiguredRetention: an offline-only terminal
// whose configured retention is 7 days purges an unsent 10-day-old record
// and keeps a 3-day-old one (the built-in 28 days would keep both).
func TestOnePurgeLoopWithTheConfiguredRetention(t *testing.T) {
	store, err := cpsync.Open(filepath.Join(t.TempDir(), "s.db"), cpsync.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	now := time.Now()
	for _, age := range []time.Duration{10 * 24 * time.Hour, 3 * 24 * time.Hour} {
		c := 36.6
		r := checkpoint.Record{Time: now.Add(-age), TerminalID: "T1", SiteID: "s", CodeID: "c", Format: checkpoint.FormatHealthCode,
			Color: checkpoint.ColorGreen, Celsius: &c, Outcome: checkpoint.OutcomePass, Reason: checkpoint.ReasonGreen}
		if _, err := store.Append(context.Background(), r); err != nil {
			t.Fatal(err)
		}
	}
	pol := checkpoint.DefaultPolicy()
	pol.Retention = 7 * 24 * time.Hour
	term := &Terminal{Store: store, clock: checkpoint.SystemClock{}, log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	term.local.Store(&pol)
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // one pass, then return
	if err := term.purgeLoop(ctx); err != nil {
		t.Fatal(err)
	}
	recs, _ := store.Recent(10)
	if len(recs) != 1 || store.Pending() != 1 {
		t.Errorf("%d records (%d pending) after the purge, want the 3-day-old one", len(recs), store.Pending())
	}
}

// TestFinalPushSendsTheOutboxBeforeExit: what Run does after the source
// ends (-once): the outbox goes to the hub, nothing is pulled.
func TestFinalPushSendsTheOutboxBeforeExit(t *testing.T) {
	var paths []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		paths = append(paths, r.URL.Path)
		var req wire.PushRequest
		json.NewDecoder(r.Body).Decode(&req)
		var resp wire.PushResponse
		for _, rec := range req.Records {
			resp.Stored = append(resp.Stored, rec.ID)
		}
		json.NewEncoder(w).Encode(resp)
	}))
	defer srv.Close()
	store, err := cpsync.Open(filepath.Join(t.TempDir(), "s.db"), cpsync.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	c := 36.6
	for range 3 {
		if _, err := store.Append(context.Background(), checkpoint.Record{Time: time.Now(), TerminalID: "T1", SiteID: "s", CodeID: "c",
			Format: checkpoint.FormatHealthCode, Color: checkpoint.ColorGreen, Celsius: &c, Outcome: checkpoint.OutcomePass, Reason: checkpoint.ReasonGreen}); err != nil {
			t.Fatal(err)
		}
	}
	root, _ := healthcode.GenerateKey(healthcode.ES256)
	lg := slog.New(slog.NewTextHandler(io.Discard, nil))
	client, err := cpsync.NewClient(store, cpsync.ClientConfig{HubURL: srv.URL, DeviceID: "T1", Token: "t", Roots: []crypto.PublicKey{root.Public()}}, nil, lg)
	if err != nil {
		t.Fatal(err)
	}
	term := &Terminal{Store: store, Client: client, clock: checkpoint.SystemClock{}, log: lg}
	term.finalPush()
	if store.Pending() != 0 {
		t.Errorf("%d records still pending after the final push", store.Pending())
	}
	for _, p := range paths {
		if p != wire.PathRecords {
			t.Errorf("final push requested %s", p)
		}
	}
}
