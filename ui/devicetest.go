package ui

import (
	"context"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// deviceTestTimeout bounds one Test camera / Test sensor.
const deviceTestTimeout = 10 * time.Second

// buildDeviceTests is the installer's Test camera and Test sensor buttons
// with one message line each (empty without Deps.TestDevice).
func (o *syncTab) buildDeviceTests() fyne.CanvasObject {
	box := container.NewVBox()
	if o.t.deps.TestDevice == nil {
		return box
	}
	box.Add(widget.NewSeparator())
	for _, which := range []string{"camera", "sensor"} {
		msg := widget.NewLabel("")
		msg.Wrapping = fyne.TextWrapWord
		var btn *widget.Button
		btn = widget.NewButtonWithIcon(tr("devtest."+which), theme.MediaPlayIcon(), func() {
			o.t.touch()
			o.runDeviceTest(which, btn, msg)
		})
		box.Add(btn)
		box.Add(msg)
	}
	return box
}

func (o *syncTab) runDeviceTest(which string, btn *widget.Button, msg *widget.Label) {
	fn := o.t.deps.TestDevice
	btn.Disable()
	msg.Importance = widget.MediumImportance
	msg.SetText(tr("devtest.running"))
	o.t.async(func() {
		ctx, cancel := context.WithTimeout(context.Background(), deviceTestTimeout)
		defer cancel()
		text, err := fn(ctx, which)
		fyne.Do(func() {
			btn.Enable()
			if err != nil {
				o.t.log.Warn("device test failed", "device", which, "err", err)
				msg.Importance = widget.DangerImportance
				msg.SetText(displayLine(err.Error()))
				return
			}
			o.t.log.Info("device test passed", "device", which, "result", text)
			msg.Importance = widget.SuccessImportance
			msg.SetText(displayLine(text))
		})
	})
}
