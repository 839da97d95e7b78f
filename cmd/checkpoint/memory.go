package main

import (
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"syscall"
)

// The Go heap's tuning (issue 13: < 250 MB resident with the window). The
// live heap while scanning with the window is about 18 MB, most of it the
// fonts fyne parses; the garbage is camera previews and text textures.
const (
	// gcPercent lets the heap grow by a quarter of its live size between
	// collections (Go's default is 100): measured 9 MB less resident than
	// at 50 and 100, for a collection every few hundred milliseconds at
	// the terminal's allocation rate (about 16 MB/s while scanning with
	// the window, two thirds of it camera frames and previews), each
	// marking a ~18 MB heap.
	gcPercent = 25
	// defaultMemoryLimit is a soft limit on all the Go runtime holds; it
	// only matters if the live heap grows far past the usual.
	defaultMemoryLimit = 64 << 20
)

// tuneGC sets gcPercent and defaultMemoryLimit unless GOGC or GOMEMLIMIT
// in the environment say otherwise.
func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(defaultMemoryLimit)
	}
}

// reportMemoryOnSIGUSR1 prints reportMemory's line to stderr (the journal
// under systemd) each time the process gets SIGUSR1: for the breakdown in
// scripts/bench-terminal.sh and for a site chasing a leak
// (`kill -USR1 $(pgrep -u checkpoint -x checkpoint)`: not `systemctl kill`,
// which signals every process of the unit, cage included).
func reportMemoryOnSIGUSR1() {
	c := make(chan os.Signal, 1)
	signal.Notify(c, syscall.SIGUSR1)
	go func() {
		for range c {
			fmt.Fprintln(os.Stderr, memoryLine())
		}
	}()
}

// memoryLine says what the Go runtime and glibc's malloc hold, in MB.
func memoryLine() string {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	const mb = 1 << 20
	s := fmt.Sprintf("memory: go heap in use %.1f MB, go heap idle not returned %.1f MB, go other %.1f MB",
		float64(m.HeapInuse)/mb, float64(m.HeapIdle-m.HeapReleased)/mb,
		float64(m.StackSys+m.MSpanSys+m.MCacheSys+m.BuckHashSys+m.GCSys+m.OtherSys)/mb)
	if h, err := readCHeap(); err == nil {
		s += fmt.Sprintf("; malloc %d arenas, %.1f MB from the system, %.1f MB allocated",
			h.Arenas, float64(h.System)/mb, float64(h.Allocated)/mb)
	} else {
		s += "; malloc: " + err.Error()
	}
	return s
}

// writeHeapProfile records live heap allocations for go tool pprof.
func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("heap profile: %w", err)
	}
	defer f.Close()
	runtime.GC()
	return pprof.Lookup("heap").WriteTo(f, 0)
}
