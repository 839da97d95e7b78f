// Package thermometer reads a forehead infrared thermometer on a serial
// port (github.com/tarm/serial) and hands on settled person readings.
//
// Three protocols are spoken: ASCII lines as sensor boards print them, the
// binary frames of GY-MCU90614/90615 modules (package gy906), and Modbus RTU
// as a master polling a pyrometer's register (package modbus). A Sensor
// survives the device vanishing: it closes the port, reports
// "reconnecting" and reopens it with exponential backoff. Its Status says
// whether it is connected, reconnecting, stale (no sample for StaleAfter)
// or failed, with counters of garbage, checksum and CRC errors.
//
// Samples are calibrated (Offset), judged against the plausible forehead
// range and settled (see Settler): only the median of a plateau is reported
// as a temperature; anything outside the range is reported as no person.
package thermometer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"sync"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
	"github.com/checkpoint-terminal/checkpoint/internal/serialport"
	"github.com/checkpoint-terminal/checkpoint/modbus"
)

// ErrGone means the device went away: it hung up (USB unplugged, the far
// end of a pseudo-terminal closed) or its device node vanished or now
// names another device.
var ErrGone = serialport.ErrGone

// State is the sensor's connection state as the UI shows it.
type State string

const (
	StateConnecting   State = "connecting"   // Run started, first open pending
	StateConnected    State = "connected"    // port open, samples arriving
	StateStale        State = "stale"        // port open, no sample for StaleAfter
	StateReconnecting State = "reconnecting" // port lost or could not be opened; retrying
	StateFailed       State = "failed"       // Run ended with a configuration error
	StateStopped      State = "stopped"      // Run ended because its context did
)

// Counters count what the sensor saw since New.
type Counters struct {
	Samples        uint64 `json:"samples"`         // values decoded
	Readings       uint64 `json:"readings"`        // reports sent (settled or no person)
	Dropped        uint64 `json:"dropped"`         // reports dropped because the consumer lagged
	Garbage        uint64 `json:"garbage"`         // ascii lines without a value, over-long lines, noise bytes
	Ambiguous      uint64 `json:"ambiguous"`       // ascii lines refused because a value could be read more than one way
	AmbientLines   uint64 `json:"ambient_lines"`   // ascii lines carrying only an ambient value (skipped, settling goes on)
	ChecksumErrors uint64 `json:"checksum_errors"` // gy906 frames with a wrong sum
	CRCErrors      uint64 `json:"crc_errors"`      // modbus frames with a wrong CRC
	Exceptions     uint64 `json:"exceptions"`      // modbus exception responses
	Timeouts       uint64 `json:"timeouts"`        // modbus requests without a valid response
	Connects       uint64 `json:"connects"`        // successful opens
	Disconnects    uint64 `json:"disconnects"`     // ports lost after opening
}

// Status is a snapshot for the UI and logs.
type Status struct {
	State    State  `json:"state"`
	Port     string `json:"port"`
	Protocol string `json:"protocol"`
	// Since is when State was entered (the sensor's clock).
	Since time.Time `json:"since"`
	// LastError is the most recent error, "" when none since connecting.
	LastError string `json:"last_error,omitempty"`
	// LastRefused says why the most recent ascii line was refused (no
	// value, ambiguous) and quotes it, "" when none was.
	LastRefused string `json:"last_refused,omitempty"`
	// LastSample is when the last value arrived; zero before the first.
	LastSample time.Time `json:"last_sample,omitzero"`
	// NextAttempt is the backoff before the next open (reconnecting only).
	NextAttempt time.Duration `json:"next_attempt,omitempty"`
	Counters    Counters      `json:"counters"`
}

// Sensor reads one thermometer. Make it with New, run it with Run.
type Sensor struct {
	cfg    Config
	clock  checkpoint.Clock
	log    *slog.Logger
	parser *LineParser

	readings chan checkpoint.Reading
	statuses chan Status
	samples  chan float64 // optional raw tap, see Samples

	mu        sync.Mutex
	status    Status
	latest    checkpoint.Reading
	hasLatest bool
	last      checkpoint.Reading
	hasLast   bool
	running   bool

	// owned by the Run goroutine
	settler *Settler
	// plausible is the live forehead range (FollowPlausible); nil keeps
	// checkpoint.DefaultPolicy's.
	plausible func() (min, max float64)
}

// New checks cfg and makes a sensor; nothing is opened until Run. A nil
// clock is the system clock, a nil log discards.
func New(cfg Config, clock checkpoint.Clock, log *slog.Logger) (*Sensor, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if clock == nil {
		clock = checkpoint.SystemClock{}
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	def := checkpoint.DefaultPolicy()
	s := &Sensor{
		cfg:      cfg,
		clock:    clock,
		log:      log.With("port", cfg.Port, "protocol", cfg.Protocol),
		readings: make(chan checkpoint.Reading, cfg.Buffer),
		statuses: make(chan Status, 8),
		samples:  make(chan float64, 64),
		settler:  NewSettler(def.MinPlausible, def.MaxPlausible, cfg.SettleSamples, cfg.SettleTolerance),
	}
	if cfg.Protocol == ProtocolASCII {
		p, err := NewLineParser(cfg.asciiOptions())
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrConfig, err)
		}
		s.parser = p
	}
	s.status = Status{State: StateConnecting, Port: cfg.Port, Protocol: cfg.Protocol, Since: clock.Now()}
	return s, nil
}

// Config returns the configuration the sensor runs with.
func (s *Sensor) Config() Config { return s.cfg }

// Readings delivers settled person readings (SensorOK) and no-person or
// invalid reports (SensorNoPerson, SensorError), each stamped with the
// sensor clock's time. The reader never waits for the consumer: when the
// buffer is full the oldest report is dropped (and counted).
func (s *Sensor) Readings() <-chan checkpoint.Reading { return s.readings }

// StatusChanges delivers a Status each time State or LastError changes,
// dropping the oldest when the consumer lags; Status always has the latest.
func (s *Sensor) StatusChanges() <-chan Status { return s.statuses }

// Samples delivers every calibrated value as decoded, before settling, for
// installers checking the wiring. Values are dropped when nobody reads.
func (s *Sensor) Samples() <-chan float64 { return s.samples }

// Latest returns the most recent settled person reading, for pairing with
// a scan; ok is false before the first. The reading keeps its own time, so
// the caller's pairing window decides whether it still belongs to the scan.
func (s *Sensor) Latest() (checkpoint.Reading, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.latest, s.hasLatest
}

// LastReport returns the most recent report of any status: a settled
// reading, or the no-person report made when the person stepped away. A
// caller that must not pair a scan with the previous person's temperature
// checks this instead of Latest.
func (s *Sensor) LastReport() (checkpoint.Reading, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.last, s.hasLast
}

// Status returns a snapshot of the connection state and counters.
func (s *Sensor) Status() Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.status
}

// Run opens the port and reads until ctx ends, reopening with backoff
// whenever the device fails or vanishes. It returns ctx's error when ctx
// ends, or an ErrConfig error at once for settings no retry can fix. Run
// must not be called twice at the same time.
func (s *Sensor) Run(ctx context.Context) error {
	s.mu.Lock()
	if s.running {
		s.mu.Unlock()
		return errors.New("thermometer: Run called while already running")
	}
	s.running = true
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.running = false
		s.mu.Unlock()
	}()

	backoff := s.cfg.ReconnectMin
	for {
		if ctx.Err() != nil {
			s.setState(StateStopped, nil, 0)
			return ctx.Err()
		}
		p, err := s.open()
		if err == nil {
			s.count(func(c *Counters) { c.Connects++ })
			s.log.Info("thermometer connected")
			s.setState(StateConnected, nil, 0)
			var gotData bool
			gotData, err = s.session(ctx, p)
			if cerr := p.Close(); cerr != nil {
				s.log.Debug("closing port", "err", cerr)
			}
			if ctx.Err() != nil {
				s.setState(StateStopped, nil, 0)
				return ctx.Err()
			}
			s.count(func(c *Counters) { c.Disconnects++ })
			if gotData {
				backoff = s.cfg.ReconnectMin
			}
		}
		s.log.Warn("thermometer unavailable, retrying", "err", err, "in", backoff)
		s.setState(StateReconnecting, err, backoff)
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			s.setState(StateStopped, nil, 0)
			return ctx.Err()
		case <-t.C:
		}
		backoff = min(2*backoff, s.cfg.ReconnectMax)
	}
}

// open opens the port; a Modbus line is opened (and so flushed) only
// between transactions of other masters on it (modbus.LineLock).
func (s *Sensor) open() (*serialport.Port, error) {
	if s.cfg.Protocol == ProtocolModbus {
		bus := modbus.LineLock(s.cfg.Port)
		bus.Lock()
		defer bus.Unlock()
	}
	return serialport.Open(s.cfg.serialConfig())
}

// session reads one open port until it fails or ctx ends. gotData says
// whether any value was decoded (the backoff then starts over).
func (s *Sensor) session(ctx context.Context, p *serialport.Port) (gotData bool, err error) {
	s.settler.Reset()
	sess := &session{s: s, p: p, connectedAt: s.clock.Now()}
	switch s.cfg.Protocol {
	case ProtocolModbus:
		err = sess.modbus(ctx)
	default:
		err = sess.stream(ctx)
	}
	return sess.samples > 0, err
}

// FollowPlausible makes the sensor read the forehead range, in °C, from f
// for every sample, so that a policy changed while running applies to the
// next sample; values outside are reported as no person, never as a
// temperature. The range's home is the policy (checkpoint.Policy
// MinPlausible and MaxPlausible); without FollowPlausible the sensor uses
// checkpoint.DefaultPolicy's. Call it before Run; f must be safe to call
// from Run's goroutine.
func (s *Sensor) FollowPlausible(f func() (min, max float64)) { s.plausible = f }

// sample takes one decoded value through calibration and settling.
func (s *Sensor) sample(raw float64) {
	// Rounded to a millionth of a degree: scales like 0.1 and offsets
	// leave binary fractions (30.400000000000002) that mean nothing.
	c := math.Round((raw+s.cfg.Offset)*1e6) / 1e6
	now := s.clock.Now()
	select {
	case s.samples <- c:
	default:
	}
	if s.plausible != nil {
		s.settler.SetRange(s.plausible())
	}
	r, ok := s.settler.Add(now, c)
	s.mu.Lock()
	s.status.LastSample = now
	s.status.Counters.Samples++
	if l, has := s.settler.Latest(); has {
		s.latest, s.hasLatest = l, true
	}
	stale := s.status.State == StateStale
	s.mu.Unlock()
	if stale {
		s.setState(StateConnected, nil, 0)
	}
	if ok {
		s.publish(r)
	}
}

// publish sends r without ever blocking: when the buffer is full the oldest
// report makes room.
func (s *Sensor) publish(r checkpoint.Reading) {
	s.mu.Lock()
	s.last, s.hasLast = r, true
	s.mu.Unlock()
	for {
		select {
		case s.readings <- r:
			s.count(func(c *Counters) { c.Readings++ })
			return
		default:
		}
		select {
		case <-s.readings:
			s.count(func(c *Counters) { c.Dropped++ })
		default:
		}
	}
}

func (s *Sensor) count(f func(*Counters)) {
	s.mu.Lock()
	f(&s.status.Counters)
	s.mu.Unlock()
}

// noteError records a non-fatal error (timeout, exception) in the status.
func (s *Sensor) noteError(err error) {
	s.mu.Lock()
	changed := s.status.LastError != err.Error()
	s.status.LastError = err.Error()
	st := s.status
	s.mu.Unlock()
	if changed {
		s.log.Debug("thermometer error", "err", err)
		s.notify(st)
	}
}

// setState changes State, LastError (nil clears it) and NextAttempt, and
// notifies when State or LastError changed.
func (s *Sensor) setState(st State, err error, next time.Duration) {
	s.mu.Lock()
	msg := ""
	if err != nil {
		msg = err.Error()
	}
	changed := s.status.State != st || s.status.LastError != msg
	if s.status.State != st {
		s.status.Since = s.clock.Now()
	}
	s.status.State, s.status.LastError, s.status.NextAttempt = st, msg, next
	snap := s.status
	s.mu.Unlock()
	if changed {
		s.notify(snap)
	}
}

func (s *Sensor) notify(st Status) {
	for {
		select {
		case s.statuses <- st:
			return
		default:
		}
		select {
		case <-s.statuses:
		default:
		}
	}
}

// checkStale turns the state stale when no sample arrived for StaleAfter
// since the later of the last sample and the connection; it reports whether
// the sensor is stale now.
func (s *Sensor) checkStale(connectedAt time.Time) bool {
	s.mu.Lock()
	last := s.status.LastSample
	if last.Before(connectedAt) {
		last = connectedAt
	}
	st := s.status.State
	s.mu.Unlock()
	if s.clock.Now().Sub(last) < s.cfg.StaleAfter {
		return false
	}
	if st == StateConnected {
		s.log.Warn("thermometer stale", "since", last)
		s.setState(StateStale, fmt.Errorf("no sample since %s", last.Format(time.RFC3339)), 0)
	}
	return true
}
