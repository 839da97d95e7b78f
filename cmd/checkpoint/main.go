// Command checkpoint is the health-code checkpoint terminal.
//
// With no -config it starts in demo mode: demo codes played through the real
// camera path and a simulated thermometer through the real serial path.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"syscall"

	"github.com/checkpoint-terminal/checkpoint/gate"
)

// defaultMemoryLimit is the Go heap's soft limit: the live heap while
// scanning is about 20 MB, so this only trims the garbage collector's slack.
const defaultMemoryLimit = 64 << 20

func main() {
	gate.RunSentinelIfAsked() // a gate sentinel never returns from this
	if len(os.Args) > 1 && os.Args[1] == "doctor" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		doctorMain(ctx, os.Args[2:])
	}
	opts, err := parseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "checkpoint:", err)
		os.Exit(2)
	}
	if opts.version {
		fmt.Println(versionString())
		return
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		// A kiosk shares a small machine: keep the Go heap near what it
		// needs (a soft limit; GOMEMLIMIT overrides it).
		debug.SetMemoryLimit(defaultMemoryLimit)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err = run(ctx, opts)
	stop()
	if opts.memProfile != "" {
		if perr := writeHeapProfile(opts.memProfile); perr != nil {
			fmt.Fprintln(os.Stderr, "checkpoint:", perr)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "checkpoint:", err)
		os.Exit(1)
	}
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
