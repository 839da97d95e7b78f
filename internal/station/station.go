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
//   - a new presentation closes a held one as it stands (the held code shown
//     again is the same presentation, not a new one);
//   - replay rule: a dynamic code that already received a final verdict at
//     this station, shown again (the scanner's hold-off has passed, so it
//     is a new presentation) within its life, is refused as already_used
//     and recorded, unless the policy's AllowReusedDynamic is set. A
//     dynamic code is a static signed text while it lives; a screenshot
//     passed along the queue is the same text.
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
	// GateOpened is true when the gate relay confirmed opening (a PASS).
	GateOpened bool
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
	// Decide decides each presentation with checkpoint.Decide's inputs and
	// contract; nil means checkpoint.Decide. The rules engine
	// (rules.Engine.Decide) plugs in here.
	Decide func(p checkpoint.Presentation, r *checkpoint.Reading, pol checkpoint.Policy, now time.Time) checkpoint.Verdict
	// Gate, when set, is opened on every final PASS and on nothing else
	// (see package gate); the record notes whether it opened.
	Gate Opener
}

// Opener opens a gate for one person: nil when the relay confirmed.
type Opener interface {
	Pass(ctx context.Context) error
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
	// used holds the dynamic code ids that received a final verdict, each
	// until the end of its life (exp plus the clock skew).
	used map[string]time.Time
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
	return &Station{cfg: cfg, clock: clock, records: records, log: log, used: map[string]time.Time{}}, nil
}

func (s *Station) decide(p checkpoint.Presentation, r *checkpoint.Reading, pol checkpoint.Policy, now time.Time) checkpoint.Verdict {
	if s.cfg.Decide == nil {
		return checkpoint.Decide(p, r, pol, now)
	}
	return s.cfg.Decide(p, r, pol, now)
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
			if s.heldAgain(p) {
				// The person waiting to be measured showed the same code
				// again: still the same presentation, not a replay.
				continue
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

// RememberUsed seeds the replay rule from records stored before a restart
// (e.g. sync.Store.Recent): the code id of each record of a verified code
// of our format counts as used until the record's time plus the policy's
// MaxDynamicAge and ClockSkew, the longest a dynamic code may still live
// (records do not say which codes were dynamic; a card is never refused by
// this rule, so remembering its id too is harmless). Call it before Run.
func (s *Station) RememberUsed(recs []checkpoint.Record) {
	pol := s.policy()
	now := s.clock.Now()
	for _, r := range recs {
		if r.CodeID == "" || r.Format != checkpoint.FormatHealthCode || !verifiedReason(r.Reason) || !settles(r.Outcome) {
			continue
		}
		if until := r.Time.Add(pol.MaxDynamicAge + pol.ClockSkew); until.After(now) && until.After(s.used[r.CodeID]) {
			s.used[r.CodeID] = until
		}
	}
}

// verifiedReason reports whether a record's reason says its code verified:
// every reason except the failures, of which already_used alone is given
// to verified codes.
func verifiedReason(r checkpoint.Reason) bool {
	for _, f := range checkpoint.Failures() {
		if r == checkpoint.ReasonForFailure(f) {
			return f == checkpoint.FailAlreadyUsed
		}
	}
	return r != ""
}

// settles reports whether a final verdict of this outcome uses a dynamic
// code up: PASS and DENY do; RECHECK (a fever: sent to the recheck point)
// and MEASURE (measure by hand) ask the same person to come back with the
// same code, which is not a replay. The code passes at most once either way.
func settles(o checkpoint.Outcome) bool {
	return o != checkpoint.OutcomeRecheck && o != checkpoint.OutcomeMeasure
}

// heldAgain reports whether p is the verified code of the presentation
// held for its temperature.
func (s *Station) heldAgain(p checkpoint.Presentation) bool {
	h := s.pending
	return h != nil && h.Verified() && p.Verified() && h.Code.Format == p.Code.Format && h.Code.ID == p.Code.ID
}

// replayed applies the replay rule to a verified presentation at now.
func (s *Station) replayed(p checkpoint.Presentation, pol checkpoint.Policy, now time.Time) bool {
	if pol.AllowReusedDynamic || !p.Verified() || p.Code.Kind != checkpoint.KindDynamic {
		return false
	}
	until, ok := s.used[p.Code.ID]
	return ok && !now.After(until)
}

// markUsed remembers the dynamic code of a final verdict until its life
// ends, and forgets codes whose life has ended.
func (s *Station) markUsed(v checkpoint.Verdict, pol checkpoint.Policy) {
	now := s.clock.Now()
	for id, until := range s.used {
		if now.After(until) {
			delete(s.used, id)
		}
	}
	c := v.Code
	if c == nil || c.Kind != checkpoint.KindDynamic || c.ID == "" || v.Failure != checkpoint.FailNone && v.Failure != checkpoint.FailAlreadyUsed || !settles(v.Outcome) {
		return
	}
	end := c.ExpiresAt
	if end.IsZero() || end.After(c.IssuedAt.Add(pol.MaxDynamicAge)) {
		end = c.IssuedAt.Add(pol.MaxDynamicAge)
	}
	if until := end.Add(pol.ClockSkew); until.After(s.used[c.ID]) {
		s.used[c.ID] = until
	}
}

func (s *Station) present(ctx context.Context, p checkpoint.Presentation, emit func(Event)) {
	pol := s.policy()
	if s.replayed(p, pol, s.clock.Now()) {
		// Keep the code on the presentation so the record names it.
		p.Failure = checkpoint.FailAlreadyUsed
		p.Detail = "dynamic code " + p.Code.ID + " already received a verdict at this terminal"
		s.log.Warn("dynamic code shown again", "code_id", p.Code.ID)
	}
	v := s.decide(p, s.latest, pol, s.clock.Now())
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
	v := s.decide(*s.pending, s.latest, s.policy(), s.clock.Now())
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
	s.final(ctx, s.decide(p, s.latest, s.policy(), s.clock.Now()), emit)
}

func (s *Station) final(ctx context.Context, v checkpoint.Verdict, emit func(Event)) {
	s.latest = nil // a reading before this verdict belongs to this person or to no one
	s.markUsed(v, s.policy())
	ev := Event{Verdict: v, Final: true}
	opened := false
	if v.Outcome == checkpoint.OutcomePass && s.cfg.Gate != nil {
		if err := s.cfg.Gate.Pass(ctx); err != nil {
			s.log.Error("gate did not open on a PASS", "err", err)
		} else {
			opened = true
		}
	}
	ev.GateOpened = opened
	if s.cfg.Record {
		rec := checkpoint.NewRecord(v, s.cfg.TerminalID, s.cfg.SiteID)
		rec.GateOpened = opened
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
