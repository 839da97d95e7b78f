package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
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
	t    *Screen
	root fyne.CanvasObject
	tabs *container.AppTabs

	latest *widget.Label // the verdict the guard's screen shows now

	// One small type per tab; embedded so the screen reaches their widgets.
	*settingsTab
	*recordsTab
	*manualTab
	*testTab
	*syncTab
}

func newOperatorScreen(t *Screen) *operatorScreen {
	o := &operatorScreen{t: t, settingsTab: &settingsTab{t: t}, recordsTab: &recordsTab{t: t},
		manualTab: &manualTab{t: t}, testTab: &testTab{t: t}, syncTab: &syncTab{t: t}}
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
func (t *Screen) showOperator(tab int) {
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
