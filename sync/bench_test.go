package sync_test

import (
	"context"
	"path/filepath"
	gosync "sync"
	"testing"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
	cpsync "github.com/checkpoint-terminal/checkpoint/sync"
	"github.com/checkpoint-terminal/checkpoint/sync/hub"
	"github.com/google/uuid"
)

// fillOutbox appends n records from 64 writers (fsync off: this is
// fixture building, not the measurement).
func fillOutbox(b *testing.B, path string, n int) {
	b.Helper()
	s, err := cpsync.Open(path, cpsync.Options{NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	at := time.Now().Add(-72 * time.Hour)
	var wg gosync.WaitGroup
	for w := range 64 {
		wg.Go(func() {
			for i := w; i < n; i += 64 {
				if _, err := s.Append(context.Background(), newRecord("T1", "gate-1", "code", at.Add(time.Duration(i)*time.Millisecond))); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkPushAfterOffline pushes an outbox of 100,000 records (a long
// offline period) to a real hub over loopback and reports the time it
// took and the rate.
func BenchmarkPushAfterOffline(b *testing.B) {
	const n = 100_000
	var total time.Duration
	for b.Loop() {
		b.StopTimer()
		h := newBenchHub(b)
		path := filepath.Join(b.TempDir(), "outbox.db")
		fillOutbox(b, path, n)
		s, err := cpsync.Open(path, cpsync.Options{Roots: h.auth.roots()})
		if err != nil {
			b.Fatal(err)
		}
		c, err := cpsync.NewClient(s, cpsync.ClientConfig{HubURL: h.url(), DeviceID: "T1", Token: h.token, Roots: h.auth.roots()}, nil, quiet)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		t0 := time.Now()
		if err := c.Sync(context.Background()); err != nil {
			b.Fatal(err)
		}
		total += time.Since(t0)
		b.StopTimer()
		if s.Pending() != 0 {
			b.Fatalf("%d still pending", s.Pending())
		}
		var got int
		if err := h.pool.QueryRow(context.Background(), "SELECT count(*) FROM records").Scan(&got); err != nil || got != n {
			b.Fatalf("hub holds %d records (%v), want %d", got, err, n)
		}
		s.Close()
		h.stop()
		b.StartTimer()
	}
	per := total / time.Duration(b.N)
	b.ReportMetric(per.Seconds(), "s/100k")
	b.ReportMetric(float64(n)/per.Seconds(), "records/s")
}

// BenchmarkHubIngest measures the hub's bulk insert alone: batches of
// 1,000 records into PostgreSQL.
func BenchmarkHubIngest(b *testing.B) {
	h := newBenchHub(b)
	srv := hub.New(h.pool, hub.Config{Log: quiet})
	if _, _, err := hub.MaintainPartitions(context.Background(), h.pool, time.Now(), hub.DefaultRetention); err != nil {
		b.Fatal(err)
	}
	const batch = 1000
	at := time.Now()
	var total time.Duration
	records := 0
	for b.Loop() {
		b.StopTimer()
		recs := make([]checkpoint.Record, batch)
		for i := range recs {
			recs[i] = newRecord("T1", "gate-1", "code", at.Add(time.Duration(records+i)*time.Millisecond))
			recs[i].ID = uuid.Must(uuid.NewV7()).String()
		}
		b.StartTimer()
		t0 := time.Now()
		n, err := srv.Ingest(context.Background(), "T1", recs)
		total += time.Since(t0)
		if err != nil || n != batch {
			b.Fatalf("ingest: %d, %v", n, err)
		}
		records += batch
	}
	b.ReportMetric(float64(records)/total.Seconds(), "records/s")
}

func newBenchHub(b *testing.B) *hubEnv {
	b.Helper()
	h := newHubTB(b)
	h.start()
	return h
}
