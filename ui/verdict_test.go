package ui

import (
	"fmt"
	"image/color"
	"strings"
	"testing"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
)

func rgba(c color.NRGBA) string { return fmt.Sprintf("rgba(%d,%d,%d,%d)", c.R, c.G, c.B, c.A) }

func TestEveryVerdictStateIsShownInWordsColourAndIcon(t *testing.T) {
	type row struct {
		name     string
		verdict  func(h *harness) checkpoint.Verdict
		headline string
		reason   string
		color    color.NRGBA
		icon     string
		details  []string
		counted  [3]int // passed, denied, rechecks after this verdict
	}
	rows := []row{
		{
			name:     "green code, normal temperature: pass",
			verdict:  func(h *harness) checkpoint.Verdict { return h.decide(h.code(checkpoint.ColorGreen), 0, 36.5) },
			headline: "PASS", reason: "Green code, normal temperature", color: colorPass, icon: "pass.svg",
			details: []string{"Name: 张*", "Code: Green code", "Region: Beijing 110000", "Temperature: 36.5 °C"},
			counted: [3]int{1, 0, 0},
		},
		{
			name:     "yellow code: deny with home isolation",
			verdict:  func(h *harness) checkpoint.Verdict { return h.decide(h.code(checkpoint.ColorYellow), 0, 36.5) },
			headline: "DENY", reason: "Yellow code: 14 days of home isolation and medical observation", color: colorDeny, icon: "deny.svg",
			details: []string{"Code: Yellow code"},
			counted: [3]int{0, 1, 0},
		},
		{
			name:     "red code: deny with hospital or centralised isolation",
			verdict:  func(h *harness) checkpoint.Verdict { return h.decide(h.code(checkpoint.ColorRed), 0, 36.5) },
			headline: "DENY", reason: "Red code: go to a designated hospital, or 14 days of centralised isolation", color: colorDeny, icon: "deny.svg",
			details: []string{"Code: Red code"},
			counted: [3]int{0, 1, 0},
		},
		{
			name:     "green code with fever: recheck with the value",
			verdict:  func(h *harness) checkpoint.Verdict { return h.decide(h.code(checkpoint.ColorGreen), 0, 37.8) },
			headline: "RECHECK", reason: "Fever 37.8 °C: recheck", color: colorRecheck, icon: "recheck.svg",
			details: []string{"Temperature: 37.8 °C"},
			counted: [3]int{0, 0, 1},
		},
		{
			name:     "green code without a reading: measure temperature",
			verdict:  func(h *harness) checkpoint.Verdict { return h.decide(h.code(checkpoint.ColorGreen), 0, 0) },
			headline: "MEASURE TEMPERATURE", reason: "No temperature reading: measure by hand", color: colorMeasure, icon: "measure.svg",
			counted: [3]int{0, 0, 0},
		},
		{
			name:     "forged code: signature invalid",
			verdict:  func(h *harness) checkpoint.Verdict { return h.decide(nil, checkpoint.FailBadSignature, 36.5) },
			headline: "DENY", reason: "Signature invalid: possible forgery", color: colorDeny, icon: "deny.svg",
			counted: [3]int{0, 1, 0},
		},
		{
			name:     "unknown issuer: not recognised",
			verdict:  func(h *harness) checkpoint.Verdict { return h.decide(nil, checkpoint.FailUnknownIssuer, 0) },
			headline: "DENY", reason: "Not recognised: issuer unknown", color: colorDeny, icon: "deny.svg",
			counted: [3]int{0, 1, 0},
		},
		{
			name: "screenshot of an old code: too old",
			verdict: func(h *harness) checkpoint.Verdict {
				c := h.code(checkpoint.ColorGreen)
				c.IssuedAt = h.clock.Now().Add(-20 * time.Minute)
				c.ExpiresAt = time.Time{}
				return h.decide(c, 0, 36.5)
			},
			headline: "DENY", reason: "Code too old: refresh your health code", color: colorDeny, icon: "deny.svg",
			counted: [3]int{0, 1, 0},
		},
		{
			name: "relative's printed card: pass on behalf of a relative",
			verdict: func(h *harness) checkpoint.Verdict {
				c := h.code(checkpoint.ColorGreen)
				c.Kind, c.Proxy, c.Relation, c.HolderMasked = checkpoint.KindCard, true, "母亲", "赵*"
				return h.decide(c, 0, 36.4)
			},
			headline: "PASS", reason: "Green code, normal temperature", color: colorPass, icon: "pass.svg",
			details: []string{"Name: 赵*", "On behalf of a relative (母亲)", "Printed card"},
			counted: [3]int{1, 0, 0},
		},
	}
	h := newHarness(t, nil) // one terminal for all rows: each verdict replaces the last
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			h.t = t
			h.term.SetCounters(checkpoint.Counters{})
			h.sound.played = nil
			v := r.verdict(h)
			h.term.ShowVerdict(v)
			p := h.term.panel
			if p.headline.Text != r.headline {
				t.Errorf("headline %q, want %q", p.headline.Text, r.headline)
			}
			if p.reason.Text != r.reason {
				t.Errorf("reason %q, want %q", p.reason.Text, r.reason)
			}
			if p.bg.FillColor != r.color {
				t.Errorf("panel colour %v, want %v", p.bg.FillColor, r.color)
			}
			if p.icon.Resource == nil || p.icon.Resource.Name() != r.icon {
				t.Errorf("icon %v, want %s", p.icon.Resource, r.icon)
			}
			got := strings.Join(p.detailTexts(), "\n")
			for _, d := range r.details {
				if !strings.Contains(got, d) {
					t.Errorf("details %q lack %q", got, d)
				}
			}
			// What is on the canvas, not just in the fields.
			h.shows(">"+r.headline+"<", r.reason, `rsc="`+r.icon+`"`, `fillColor="`+rgba(r.color)+`"`)
			c := h.term.Counters()
			if got := [3]int{c.Passed, c.Denied, c.Rechecks}; got != r.counted {
				t.Errorf("counters %v, want %v", got, r.counted)
			}
			if len(h.sound.played) != 1 || h.sound.played[0] != v.Outcome {
				t.Errorf("sounds %v, want one %v", h.sound.played, v.Outcome)
			}
		})
	}
}

func TestNamesNeverLeakIntoTheReadyScreen(t *testing.T) {
	h := newHarness(t, nil)
	h.shows(">READY TO SCAN<", "Hold the health code in front of the camera", `rsc="ready.svg"`, rgba(colorReady))
	h.term.ShowVerdict(h.decide(h.code(checkpoint.ColorGreen), 0, 36.5))
	h.shows("Name: 张*")
	h.timers[0].f()
	h.shows(">READY TO SCAN<")
	h.hides("张*", "PASS")
}

func TestVerdictReturnsToReadyAndANewPersonReplacesItAtOnce(t *testing.T) {
	h := newHarness(t, nil)
	h.term.ShowVerdict(h.decide(h.code(checkpoint.ColorYellow), 0, 36.5))
	if len(h.timers) != 1 || h.timers[0].d != 4*time.Second {
		t.Fatalf("timers %+v, want one of 4s", h.timers)
	}
	h.term.ShowVerdict(h.decide(h.code(checkpoint.ColorGreen), 0, 36.5))
	if got := h.term.panel.headline.Text; got != "PASS" {
		t.Fatalf("second verdict not shown at once: %q", got)
	}
	if !h.timers[0].stopped {
		t.Error("the first verdict's return to ready was not cancelled")
	}
	h.timers[0].f() // a stale timer that fired anyway must not clear the new verdict
	if got := h.term.panel.headline.Text; got != "PASS" {
		t.Fatalf("stale timer cleared the new verdict: %q", got)
	}
	h.timers[1].f()
	if got := h.term.panel.headline.Text; got != "READY TO SCAN" {
		t.Fatalf("after the hold: %q, want READY TO SCAN", got)
	}
}

func TestZeroHoldKeepsTheVerdict(t *testing.T) {
	h := newHarness(t, func(c *Config, _ *Deps) { c.Settings.VerdictHold = 0 })
	h.term.ShowVerdict(h.decide(h.code(checkpoint.ColorRed), 0, 36.5))
	if len(h.timers) != 0 {
		t.Fatalf("a timer was scheduled with hold 0: %+v", h.timers)
	}
	h.shows(">DENY<")
}

func TestMuteSilencesVerdicts(t *testing.T) {
	h := newHarness(t, func(c *Config, _ *Deps) { c.Settings.Mute = true })
	h.term.ShowVerdict(h.decide(h.code(checkpoint.ColorRed), 0, 36.5))
	if len(h.sound.played) != 0 {
		t.Fatalf("muted terminal played %v", h.sound.played)
	}
}

func TestDistinctSoundsPerOutcome(t *testing.T) {
	h := newHarness(t, nil)
	for _, c := range []float64{36.5, 37.9} {
		h.term.ShowVerdict(h.decide(h.code(checkpoint.ColorGreen), 0, c))
	}
	h.term.ShowVerdict(h.decide(h.code(checkpoint.ColorRed), 0, 36.5))
	want := []checkpoint.Outcome{checkpoint.OutcomePass, checkpoint.OutcomeRecheck, checkpoint.OutcomeDeny}
	if fmt.Sprint(h.sound.played) != fmt.Sprint(want) {
		t.Fatalf("played %v, want %v", h.sound.played, want)
	}
}

func TestCountersRollOverAtMidnight(t *testing.T) {
	h := newHarness(t, nil)
	h.term.SetCounters(checkpoint.Counters{Passed: 10, Denied: 2, Rechecks: 1})
	h.term.ShowVerdict(h.decide(h.code(checkpoint.ColorGreen), 0, 36.5))
	if c := h.term.Counters(); c.Passed != 11 || c.Denied != 2 || c.Rechecks != 1 {
		t.Fatalf("counters %+v, want 11/2/1", c)
	}
	h.shows(">11<")
	h.clock.advance(15 * time.Hour) // 09:30 + 15h: the next day
	h.term.tick()
	if c := h.term.Counters(); c.Passed != 0 || c.Denied != 0 || c.Rechecks != 0 {
		t.Fatalf("counters after midnight %+v, want zero", c)
	}
}

func TestUnknownReasonIsShownByItsCode(t *testing.T) {
	h := newHarness(t, nil)
	h.term.ShowVerdict(checkpoint.Verdict{Outcome: checkpoint.OutcomeDeny, Reason: "from_the_future", MessageKey: "reason.from_the_future"})
	h.shows("Refused: from_the_future", ">DENY<")
}
