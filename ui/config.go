package ui

import (
	"context"
	"errors"
	"fmt"
	"image"
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

// Config is fixed for the life of a Screen.
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
	// bundled DroidSansFallback-GB2312.otf (also the fallback when unusable).
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

// Deps are what the Screen calls out to. Every field may be nil: the
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

	// What Run pulls, each at its own rate (see Run); nil: not shown.

	// Health is the terminal's state for the status bar, pulled once a
	// second.
	Health func() checkpoint.Health
	// Preview is the latest camera picture, its capture time and the
	// detected code's outline in its pixels, pulled at Config.PreviewFPS.
	Preview func() (img image.Image, outline []image.Point, at time.Time)
	// Temperature is the sensor's latest reading (false: none yet), pulled
	// five times a second.
	Temperature func() (checkpoint.Reading, bool)
	// Counters reads back the final verdicts stored on the day starting at
	// day, once when the screen is made, so a restart keeps the day's
	// totals.
	Counters func(day time.Time) (checkpoint.Counters, error)
	// ExplainCode (optional) says in lang ("en", "zh-CN") which site rule
	// decided a pasted code and why; the test-code screen shows it.
	ExplainCode func(text, lang string) string
}
