package ui

import (
	"context"
	"html"
	"io"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/checkpoint-terminal/checkpoint"
)

// fakeClock is a settable clock.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// scheduled is a callback the terminal asked to run after a delay; tests
// fire it by hand instead of waiting.
type scheduled struct {
	d       time.Duration
	f       func()
	stopped bool
}

// soundLog records the outcomes the terminal asked to sound.
type soundLog struct{ played []checkpoint.Outcome }

func (s *soundLog) Play(o checkpoint.Outcome) { s.played = append(s.played, o) }

// memRecords is a RecordSource over a slice.
type memRecords struct {
	recs []checkpoint.Record
	err  error
}

func (m *memRecords) Recent(_ context.Context, n int) ([]checkpoint.Record, error) {
	if m.err != nil {
		return nil, m.err
	}
	return m.recs[:min(n, len(m.recs))], nil
}

type harness struct {
	t      *testing.T
	term   *Screen
	win    fyne.Window
	clock  *fakeClock
	sound  *soundLog
	timers []*scheduled
	saved  []Settings
	manual []checkpoint.Reading
	logBuf *strings.Builder
}

func testSettings() Settings {
	return Settings{
		CameraSource: "0", SensorEnabled: true, SensorPort: "/dev/ttyUSB0", SensorProtocol: "ascii",
		SensorBaud: 9600, Policy: checkpoint.DefaultPolicy(), HubURL: "https://hub.example.invalid",
		SiteID: "site-1", TerminalID: "gate-3", Language: LangEnglish, VerdictHold: 4 * time.Second,
	}
}

// newHarness builds a Screen on fyne's test driver, in English, at a fixed
// time, with time-based callbacks run by hand.
func newHarness(t *testing.T, edit func(*Config, *Deps)) *harness {
	t.Helper()
	// The terminal sets these to choose its language; restore them after.
	t.Setenv("LC_ALL", "en_US.UTF-8")
	t.Setenv("LANGUAGE", "en")
	a := test.NewTempApp(t)
	h := &harness{t: t, clock: &fakeClock{now: time.Date(2026, 11, 23, 9, 30, 0, 0, time.Local)}, sound: &soundLog{}, logBuf: &strings.Builder{}}
	h.win = a.NewWindow("Checkpoint")
	h.win.Resize(fyne.NewSize(1280, 800))
	cfg := Config{Settings: testSettings(), PIN: "2468", PreviewFPS: 5, defaultFont: true}
	deps := Deps{
		Clock: h.clock, Sound: h.sound,
		Log:           slog.New(slog.NewTextHandler(io.MultiWriter(h.logBuf), nil)),
		SaveSettings:  func(s Settings) error { h.saved = append(h.saved, s); return nil },
		ManualReading: func(r checkpoint.Reading) { h.manual = append(h.manual, r) },
	}
	if edit != nil {
		edit(&cfg, &deps)
	}
	h.term = New(a, h.win, cfg, deps)
	h.term.afterFunc = func(d time.Duration, f func()) func() bool {
		s := &scheduled{d: d, f: f}
		h.timers = append(h.timers, s)
		return func() bool { was := !s.stopped; s.stopped = true; return was }
	}
	h.term.async = func(f func()) { f() }
	return h
}

// markup is what the window shows, as fyne's test markup (texts, colours,
// resources), independent of fonts.
func (h *harness) markup() string { return test.RenderToMarkup(h.win.Canvas()) }

var textElem = regexp.MustCompile(`>([^<>]+)</text>`)

// shownText joins the window's text elements with spaces, so a wrapped
// label reads as one line again.
func (h *harness) shownText() string {
	var parts []string
	for _, m := range textElem.FindAllStringSubmatch(h.markup(), -1) {
		parts = append(parts, html.UnescapeString(m[1]))
	}
	return strings.Join(parts, " ")
}

// shows fails unless every s appears in the window's markup (attributes,
// resources, colours) or its text.
func (h *harness) shows(s ...string) {
	h.t.Helper()
	m := h.markup() + "\n" + h.shownText()
	for _, x := range s {
		if !strings.Contains(m, x) {
			h.t.Errorf("window does not show %q", x)
		}
	}
}

// hides fails if any s appears in the window's markup.
func (h *harness) hides(s ...string) {
	h.t.Helper()
	m := h.markup() + "\n" + h.shownText()
	for _, x := range s {
		if strings.Contains(m, x) {
			h.t.Errorf("window shows %q, want it absent", x)
		}
	}
}

// code is a verified dynamic code issued just now.
func (h *harness) code(color checkpoint.Color) *checkpoint.Code {
	now := h.clock.Now()
	return &checkpoint.Code{
		Format: checkpoint.FormatHealthCode, Issuer: "110000:BJHC", Region: "110000", ID: "a1b2c3d4e5f60718",
		Color: color, IssuedAt: now.Add(-30 * time.Second), ExpiresAt: now.Add(5 * time.Minute),
		Kind: checkpoint.KindDynamic, HolderMasked: "张*",
	}
}

// decide runs the real Decide at the harness clock.
func (h *harness) decide(c *checkpoint.Code, f checkpoint.Failure, celsius float64) checkpoint.Verdict {
	now := h.clock.Now()
	var r *checkpoint.Reading
	if celsius > 0 {
		r = &checkpoint.Reading{Celsius: celsius, At: now, Status: checkpoint.SensorOK}
	}
	return checkpoint.Decide(checkpoint.Presentation{Code: c, Failure: f, CapturedAt: now}, r, checkpoint.DefaultPolicy(), now)
}

// voiceLog is a sounder that speaks: the terminal calls PlayVerdict.
type voiceLog struct {
	soundLog
	spoken []string
}

func (s *voiceLog) PlayVerdict(v checkpoint.Verdict, lang string) {
	s.spoken = append(s.spoken, v.Outcome.String()+"/"+lang)
}
