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
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"golang.org/x/net/netutil"
)

func serve(ctx context.Context, args []string, _, stderr io.Writer) error {
	fs, db := newFlags("serve", stderr)
	listen := fs.String("listen", ":8080", "address to listen on")
	metricsListen := fs.String("metrics-listen", "127.0.0.1:9090", "address of the /metrics listener (empty: none)")
	certFile := fs.String("tls-cert", "", "TLS certificate (PEM); with --tls-key serves HTTPS")
	keyFile := fs.String("tls-key", "", "TLS private key (PEM)")
	maxConns := fs.Int("max-conns", 0, "most PostgreSQL connections (0: pgx default, max(4, CPUs))")
	maxClients := fs.Int("max-connections", 2000, "most simultaneous client connections")
	retention := fs.Duration("retention", hub.DefaultRetention, "how long records are kept: whole daily partitions are dropped past it")
	level := fs.String("log-level", "info", "debug, info, warn or error")
	insecure := fs.Bool("insecure-http", false, "serve plain HTTP on a non-loopback address (only behind a TLS proxy)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if (*certFile == "") != (*keyFile == "") {
		return errors.New("--tls-cert and --tls-key go together")
	}
	if *retention < 24*time.Hour || *maxClients < 1 {
		return errors.New("--retention must be at least 24h and --max-connections at least 1")
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
	go maintainPartitions(ctx, pool, *retention, log)
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	s := hub.New(pool, hub.Config{Log: log, Registry: reg, Retention: *retention})
	l, err := net.Listen("tcp", *listen)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", *listen, err)
	}
	srv := newServer(s.Handler(), log)
	done := make(chan error, 2)
	go func() {
		l := netutil.LimitListener(l, *maxClients)
		if *certFile != "" {
			done <- srv.ServeTLS(l, *certFile, *keyFile)
		} else {
			done <- srv.Serve(l)
		}
	}()
	log.Info("hub listening", "addr", l.Addr().String(), "tls", *certFile != "")
	var msrv *http.Server
	if *metricsListen != "" {
		ml, err := net.Listen("tcp", *metricsListen)
		if err != nil {
			srv.Close()
			return fmt.Errorf("listening on %s for metrics: %w", *metricsListen, err)
		}
		msrv = newServer(s.MetricsHandler(), log)
		go func() { done <- msrv.Serve(ml) }()
		log.Info("metrics listening", "addr", ml.Addr().String())
	}
	select {
	case err := <-done:
		return fmt.Errorf("serving: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if msrv != nil {
		msrv.Shutdown(sctx) //nolint:errcheck // the API's shutdown error is the one reported
	}
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutting down: %w", err)
	}
	log.Info("hub stopped")
	return nil
}

// newServer bounds what one client can make the hub do: headers of at most
// 8 KiB read within 10 s, bodies within 2 min.
func newServer(h http.Handler, log *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute,
		WriteTimeout:      5 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    8 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}
