package ui

import (
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/checkpoint-terminal/checkpoint"
)

func signedStatus(fever float64, version uint64) checkpoint.Health {
	p := checkpoint.DefaultPolicy()
	p.FeverThreshold = fever
	return checkpoint.Health{Online: true, Policy: p, PolicyVersion: version}
}

func TestTemperatureIsColouredByThePolicyInForce(t *testing.T) {
	h := newHarness(t, nil) // local threshold 37.3
	h.term.SetTemperature(checkpoint.Reading{Celsius: 37.1, At: h.clock.Now(), Status: checkpoint.SensorOK})
	if h.term.tempValue.Importance != widget.SuccessImportance {
		t.Fatalf("37.1 under the local 37.3 threshold: %v, want success", h.term.tempValue.Importance)
	}
	h.term.SetHealth(signedStatus(37.0, 4))
	h.term.renderTemp()
	if h.term.tempValue.Importance != widget.DangerImportance {
		t.Errorf("37.1 under a signed 37.0 threshold shows %v, want danger", h.term.tempValue.Importance)
	}
}

func TestSignedPolicyIsShownWithItsSourceAndReadOnly(t *testing.T) {
	h := newHarness(t, nil)
	h.term.showOperator(TabSettings)
	h.shows("Policy in force: local settings")
	if h.term.op.fever.Disabled() {
		t.Fatal("local policy fields are read-only")
	}
	h.term.SetHealth(signedStatus(37.0, 4))
	h.term.showOperator(TabSettings)
	h.shows("signed hub policy, version 4")
	o := h.term.op
	if !o.fever.Disabled() || !o.minP.Disabled() || !o.maxP.Disabled() || !o.pairing.Disabled() || !o.requireTemp.Disabled() {
		t.Error("signed policy fields are editable")
	}
	if o.fever.Text != "37" {
		t.Errorf("fever field shows %q, want the signed 37", o.fever.Text)
	}
	o.hold.SetText("3")
	test.Tap(o.save)
	if len(h.saved) != 1 {
		t.Fatalf("saved %d times", len(h.saved))
	}
	if h.saved[0].Policy != testSettings().Policy || h.saved[0].VerdictHold != 3*time.Second {
		t.Errorf("saving under a signed policy changed the local policy: %+v", h.saved[0])
	}
}
