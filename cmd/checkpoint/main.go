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
	"syscall"

	"github.com/checkpoint-terminal/checkpoint/gate"
)

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
	tuneGC()
	reportMemoryOnSIGUSR1()
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
