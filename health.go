package checkpoint

import "time"

// DeviceState is the health of one part of the terminal (the camera, the
// temperature sensor; later the hand scanners and the gate relay).
type DeviceState int

const (
	DeviceUnknown   DeviceState = iota // starting, not yet known
	DeviceOK                           // working
	DeviceFailed                       // failed; Device.Detail says why
	DeviceSimulated                    // demo mode: a simulated part that works
	DeviceOff                          // not configured
)

// String returns "unknown", "ok", "failed", "simulated" or "off".
func (s DeviceState) String() string {
	switch s {
	case DeviceOK:
		return "ok"
	case DeviceFailed:
		return "failed"
	case DeviceSimulated:
		return "simulated"
	case DeviceOff:
		return "off"
	}
	return "unknown"
}

// Device is the state of one part as the guard is shown it.
type Device struct {
	State  DeviceState
	Detail string // the error for DeviceFailed, else e.g. the device path
}

// Health is the terminal's own report on itself at one moment: its parts,
// its link to the hub, its store, the age of its lists and whether its clock
// can be trusted. internal/terminal produces it; the UI shows it. The rules
// that judge it (ClockLooksWrong, ListState) are here, not in a widget.
//
// Hand scanners (serial or HID code readers beside the camera) and the
// gate relay are shown only when configured.
type Health struct {
	Camera Device
	Sensor Device
	// Scanners are the hand scanners in configuration order, each Detail
	// naming the scanner ("serial:/dev/ttyACM0"); none configured: empty.
	Scanners []Device
	// Gate is the gate relay; nil without one.
	Gate *Device

	// NoHub is true for a terminal configured without a hub (offline only):
	// not a fault.
	NoHub bool
	// HubRefused: the hub answered but refused this terminal (401/403:
	// revoked, or a wrong token). Shown instead of Online.
	HubRefused bool
	Online     bool      // the last exchange with the hub succeeded
	LastSync   time.Time // zero: never
	Pending    int       // records waiting to upload

	// Policy is the policy in force and PolicyVersion its signed version
	// from the hub; 0 means none is signed and the settings' own policy
	// (the config file) rules.
	Policy        Policy
	PolicyVersion uint64
	// Rejected is the number of records the hub refused for good: set
	// aside in the store (kept, never retried); the guard should tell the
	// operator.
	Rejected int

	// StoreError is set while records cannot be stored durably (the last
	// final verdict's store failure); empty when they can.
	StoreError string
	// StoreReplaced is set when the store file was damaged at start and a
	// fresh one replaced it: what was lost ("N unsent records lost");
	// shown until the next start (the journal and doctor name the file).
	StoreReplaced string

	// TrustListAt and RevocationAt are when the cached lists were issued
	// (zero: none installed); see ListState.
	TrustListAt  time.Time
	RevocationAt time.Time
	// MaxListAge is the policy's max_list_age; 0 means DefaultPolicy's.
	MaxListAge time.Duration
	// TrustListExpires is the installed trust list's expiry (zero: none
	// known); past it the trust chip says EXPIRED.
	TrustListExpires time.Time

	// SelfTestFailed and SelfTestWarned name the start-up self-test's
	// checks (checkpoint doctor's, devices aside: their chips say) that
	// failed or warned ("disk", "hub"); shown until the next start.
	SelfTestFailed, SelfTestWarned []string

	// NewestSeen is the newest time the terminal has seen on a signed list,
	// a policy or a stored record; see ClockLooksWrong.
	NewestSeen time.Time
	// ClockSuspect forces the clock warning (e.g. the hub reported skew).
	ClockSuspect bool
}

// ClockLooksWrong reports whether the terminal's clock reads now earlier
// than something it has already seen (a list issued, a record stored): an
// offline terminal whose clock was reset would otherwise accept expired
// codes. A clock reported suspect looks wrong whatever it reads.
func (h Health) ClockLooksWrong(now time.Time) bool {
	return h.ClockSuspect || (!h.NewestSeen.IsZero() && now.Before(h.NewestSeen))
}

// ClockAheadLimit is how far the clock may run past the newest list the
// terminal holds before the status bar says the clock, not only the lists,
// may be wrong: hubs sign lists daily, and no terminal is meant to run a
// month without one.
const ClockAheadLimit = 30 * 24 * time.Hour

// ClockFarAhead reports whether now is more than ClockAheadLimit after the
// newest trust or revocation list (a clock set years ahead makes every
// list look ancient and every fresh code look issued in the past).
func (h Health) ClockFarAhead(now time.Time) bool {
	newest := h.TrustListAt
	if h.RevocationAt.After(newest) {
		newest = h.RevocationAt
	}
	return !newest.IsZero() && now.Sub(newest) > ClockAheadLimit
}

// ListAge is how a cached signed list stands.
type ListAge int

const (
	ListMissing   ListAge = iota // none installed
	ListCurrent                  // issued within the policy's max_list_age
	ListOutOfDate                // older than max_list_age: the terminal warns
)

// ListState judges a list issued at issuedAt (zero: none) as seen at now:
// older than maxAge (0 or less: DefaultPolicy's MaxListAge) is out of date.
// A list issued after now (a clock behind) counts as current; the clock
// check reports that case.
func ListState(issuedAt, now time.Time, maxAge time.Duration) ListAge {
	if issuedAt.IsZero() {
		return ListMissing
	}
	if maxAge <= 0 {
		maxAge = DefaultPolicy().MaxListAge
	}
	if now.Sub(issuedAt) > maxAge {
		return ListOutOfDate
	}
	return ListCurrent
}

// TrustList is the trust list's ListState at now.
func (h Health) TrustList(now time.Time) ListAge { return ListState(h.TrustListAt, now, h.MaxListAge) }

// Revocations is the revocation list's ListState at now.
func (h Health) Revocations(now time.Time) ListAge {
	return ListState(h.RevocationAt, now, h.MaxListAge)
}

// Counters are one day's final verdicts by outcome, as the guard's screen
// shows them.
type Counters struct {
	Day      time.Time // local midnight of the day counted (see DayOf)
	Passed   int
	Denied   int
	Rechecks int
}

// Add counts one final outcome and reports whether it was counted.
// OutcomeMeasure is the wait for a temperature, not an outcome of its own,
// and OutcomeNone is no verdict: neither is counted.
func (c *Counters) Add(o Outcome) bool {
	switch o {
	case OutcomePass:
		c.Passed++
	case OutcomeDeny:
		c.Denied++
	case OutcomeRecheck:
		c.Rechecks++
	default:
		return false
	}
	return true
}

// DayOf is local midnight (in t's location) of the day t falls on.
func DayOf(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, t.Location())
}
