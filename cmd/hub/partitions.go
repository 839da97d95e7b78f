package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/checkpoint-terminal/checkpoint/sync/hub"
	"github.com/jackc/pgx/v5/pgxpool"
)

// maintainPartitions creates record partitions ahead and drops those past
// retention, at start and then every hour, until ctx ends.
func maintainPartitions(ctx context.Context, pool *pgxpool.Pool, retention time.Duration, log *slog.Logger) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		created, dropped, err := hub.MaintainPartitions(ctx, pool, time.Now(), retention)
		if err != nil && ctx.Err() == nil {
			log.Error("record partitions", "err", err)
		} else if len(created)+len(dropped) > 0 {
			log.Info("record partitions", "created", created, "dropped", dropped)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func partitions(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, db := newFlags("partitions", stderr)
	retention := fs.Duration("retention", hub.DefaultRetention, "how long records are kept (whole days past it are dropped)")
	if err := parse(fs, args); err != nil {
		return err
	}
	return withAdmin(ctx, *db, func(a *hub.Admin) error {
		created, dropped, err := hub.MaintainPartitions(ctx, a.Pool, time.Now(), *retention)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "created %d partitions %v, dropped %d %v\n", len(created), created, len(dropped), dropped)
		return nil
	})
}
