package ui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
)

// Settings is what the operator may change on the settings screen. The
// terminal shows a copy; Save hands the edited copy to Deps.SaveSettings,
// which persists it (to the TOML file) and applies what the UI cannot
// (camera, sensor, hub). Fields the screen does not edit round-trip
// unchanged.
type Settings struct {
	CameraSource   string // V4L2 index or path, video file, stream URL, image folder
	SensorEnabled  bool
	SensorPort     string // e.g. /dev/ttyUSB0
	SensorProtocol string // one of Config.SensorProtocols
	SensorBaud     int
	// Policy: the screen edits FeverThreshold, MinPlausible, MaxPlausible,
	// RequireTemperature and PairingWindow; Save refuses a policy that
	// fails Validate.
	Policy     checkpoint.Policy
	HubURL     string // empty: offline only
	SiteID     string
	TerminalID string
	Language   string // LangSystem, LangEnglish or LangChinese
	Mute       bool
	// VerdictHold is how long a verdict stays before "ready to scan";
	// zero or less keeps it until the next verdict.
	VerdictHold time.Duration
}

// Validate reports what makes s unfit to save.
func (s Settings) Validate() error {
	var errs []error
	if err := s.Policy.Validate(); err != nil {
		errs = append(errs, err)
	}
	if s.SensorEnabled && s.SensorPort == "" {
		errs = append(errs, errors.New("sensor port is empty"))
	}
	if s.SensorBaud < 0 || s.SensorBaud > 4_000_000 {
		errs = append(errs, fmt.Errorf("baud rate %d is out of range", s.SensorBaud))
	}
	if s.TerminalID == "" {
		errs = append(errs, errors.New("terminal id is empty"))
	}
	if !ValidLanguage(s.Language) {
		errs = append(errs, fmt.Errorf("unknown language %q", s.Language))
	}
	if s.VerdictHold > time.Hour {
		errs = append(errs, fmt.Errorf("verdict hold %s is longer than an hour", s.VerdictHold))
	}
	return errors.Join(errs...)
}

// Config is fixed for the life of a Terminal.
type Config struct {
	// Settings are the initial settings.
	Settings Settings
	// PIN opens the operator screens. Empty refuses every PIN.
	PIN string
	// PreviewFPS throttles the live camera preview; 0 hides it.
	PreviewFPS float64
	// SensorProtocols are the choices for Settings.SensorProtocol; nil
	// offers "ascii", "gy906" and "modbus".
	SensorProtocols []string
	// FontPath is a single .ttf/.otf font with CJK glyphs; empty uses the
	// bundled DroidSansFallback-GB2312.ttf (also the fallback when unusable).
	FontPath string
	// ExportDir is the one directory CSV exports go to (created 0700; each
	// file 0600, never overwriting); empty disables exports. The operator
	// cannot browse the file system from the kiosk.
	ExportDir string
	// Demo marks demo mode: the guard's screen says DEMO in large letters,
	// so nobody takes its verdicts for real ones.
	Demo bool

	// defaultFont keeps fyne's own font (tests: parsing the 4 MB CJK font
	// for every test app costs most of a second).
	defaultFont bool
}

// Sounder plays the cue for an outcome without blocking. ui/sound.Player
// implements it.
type Sounder interface {
	Play(o checkpoint.Outcome)
}

// RecordSource lists recent records for the operator (records never hold a
// name).
type RecordSource interface {
	// Recent returns up to n records, newest first.
	Recent(ctx context.Context, n int) ([]checkpoint.Record, error)
}

// Deps are what the Terminal calls out to. Every field may be nil: the
// matching feature is then shown as unavailable.
type Deps struct {
	Clock checkpoint.Clock // nil: the system clock
	Log   *slog.Logger     // nil: slog.Default()
	Sound Sounder          // nil: silent

	Records RecordSource
	// SaveSettings persists and applies edited settings; an error is shown
	// to the operator and nothing changes.
	SaveSettings func(Settings) error
	// ManualReading receives a reading the operator typed in (Manual=true).
	ManualReading func(checkpoint.Reading)
	// SyncNow syncs with the hub at once.
	SyncNow func(ctx context.Context) error
	// ExportCSV writes the stored records as CSV to w.
	ExportCSV func(ctx context.Context, w io.Writer) error
	// TestCode decides a pasted code text without recording anything.
	TestCode func(text string) checkpoint.Verdict
	// Lockout keeps the PIN pad's failures across restarts (nil: memory).
	Lockout LockoutStore
	// TestDevice checks the camera ("camera") or the sensor ("sensor") for
	// the installer and says what it found; nil hides the buttons.
	TestDevice func(ctx context.Context, which string) (string, error)
}

// DeviceState is the health of the camera or the sensor.
type DeviceState int

const (
	DeviceUnknown   DeviceState = iota // starting, not yet known
	DeviceOK                           // working
	DeviceFailed                       // failed; Detail says why
	DeviceSimulated                    // demo mode
	DeviceOff                          // not configured
)

// Device is the state of one part as the status bar shows it.
type Device struct {
	State  DeviceState
	Detail string // the error for DeviceFailed, else e.g. the device path
}

// Status is what the status bar shows. The lead sets it whenever something
// changes; ages and the clock warning are recomputed every second by Run.
type Status struct {
	// NoHub is true for a terminal configured without a hub (offline
	// only): not a fault, so the network chip says so without a warning.
	NoHub bool
	// HubRefused: the hub answered but refused this terminal (401/403:
	// revoked, or a wrong token). Shown instead of Online.
	HubRefused bool
	// Policy is the policy in force and PolicyVersion its signed version
	// from the hub; 0 means none is signed and the settings' own policy
	// (the config file) rules.
	Policy        checkpoint.Policy
	PolicyVersion uint64
	Online        bool
	LastSync      time.Time // zero: never
	Pending       int       // records waiting to upload
	// TrustListAt and RevocationAt are when the cached lists were issued
	// (zero: none loaded). Older than MaxListAge raises a warning.
	TrustListAt  time.Time
	RevocationAt time.Time
	MaxListAge   time.Duration // 0: checkpoint.DefaultPolicy().MaxListAge
	Camera       Device
	Sensor       Device
	// TrustListExpires is the installed trust list's expiry (zero: none
	// known); past it the trust chip says EXPIRED.
	TrustListExpires time.Time
	// NewestSeen is the newest time the terminal has seen on a list or a
	// record; a clock earlier than it is wrong.
	NewestSeen time.Time
	// ClockSuspect forces the clock warning (e.g. the hub reported skew).
	ClockSuspect bool
	// StoreError is set while records cannot be stored durably.
	StoreError string
}

// ClockLooksWrong reports whether now is earlier than anything the terminal
// has seen, or the clock was reported suspect.
func (s Status) ClockLooksWrong(now time.Time) bool {
	return s.ClockSuspect || (!s.NewestSeen.IsZero() && now.Before(s.NewestSeen))
}

// ClockAheadLimit is how far the clock may run past the newest list the
// terminal holds before the status bar says the clock, not only the lists,
// may be wrong: hubs sign lists daily, and no terminal is meant to run a
// month without one.
const ClockAheadLimit = 30 * 24 * time.Hour

// ClockFarAhead reports whether now is more than ClockAheadLimit after the
// newest trust or revocation list (a clock set years ahead makes every
// list look ancient and every fresh code look issued in the past).
func (s Status) ClockFarAhead(now time.Time) bool {
	newest := s.TrustListAt
	if s.RevocationAt.After(newest) {
		newest = s.RevocationAt
	}
	return !newest.IsZero() && now.Sub(newest) > ClockAheadLimit
}

// Counters are today's totals.
type Counters struct {
	Day      time.Time // local midnight of the day counted
	Passed   int
	Denied   int
	Rechecks int
}
