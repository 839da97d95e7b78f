package hub_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
	"github.com/checkpoint-terminal/checkpoint/sync/hub"
)

func batch(n int, at time.Time) []checkpoint.Record {
	recs := make([]checkpoint.Record, n)
	for i := range recs {
		recs[i] = record("T1", "gate-1", fmt.Sprintf("c%d", i), at.Add(time.Duration(i)*time.Millisecond))
	}
	return recs
}

// TestIngestPathsExactlyOnce: both ingest paths store a record once,
// whether it comes twice in a call, again later, or by the other path.
func TestIngestPathsExactlyOnce(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	recs := batch(300, time.Now().Add(-time.Hour))
	for i := range recs {
		recs[i].RuleSet, recs[i].Rule = "site@2", fmt.Sprintf("R%d", i)
	}
	for i, step := range []struct {
		name   string
		ingest func(context.Context, string, []checkpoint.Record) (int64, error)
		recs   []checkpoint.Record
		want   int64
	}{
		{"copy, first 200", e.hub.IngestCopy, recs[:200], 200},
		{"insert, 100..300", e.hub.IngestInsert, recs[100:], 100},
		{"copy, all again", e.hub.IngestCopy, recs, 0},
		{"insert, all again", e.hub.IngestInsert, recs, 0},
	} {
		n, err := step.ingest(ctx, "T1", step.recs)
		if err != nil || n != step.want {
			t.Errorf("step %d %s: %d new, %v; want %d", i, step.name, n, err, step.want)
		}
	}
	var n, distinct, named int
	e.pool.QueryRow(ctx, "SELECT count(*), count(DISTINCT id), count(DISTINCT rule) FILTER (WHERE rule_set = 'site@2') FROM records").Scan(&n, &distinct, &named)
	if n != 300 || distinct != 300 || named != 300 {
		t.Errorf("%d rows, %d distinct ids, %d naming their rule; want 300 once each, each with its rule", n, distinct, named)
	}
}

// TestIngestKeepsGateOpened: whether the gate opened reaches the hub by
// both ingest paths.
func TestIngestKeepsGateOpened(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	recs := batch(4, time.Now().Add(-time.Hour))
	recs[1].GateOpened, recs[3].GateOpened = true, true
	if _, err := e.hub.IngestCopy(ctx, "T1", recs[:2]); err != nil {
		t.Fatal(err)
	}
	if _, err := e.hub.IngestInsert(ctx, "T1", recs[2:]); err != nil {
		t.Fatal(err)
	}
	rows, err := e.pool.Query(ctx, "SELECT code_id FROM records WHERE gate_opened ORDER BY code_id")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for rows.Next() {
		var c string
		rows.Scan(&c)
		got = append(got, c)
	}
	if rows.Err() != nil || len(got) != 2 || got[0] != recs[1].CodeID || got[1] != recs[3].CodeID {
		t.Fatalf("records with gate_opened: %q (%v), want %s and %s", got, rows.Err(), recs[1].CodeID, recs[3].CodeID)
	}
}

// BenchmarkIngest compares the two ingest paths at 1,000 records per
// push (the client's batch), on fresh ids; records/s is the figure.
func BenchmarkIngest(b *testing.B) {
	for _, path := range []string{"insert", "copy"} {
		b.Run(path, func(b *testing.B) {
			pool := pg.Pool(b)
			s := hub.New(pool, hub.Config{Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
			ingest := s.IngestInsert
			if path == "copy" {
				ingest = s.IngestCopy
			}
			ctx := context.Background()
			at := time.Now().Add(-time.Hour)
			if _, err := ingest(ctx, "T1", batch(1000, at)); err != nil { // partitions, plans, the staging table
				b.Fatal(err)
			}
			batches := make([][]checkpoint.Record, b.N)
			for i := range batches {
				batches[i] = batch(1000, at)
			}
			b.ResetTimer()
			for i := range b.N {
				if _, err := ingest(ctx, "T1", batches[i]); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(1000*b.N)/b.Elapsed().Seconds(), "records/s")
		})
	}
}
