package station

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
)

var t0 = time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)

// memLog is the edge of the unit: the real bbolt log is tested in sync.
type memLog struct {
	mu   sync.Mutex
	recs []checkpoint.Record
	err  error
}

func (m *memLog) Append(_ context.Context, r checkpoint.Record) (checkpoint.Record, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.err != nil {
		return checkpoint.Record{}, m.err
	}
	r.ID = "rec-" + string(rune('a'+len(m.recs)))
	m.recs = append(m.recs, r)
	return r, nil
}

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Set(t time.Time) { c.mu.Lock(); c.now = t; c.mu.Unlock() }

func code(id string, color checkpoint.Color) checkpoint.Presentation {
	return checkpoint.Presentation{
		Code: &checkpoint.Code{Format: checkpoint.FormatHealthCode, ID: id, Issuer: "110000:BJHC", Color: color,
			Kind: checkpoint.KindDynamic, IssuedAt: t0.Add(-10 * time.Second), HolderMasked: "李*"},
		CapturedAt: t0,
	}
}

func reading(c float64, at time.Time) checkpoint.Reading {
	return checkpoint.Reading{Celsius: c, At: at, Status: checkpoint.SensorOK}
}

type harness struct {
	pres   chan checkpoint.Presentation
	reads  chan checkpoint.Reading
	events chan Event
	log    *memLog
	clock  *clock
	done   chan error
	cancel context.CancelFunc
}

func start(t *testing.T, log *memLog) *harness {
	t.Helper()
	return startWith(t, log, nil)
}

func startWith(t *testing.T, log *memLog, pol func() checkpoint.Policy) *harness {
	t.Helper()
	h := &harness{pres: make(chan checkpoint.Presentation), reads: make(chan checkpoint.Reading),
		events: make(chan Event, 16), log: log, clock: &clock{now: t0}, done: make(chan error, 1)}
	st, err := New(Config{TerminalID: "T1", SiteID: "S1", Record: true, Policy: pol}, h.clock, log, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	go func() { h.done <- st.Run(ctx, h.pres, h.reads, func(e Event) { h.events <- e }) }()
	t.Cleanup(func() { cancel(); <-h.done })
	return h
}

func (h *harness) next(t *testing.T) Event {
	t.Helper()
	select {
	case e := <-h.events:
		return e
	case <-time.After(5 * time.Second):
		t.Fatal("no event")
	}
	return Event{}
}

func TestReadingThenScanPasses(t *testing.T) {
	h := start(t, &memLog{})
	h.reads <- reading(36.5, t0.Add(-2*time.Second))
	h.pres <- code("a", checkpoint.ColorGreen)
	e := h.next(t)
	if !e.Final || e.Verdict.Outcome != checkpoint.OutcomePass || e.Record.ID == "" {
		t.Fatalf("got %+v", e)
	}
	if e.Record.Celsius == nil || *e.Record.Celsius != 36.5 || e.Record.CodeID != "a" {
		t.Fatalf("record %+v", e.Record)
	}
}

func TestScanWaitsForReading(t *testing.T) {
	h := start(t, &memLog{})
	h.pres <- code("a", checkpoint.ColorGreen)
	e := h.next(t)
	if e.Final || e.Verdict.Outcome != checkpoint.OutcomeMeasure || e.Verdict.MessageKey != MessageAwaitingTemperature {
		t.Fatalf("first event should be a held \"step up to the thermometer\" prompt, got final=%v %s %q", e.Final, e.Verdict.Outcome, e.Verdict.MessageKey)
	}
	h.reads <- reading(37.9, t0.Add(3*time.Second))
	e = h.next(t)
	if !e.Final || e.Verdict.Outcome != checkpoint.OutcomeRecheck || e.Verdict.Reason != checkpoint.ReasonFever {
		t.Fatalf("got final=%v %s/%s", e.Final, e.Verdict.Outcome, e.Verdict.Reason)
	}
	if len(h.log.recs) != 1 {
		t.Fatalf("%d records stored, want 1", len(h.log.recs))
	}
}

func TestReadingIsNotReusedForTheNextPerson(t *testing.T) {
	h := start(t, &memLog{})
	h.reads <- reading(36.4, t0)
	h.pres <- code("a", checkpoint.ColorGreen)
	if e := h.next(t); e.Verdict.Outcome != checkpoint.OutcomePass {
		t.Fatalf("first person: %s", e.Verdict.Outcome)
	}
	h.pres <- code("b", checkpoint.ColorGreen)
	if e := h.next(t); e.Final || e.Verdict.Outcome != checkpoint.OutcomeMeasure {
		t.Fatalf("second person inherited a reading: final=%v %s", e.Final, e.Verdict.Outcome)
	}
}

func TestNewPersonClosesHeldPresentation(t *testing.T) {
	h := start(t, &memLog{})
	h.pres <- code("a", checkpoint.ColorGreen)
	h.next(t) // held
	h.pres <- code("b", checkpoint.ColorRed)
	e := h.next(t)
	if !e.Final || e.Verdict.Outcome != checkpoint.OutcomeMeasure || e.Record.CodeID != "a" {
		t.Fatalf("held presentation not closed as measure: %+v", e.Verdict)
	}
	e = h.next(t)
	if !e.Final || e.Verdict.Reason != checkpoint.ReasonRed {
		t.Fatalf("red code: %+v", e.Verdict)
	}
}

func TestStaleReadingKeepsHoldAndShutdownRecords(t *testing.T) {
	h := start(t, &memLog{})
	h.pres <- code("a", checkpoint.ColorGreen)
	h.next(t)
	h.clock.Set(t0.Add(11 * time.Second))
	h.reads <- checkpoint.Reading{Celsius: 22, At: t0.Add(11 * time.Second), Status: checkpoint.SensorNoPerson}
	select {
	case e := <-h.events:
		t.Fatalf("no-person report closed the presentation: %+v", e.Verdict)
	case <-time.After(50 * time.Millisecond):
	}
	h.reads <- reading(36.5, t0.Add(11*time.Second)) // outside the 10 s window
	select {
	case e := <-h.events:
		t.Fatalf("stale reading paired: %+v", e.Verdict)
	case <-time.After(50 * time.Millisecond):
	}
	h.cancel()
	e := h.next(t)
	if !e.Final || e.Verdict.Outcome != checkpoint.OutcomeMeasure || len(h.log.recs) != 1 {
		t.Fatalf("shutdown did not record the held presentation: %+v, %d records", e.Verdict, len(h.log.recs))
	}
}

func TestStoreFailureIsReported(t *testing.T) {
	h := start(t, &memLog{err: errors.New("no space left on device")})
	h.reads <- reading(36.5, t0)
	h.pres <- code("a", checkpoint.ColorGreen)
	e := h.next(t)
	if e.StoreErr == nil || e.Verdict.Outcome != checkpoint.OutcomePass {
		t.Fatalf("store error lost: %+v", e)
	}
}

func TestFailedCodeIsRecordedWithoutTemperatureWait(t *testing.T) {
	h := start(t, &memLog{})
	h.pres <- checkpoint.Presentation{Failure: checkpoint.FailBadSignature, CapturedAt: t0}
	e := h.next(t)
	if !e.Final || e.Verdict.Reason != "bad_signature" || e.Record.Reason != "bad_signature" {
		t.Fatalf("got %+v", e)
	}
}

func TestNewRefusesRecordingWithoutLog(t *testing.T) {
	if _, err := New(Config{TerminalID: "T", Record: true}, nil, nil, nil); err == nil {
		t.Fatal("accepted")
	}
}

func TestHeldPresentationClosesWhenWindowEnds(t *testing.T) {
	pol := checkpoint.DefaultPolicy()
	pol.PairingWindow = 30 * time.Millisecond
	h := startWith(t, &memLog{}, func() checkpoint.Policy { return pol })
	h.pres <- code("a", checkpoint.ColorGreen)
	if e := h.next(t); e.Final {
		t.Fatal("not held")
	}
	h.clock.Set(t0.Add(time.Second)) // the window has passed on the terminal's clock
	e := h.next(t)
	if !e.Final || e.Verdict.Outcome != checkpoint.OutcomeMeasure || e.Verdict.Reason != checkpoint.ReasonNoTemperature {
		t.Fatalf("got final=%v %s/%s", e.Final, e.Verdict.Outcome, e.Verdict.Reason)
	}
}

func TestDeniedPersonsReadingIsNotPassedOn(t *testing.T) {
	h := start(t, &memLog{})
	h.reads <- reading(36.5, t0)
	h.pres <- code("yellow", checkpoint.ColorYellow)
	if e := h.next(t); e.Verdict.Reason != checkpoint.ReasonYellow || e.Record.Celsius == nil {
		t.Fatalf("yellow: %+v", e.Verdict)
	}
	h.pres <- code("green", checkpoint.ColorGreen)
	if e := h.next(t); e.Final {
		t.Fatalf("green code paired with the yellow holder's reading: %s", e.Verdict.Outcome)
	}
}

func TestNoPersonClearsReading(t *testing.T) {
	h := start(t, &memLog{})
	h.reads <- reading(36.5, t0)
	h.reads <- checkpoint.Reading{Celsius: 23, At: t0.Add(time.Second), Status: checkpoint.SensorNoPerson}
	h.pres <- code("a", checkpoint.ColorGreen)
	if e := h.next(t); e.Final {
		t.Fatalf("a reading from before the sensor saw nobody was paired: %s", e.Verdict.Outcome)
	}
}
