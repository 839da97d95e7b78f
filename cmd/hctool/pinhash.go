package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/checkpoint-terminal/checkpoint/internal/pin"
)

func init() {
	register(command{
		name:    "pin-hash",
		summary: "hash an operator PIN (argon2id) for [ui] pin in the terminal's config",
		run:     runPINHash,
	})
}

// pinInput is where pin-hash reads the PIN; tests replace it.
var pinInput io.Reader = os.Stdin

// runPINHash reads one PIN from standard input (never from the command
// line, where ps and the shell history would show it) and prints its
// argon2id PHC string, to paste as `pin = "..."` under [ui].
func runPINHash(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("pin-hash", "< PIN", stderr)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		fmt.Fprintln(stderr, "hctool pin-hash: give the PIN on standard input, not as an argument (ps and shell history show arguments)")
		return errUsage
	}
	if f, ok := pinInput.(*os.File); ok && isTerminal(f) {
		fmt.Fprint(stderr, "PIN (digits, then Enter): ")
	}
	line, err := bufio.NewReader(io.LimitReader(pinInput, 256)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("reading the PIN: %w", err)
	}
	p := strings.TrimRight(line, "\r\n")
	if p == pin.Default {
		return fmt.Errorf("%s is the default PIN: the terminal refuses it outside demo mode; choose another", pin.Default)
	}
	h, err := pin.Hash(p)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, h)
	return nil
}

func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
