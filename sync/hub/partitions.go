package hub

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// PartitionsAhead is how many days of record partitions the hub keeps
// created ahead of today.
const PartitionsAhead = 7

// partitionLock serialises partition maintenance across hubs.
const partitionLock = 0x4350_5041_5254 // "CPPART"

func partitionName(day time.Time) string { return "records_p" + day.Format("20060102") }

// MaintainPartitions keeps one partition of records per UTC day: it creates
// those from the day of now-retention up to PartitionsAhead days after now,
// and drops every partition whose whole day ended before now-retention (so
// a record is kept at least retention and at most a day longer). It returns
// the partitions it created and dropped. Several hubs may run it at once.
func MaintainPartitions(ctx context.Context, pool *pgxpool.Pool, now time.Time, retention time.Duration) (created, dropped []string, err error) {
	if retention <= 0 {
		return nil, nil, errors.New("maintaining partitions: retention must be positive")
	}
	cutoff := now.Add(-retention).UTC()
	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		created, dropped = nil, nil
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", int64(partitionLock)); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
			WHERE i.inhparent = 'records'::regclass`)
		if err != nil {
			return err
		}
		names, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return err
		}
		have := map[string]bool{}
		for _, n := range names {
			have[n] = true
			day, err := time.Parse("20060102", strings.TrimPrefix(n, "records_p"))
			if err != nil || !strings.HasPrefix(n, "records_p") {
				continue // not ours
			}
			if !day.AddDate(0, 0, 1).After(cutoff) {
				if _, err := tx.Exec(ctx, "DROP TABLE "+pgx.Identifier{n}.Sanitize()); err != nil {
					return fmt.Errorf("dropping %s: %w", n, err)
				}
				dropped = append(dropped, n)
			}
		}
		first := cutoff.Truncate(24 * time.Hour)
		last := now.UTC().Truncate(24*time.Hour).AddDate(0, 0, PartitionsAhead)
		for d := first; !d.After(last); d = d.AddDate(0, 0, 1) {
			n := partitionName(d)
			if have[n] {
				continue
			}
			q := fmt.Sprintf("CREATE TABLE %s PARTITION OF records FOR VALUES FROM ('%s') TO ('%s')",
				pgx.Identifier{n}.Sanitize(), d.Format(time.RFC3339), d.AddDate(0, 0, 1).Format(time.RFC3339))
			if _, err := tx.Exec(ctx, q); err != nil {
				return fmt.Errorf("creating %s: %w", n, err)
			}
			created = append(created, n)
		}
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("maintaining record partitions: %w", err)
	}
	return created, dropped, nil
}

// isNoPartition reports a row for which no partition exists.
func isNoPartition(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23514" && strings.Contains(pe.Message, "no partition")
}
