package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"time"

	"github.com/checkpoint-terminal/checkpoint/internal/fleet"
	"github.com/jackc/pgx/v5/pgxpool"
)

// loadgen runs a fleet of simulated terminals (internal/fleet) against a
// hub it starts on loopback (or --hub) and prints records/s, push
// latencies, hub and database CPU, and last whether every record is on
// the hub exactly once; it exits 1 when not.
func loadgen(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, db := newFlags("loadgen", stderr)
	terminals := fs.Int("terminals", 50, "simulated terminals")
	records := fs.Int("records", 2000, "records per terminal")
	hubURL := fs.String("hub", "", "a running hub to load (default: start one on loopback)")
	offline := fs.Float64("offline", 0.2, "share of sync rounds a terminal is offline")
	cut := fs.Float64("cut", 0.05, "share of pushes whose answer is lost after the hub stored them")
	seed := fs.Uint64("seed", uint64(time.Now().UnixNano()), "random seed")
	if err := parse(fs, args); err != nil {
		return err
	}
	pool, err := connect(ctx, *db, 4)
	if err != nil {
		return err
	}
	defer pool.Close()
	hubPID := 0
	if *hubURL == "" {
		stop, url, pid, err := startHub(ctx, *db)
		if err != nil {
			return err
		}
		defer stop()
		*hubURL, hubPID = url, pid
	}
	dir, err := os.MkdirTemp("", "checkpoint-loadgen-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	hubBefore, dbBefore, dbOK := cpuNow(ctx, hubPID, pool)
	var walBefore string
	pool.QueryRow(ctx, "SELECT pg_current_wal_lsn()::text").Scan(&walBefore) //nolint:errcheck // figure only
	res, err := fleet.Run(ctx, fleet.Config{HubURL: *hubURL, Pool: pool, Terminals: *terminals, Records: *records, Dir: dir,
		Offline: *offline, Cut: *cut, Seed: *seed})
	if err != nil {
		return err
	}
	hubAfter, dbAfter, _ := cpuNow(ctx, hubPID, pool)
	secs := res.Elapsed.Seconds()
	rate := float64(res.Records) / secs
	fmt.Fprintf(stdout, "terminals %d, records %d (%d each), pushes %d (%d answers cut), wall %.1f s\n",
		*terminals, res.Records, *records, res.Pushes, res.Cuts, secs)
	fmt.Fprintf(stdout, "records/s: %.0f\n", rate)
	fmt.Fprintf(stdout, "push p50: %.1f ms, p99: %.1f ms\n", ms(res.Quantile(0.5)), ms(res.Quantile(0.99)))
	if hubPID != 0 {
		h := (hubAfter - hubBefore).Seconds()
		fmt.Fprintf(stdout, "hub CPU: %.1f s (%.2f cores), %.0f records per hub CPU-second\n", h, h/secs, float64(res.Records)/h)
	} else {
		fmt.Fprintln(stdout, "hub CPU: n/a (hub given with --hub)")
	}
	if dbOK {
		d := (dbAfter - dbBefore).Seconds()
		fmt.Fprintf(stdout, "database CPU: %.1f s (%.2f cores), %.0f records per database CPU-second\n", d, d/secs, float64(res.Records)/d)
	} else {
		fmt.Fprintln(stdout, "database CPU: n/a (server not on this machine)")
	}
	var wal, stored float64
	if pool.QueryRow(ctx, "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn)", walBefore).Scan(&wal) == nil &&
		pool.QueryRow(ctx, `SELECT (SELECT coalesce(sum(pg_total_relation_size(inhrelid)), 0) FROM pg_inherits WHERE inhparent = 'records'::regclass)::float8
			/ greatest((SELECT count(*) FROM records), 1)`).Scan(&stored) == nil {
		fmt.Fprintf(stdout, "database WAL: %.0f bytes per record; stored with indexes: %.0f bytes per record\n", wal/float64(res.Records), stored)
	}
	fmt.Fprintf(stdout, "on hub %d, missing %d, extra %d, pending %d, re-pushed and inserted %d\n", res.OnHub, res.Missing, res.Extra, res.Pending, res.ResentInserted)
	if !res.ExactlyOnce() {
		fmt.Fprintln(stdout, "exactly once: no")
		return errors.New("not every record is on the hub exactly once")
	}
	fmt.Fprintln(stdout, "exactly once: yes")
	return nil
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func cpuNow(ctx context.Context, hubPID int, pool *pgxpool.Pool) (hub, db time.Duration, dbOK bool) {
	if hubPID != 0 {
		_, hub, _ = procStat(hubPID, true)
	}
	db, dbOK = dbCPU(ctx, pool)
	return hub, db, dbOK
}

// startHub runs this binary's "serve" on a loopback port as a child (so
// its CPU is its own) and returns its URL once it listens.
func startHub(ctx context.Context, db string) (stop func(), url string, pid int, err error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, "", 0, err
	}
	cmd := exec.CommandContext(ctx, exe, "serve", "--db", db, "--listen", "127.0.0.1:0", "--metrics-listen", "", "--log-level", "info")
	cmd.Env = append(os.Environ(), beHubEnv+"=1")
	out, err := cmd.StderrPipe()
	if err != nil {
		return nil, "", 0, err
	}
	if err := cmd.Start(); err != nil {
		return nil, "", 0, fmt.Errorf("starting the hub: %w", err)
	}
	stop = func() { cmd.Process.Signal(os.Interrupt); cmd.Wait() } //nolint:errcheck
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		var line struct{ Msg, Addr string }
		if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "hub listening" {
			go io.Copy(io.Discard, out) //nolint:errcheck
			return stop, "http://" + line.Addr, cmd.Process.Pid, nil
		}
	}
	stop()
	return nil, "", 0, errors.New("the hub exited before it listened")
}
