package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// clockTicks is USER_HZ, the unit of CPU times in /proc (100 on Linux).
const clockTicks = 100

// procStat reads a process's parent and its CPU time (user + system, and
// with children its waited-for children's) from /proc/PID/stat.
func procStat(pid int, children bool) (ppid int, cpu time.Duration, err error) {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return 0, 0, err
	}
	// The command name is in parentheses and may hold spaces: fields
	// start after the last ')'.
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return 0, 0, fmt.Errorf("/proc/%d/stat: no command name", pid)
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 15 {
		return 0, 0, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(f))
	}
	ppid, _ = strconv.Atoi(f[1])
	last := 13 // utime, stime are fields 14 and 15 (f[11], f[12]); cutime, cstime f[13], f[14]
	if children {
		last = 15
	}
	var ticks int64
	for _, s := range f[11:last] {
		n, _ := strconv.ParseInt(s, 10, 64)
		ticks += n
	}
	return ppid, time.Duration(ticks) * time.Second / clockTicks, nil
}

// dbCPU is the CPU time the PostgreSQL server behind pool has used: its
// postmaster with its reaped children, plus every live child. It works
// only when the server runs on this machine; ok is false otherwise.
func dbCPU(ctx context.Context, pool *pgxpool.Pool) (cpu time.Duration, ok bool) {
	var backend int
	if err := pool.QueryRow(ctx, "SELECT pg_backend_pid()").Scan(&backend); err != nil {
		return 0, false
	}
	postmaster, _, err := procStat(backend, false)
	if err != nil {
		return 0, false
	}
	total, ok2 := time.Duration(0), false
	if _, c, err := procStat(postmaster, true); err == nil {
		total, ok2 = c, true
	}
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if pp, c, err := procStat(pid, false); err == nil && pp == postmaster {
			total += c
		}
	}
	return total, ok2
}
