package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/checkpoint-terminal/checkpoint/sync/hub"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

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

func serve(ctx context.Context, args []string, _, stderr io.Writer) error {
	fs, db := newFlags("serve", stderr)
	listen := fs.String("listen", ":8080", "address to listen on")
	certFile := fs.String("tls-cert", "", "TLS certificate (PEM); with --tls-key serves HTTPS")
	keyFile := fs.String("tls-key", "", "TLS private key (PEM)")
	maxConns := fs.Int("max-conns", 0, "most PostgreSQL connections (0: pgx default, max(4, CPUs))")
	level := fs.String("log-level", "info", "debug, info, warn or error")
	insecure := fs.Bool("insecure-http", false, "serve plain HTTP on a non-loopback address (only behind a TLS proxy)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if (*certFile == "") != (*keyFile == "") {
		return errors.New("--tls-cert and --tls-key go together")
	}
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(*level)); err != nil {
		return fmt.Errorf("--log-level: %w", err)
	}
	log := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: lv}))
	if err := checkPlainHTTP(*listen, *certFile != "", *insecure); err != nil {
		return err
	}
	if *certFile != "" {
		if err := logPin(log, *certFile, *keyFile); err != nil {
			return err
		}
	}
	pool, err := connect(ctx, *db, *maxConns)
	if err != nil {
		return err
	}
	defer pool.Close()
	if err := hub.Migrate(ctx, pool); err != nil {
		return err
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	s := hub.New(pool, hub.Config{Log: log, Registry: reg})
	l, err := net.Listen("tcp", *listen)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", *listen, err)
	}
	srv := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute,
		WriteTimeout:      5 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	done := make(chan error, 1)
	go func() {
		if *certFile != "" {
			done <- srv.ServeTLS(l, *certFile, *keyFile)
		} else {
			done <- srv.Serve(l)
		}
	}()
	log.Info("hub listening", "addr", l.Addr().String(), "tls", *certFile != "")
	select {
	case err := <-done:
		return fmt.Errorf("serving: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutting down: %w", err)
	}
	log.Info("hub stopped")
	return nil
}

func migrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, db := newFlags("migrate", stderr)
	if err := parse(fs, args); err != nil {
		return err
	}
	pool, err := connect(ctx, *db, 2)
	if err != nil {
		return err
	}
	defer pool.Close()
	if err := hub.Migrate(ctx, pool); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "schema up to date")
	return nil
}
