package hub_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/checkpoint-terminal/checkpoint/sync/hub"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
)

func partitionNames(t *testing.T, pool *pgxpool.Pool) []string {
	t.Helper()
	rows, err := pool.Query(context.Background(), `SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
		WHERE i.inhparent = 'records'::regclass ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		rows.Scan(&n)
		out = append(out, n)
	}
	return out
}

func insertAt(t *testing.T, pool *pgxpool.Pool, at time.Time) string {
	t.Helper()
	id := uuid.NewString()
	_, err := pool.Exec(context.Background(), `INSERT INTO records (id, time, terminal_id, site_id, color, outcome, reason, device_id)
		VALUES ($1, $2, 'T1', 'gate-1', 'green', 'pass', 'green', 'T1')`, id, at)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// TestPartitionsDroppedPastRetention: one partition per day is created
// ahead, and whole days past the retention are dropped with their records.
func TestPartitionsDroppedPastRetention(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	now := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	past := now.AddDate(0, 0, -40)
	if _, _, err := hub.MaintainPartitions(ctx, e.pool, past, hub.DefaultRetention); err != nil {
		t.Fatal(err)
	}
	old := insertAt(t, e.pool, past)
	created, dropped, err := hub.MaintainPartitions(ctx, e.pool, now, hub.DefaultRetention)
	if err != nil {
		t.Fatal(err)
	}
	recent := insertAt(t, e.pool, now.Add(-time.Hour))
	ahead := insertAt(t, e.pool, now.AddDate(0, 0, hub.PartitionsAhead))
	names := partitionNames(t, e.pool)
	if len(names) != 28+1+hub.PartitionsAhead || names[0] != "records_p20261109" || names[len(names)-1] != "records_p20261214" {
		t.Errorf("partitions after maintenance: %d, %s..%s; want 36 days 2026-11-09..2026-12-14", len(names), names[0], names[len(names)-1])
	}
	if !slices.Contains(dropped, "records_p20261028") || slices.Contains(dropped, "records_p20261109") || len(created) == 0 {
		t.Errorf("dropped %v; want the day of the old record dropped and the retention's first day kept", dropped)
	}
	var ids []string
	rows, _ := e.pool.Query(ctx, "SELECT id::text FROM records ORDER BY time")
	for rows.Next() {
		var id string
		rows.Scan(&id)
		ids = append(ids, id)
	}
	if len(ids) != 2 || ids[0] != recent || ids[1] != ahead || slices.Contains(ids, old) {
		t.Errorf("records after retention: %v; want the recent and the ahead one only", ids)
	}
	if _, _, err := hub.MaintainPartitions(ctx, e.pool, now, hub.DefaultRetention); err != nil {
		t.Errorf("maintenance again: %v", err)
	}
}

// TestMigratesUnpartitionedRecords: a hub upgraded from the unpartitioned
// schema keeps its records, in partitions.
func TestMigratesUnpartitionedRecords(t *testing.T) {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, pg.Database(t))
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	if err := hub.MigrateTo(ctx, pool, 2); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 30, 23, 59, 0, 0, time.UTC)
	a, b := insertAt(t, pool, at), insertAt(t, pool, at.Add(2*time.Minute))
	if err := hub.Migrate(ctx, pool); err != nil {
		t.Fatal(err)
	}
	if names := partitionNames(t, pool); !slices.Equal(names, []string{"records_p20261130", "records_p20261201"}) {
		t.Errorf("partitions made for the old rows: %v", names)
	}
	var n int
	pool.QueryRow(ctx, "SELECT count(*) FROM records WHERE id IN ($1, $2)", a, b).Scan(&n)
	if n != 2 {
		t.Errorf("%d of 2 records kept by the migration", n)
	}
}
