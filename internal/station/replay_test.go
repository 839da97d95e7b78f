package station

import (
	"context"
	"testing"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
)

// startSeeded is startWith for a station that remembers records stored
// before a restart.
func startSeeded(t *testing.T, log *memLog, pol func() checkpoint.Policy, seed []checkpoint.Record) *harness {
	t.Helper()
	h := &harness{pres: make(chan checkpoint.Presentation), reads: make(chan checkpoint.Reading),
		events: make(chan Event, 16), log: log, clock: &clock{now: t0}, done: make(chan error, 1)}
	st, err := New(Config{TerminalID: "T1", SiteID: "S1", Record: true, Policy: pol}, h.clock, log, nil)
	if err != nil {
		t.Fatal(err)
	}
	st.RememberUsed(seed)
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	go func() { h.done <- st.Run(ctx, h.pres, h.reads, func(e Event) { h.events <- e }) }()
	t.Cleanup(func() { cancel(); <-h.done })
	return h
}

// passWith shows p with a normal reading and returns the final event.
func (h *harness) show(t *testing.T, p checkpoint.Presentation) Event {
	t.Helper()
	now := h.clock.Now()
	p.CapturedAt = now
	h.reads <- reading(36.5, now.Add(-time.Second))
	h.pres <- p
	e := h.next(t)
	if !e.Final {
		t.Fatalf("not final: %+v", e.Verdict)
	}
	return e
}

func dynamicCode(id string, life time.Duration) checkpoint.Presentation {
	p := code(id, checkpoint.ColorGreen)
	p.Code.ExpiresAt = p.Code.IssuedAt.Add(life)
	return p
}

func TestReplayedDynamicCodeIsRefused(t *testing.T) {
	allow := func() checkpoint.Policy { p := checkpoint.DefaultPolicy(); p.AllowReusedDynamic = true; return p }
	card := code("card-1", checkpoint.ColorGreen)
	card.Code.Kind, card.Code.ExpiresAt = checkpoint.KindCard, t0.AddDate(1, 0, 0)
	for _, tc := range []struct {
		name   string
		pol    func() checkpoint.Policy
		first  checkpoint.Presentation
		again  checkpoint.Presentation
		after  time.Duration
		reason checkpoint.Reason
	}{
		{"same dynamic code 10s later", nil, dynamicCode("a", 4*time.Minute), dynamicCode("a", 4*time.Minute), 10 * time.Second, "already_used"},
		{"same dynamic code near the end of its life", nil, dynamicCode("a", 4*time.Minute), dynamicCode("a", 4*time.Minute), 3*time.Minute + 50*time.Second, "already_used"},
		{"same dynamic code after its life: expired, not already used", nil, dynamicCode("a", time.Minute), dynamicCode("a", time.Minute), 4 * time.Minute, "expired"},
		{"site turned the rule off", allow, dynamicCode("a", 4*time.Minute), dynamicCode("a", 4*time.Minute), 10 * time.Second, checkpoint.ReasonGreen},
		{"another person's dynamic code", nil, dynamicCode("a", 4*time.Minute), dynamicCode("b", 4*time.Minute), 10 * time.Second, checkpoint.ReasonGreen},
		{"a printed card shown twice", nil, card, card, 10 * time.Second, checkpoint.ReasonGreen},
		{"a code refused for its signature first is not used", nil, checkpoint.Presentation{Code: dynamicCode("a", 4*time.Minute).Code, Failure: checkpoint.FailBadSignature}, dynamicCode("a", 4*time.Minute), 10 * time.Second, checkpoint.ReasonGreen},
	} {
		t.Run(tc.name, func(t *testing.T) {
			log := &memLog{}
			h := startWith(t, log, tc.pol)
			h.show(t, tc.first)
			h.clock.Set(t0.Add(tc.after))
			e := h.show(t, tc.again)
			if e.Verdict.Reason != tc.reason {
				t.Fatalf("second showing: %s/%s, want %s", e.Verdict.Outcome, e.Verdict.Reason, tc.reason)
			}
			if tc.reason == "already_used" {
				if e.Verdict.Outcome != checkpoint.OutcomeDeny || e.Verdict.Failure != checkpoint.FailAlreadyUsed || e.Record.CodeID != "a" || e.Record.Reason != "already_used" {
					t.Fatalf("refusal %+v recorded as %+v", e.Verdict, e.Record)
				}
				// A third showing is refused again.
				if e := h.show(t, tc.again); e.Verdict.Reason != "already_used" {
					t.Fatalf("third showing: %s", e.Verdict.Reason)
				}
			}
			if len(log.recs) < 2 {
				t.Fatalf("%d records", len(log.recs))
			}
		})
	}
}

func TestReplayRuleSurvivesRestart(t *testing.T) {
	first := &memLog{}
	h := startWith(t, first, nil)
	h.show(t, dynamicCode("a", 4*time.Minute))
	h.cancel()
	<-h.done
	h.done <- nil // for the cleanup

	// The next run of the terminal reads the stored records back.
	seed := append([]checkpoint.Record{
		{CodeID: "refused", Format: checkpoint.FormatHealthCode, Reason: "bad_signature", Time: t0},
		{CodeID: "old", Format: checkpoint.FormatHealthCode, Reason: checkpoint.ReasonGreen, Time: t0.Add(-time.Hour)},
	}, first.recs...)
	h2 := startSeeded(t, &memLog{}, nil, seed)
	h2.clock.Set(t0.Add(30 * time.Second))
	if e := h2.show(t, dynamicCode("a", 4*time.Minute)); e.Verdict.Reason != "already_used" {
		t.Fatalf("after restart: %s", e.Verdict.Reason)
	}
	for _, id := range []string{"refused", "old"} {
		p := dynamicCode(id, 4*time.Minute)
		if e := h2.show(t, p); e.Verdict.Reason != checkpoint.ReasonGreen {
			t.Fatalf("code %s after restart: %s", id, e.Verdict.Reason)
		}
	}
}

// The person waiting to be measured shows the code again: still one
// presentation, passed once their reading arrives, not already_used.
func TestHeldCodeShownAgainIsNotAReplay(t *testing.T) {
	log := &memLog{}
	h := start(t, log)
	h.pres <- dynamicCode("a", 4*time.Minute)
	if e := h.next(t); e.Final || e.Verdict.Outcome != checkpoint.OutcomeMeasure {
		t.Fatalf("first showing: %+v", e)
	}
	h.clock.Set(t0.Add(4 * time.Second))
	again := dynamicCode("a", 4*time.Minute)
	again.CapturedAt = h.clock.Now()
	h.pres <- again
	h.reads <- reading(36.6, h.clock.Now())
	e := h.next(t)
	if !e.Final || e.Verdict.Outcome != checkpoint.OutcomePass || len(log.recs) != 1 {
		t.Fatalf("after the reading: %+v, %d records", e.Verdict, len(log.recs))
	}
}

// A RECHECK (fever: sent to the recheck point) or a final MEASURE asks the
// same person to come back: showing the same dynamic code again after it is
// not a replay, and the code still passes only once.
func TestRecheckedPersonMayShowTheCodeAgain(t *testing.T) {
	log := &memLog{}
	h := start(t, log)
	now := h.clock.Now()
	p := dynamicCode("a", 4*time.Minute)
	p.CapturedAt = now
	h.reads <- reading(38.2, now.Add(-time.Second))
	h.pres <- p
	if e := h.next(t); !e.Final || e.Verdict.Outcome != checkpoint.OutcomeRecheck {
		t.Fatalf("first showing: %+v", e.Verdict)
	}
	h.clock.Set(t0.Add(90 * time.Second))
	if e := h.show(t, dynamicCode("a", 4*time.Minute)); e.Verdict.Outcome != checkpoint.OutcomePass {
		t.Fatalf("after the recheck: %s/%s, want a pass", e.Verdict.Outcome, e.Verdict.Reason)
	}
	h.clock.Set(t0.Add(100 * time.Second))
	if e := h.show(t, dynamicCode("a", 4*time.Minute)); e.Verdict.Reason != "already_used" {
		t.Fatalf("after the pass: %s, want already_used", e.Verdict.Reason)
	}

	// The same after a restart: a stored RECHECK does not use the code up.
	h2 := startSeeded(t, &memLog{}, nil, []checkpoint.Record{{CodeID: "b", Format: checkpoint.FormatHealthCode, Outcome: checkpoint.OutcomeRecheck, Reason: log.recs[0].Reason, Time: t0}})
	h2.clock.Set(t0.Add(30 * time.Second))
	if e := h2.show(t, dynamicCode("b", 4*time.Minute)); e.Verdict.Outcome != checkpoint.OutcomePass {
		t.Fatalf("after restart: %s/%s", e.Verdict.Outcome, e.Verdict.Reason)
	}
}
