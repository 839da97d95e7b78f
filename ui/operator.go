package ui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/checkpoint-terminal/checkpoint"
)

// Tabs of the operator screen, in order.
const (
	TabSettings = iota
	TabRecords
	TabTemperature
	TabTest
	TabSync
)

// recentRecords is how many records the records tab lists.
const recentRecords = 200

// operatorScreen holds the operator's tabs.
type operatorScreen struct {
	t    *Terminal
	root fyne.CanvasObject
	tabs *container.AppTabs

	latest *widget.Label // the verdict the guard's screen shows now

	// settings
	camera, port, baud, fever, minP, maxP, pairing, hub, site, terminal, hold *widget.Entry
	sensorOn, requireTemp, mute                                               *widget.Check
	protocol, language                                                        *widget.Select
	save                                                                      *widget.Button
	settingsMsg                                                               *widget.Label
	policySrc                                                                 *widget.Label // which policy rules, and where it came from

	// records
	records    []checkpoint.Record
	recordList *widget.List
	recordsMsg *widget.Label

	// manual temperature
	manualEntry *widget.Entry
	manualBtn   *widget.Button
	manualMsg   *widget.Label

	// test code
	testEntry *widget.Entry
	testBtn   *widget.Button
	testView  *verdictView

	// sync and export
	syncBtn, exportBtn *widget.Button
	syncMsg, exportMsg *widget.Label
}

func newOperatorScreen(t *Terminal) *operatorScreen {
	o := &operatorScreen{t: t}
	o.tabs = container.NewAppTabs(
		container.NewTabItemWithIcon(tr("tab.settings"), theme.SettingsIcon(), o.buildSettings()),
		container.NewTabItemWithIcon(tr("tab.records"), theme.ListIcon(), o.buildRecords()),
		container.NewTabItemWithIcon(tr("tab.temperature"), theme.DocumentCreateIcon(), o.buildManual()),
		container.NewTabItemWithIcon(tr("tab.test"), theme.SearchIcon(), o.buildTest()),
		container.NewTabItemWithIcon(tr("tab.sync"), theme.ViewRefreshIcon(), o.buildSync()),
	)
	o.tabs.OnSelected = func(ti *container.TabItem) {
		t.touch()
		if o.tabs.SelectedIndex() == TabRecords {
			o.refreshRecords()
		}
	}
	back := widget.NewButtonWithIcon(tr("operator.back"), theme.NavigateBackIcon(), t.closeOperator)
	back.Importance = widget.HighImportance
	title := widget.NewLabelWithStyle(tr("operator.open"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	title.SizeName = theme.SizeNameHeadingText
	o.latest = widget.NewLabelWithStyle("", fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	o.latest.Truncation = fyne.TextTruncateEllipsis
	o.root = container.NewBorder(container.NewBorder(nil, nil, title, back, o.latest), nil, nil, nil, o.tabs)
	o.trackActivity()
	return o
}

// showOperator shows the operator screen on tab (after the PIN).
func (t *Terminal) showOperator(tab int) {
	t.inOp = true
	t.watchIdle()
	t.op.fillSettings(t.settings)
	t.op.showPolicySource()
	t.op.tabs.SelectIndex(tab)
	if tab == TabRecords {
		t.op.refreshRecords()
	}
	t.win.SetContent(t.op.root)
}

// trackActivity makes every edit and button of the operator screens count
// as activity for the idle watch.
func (o *operatorScreen) trackActivity() {
	t := o.t
	for _, e := range []*widget.Entry{o.camera, o.port, o.baud, o.fever, o.minP, o.maxP, o.pairing, o.hub, o.site, o.terminal, o.hold, o.manualEntry, o.testEntry} {
		e.OnChanged = func(string) { t.touch() }
	}
	for _, c := range []*widget.Check{o.sensorOn, o.requireTemp, o.mute} {
		c.OnChanged = func(bool) { t.touch() }
	}
	for _, s := range []*widget.Select{o.protocol, o.language} {
		s.OnChanged = func(string) { t.touch() }
	}
	for _, b := range []*widget.Button{o.save, o.manualBtn, o.testBtn, o.syncBtn, o.exportBtn} {
		b.OnTapped = t.touched(b.OnTapped)
	}
}

// --- settings ---

func (o *operatorScreen) buildSettings() fyne.CanvasObject {
	ne := func() *widget.Entry { return widget.NewEntry() }
	o.camera, o.port, o.baud, o.fever, o.minP, o.maxP = ne(), ne(), ne(), ne(), ne(), ne()
	o.pairing, o.hub, o.site, o.terminal, o.hold = ne(), ne(), ne(), ne(), ne()
	o.sensorOn = widget.NewCheck("", nil)
	o.requireTemp = widget.NewCheck("", nil)
	o.mute = widget.NewCheck("", nil)
	o.protocol = widget.NewSelect(o.t.cfg.SensorProtocols, nil)
	_, labels := languageOptions()
	o.language = widget.NewSelect(labels, nil)
	o.settingsMsg = widget.NewLabel("")
	o.settingsMsg.Wrapping = fyne.TextWrapWord
	o.policySrc = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	o.policySrc.Wrapping = fyne.TextWrapWord
	o.save = widget.NewButtonWithIcon(tr("settings.save"), theme.DocumentSaveIcon(), o.saveSettings)
	o.save.Importance = widget.HighImportance
	form := widget.NewForm(
		widget.NewFormItem(tr("settings.language"), o.language),
		widget.NewFormItem(tr("settings.mute"), o.mute),
		widget.NewFormItem(tr("settings.verdict_seconds"), o.hold),
		widget.NewFormItem(tr("settings.camera_source"), o.camera),
		widget.NewFormItem(tr("settings.sensor_enabled"), o.sensorOn),
		widget.NewFormItem(tr("settings.sensor_port"), o.port),
		widget.NewFormItem(tr("settings.sensor_protocol"), o.protocol),
		widget.NewFormItem(tr("settings.sensor_baud"), o.baud),
		widget.NewFormItem(tr("settings.fever_threshold"), o.fever),
		widget.NewFormItem(tr("settings.min_plausible"), o.minP),
		widget.NewFormItem(tr("settings.max_plausible"), o.maxP),
		widget.NewFormItem(tr("settings.require_temperature"), o.requireTemp),
		widget.NewFormItem(tr("settings.pairing_window"), o.pairing),
		widget.NewFormItem(tr("settings.hub_url"), o.hub),
		widget.NewFormItem(tr("settings.site_id"), o.site),
		widget.NewFormItem(tr("settings.terminal_id"), o.terminal),
	)
	return container.NewBorder(o.policySrc, container.NewVBox(o.settingsMsg, o.save), nil, nil, container.NewVScroll(form))
}

func ftoa(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// fillSettings shows s in the form.
func (o *operatorScreen) fillSettings(s Settings) {
	o.camera.SetText(s.CameraSource)
	o.sensorOn.SetChecked(s.SensorEnabled)
	o.port.SetText(s.SensorPort)
	o.protocol.SetSelected(s.SensorProtocol)
	o.baud.SetText(strconv.Itoa(s.SensorBaud))
	o.fever.SetText(ftoa(s.Policy.FeverThreshold))
	o.minP.SetText(ftoa(s.Policy.MinPlausible))
	o.maxP.SetText(ftoa(s.Policy.MaxPlausible))
	o.requireTemp.SetChecked(s.Policy.RequireTemperature)
	o.pairing.SetText(ftoa(s.Policy.PairingWindow.Seconds()))
	o.hub.SetText(s.HubURL)
	o.site.SetText(s.SiteID)
	o.terminal.SetText(s.TerminalID)
	values, labels := languageOptions()
	for i, v := range values {
		if v == s.Language {
			o.language.SetSelected(labels[i])
		}
	}
	o.mute.SetChecked(s.Mute)
	o.hold.SetText(ftoa(s.VerdictHold.Seconds()))
}

// readSettings returns base with the form's values, or what is wrong.
func (o *operatorScreen) readSettings(base Settings) (Settings, error) {
	s := base
	var errs []error
	num := func(e *widget.Entry, label string) float64 {
		v, err := strconv.ParseFloat(strings.ReplaceAll(trimmed(e.Text), ",", "."), 64)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %q is not a number", tr(label), e.Text))
		}
		return v
	}
	seconds := func(e *widget.Entry, label string) time.Duration {
		return time.Duration(num(e, label) * float64(time.Second))
	}
	s.CameraSource = trimmed(o.camera.Text)
	s.SensorEnabled = o.sensorOn.Checked
	s.SensorPort = trimmed(o.port.Text)
	s.SensorProtocol = o.protocol.Selected
	if b := num(o.baud, "settings.sensor_baud"); b == float64(int(b)) {
		s.SensorBaud = int(b)
	} else {
		errs = append(errs, fmt.Errorf("%s: %q is not a whole number", tr("settings.sensor_baud"), o.baud.Text))
	}
	s.Policy.FeverThreshold = num(o.fever, "settings.fever_threshold")
	s.Policy.MinPlausible = num(o.minP, "settings.min_plausible")
	s.Policy.MaxPlausible = num(o.maxP, "settings.max_plausible")
	s.Policy.RequireTemperature = o.requireTemp.Checked
	s.Policy.PairingWindow = seconds(o.pairing, "settings.pairing_window")
	s.HubURL = trimmed(o.hub.Text)
	s.SiteID = trimmed(o.site.Text)
	s.TerminalID = trimmed(o.terminal.Text)
	values, labels := languageOptions()
	for i, l := range labels {
		if l == o.language.Selected {
			s.Language = values[i]
		}
	}
	s.Mute = o.mute.Checked
	s.VerdictHold = seconds(o.hold, "settings.verdict_seconds")
	if len(errs) == 0 {
		if err := s.Validate(); err != nil {
			errs = append(errs, err)
		}
	}
	return s, errors.Join(errs...)
}

// saveSettings validates the form, hands it to Deps.SaveSettings and, once
// saved, applies it to the UI (language, mute, verdict hold).
func (o *operatorScreen) saveSettings() {
	t := o.t
	s, err := o.readSettings(t.settings)
	if _, _, signed := t.signedPolicy(); signed {
		s.Policy = t.settings.Policy // read-only while a signed policy rules
	}
	if err != nil {
		o.settingsMsg.Importance = widget.DangerImportance
		o.settingsMsg.SetText(tr1("settings.invalid", "Error", err.Error()))
		return
	}
	t.confirmHubChange(t.settings, s, func() { o.commitSettings(s) })
}

// commitSettings persists s and applies it; the log names every change.
func (o *operatorScreen) commitSettings(s Settings) {
	t := o.t
	var err error
	if t.deps.SaveSettings != nil {
		err = t.deps.SaveSettings(s)
	}
	if err != nil {
		t.log.Warn("settings not saved", "err", err)
		o.settingsMsg.Importance = widget.DangerImportance
		o.settingsMsg.SetText(tr1("settings.invalid", "Error", err.Error()))
		return
	}
	langChanged := s.Language != t.settings.Language
	t.logSettingsChanges(t.settings, s)
	t.settings = s
	if langChanged {
		applyLanguage(s.Language, t.systemLocale, t.log)
		t.build()
		t.showOperator(TabSettings)
	}
	t.op.settingsMsg.Importance = widget.SuccessImportance
	t.op.settingsMsg.SetText(tr("settings.saved"))
}

// --- records ---

func (o *operatorScreen) buildRecords() fyne.CanvasObject {
	o.recordsMsg = widget.NewLabel("")
	o.recordList = widget.NewList(
		func() int { return len(o.records) },
		func() fyne.CanvasObject { return widget.NewLabel("") },
		func(id widget.ListItemID, co fyne.CanvasObject) {
			if id >= 0 && id < len(o.records) {
				co.(*widget.Label).SetText(recordRow(o.records[id], o.t.clock.Now().Location()))
			}
		},
	)
	refresh := widget.NewButtonWithIcon(tr("records.refresh"), theme.ViewRefreshIcon(), o.refreshRecords)
	return container.NewBorder(container.NewHBox(refresh, o.recordsMsg), nil, nil, nil, o.recordList)
}

// recordRow is one line of the records list: no name, by construction.
func recordRow(r checkpoint.Record, loc *time.Location) string {
	parts := []string{
		r.Time.In(loc).Format("01-02 15:04:05"),
		outcomeText(r.Outcome),
		reasonText(checkpoint.Verdict{Reason: r.Reason, MessageKey: r.Reason.MessageKey(), Temperature: r.Celsius}),
	}
	if r.Celsius != nil {
		parts = append(parts, formatTemp(r.Celsius))
	}
	if r.Format != "" {
		parts = append(parts, string(r.Format)+" "+r.Issuer)
	}
	if r.Proxy {
		parts = append(parts, tr("records.proxy"))
	}
	if id := r.CodeID; id != "" {
		if len(id) > 8 {
			id = id[:8] + "…"
		}
		parts = append(parts, id)
	}
	return strings.Join(parts, " · ")
}

func (o *operatorScreen) refreshRecords() {
	src := o.t.deps.Records
	if src == nil {
		o.recordsMsg.SetText(tr("records.unavailable"))
		return
	}
	o.t.async(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		recs, err := src.Recent(ctx, recentRecords)
		fyne.Do(func() {
			if err != nil {
				o.recordsMsg.SetText(tr1("records.failed", "Error", err.Error()))
				return
			}
			o.records = recs
			if len(recs) == 0 {
				o.recordsMsg.SetText(tr("records.empty"))
			} else {
				o.recordsMsg.SetText(strconv.Itoa(len(recs)))
			}
			o.recordList.Refresh()
		})
	})
}

// --- manual temperature ---

func (o *operatorScreen) buildManual() fyne.CanvasObject {
	o.manualEntry = widget.NewEntry()
	o.manualEntry.SetPlaceHolder("36.6")
	o.manualEntry.OnSubmitted = func(string) { o.submitManual() }
	o.manualMsg = widget.NewLabel("")
	o.manualBtn = widget.NewButtonWithIcon(tr("manual.submit"), theme.ConfirmIcon(), o.submitManual)
	o.manualBtn.Importance = widget.HighImportance
	if o.t.deps.ManualReading == nil {
		o.manualBtn.Disable()
		o.manualMsg.SetText(tr("manual.unavailable"))
	}
	return container.NewVBox(widget.NewLabel(tr("manual.prompt")), o.manualEntry, o.manualBtn, o.manualMsg)
}

// submitManual turns the typed value into a manual reading for the lead.
func (o *operatorScreen) submitManual() {
	t := o.t
	if t.deps.ManualReading == nil {
		return
	}
	c, err := strconv.ParseFloat(strings.ReplaceAll(trimmed(o.manualEntry.Text), ",", "."), 64)
	pol := t.settings.Policy
	if err != nil || !(c >= pol.MinPlausible && c <= pol.MaxPlausible) {
		o.manualMsg.Importance = widget.DangerImportance
		o.manualMsg.SetText(tr("manual.invalid"))
		return
	}
	r := checkpoint.Reading{Celsius: c, At: t.clock.Now(), Status: checkpoint.SensorOK, Manual: true}
	t.deps.ManualReading(r)
	t.reading = &r
	t.renderTemp()
	o.manualEntry.SetText("")
	o.manualMsg.Importance = widget.SuccessImportance
	o.manualMsg.SetText(tr1("manual.sent", "Temperature", formatTemp(&c)))
}

// --- test code ---

func (o *operatorScreen) buildTest() fyne.CanvasObject {
	o.testEntry = widget.NewMultiLineEntry()
	o.testEntry.SetPlaceHolder(tr("test.prompt"))
	o.testEntry.Wrapping = fyne.TextWrapBreak
	o.testEntry.SetMinRowsVisible(3)
	o.testView = newVerdictView(o.t.icons, 72, 64)
	o.testView.banner.SetText(tr("test.banner"))
	o.testView.banner.Show()
	o.testBtn = widget.NewButtonWithIcon(tr("test.check"), theme.SearchIcon(), o.runTest)
	o.testBtn.Importance = widget.HighImportance
	if o.t.deps.TestCode == nil {
		o.testBtn.Disable()
		o.testEntry.SetPlaceHolder(tr("test.unavailable"))
	}
	return container.NewBorder(container.NewVBox(o.testEntry, o.testBtn), nil, nil, nil, o.testView.root)
}

// runTest decides the pasted text without recording, counting or sounding.
func (o *operatorScreen) runTest() {
	fn := o.t.deps.TestCode
	if fn == nil {
		return
	}
	text := trimmed(o.testEntry.Text)
	o.t.async(func() {
		v := fn(text)
		fyne.Do(func() {
			o.t.log.Info("operator tested a code (not recorded)", "outcome", v.Outcome.String(), "reason", string(v.Reason))
			o.testView.show(&v)
		})
	})
}

// --- sync and export ---

func (o *operatorScreen) buildSync() fyne.CanvasObject {
	o.syncMsg, o.exportMsg = widget.NewLabel(""), widget.NewLabel("")
	o.syncMsg.Wrapping, o.exportMsg.Wrapping = fyne.TextWrapWord, fyne.TextWrapWord
	o.syncBtn = widget.NewButtonWithIcon(tr("sync.now"), theme.ViewRefreshIcon(), o.syncNow)
	o.exportBtn = widget.NewButtonWithIcon(tr("export.csv"), theme.DocumentSaveIcon(), o.chooseExport)
	if o.t.deps.SyncNow == nil {
		o.syncBtn.Disable()
		o.syncMsg.SetText(tr("sync.unavailable"))
	}
	if o.t.deps.ExportCSV == nil {
		o.exportBtn.Disable()
	}
	return container.NewVBox(o.syncBtn, o.syncMsg, widget.NewSeparator(), o.exportBtn, o.exportMsg, o.buildDeviceTests())
}

func (o *operatorScreen) syncNow() {
	fn := o.t.deps.SyncNow
	if fn == nil {
		return
	}
	o.syncBtn.Disable()
	o.syncMsg.SetText(tr("sync.running"))
	o.t.async(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		err := fn(ctx)
		fyne.Do(func() {
			o.syncBtn.Enable()
			if err != nil {
				o.syncMsg.Importance = widget.DangerImportance
				o.syncMsg.SetText(tr1("sync.failed", "Error", err.Error()))
				return
			}
			o.syncMsg.Importance = widget.SuccessImportance
			o.syncMsg.SetText(tr("sync.ok"))
		})
	})
}

func (o *operatorScreen) chooseExport() {
	f, path, err := createExport(o.t.cfg.ExportDir, o.t.clock.Now())
	if err != nil {
		o.t.log.Warn("records not exported", "err", err)
		o.exportMsg.Importance = widget.DangerImportance
		o.exportMsg.SetText(tr1("export.failed", "Error", err.Error()))
		return
	}
	o.exportTo(f, path)
}

// exportTo writes the records as CSV to w (closing it) and reports where.
func (o *operatorScreen) exportTo(w io.WriteCloser, where string) {
	fn := o.t.deps.ExportCSV
	if fn == nil {
		_ = w.Close()
		return
	}
	o.exportBtn.Disable()
	o.t.async(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		err := fn(ctx, w)
		if cerr := w.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("closing %s: %w", where, cerr)
		}
		fyne.Do(func() {
			o.exportBtn.Enable()
			if err != nil {
				o.exportMsg.Importance = widget.DangerImportance
				o.exportMsg.SetText(tr1("export.failed", "Error", err.Error()))
				return
			}
			o.t.log.Info("records exported", "path", where)
			o.exportMsg.Importance = widget.SuccessImportance
			o.exportMsg.SetText(tr1("export.done", "Path", where))
		})
	})
}
