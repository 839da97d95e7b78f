package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"github.com/checkpoint-terminal/checkpoint"
)

// hostileName is what a stranger's validly signed code may carry: 3,000
// characters, a line that reads "PASS" and an RTL override.
var hostileName = "A*\nPASS\u202e" + strings.Repeat("W", 3000)

func TestHostileClaimsLeaveTheGuardScreenIntact(t *testing.T) {
	for _, name := range []string{hostileName, strings.Repeat("张", 20000), "\u202eSSAP*", "B*\r\nPASS"} {
		h := newHarness(t, nil)
		h.term.showVerdict(h.decide(h.code(checkpoint.ColorGreen), 0, 36.5)) // a normal verdict first
		c := h.win.Canvas()
		size, minSize := c.Size(), h.term.guard.MinSize()
		barPos, btnPos := absPos(h, h.term.bar.root), absPos(h, h.term.operatorBtn)

		code := h.code(checkpoint.ColorYellow)
		code.HolderMasked, code.Relation, code.Proxy = name, name, true
		code.Note = name
		h.term.showVerdict(h.decide(code, 0, 36.5))

		if got := c.Size(); got != size {
			t.Errorf("window resized from %v to %v", size, got)
		}
		if got := h.term.guard.MinSize(); got != minSize {
			t.Errorf("guard screen's minimum size changed from %v to %v", minSize, got)
		}
		if got := absPos(h, h.term.bar.root); got != barPos {
			t.Errorf("status bar moved from %v to %v", barPos, got)
		}
		if got := absPos(h, h.term.operatorBtn); got != btnPos || !h.term.operatorBtn.Visible() {
			t.Errorf("Operator button moved from %v to %v (visible %v)", btnPos, got, h.term.operatorBtn.Visible())
		}
		if p := absPos(h, h.term.operatorBtn); p.Y+h.term.operatorBtn.Size().Height > size.Height {
			t.Errorf("Operator button at %v is off the %v window", p, size)
		}
		h.shows("DENY")
		for _, o := range h.term.panel.details.Objects {
			l := o.(*widget.Label)
			if l.Wrapping != fyne.TextWrapOff || l.Truncation != fyne.TextTruncateEllipsis {
				t.Errorf("detail %q wraps (%v) or is not cut with an ellipsis (%v)", l.Text, l.Wrapping, l.Truncation)
			}
			if strings.ContainsAny(l.Text, "\n\r\u202e\u202d\u2066\u2067") {
				t.Errorf("detail %q holds a line break or bidi control", l.Text)
			}
			if l.MinSize().Width > size.Width {
				t.Errorf("detail label wants %v wide, more than the window", l.MinSize().Width)
			}
		}
		if got := len(h.term.panel.details.Objects); got > 6 {
			t.Errorf("%d detail lines: a claim added lines", got)
		}
	}
}

// absPos is where o sits in the window.
func absPos(h *harness, o fyne.CanvasObject) fyne.Position {
	return fyne.CurrentApp().Driver().AbsolutePositionForObject(o)
}
