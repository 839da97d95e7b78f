package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"

	"github.com/checkpoint-terminal/checkpoint"
)

// steadyLayout gives its objects the whole space and reports a minimum size
// fixed when the screen was built, whatever they hold later. A window asks
// its content for a minimum size and grows to it; content sized by what a
// stranger's code says (a name of thousands of characters) must never push
// the headline, the status bar or the Operator button off the screen.
type steadyLayout struct{ min fyne.Size }

func (s *steadyLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objs {
		o.Move(fyne.NewPos(0, 0))
		o.Resize(size)
	}
}

func (s *steadyLayout) MinSize([]fyne.CanvasObject) fyne.Size { return s.min }

// steadyMin is the minimum size every screen reports to the window: the
// smallest kiosk display the terminal supports. The screens lay themselves
// out in whatever the window really has; a wrapped label measured before it
// knows its width, or a long text, never makes the window grow.
var steadyMin = fyne.NewSize(800, 480)

// steady wraps o so that the window sees steadyMin as its minimum size,
// whatever o holds.
func steady(o fyne.CanvasObject) *fyne.Container {
	return container.New(&steadyLayout{min: steadyMin}, o)
}

// displayLine is one detail line as the verdict panel shows it: cleaned
// again (checkpoint.CleanText, idempotent; healthcode already cleans the
// claims it decodes, this guards codes from any other source) and capped,
// so the label's truncation has little to measure.
func displayLine(s string) string { return checkpoint.CleanText(s, 2*checkpoint.MaxClaimRunes) }
