package main

import (
	"context"
	"strings"
	"testing"

	"github.com/checkpoint-terminal/checkpoint/internal/pin"
)

func TestPINHashReadsStdinAndPrintsAnArgon2idHash(t *testing.T) {
	run := func(in string, args ...string) (string, string, error) {
		pinInput = strings.NewReader(in)
		defer func() { pinInput = nil }()
		var out, errb strings.Builder
		err := runPINHash(context.Background(), args, &out, &errb)
		return out.String(), errb.String(), err
	}
	out, _, err := run("975310\n")
	if err != nil {
		t.Fatal(err)
	}
	h := strings.TrimSpace(out)
	if ok, err := pin.Check(h, "975310"); !ok || err != nil || !strings.HasPrefix(h, "$argon2id$") {
		t.Errorf("printed %q: does not check against the PIN (%v)", h, err)
	}
	if _, _, err := run("1234\n"); err == nil || !strings.Contains(err.Error(), "default PIN") {
		t.Errorf("default PIN: err %v, want a refusal", err)
	}
	if _, _, err := run("12\n"); err == nil {
		t.Error("a two-digit PIN was hashed")
	}
	if _, errs, err := run("", "975310"); err == nil || !strings.Contains(errs, "standard input") {
		t.Errorf("PIN as an argument: err %v, stderr %q; want a refusal", err, errs)
	}
}
