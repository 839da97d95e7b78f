// Package handscan is what the hand-scanner inputs (scanner/serialscan,
// scanner/hid) share: their status for the operator and the guard's status
// bar, and the loop that reopens a device that went away.
package handscan

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// Status is a snapshot of one hand scanner for the operator screen.
type Status struct {
	Name      string    `json:"name"`
	State     string    `json:"state"` // connecting, connected, reconnecting, stopped
	Codes     uint64    `json:"codes"`
	Refused   uint64    `json:"refused"`
	LastCode  time.Time `json:"last_code,omitzero"`
	LastError string    `json:"last_error,omitempty"`
}

// Reconnect backoff: 200 ms doubling to 5 s, back to 200 ms after a
// session that read a code.
const (
	minBackoff = 200 * time.Millisecond
	maxBackoff = 5 * time.Second
)

// Link holds a hand scanner's status, safe for concurrent use.
type Link struct {
	log    *slog.Logger
	mu     sync.Mutex
	status Status
}

// NewLink starts a link named name ("serial:/dev/ttyACM0") in state
// "connecting"; log gets the warnings.
func NewLink(name string, log *slog.Logger) *Link {
	return &Link{log: log, status: Status{Name: name, State: "connecting"}}
}

// Name says which input this is.
func (l *Link) Name() string { return l.status.Name }

// Status returns a snapshot.
func (l *Link) Status() Status {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.status
}

// Set changes the status under the lock.
func (l *Link) Set(f func(*Status)) {
	l.mu.Lock()
	f(&l.status)
	l.mu.Unlock()
}

// Connected marks the device open and clears the last error.
func (l *Link) Connected() { l.Set(func(s *Status) { s.State, s.LastError = "connected", "" }) }

// Coded counts a code read at at.
func (l *Link) Coded(at time.Time) { l.Set(func(s *Status) { s.Codes++; s.LastCode = at }) }

// Run calls session until ctx ends; session opens the device, reads until
// it fails and reports whether it read any code. Between sessions it
// waits with backoff and logs what (e.g. "scanner unavailable, retrying")
// with the error. It returns ctx's error.
func (l *Link) Run(ctx context.Context, what string, session func(context.Context) (got bool, err error)) error {
	backoff := minBackoff
	for ctx.Err() == nil {
		got, err := session(ctx)
		if got {
			backoff = minBackoff
		}
		if ctx.Err() != nil {
			break
		}
		l.log.Warn(what, "err", err, "in", backoff)
		l.Set(func(s *Status) { s.State, s.LastError = "reconnecting", err.Error() })
		select {
		case <-ctx.Done():
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, maxBackoff)
	}
	l.Set(func(s *Status) { s.State = "stopped" })
	return ctx.Err()
}
