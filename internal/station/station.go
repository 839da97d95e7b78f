// Package station runs one checkpoint lane: it pairs each presentation from
// the scanner with a temperature reading, decides, stores the record durably
// and reports each verdict to whoever shows it (the UI, or JSON lines in
// headless mode).
//
// Pairing rules, beyond checkpoint.Decide:
//   - a reading pairs with at most one presentation: the next person in line
//     must not inherit the previous person's temperature. Every final
//     verdict, and every "no person" report from the sensor (the person
//     stepped away), clears the reading on hand;
//   - when a green code arrives and no reading pairs yet, the verdict is shown
//     as "measure temperature" at once and held open until a reading arrives
//     or the pairing window closes; only the final verdict is recorded;
//   - a new presentation closes a held one as it stands.
package station

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
)

// Event is one verdict as the station reports it.
type Event struct {
	Verdict checkpoint.Verdict
	// Final is false while a green code waits for its temperature; a final
	// event for the same presentation follows.
	Final bool
	// Record is the stored record (with its id) of a final verdict.
	Record checkpoint.Record
	// StoreErr is set when the record could not be stored durably (disk
	// full, read-only file): the UI must show it.
	StoreErr error
}

// MessageAwaitingTemperature is the message key of the held event while a
// green code waits for its holder's temperature ("step up to the
// thermometer"); the final verdict after the pairing window has closed
// without a reading keeps checkpoint.ReasonNoTemperature's key ("measure by
// hand").
const MessageAwaitingTemperature = "reason.awaiting_temperature"

// Config identifies the lane and where the policy comes from.
type Config struct {
	TerminalID, SiteID string
	// Policy returns the policy in force (it may change when the hub sends
	// a new one); nil means checkpoint.DefaultPolicy.
	Policy func() checkpoint.Policy
	// Record is false for a "test code" lane that must not store anything.
	Record bool
}

// Station pairs, decides and records. Use Run; a Station is not reusable.
type Station struct {
	cfg     Config
	clock   checkpoint.Clock
	records checkpoint.RecordLog
	log     *slog.Logger

	latest   *checkpoint.Reading // newest unconsumed reading
	pending  *checkpoint.Presentation
	deadline time.Time
}

// New makes a station. records may be nil only when cfg.Record is false.
func New(cfg Config, clock checkpoint.Clock, records checkpoint.RecordLog, log *slog.Logger) (*Station, error) {
	if cfg.Record && records == nil {
		return nil, errors.New("station: recording enabled without a record log")
	}
	if cfg.Record && cfg.TerminalID == "" {
		return nil, errors.New("station: terminal id is required to record")
	}
	if clock == nil {
		clock = checkpoint.SystemClock{}
	}
	if log == nil {
		log = slog.Default()
	}
	return &Station{cfg: cfg, clock: clock, records: records, log: log}, nil
}

func (s *Station) policy() checkpoint.Policy {
	if s.cfg.Policy == nil {
		return checkpoint.DefaultPolicy()
	}
	return s.cfg.Policy()
}

// Run consumes presentations and readings until ctx ends or presentations
// is closed, calling emit for every event in order. emit must not block for
// long: it runs on the station's goroutine. A held presentation is closed
// and recorded before Run returns, so nothing in flight is lost on shutdown.
func (s *Station) Run(ctx context.Context, presentations <-chan checkpoint.Presentation, readings <-chan checkpoint.Reading, emit func(Event)) error {
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			s.closePending(context.WithoutCancel(ctx), emit)
			return ctx.Err()
		case p, ok := <-presentations:
			if !ok {
				s.closePending(ctx, emit)
				return nil
			}
			s.closePending(ctx, emit)
			s.present(ctx, p, emit)
			if s.pending != nil {
				timer.Reset(max(s.deadline.Sub(s.clock.Now()), 0))
			}
		case r, ok := <-readings:
			if !ok {
				readings = nil // sensor gone: keep scanning without it
				continue
			}
			s.reading(ctx, r, emit)
		case <-timer.C:
			if s.pending != nil && !s.clock.Now().Before(s.deadline) {
				s.closePending(ctx, emit)
			} else if s.pending != nil {
				timer.Reset(max(s.deadline.Sub(s.clock.Now()), 0))
			}
		}
	}
}

func (s *Station) present(ctx context.Context, p checkpoint.Presentation, emit func(Event)) {
	pol := s.policy()
	v := checkpoint.Decide(p, s.latest, pol, s.clock.Now())
	if v.Outcome == checkpoint.OutcomeMeasure && v.Reason != checkpoint.ReasonTemperatureImplausible {
		// Wait for the person to be measured, up to the pairing window.
		s.pending = &p
		at := p.CapturedAt
		if at.IsZero() {
			at = s.clock.Now()
		}
		s.deadline = at.Add(pol.PairingWindow)
		v.MessageKey = MessageAwaitingTemperature
		emit(Event{Verdict: v})
		return
	}
	s.final(ctx, v, emit)
}

func (s *Station) reading(ctx context.Context, r checkpoint.Reading, emit func(Event)) {
	if r.Status != checkpoint.SensorOK {
		// The sensor sees nobody: whoever was measured has left, so the
		// reading on hand belongs to no one who comes next.
		s.latest = nil
		return
	}
	s.latest = &r
	if s.pending == nil {
		return
	}
	v := checkpoint.Decide(*s.pending, s.latest, s.policy(), s.clock.Now())
	if v.Outcome == checkpoint.OutcomeMeasure {
		return // still no pairable reading (e.g. outside the window)
	}
	s.pending = nil
	s.final(ctx, v, emit)
}

// closePending records a held presentation as it stands.
func (s *Station) closePending(ctx context.Context, emit func(Event)) {
	if s.pending == nil {
		return
	}
	p := *s.pending
	s.pending = nil
	s.final(ctx, checkpoint.Decide(p, s.latest, s.policy(), s.clock.Now()), emit)
}

func (s *Station) final(ctx context.Context, v checkpoint.Verdict, emit func(Event)) {
	s.latest = nil // a reading before this verdict belongs to this person or to no one
	ev := Event{Verdict: v, Final: true}
	if s.cfg.Record {
		rec := checkpoint.NewRecord(v, s.cfg.TerminalID, s.cfg.SiteID)
		stored, err := s.records.Append(ctx, rec)
		if err != nil {
			ev.StoreErr = fmt.Errorf("storing the record of a %s verdict: %w", v.Outcome, err)
			s.log.Error("record not stored", "outcome", v.Outcome, "reason", v.Reason, "err", err)
			ev.Record = rec
		} else {
			ev.Record = stored
		}
	}
	emit(ev)
}
