package ui

import (
	"time"
)

// PIN lockout: from the maxBadPINs-th wrong PIN in a row on, every wrong
// PIN locks the pad, for pinLockout the first time and twice as long each
// time after, up to maxPINLockout. The count survives a restart when
// Deps.Lockout keeps it; the right PIN resets it.
const (
	maxBadPINs    = 5
	pinLockout    = 30 * time.Second
	maxPINLockout = time.Hour
)

// pinIdle is how long the PIN pad waits for a key before it returns to the
// guard's screen, shorter than the operator screens' operatorIdle: a pad
// left open at the gate must not stay up.
const pinIdle = 20 * time.Second

// LockoutStore keeps the PIN pad's failure count and lockout across
// restarts (the terminal's store implements it). Errors are logged; the
// pad then counts in memory.
type LockoutStore interface {
	LoadPINLockout() (failures int, until time.Time, err error)
	SavePINLockout(failures int, until time.Time) error
}

// lockoutAfter is how long the pad locks after the n-th wrong PIN in a
// row: nothing before maxBadPINs, then pinLockout doubling each time.
func lockoutAfter(n int) time.Duration {
	if n < maxBadPINs {
		return 0
	}
	d := pinLockout
	for i := maxBadPINs; i < n && d < maxPINLockout; i++ {
		d *= 2
	}
	return min(d, maxPINLockout)
}

// loadLockout reads the kept failure count at start-up.
func (t *Screen) loadLockout() {
	if t.deps.Lockout == nil {
		return
	}
	n, until, err := t.deps.Lockout.LoadPINLockout()
	if err != nil {
		t.log.Error("reading the PIN lockout", "err", err)
		return
	}
	t.badPINs, t.lockedTo = n, until
	if now := t.clock.Now(); until.After(now) {
		t.log.Warn("operator PIN pad still locked from before the restart", "failures", n, "until", until)
	}
}

// saveLockout keeps the failure count.
func (t *Screen) saveLockout() {
	if t.deps.Lockout == nil {
		return
	}
	if err := t.deps.Lockout.SavePINLockout(t.badPINs, t.lockedTo); err != nil {
		t.log.Error("keeping the PIN lockout", "err", err)
	}
}

// idleLimit is the idle timeout of what is shown: the PIN pad's own short
// one, or the operator screens'.
func (t *Screen) idleLimit() time.Duration {
	if t.pin != nil && t.win.Content() == t.pin.root {
		return pinIdle
	}
	return operatorIdle
}
