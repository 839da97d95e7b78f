package ui

import (
	"testing"

	"github.com/checkpoint-terminal/checkpoint/internal/pin"
)

func TestPINPadChecksAnArgon2idHash(t *testing.T) {
	hashed, err := pin.Hash("97531")
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, func(c *Config, _ *Deps) { c.PIN = hashed })
	if ok, _ := h.term.checkPIN("97530"); ok {
		t.Error("a wrong PIN opened the operator screens")
	}
	if ok, msg := h.term.checkPIN("97531"); !ok {
		t.Errorf("the right PIN was refused: %s", msg)
	}
	if ok, _ := h.term.checkPIN(hashed); ok {
		t.Error("typing the stored hash itself opened the operator screens")
	}
}
