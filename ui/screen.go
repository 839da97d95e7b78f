package ui

import (
	"context"
	"image"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/checkpoint-terminal/checkpoint"
	"github.com/checkpoint-terminal/checkpoint/assets"
)

// Preview size on the guard's screen, in fyne units.
const (
	previewW = 320
	previewH = 180
)

// Screen is the terminal's user interface in one window. Create it with
// New; its exported methods may be called from any goroutine.
type Screen struct {
	app   fyne.App
	win   fyne.Window
	cfg   Config
	deps  Deps
	clock checkpoint.Clock
	log   *slog.Logger
	icons icons
	font  fyne.Resource

	// systemLocale is the locale environment the process started with.
	systemLocale localeEnv

	// Everything below is touched on the fyne main goroutine only
	// (through fyne.Do), except the preview throttle.
	settings Settings
	verdict  *checkpoint.Verdict
	gen      uint64      // increments with every verdict shown
	stopHold func() bool // cancels the pending return to "ready"
	status   checkpoint.Health
	reading  *checkpoint.Reading
	counters checkpoint.Counters

	guard       fyne.CanvasObject
	panel       *verdictView
	cameraUp    bool // the camera has delivered frames once (start-up panel done)
	bar         *statusBar
	tempValue   *widget.Label
	tempState   *widget.Label
	counterVals [3]*widget.Label // passed, denied, rechecks
	preview     *canvas.Image
	operatorBtn *widget.Button

	pin       *pinScreen
	op        *operatorScreen
	inOp      bool // an operator screen or the PIN pad is shown
	lastTouch time.Time
	idleGen   uint64
	stopIdle  func() bool
	badPINs   int
	lockedTo  time.Time
	// onPINClose, when set, runs instead of opening the operator screens
	// after the right PIN: closing the window asked for it (GuardClose).
	onPINClose func()

	previewMu   sync.Mutex
	lastPreview time.Time

	// afterFunc and async are time.AfterFunc and "go f()", replaceable by
	// tests so no test waits on the wall clock.
	afterFunc func(d time.Duration, f func()) (stop func() bool)
	async     func(f func())
}

// New builds the guard's screen in win and makes it the window's content.
// It sets the app's theme (dark, large text, CJK font) and loads the
// translations; call it on the fyne main goroutine (before ShowAndRun).
func New(app fyne.App, win fyne.Window, cfg Config, deps Deps) *Screen {
	t := &Screen{app: app, win: win, cfg: cfg, deps: deps, clock: deps.Clock, log: deps.Log, settings: cfg.Settings}
	if t.clock == nil {
		t.clock = checkpoint.SystemClock{}
	}
	if t.log == nil {
		t.log = slog.Default()
	}
	if t.cfg.SensorProtocols == nil {
		t.cfg.SensorProtocols = []string{"ascii", "gy906", "modbus"}
	}
	t.afterFunc = func(d time.Duration, f func()) func() bool { return time.AfterFunc(d, f).Stop }
	t.async = func(f func()) { go f() }
	var err error
	if t.icons, err = loadIcons(); err != nil {
		t.log.Error("loading verdict icons", "err", err) // embedded: cannot happen short of a broken build
	}
	if !cfg.defaultFont {
		t.font = loadFont(cfg.FontPath, t.log)
	}
	app.Settings().SetTheme(kioskTheme{cjk: t.font})
	if len(assets.Icon) > 0 {
		app.SetIcon(fyne.NewStaticResource("icon.png", assets.Icon))
	}
	t.systemLocale = snapshotLocaleEnv()
	if l, err := NormalizeLanguage(t.settings.Language); err != nil {
		t.log.Warn("following the system locale", "err", err)
		t.settings.Language = LangSystem
	} else {
		t.settings.Language = l
	}
	applyLanguage(t.settings.Language, t.systemLocale, t.log)
	t.counters.Day = checkpoint.DayOf(t.clock.Now())
	if deps.Counters != nil {
		if c, err := deps.Counters(t.counters.Day); err != nil {
			t.log.Error("reading today's counters back from the store", "err", err)
		} else {
			t.counters = c
		}
	}
	t.loadLockout()
	t.build()
	win.SetContent(t.guard)
	return t
}

// Settings returns the settings in force (after the operator's last save).
// Call it on the fyne main goroutine.
func (t *Screen) Settings() Settings { return t.settings }

// build (re)creates every screen in the current language and renders the
// current state into it.
func (t *Screen) build() {
	t.panel = newVerdictView(t.icons, 150, 150)
	t.bar = newStatusBar()

	t.preview = canvas.NewImageFromImage(image.NewRGBA(image.Rect(0, 0, 16, 9)))
	t.preview.FillMode = canvas.ImageFillContain
	t.preview.ScaleMode = canvas.ImageScaleFastest
	t.preview.SetMinSize(fyne.NewSize(previewW, previewH))
	previewBox := container.NewStack(canvas.NewRectangle(chipOK), t.preview)
	if t.cfg.PreviewFPS <= 0 {
		previewBox.Hide()
	}

	t.tempValue = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	t.tempValue.SizeName = sizeBig
	t.tempState = widget.NewLabel("")
	t.tempState.Wrapping = fyne.TextWrapWord
	tempCard := widget.NewCard("", tr("temp.label"), container.NewVBox(t.tempValue, t.tempState))

	grid := container.New(layout.NewFormLayout())
	for i, key := range []string{"counter.passed", "counter.denied", "counter.rechecks"} {
		name := widget.NewLabel(tr(key))
		name.SizeName = sizeCounters
		val := widget.NewLabelWithStyle("0", fyne.TextAlignTrailing, fyne.TextStyle{Bold: true})
		val.SizeName = sizeCounters
		t.counterVals[i] = val
		grid.Add(name)
		grid.Add(val)
	}
	counterCard := widget.NewCard("", tr("counter.title"), grid)

	t.operatorBtn = widget.NewButtonWithIcon(tr("operator.open"), theme.SettingsIcon(), t.openPIN)
	side := container.NewVBox(previewBox, tempCard, counterCard, layout.NewSpacer(), t.operatorBtn)
	if t.cfg.Demo {
		side.Objects = append([]fyne.CanvasObject{demoBanner()}, side.Objects...)
	}
	t.guard = steady(container.NewBorder(container.NewPadded(t.bar.root), nil, nil, container.NewPadded(side), t.panel.root))

	t.pin = newPINScreen(t)
	t.op = newOperatorScreen(t)
	t.op.root = steady(t.op.root)

	t.panel.show(t.verdict)
	t.renderStatus()
	t.renderTemp()
	t.renderCounters()
}

// ShowVerdict shows v on the guard's screen at once, replacing whatever is
// shown, plays its sound (unless muted) and counts it for today; after
// Settings.VerdictHold the screen returns to "ready to scan".
func (t *Screen) ShowVerdict(v checkpoint.Verdict) {
	fyne.Do(func() { t.showVerdict(v) })
}

func (t *Screen) showVerdict(v checkpoint.Verdict) {
	t.verdict = &v
	t.panel.show(t.verdict)
	t.count(v.Outcome)
	if t.inOp && t.win.Content() == t.pin.root {
		// The PIN pad never hides a verdict: the person at the gate and
		// the guard see it at once (and hear it); the PIN can be typed
		// again after.
		t.log.Info("PIN entry interrupted by a verdict", "outcome", v.Outcome.String())
		t.closeOperator()
	}
	if t.inOp {
		t.op.showLatest(v)
	}
	if t.deps.Sound != nil && !t.settings.Mute {
		// A sounder that speaks (ui/sound.Player) says the verdict too.
		if vs, ok := t.deps.Sound.(interface {
			PlayVerdict(checkpoint.Verdict, string)
		}); ok {
			vs.PlayVerdict(v, t.settings.Language)
		} else {
			t.deps.Sound.Play(v.Outcome)
		}
	}
	t.gen++
	if t.stopHold != nil {
		t.stopHold()
		t.stopHold = nil
	}
	if hold := t.settings.VerdictHold; hold > 0 {
		gen := t.gen
		t.stopHold = t.afterFunc(hold, func() { fyne.Do(func() { t.expire(gen) }) })
	}
}

// expire returns to "ready to scan" if verdict gen is still the one shown.
func (t *Screen) expire(gen uint64) {
	if gen != t.gen {
		return
	}
	t.verdict = nil
	t.stopHold = nil
	t.panel.show(nil)
}

// ShowReady returns to "ready to scan" at once.
func (t *Screen) ShowReady() {
	fyne.Do(func() {
		t.gen++
		t.expire(t.gen)
	})
}

// count adds a final outcome to today's counters. Measure is the wait for a
// temperature, not an outcome of its own, and is not counted.
func (t *Screen) count(o checkpoint.Outcome) {
	t.rollDay()
	if t.counters.Add(o) {
		t.renderCounters()
	}
}

// rollDay starts new counters at local midnight.
func (t *Screen) rollDay() {
	if today := checkpoint.DayOf(t.clock.Now()); !today.Equal(t.counters.Day) {
		t.counters = checkpoint.Counters{Day: today}
		t.renderCounters()
	}
}

// SetCounters replaces today's counters, e.g. with totals read back from
// the store at start-up. A zero Day means today.
func (t *Screen) SetCounters(c checkpoint.Counters) {
	fyne.Do(func() {
		if c.Day.IsZero() {
			c.Day = checkpoint.DayOf(t.clock.Now())
		}
		t.counters = c
		t.rollDay()
		t.renderCounters()
	})
}

// Counters returns today's counters. Call it on the fyne main goroutine.
func (t *Screen) Counters() checkpoint.Counters { return t.counters }

func (t *Screen) renderCounters() {
	for i, n := range []int{t.counters.Passed, t.counters.Denied, t.counters.Rechecks} {
		t.counterVals[i].SetText(strconv.Itoa(n))
	}
}

// SetHealth replaces what the status bar shows.
func (t *Screen) SetHealth(s checkpoint.Health) {
	fyne.Do(func() {
		t.status = s
		t.renderStatus()
		t.renderStarting()
	})
}

// renderStarting shows the start-up panel until the camera has first come
// up (frames arriving, or the demo's video); later failures stay in the
// status bar only.
func (t *Screen) renderStarting() {
	was := t.panel.starting
	switch c := t.status.Camera.State; {
	case t.panel.starting == "" && t.cameraUp:
	case c == checkpoint.DeviceOK || c == checkpoint.DeviceSimulated:
		t.cameraUp, t.panel.starting = true, ""
	case c == checkpoint.DeviceFailed:
		t.panel.starting = tr1("starting.camera_failed", "Detail", t.status.Camera.Detail)
	default:
		t.panel.starting = tr("starting.camera")
	}
	if t.panel.starting != was && t.verdict == nil {
		t.panel.show(nil)
	}
}

func (t *Screen) renderStatus() { t.bar.render(t.status, t.clock.Now()) }

// SetTemperature shows the latest reading from the sensor (or typed in).
func (t *Screen) SetTemperature(r checkpoint.Reading) {
	fyne.Do(func() {
		t.reading = &r
		t.renderTemp()
	})
}

func (t *Screen) renderTemp() {
	r := t.reading
	switch {
	case r == nil:
		t.tempValue.SetText(tr("detail.none"))
		t.tempValue.Importance = widget.LowImportance
		t.tempState.SetText(tr("temp.waiting"))
	case r.Status == checkpoint.SensorNoPerson:
		t.tempValue.SetText(tr("detail.none"))
		t.tempValue.Importance = widget.LowImportance
		t.tempState.SetText(tr("temp.no_person"))
	case r.Status != checkpoint.SensorOK:
		t.tempValue.SetText(tr("detail.none"))
		t.tempValue.Importance = widget.DangerImportance
		t.tempState.SetText(tr("temp.error"))
	default:
		c := r.Celsius
		t.tempValue.SetText(formatTemp(&c))
		pol := t.policyInForce()
		switch checkpoint.Classify(r, pol, t.clock.Now()) {
		case checkpoint.TempFever:
			t.tempValue.Importance = widget.DangerImportance
		case checkpoint.TempNormal:
			t.tempValue.Importance = widget.SuccessImportance
		default: // stale or implausible
			t.tempValue.Importance = widget.LowImportance
		}
		if r.Manual {
			t.tempState.SetText(tr1("temp.manual", "Temperature", formatTemp(&c)))
		} else {
			t.tempState.SetText(r.At.In(t.clock.Now().Location()).Format("15:04:05"))
		}
	}
	t.tempValue.Refresh()
}

// SetPreview shows a camera frame with the detected code's corners (in
// frame pixels; empty when none). Frames arriving faster than
// Config.PreviewFPS are dropped before any work is done, and the frame is
// scaled down on the caller's goroutine, so the preview costs little.
func (t *Screen) SetPreview(img image.Image, quad []image.Point) {
	if t.cfg.PreviewFPS <= 0 || img == nil {
		return
	}
	now := t.clock.Now()
	t.previewMu.Lock()
	if !t.lastPreview.IsZero() && now.Sub(t.lastPreview) >= 0 &&
		now.Sub(t.lastPreview) < time.Duration(float64(time.Second)/t.cfg.PreviewFPS) {
		t.previewMu.Unlock()
		return
	}
	t.lastPreview = now
	t.previewMu.Unlock()
	small := renderPreview(img, quad, 2*previewW, 2*previewH)
	fyne.Do(func() {
		t.preview.Image = small
		t.preview.Refresh()
	})
}

// Run refreshes the screen until ctx is done: the clock, list ages and
// today's counters once a second, and it pulls from Deps what they provide:
// Health once a second, the temperature five times a second and the
// preview at Config.PreviewFPS. Each is shown only when it changed. All of
// it happens on Run's goroutine, one thing at a time.
func (t *Screen) Run(ctx context.Context) {
	sec := time.NewTicker(time.Second)
	defer sec.Stop()
	var tempC, previewC <-chan time.Time
	if t.deps.Temperature != nil {
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		tempC = tick.C
	}
	if t.deps.Preview != nil && t.cfg.PreviewFPS > 0 {
		tick := time.NewTicker(time.Duration(float64(time.Second) / t.cfg.PreviewFPS))
		defer tick.Stop()
		previewC = tick.C
	}
	var lastTemp, lastPreview time.Time
	t.pullHealth()
	for {
		select {
		case <-ctx.Done():
			return
		case <-sec.C:
			t.pullHealth()
			fyne.Do(t.tick)
		case <-tempC:
			if r, ok := t.deps.Temperature(); ok && r.At.After(lastTemp) {
				lastTemp = r.At
				t.SetTemperature(r)
			}
		case <-previewC:
			if img, outline, at := t.deps.Preview(); img != nil && at.After(lastPreview) {
				lastPreview = at
				t.SetPreview(img, outline)
			}
		}
	}
}

func (t *Screen) pullHealth() {
	if t.deps.Health != nil {
		t.SetHealth(t.deps.Health())
	}
}

func (t *Screen) tick() {
	t.renderStatus()
	t.renderTemp()
	t.rollDay()
}
