package ui

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/checkpoint-terminal/checkpoint"
)

// answerDialog taps the button labelled label on the dialog on top.
func (h *harness) answerDialog(label string) {
	h.t.Helper()
	top := h.win.Canvas().Overlays().Top()
	if top == nil {
		h.t.Fatal("no dialog shown")
	}
	var found *widget.Button
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		switch x := o.(type) {
		case *widget.Button:
			if x.Text == label {
				found = x
			}
		case *fyne.Container:
			for _, c := range x.Objects {
				walk(c)
			}
		case fyne.Widget:
			for _, c := range test.WidgetRenderer(x).Objects() {
				walk(c)
			}
		}
	}
	walk(top)
	if found == nil {
		h.t.Fatalf("dialog has no %q button", label)
	}
	test.Tap(found)
}

func TestSettingsChangesNameEachField(t *testing.T) {
	a := testSettings()
	b := a
	b.HubURL, b.Policy.FeverThreshold, b.VerdictHold = "https://other.example", 37.6, 3*time.Second
	var got []string
	for _, c := range SettingsChanges(a, b) {
		got = append(got, c.Name+": "+c.From+" -> "+c.To)
	}
	want := "Policy.FeverThreshold: 37.3 -> 37.6\nHubURL: https://hub.example.invalid -> https://other.example\nVerdictHold: 4s -> 3s"
	if strings.Join(got, "\n") != want {
		t.Errorf("changes:\n%s\nwant:\n%s", strings.Join(got, "\n"), want)
	}
	if len(SettingsChanges(a, a)) != 0 {
		t.Error("unchanged settings report changes")
	}
}

func TestHubAddressChangeAsksAndCancelSavesNothing(t *testing.T) {
	h := newHarness(t, nil)
	h.term.showOperator(TabSettings)
	o := h.term.op
	o.hub.SetText("https://evil.example")
	o.fever.SetText("37.6")
	test.Tap(o.save)
	if len(h.saved) != 0 {
		t.Fatal("saved before the operator confirmed the hub change")
	}
	h.shows("Change the hub address?", "https://evil.example")
	h.answerDialog("No")
	if len(h.saved) != 0 || h.term.Settings().HubURL != testSettings().HubURL {
		t.Fatal("a cancelled hub change was saved")
	}
	test.Tap(o.save)
	h.answerDialog("Yes")
	if len(h.saved) != 1 || h.saved[0].HubURL != "https://evil.example" {
		t.Fatalf("confirmed hub change not saved: %+v", h.saved)
	}
	logs := h.logBuf.String()
	for _, want := range []string{"hub address change cancelled", `setting=HubURL from=https://hub.example.invalid to=https://evil.example`, "setting=Policy.FeverThreshold from=37.3 to=37.6"} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %q:\n%s", want, logs)
		}
	}
}

func TestCodeTestsAreLoggedWithoutTheCode(t *testing.T) {
	h := newHarness(t, func(_ *Config, d *Deps) {
		d.TestCode = func(string) checkpoint.Verdict {
			return checkpoint.Decide(checkpoint.Presentation{Failure: checkpoint.FailBadSignature}, nil, checkpoint.DefaultPolicy(), time.Now())
		}
	})
	h.term.showOperator(TabTest)
	h.term.op.testEntry.SetText("HCN1:SECRET-TEXT")
	test.Tap(h.term.op.testBtn)
	logs := h.logBuf.String()
	if !strings.Contains(logs, "operator tested a code") || !strings.Contains(logs, "outcome=deny") {
		t.Errorf("code test not logged:\n%s", logs)
	}
	if strings.Contains(logs, "SECRET-TEXT") {
		t.Error("the tested code's text reached the log")
	}
}
