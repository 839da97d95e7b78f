// Command hctool is the operator's tool for Checkpoint: keys, trust lists,
// demo codes, revocations, decoding images and talking to sensors.
//
// Each command lives in its own file and registers itself in init, so the
// commands stay independent of one another.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"

	"github.com/checkpoint-terminal/checkpoint/gate"
)

// command is one hctool sub-command.
type command struct {
	name    string
	summary string
	// run parses its own flags from args (after the command name) and
	// writes its output to stdout. Returning errUsage prints the help.
	run func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

var commands = map[string]command{}

// register adds a command; called from init in each command's file.
func register(c command) {
	if _, dup := commands[c.name]; dup {
		panic("hctool: command registered twice: " + c.name)
	}
	commands[c.name] = c
}

func main() {
	gate.RunSentinelIfAsked() // hctool relay's sentinel never returns from this
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run dispatches to a command and maps its error to an exit code: one clear
// line on stderr and a non-zero status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "hctool: unknown command %q (try hctool --help)\n", args[0])
		return 2
	}
	err := c.run(ctx, args[1:], stdout, stderr)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	}
	fmt.Fprintf(stderr, "hctool %s: %s\n", c.name, printable(err.Error()))
	return 1
}

// errUsage means the flags were wrong; the flag package already said how.
var errUsage = errors.New("usage")

// newFlags makes a FlagSet for a command whose errors and help go to stderr.
func newFlags(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("hctool "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: hctool %s %s\n\n%s\n\nflags:\n", name, synopsis, commands[name].summary)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args and turns a flag error into errUsage.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	return nil
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: hctool COMMAND [flags]   (hctool COMMAND --help for each)")
	fmt.Fprintln(w, "\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-16s %s\n", n, commands[n].summary)
	}
}

// multiFlag is a repeatable string flag (--root-pub A --root-pub B), the
// one type every command uses for repeated values.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ", ") }
func (m *multiFlag) Set(s string) error { *m = append(*m, s); return nil }
