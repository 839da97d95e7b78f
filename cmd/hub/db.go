package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/checkpoint-terminal/checkpoint/sync/hub"
	"github.com/jackc/pgx/v5/pgxpool"
)

// connect opens a pool on db (at most maxConns connections, 0: pgx's
// default) and checks that the server answers.
func connect(ctx context.Context, db string, maxConns int) (*pgxpool.Pool, error) {
	if db == "" {
		return nil, errors.New("no database: pass --db or set HUB_DB")
	}
	cfg, err := pgxpool.ParseConfig(db)
	if err != nil {
		return nil, fmt.Errorf("parsing --db: %w", err)
	}
	if maxConns > 0 {
		cfg.MaxConns = int32(maxConns)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connecting to PostgreSQL: %w", err)
	}
	pctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if err := pool.Ping(pctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connecting to PostgreSQL: %w", err)
	}
	return pool, nil
}

// withAdmin opens the database, applies the migrations, runs f and closes
// the database again: the frame of every admin command.
func withAdmin(ctx context.Context, db string, f func(*hub.Admin) error) error {
	pool, err := connect(ctx, db, 2)
	if err != nil {
		return err
	}
	defer pool.Close()
	if err := hub.Migrate(ctx, pool); err != nil {
		return err
	}
	return f(&hub.Admin{Pool: pool})
}

func migrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, db := newFlags("migrate", stderr)
	if err := parse(fs, args); err != nil {
		return err
	}
	return withAdmin(ctx, *db, func(*hub.Admin) error {
		fmt.Fprintln(stdout, "schema up to date")
		return nil
	})
}
