package ui

import (
	"strings"
	"testing"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
)

func TestClosingTheWindowNeedsThePIN(t *testing.T) {
	h := newHarness(t, nil)
	quits := 0
	quit := func() { quits++ }
	h.term.GuardClose(quit)
	h.term.askClose(quit) // what the close intercept runs (fyne's test window never does)
	if h.win.Content() != h.term.pin.root || quits != 0 {
		t.Fatalf("close asked: PIN pad shown %v, quit %d times", h.win.Content() == h.term.pin.root, quits)
	}
	h.typePIN("1111")
	if quits != 0 {
		t.Fatal("a wrong PIN closed the window")
	}
	test := h.term.pin.keys["cancel"]
	test.OnTapped()
	if h.term.onPINClose != nil {
		t.Fatal("cancelling the pad left the close pending")
	}
	h.term.askClose(quit)
	h.typePIN("2468")
	if quits != 1 {
		t.Fatalf("the right PIN quit %d times, want 1", quits)
	}
	logs := h.logBuf.String()
	for _, want := range []string{"window close asked", "window closed by the operator"} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %q", want)
		}
	}
}

func TestDemoModeSaysDEMOInLargeLetters(t *testing.T) {
	h := newHarness(t, func(c *Config, _ *Deps) { c.Demo = true })
	h.shows(`textSize="48">DEMO</text>`)
	h2 := newHarness(t, nil)
	h2.hides(">DEMO<")
}

func TestHubRefusalIsShownNotOnline(t *testing.T) {
	h := newHarness(t, nil)
	h.term.status = checkpoint.Health{Online: true, HubRefused: true}
	h.term.renderStatus()
	h.shows("Hub refused this terminal")
	h.hides(">Online<")
	if h.term.bar.network.level != levelError {
		t.Errorf("network chip level %v, want error", h.term.bar.network.level)
	}
}

func TestClockFarAheadOfEveryListIsWarned(t *testing.T) {
	h := newHarness(t, nil)
	now := h.clock.Now()
	h.term.status = checkpoint.Health{Online: true, TrustListAt: now.Add(-2 * 24 * time.Hour), RevocationAt: now.Add(-time.Hour)}
	h.term.renderStatus()
	h.hides("Clock far ahead")
	h.term.status = checkpoint.Health{Online: true, TrustListAt: now.AddDate(-3, 0, 0), RevocationAt: now.AddDate(-3, 0, 1)}
	h.term.renderStatus()
	h.shows("Clock far ahead of every list")
	if h.term.bar.clock.level != levelWarn {
		t.Errorf("clock chip level %v, want warn", h.term.bar.clock.level)
	}
}

func TestExpiredTrustListIsShownAsEXPIRED(t *testing.T) {
	h := newHarness(t, nil)
	now := h.clock.Now()
	h.term.status = checkpoint.Health{Online: true, TrustListAt: now.Add(-8 * 24 * time.Hour), TrustListExpires: now.Add(-time.Hour), RevocationAt: now}
	h.term.renderStatus()
	h.shows("Trust list EXPIRED")
	if h.term.bar.trust.level != levelError {
		t.Errorf("trust chip level %v, want error", h.term.bar.trust.level)
	}
}
