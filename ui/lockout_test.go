package ui

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
	cpsync "github.com/checkpoint-terminal/checkpoint/sync"
)

func TestLockoutGrowsWithEachFailure(t *testing.T) {
	rows := []struct {
		failures int
		want     time.Duration
	}{{1, 0}, {4, 0}, {5, 30 * time.Second}, {6, time.Minute}, {7, 2 * time.Minute}, {12, 64 * time.Minute / 1}, {40, time.Hour}}
	for _, r := range rows {
		want := min(r.want, maxPINLockout)
		if got := lockoutAfter(r.failures); got != want {
			t.Errorf("after %d wrong PINs: locked %v, want %v", r.failures, got, want)
		}
	}
}

// TestLockoutSurvivesARestart counts wrong PINs into a real bbolt store,
// "restarts" the screen on the same store and expects the pad still locked,
// for longer after the next wrong PIN; every refusal and the login are
// logged.
func TestLockoutSurvivesARestart(t *testing.T) {
	store, err := cpsync.Open(filepath.Join(t.TempDir(), "store.db"), cpsync.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	h := newHarness(t, func(_ *Config, d *Deps) { d.Lockout = store })
	for range maxBadPINs {
		if ok, _ := h.term.checkPIN("0000"); ok {
			t.Fatal("a wrong PIN was accepted")
		}
	}
	if n, until, _ := store.LoadPINLockout(); n != maxBadPINs || !until.Equal(h.clock.Now().Add(pinLockout)) {
		t.Fatalf("store holds %d failures until %v", n, until)
	}
	h2 := newHarness(t, func(_ *Config, d *Deps) { d.Lockout = store })
	h2.clock.now = h.clock.Now().Add(10 * time.Second)
	if ok, msg := h2.term.checkPIN("2468"); ok || !strings.Contains(msg, "20 s") {
		t.Errorf("after a restart the right PIN was accepted during the lockout (%q)", msg)
	}
	h2.clock.advance(pinLockout)
	if ok, msg := h2.term.checkPIN("0000"); ok || !strings.Contains(msg, "60 s") {
		t.Errorf("sixth wrong PIN: %q, want a 60 s lockout", msg)
	}
	h2.clock.advance(61 * time.Second)
	if ok, msg := h2.term.checkPIN("2468"); !ok {
		t.Fatalf("right PIN after the lockout refused: %q", msg)
	}
	if n, until, _ := store.LoadPINLockout(); n != 0 || !until.IsZero() {
		t.Errorf("after a login the store holds %d failures until %v", n, until)
	}
	logs := h.logBuf.String() + h2.logBuf.String()
	for _, want := range []string{"operator PIN refused: wrong PIN", "failures_in_a_row=5", "operator PIN refused: pad locked", "still locked from before the restart", "operator login"} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %q:\n%s", want, logs)
		}
	}
}

func TestPINPadNeverHidesAVerdict(t *testing.T) {
	h := newHarness(t, nil)
	h.term.openPIN()
	h.term.pin.entry.SetText("24")
	h.term.showVerdict(h.decide(h.code(checkpoint.ColorRed), 0, 36.5))
	if h.win.Content() != h.term.guard {
		t.Fatal("a verdict arrived during PIN entry and the pad stayed on top")
	}
	h.shows("DENY")
	if len(h.sound.played) != 1 || h.sound.played[0] != checkpoint.OutcomeDeny {
		t.Errorf("verdict during PIN entry not announced: %v", h.sound.played)
	}
	if !strings.Contains(h.logBuf.String(), "PIN entry interrupted by a verdict") {
		t.Error("interruption not logged")
	}
}

func TestPINPadHasItsOwnShortIdleTimeout(t *testing.T) {
	h := newHarness(t, nil)
	h.term.openPIN()
	last := h.timers[len(h.timers)-1]
	if last.d != pinIdle {
		t.Fatalf("PIN pad idle watch set for %v, want %v", last.d, pinIdle)
	}
	h.clock.advance(pinIdle)
	last.f()
	if h.win.Content() != h.term.guard {
		t.Error("PIN pad still shown after its idle timeout")
	}
}
