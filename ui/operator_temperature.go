package ui

import (
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"github.com/checkpoint-terminal/checkpoint"
)

// manualTab takes a temperature the guard measured by hand (sensor down).
type manualTab struct {
	t *Screen

	manualEntry *widget.Entry
	manualBtn   *widget.Button
	manualMsg   *widget.Label
}

func (o *manualTab) buildManual() fyne.CanvasObject {
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
func (o *manualTab) submitManual() {
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
