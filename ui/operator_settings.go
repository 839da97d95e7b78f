package ui

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// settingsTab is the settings form: what the operator may change, saved
// through Deps.SaveSettings.
type settingsTab struct {
	t *Screen

	camera, port, baud, fever, minP, maxP, pairing, hub, site, terminal, hold *widget.Entry
	sensorOn, requireTemp, mute                                               *widget.Check
	protocol, language                                                        *widget.Select
	save                                                                      *widget.Button
	settingsMsg                                                               *widget.Label
	policySrc                                                                 *widget.Label // which policy rules, and where it came from
}

func (o *settingsTab) buildSettings() fyne.CanvasObject {
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
func (o *settingsTab) fillSettings(s Settings) {
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
func (o *settingsTab) readSettings(base Settings) (Settings, error) {
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
func (o *settingsTab) saveSettings() {
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
func (o *settingsTab) commitSettings(s Settings) {
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
