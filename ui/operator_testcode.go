package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// testTab decides a pasted code text without recording, counting or sounding it.
type testTab struct {
	t *Screen

	testEntry *widget.Entry
	testBtn   *widget.Button
	testView  *verdictView
	testWhy   *widget.Label // which rule decided (Deps.ExplainCode)
}

func (o *testTab) buildTest() fyne.CanvasObject {
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
	o.testWhy = widget.NewLabel("")
	o.testWhy.Wrapping = fyne.TextWrapWord
	o.testWhy.TextStyle.Monospace = true
	return container.NewBorder(container.NewVBox(o.testEntry, o.testBtn), o.testWhy, nil, nil, o.testView.root)
}

// runTest decides the pasted text without recording, counting or sounding.
func (o *testTab) runTest() {
	fn := o.t.deps.TestCode
	if fn == nil {
		return
	}
	text := trimmed(o.testEntry.Text)
	o.t.async(func() {
		v := fn(text)
		why := ""
		if ex := o.t.deps.ExplainCode; ex != nil {
			why = ex(text, tr("rules.lang"))
		}
		fyne.Do(func() {
			o.t.log.Info("operator tested a code (not recorded)", "outcome", v.Outcome.String(), "reason", string(v.Reason))
			o.testView.show(&v)
			o.testWhy.SetText(why)
		})
	})
}
