package station

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
)

// countingGate records every Pass; fail makes it refuse.
type countingGate struct {
	mu     sync.Mutex
	passes int
	fail   bool
}

func (g *countingGate) Pass(context.Context) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.passes++
	if g.fail {
		return errors.New("relay did not answer")
	}
	return nil
}

func (g *countingGate) count() int { g.mu.Lock(); defer g.mu.Unlock(); return g.passes }

func TestGateOpensOnPassOnly(t *testing.T) {
	gate := &countingGate{}
	log := &memLog{}
	clk := &clock{now: t0}
	st, err := New(Config{TerminalID: "T1", Record: true, Gate: gate}, clk, log, nil)
	if err != nil {
		t.Fatal(err)
	}
	pres, reads, events := make(chan checkpoint.Presentation), make(chan checkpoint.Reading), make(chan Event, 16)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- st.Run(ctx, pres, reads, func(e Event) { events <- e }) }()
	defer func() { cancel(); <-done }()
	next := func() Event {
		t.Helper()
		select {
		case e := <-events:
			return e
		case <-time.After(5 * time.Second):
			t.Fatal("no event")
		}
		return Event{}
	}
	steps := []struct {
		name    string
		do      func()
		outcome checkpoint.Outcome
		opens   int
	}{
		{"a red code is denied: gate stays shut", func() { pres <- code("r", checkpoint.ColorRed) }, checkpoint.OutcomeDeny, 0},
		{"a fever is rechecked: gate stays shut", func() {
			reads <- reading(38.2, t0)
			pres <- code("f", checkpoint.ColorGreen)
		}, checkpoint.OutcomeRecheck, 0},
		{"a green code without a reading ends as measure: gate stays shut", func() {
			pres <- code("m", checkpoint.ColorGreen)
			if e := next(); e.Final {
				t.Fatalf("held event final: %+v", e.Verdict)
			}
			clk.Set(t0.Add(time.Minute))
			pres <- code("y", checkpoint.ColorYellow) // closes the held one
		}, checkpoint.OutcomeMeasure, 0},
		{"a normal temperature and a green code pass: the gate opens", func() {
			next() // the yellow code's DENY
			clk.Set(t0)
			reads <- reading(36.5, t0)
			pres <- code("p", checkpoint.ColorGreen)
		}, checkpoint.OutcomePass, 1},
	}
	for _, s := range steps {
		s.do()
		e := next()
		if !e.Final || e.Verdict.Outcome != s.outcome {
			t.Fatalf("%s: got final=%v %s", s.name, e.Final, e.Verdict.Outcome)
		}
		if gate.count() != s.opens || e.GateOpened != (s.outcome == checkpoint.OutcomePass) || e.Record.GateOpened != e.GateOpened {
			t.Fatalf("%s: %d opens, event gate_opened=%v record %v", s.name, gate.count(), e.GateOpened, e.Record.GateOpened)
		}
	}
	// A relay that does not confirm: the PASS stands, the record says the
	// gate did not open.
	gate.fail = true
	reads <- reading(36.5, t0)
	pres <- code("q", checkpoint.ColorGreen)
	if e := next(); e.Verdict.Outcome != checkpoint.OutcomePass || e.GateOpened || e.Record.GateOpened {
		t.Fatalf("failed relay: %s gate_opened=%v", e.Verdict.Outcome, e.GateOpened)
	}
}
