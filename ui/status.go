package ui

import (
	"fmt"
	"image/color"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/checkpoint-terminal/checkpoint"
)

// level is how a status item is shown.
type level int

const (
	levelOK level = iota
	levelInfo
	levelWarn
	levelError
)

func (l level) String() string {
	return [...]string{"ok", "info", "warn", "error"}[l]
}

var (
	chipOK    = color.NRGBA{R: 0x26, G: 0x32, B: 0x38, A: 0xff}
	chipWarn  = color.NRGBA{R: 0xe6, G: 0x51, B: 0x00, A: 0xff}
	chipError = color.NRGBA{R: 0xb7, G: 0x1c, B: 0x1c, A: 0xff}
)

// chip is one item of the status bar: an icon, a text, a background that
// turns orange (warning) or red (error). Warnings always carry the warning
// icon too, so the state is not told by colour alone.
type chip struct {
	root  *fyne.Container
	bg    *canvas.Rectangle
	icon  *widget.Icon
	label *widget.Label
	level level
}

func newChip() *chip {
	c := &chip{bg: canvas.NewRectangle(chipOK), icon: widget.NewIcon(nil), label: widget.NewLabel("")}
	c.bg.CornerRadius = 4
	c.root = container.NewStack(c.bg, container.NewHBox(c.icon, c.label))
	return c
}

func (c *chip) set(text string, lv level, ok fyne.Resource) {
	c.level = lv
	c.label.SetText(text)
	switch lv {
	case levelWarn:
		c.bg.FillColor, c.label.TextStyle = chipWarn, fyne.TextStyle{Bold: true}
		c.icon.SetResource(theme.WarningIcon())
	case levelError:
		c.bg.FillColor, c.label.TextStyle = chipError, fyne.TextStyle{Bold: true}
		c.icon.SetResource(theme.ErrorIcon())
	default:
		c.bg.FillColor, c.label.TextStyle = chipOK, fyne.TextStyle{}
		c.icon.SetResource(ok)
	}
	c.label.Refresh()
	c.bg.Refresh()
	c.root.Show()
}

func (c *chip) hide() { c.root.Hide() }

// statusBar shows the terminal's health in one row that wraps.
type statusBar struct {
	root                                      *fyne.Container
	network, sync, pending, trust, revocation *chip
	camera, sensor, store, clock, rejected    *chip
	gate, selfTest                            *chip
	scanners                                  []*chip // one per hand scanner, grown as needed
}

func newStatusBar() *statusBar {
	s := &statusBar{
		network: newChip(), sync: newChip(), pending: newChip(), trust: newChip(),
		revocation: newChip(), camera: newChip(), sensor: newChip(), store: newChip(), clock: newChip(),
		rejected: newChip(),
		gate:     newChip(), selfTest: newChip(),
	}
	s.root = container.New(layout.NewRowWrapLayout(),
		s.clock.root, s.network.root, s.sync.root, s.pending.root, s.rejected.root, s.trust.root,
		s.revocation.root, s.camera.root, s.sensor.root, s.gate.root, s.store.root, s.selfTest.root)
	s.gate.hide()
	s.selfTest.hide()
	return s
}

// chips lists the bar's items by name (tests, and the order shown).
func (s *statusBar) chips() map[string]*chip {
	m := map[string]*chip{
		"network": s.network, "sync": s.sync, "pending": s.pending, "trust": s.trust,
		"revocation": s.revocation, "camera": s.camera, "sensor": s.sensor, "store": s.store, "clock": s.clock,
		"rejected": s.rejected,
		"gate":     s.gate, "selftest": s.selfTest,
	}
	for i, c := range s.scanners {
		m[fmt.Sprintf("scanner%d", i)] = c
	}
	return m
}

// render shows st as seen at now.
func (s *statusBar) render(st checkpoint.Health, now time.Time) {
	switch {
	case st.NoHub:
		s.network.set(tr("status.no_hub"), levelInfo, nil)
	case st.HubRefused:
		s.network.set(tr("status.hub_refused"), levelError, nil)
	case st.Online:
		s.network.set(tr("status.online"), levelOK, theme.ConfirmIcon())
	default:
		s.network.set(tr("status.offline"), levelWarn, nil)
	}
	if st.LastSync.IsZero() {
		s.sync.set(tr("status.never_synced"), levelInfo, theme.ViewRefreshIcon())
	} else {
		s.sync.set(tr1("status.last_sync", "Time", st.LastSync.In(now.Location()).Format("01-02 15:04")), levelInfo, theme.ViewRefreshIcon())
	}
	if st.Pending > 0 {
		s.pending.set(tr1("status.pending", "Count", st.Pending), levelInfo, theme.UploadIcon())
	} else {
		s.pending.hide()
	}
	if st.Rejected > 0 {
		// Refused by the hub for good: kept aside, never uploaded; the
		// operator must look (hctool/doctor lists them).
		s.rejected.set(tr1("status.rejected", "Count", st.Rejected), levelWarn, nil)
	} else {
		s.rejected.hide()
	}
	if !st.TrustListExpires.IsZero() && !now.Before(st.TrustListExpires) {
		s.trust.set(tr1("status.trust_expired", "Time", st.TrustListExpires.In(now.Location()).Format("01-02 15:04")), levelError, nil)
	} else {
		listChip(s.trust, st.TrustList(now), now.Sub(st.TrustListAt), "status.trust", levelError)
	}
	listChip(s.revocation, st.Revocations(now), now.Sub(st.RevocationAt), "status.revocation", levelWarn)
	deviceChip(s.camera, st.Camera, "camera", theme.MediaVideoIcon())
	deviceChip(s.sensor, st.Sensor, "sensor", theme.InfoIcon())
	for len(s.scanners) < len(st.Scanners) {
		c := newChip()
		s.scanners = append(s.scanners, c)
		s.root.Add(c.root)
	}
	for i, c := range s.scanners {
		if i < len(st.Scanners) {
			deviceChip(c, st.Scanners[i], "scanner", theme.SearchIcon())
		} else {
			c.hide()
		}
	}
	if st.Gate != nil {
		deviceChip(s.gate, *st.Gate, "gate", theme.LoginIcon())
	} else {
		s.gate.hide()
	}
	if st.StoreError != "" {
		s.store.set(tr1("status.store_error", "Detail", st.StoreError), levelError, nil)
	} else if st.StoreReplaced != "" {
		s.store.set(tr1("status.store_replaced", "Detail", st.StoreReplaced), levelError, nil)
	} else {
		s.store.hide()
	}
	switch {
	case len(st.SelfTestFailed) > 0:
		s.selfTest.set(tr1("status.selftest_failed", "Checks", strings.Join(st.SelfTestFailed, ", ")), levelError, nil)
	case len(st.SelfTestWarned) > 0:
		s.selfTest.set(tr1("status.selftest_warned", "Checks", strings.Join(st.SelfTestWarned, ", ")), levelWarn, nil)
	default:
		s.selfTest.hide()
	}
	clock := now.Format("15:04:05")
	if st.ClockLooksWrong(now) {
		s.clock.set(tr1("status.clock_wrong", "Time", now.Format("2006-01-02 15:04")), levelWarn, nil)
	} else if st.ClockFarAhead(now) {
		s.clock.set(tr1("status.clock_ahead", "Time", now.Format("2006-01-02 15:04")), levelWarn, nil)
	} else {
		s.clock.set(clock, levelOK, theme.HistoryIcon())
	}
}

// listChip shows a list's age: missing is missingLevel, out of date a
// warning (checkpoint.ListState decides which).
func listChip(c *chip, state checkpoint.ListAge, age time.Duration, key string, missingLevel level) {
	switch state {
	case checkpoint.ListMissing:
		c.set(tr(key+"_missing"), missingLevel, nil)
	case checkpoint.ListOutOfDate:
		c.set(tr1(key+"_stale", "Age", formatAge(age)), levelWarn, nil)
	default:
		c.set(tr1(key, "Age", formatAge(max(age, 0))), levelOK, theme.DocumentIcon())
	}
}

func deviceChip(c *chip, d checkpoint.Device, name string, ok fyne.Resource) {
	switch d.State {
	case checkpoint.DeviceOK:
		c.set(tr1("status."+name+"_ok", "Detail", d.Detail), levelOK, ok)
	case checkpoint.DeviceSimulated:
		c.set(tr1("status."+name+"_demo", "Detail", d.Detail), levelInfo, ok)
	case checkpoint.DeviceFailed:
		c.set(tr1("status."+name+"_failed", "Detail", d.Detail), levelError, nil)
	case checkpoint.DeviceOff:
		if name == "sensor" {
			c.set(tr("status.sensor_off"), levelWarn, nil)
			return
		}
		c.set(tr1("status."+name+"_failed", "Detail", d.Detail), levelError, nil)
	default:
		c.set(tr1("status."+name+"_unknown", "Detail", d.Detail), levelInfo, ok)
	}
}
