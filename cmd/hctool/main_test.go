package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestUnknownCommandIsOneLineAndNonZero(t *testing.T) {
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"no-such-command"}, &out, &errb)
	if code == 0 {
		t.Fatal("unknown command exited 0")
	}
	if n := strings.Count(errb.String(), "\n"); n != 1 {
		t.Fatalf("want one line on stderr, got %d: %q", n, errb.String())
	}
}

func TestHelpListsCommands(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"--help"}, &out, &errb); code != 0 {
		t.Fatalf("--help exited %d", code)
	}
	if !strings.Contains(errb.String(), "commands:") {
		t.Fatalf("help text: %q", errb.String())
	}
}
