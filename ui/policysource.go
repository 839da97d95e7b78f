package ui

import (
	"fyne.io/fyne/v2/widget"

	"github.com/checkpoint-terminal/checkpoint"
)

// signedPolicy is the signed hub policy in force, if one is (from the
// last Status).
func (t *Screen) signedPolicy() (checkpoint.Policy, uint64, bool) {
	if t.status.PolicyVersion > 0 && t.status.Policy.Validate() == nil {
		return t.status.Policy, t.status.PolicyVersion, true
	}
	return checkpoint.Policy{}, 0, false
}

// policyInForce is what Decide applies now: the signed hub policy, else
// the settings' own. The temperature panel colours readings by it, so a
// reading never shows green beside a RECHECK made under a stricter signed
// threshold.
func (t *Screen) policyInForce() checkpoint.Policy {
	if p, _, ok := t.signedPolicy(); ok {
		return p
	}
	return t.settings.Policy
}

// showPolicySource says on the settings tab which policy rules and where it
// came from; while a signed hub policy rules, its fields show its values
// and are read-only (Save keeps the local policy as it was).
func (o *settingsTab) showPolicySource() {
	p, v, signed := o.t.signedPolicy()
	entries := []*widget.Entry{o.fever, o.minP, o.maxP, o.pairing}
	if !signed {
		o.policySrc.SetText(tr("settings.policy_local"))
		for _, e := range entries {
			e.Enable()
		}
		o.requireTemp.Enable()
		return
	}
	o.policySrc.SetText(tr1("settings.policy_signed", "Version", v))
	o.fever.SetText(ftoa(p.FeverThreshold))
	o.minP.SetText(ftoa(p.MinPlausible))
	o.maxP.SetText(ftoa(p.MaxPlausible))
	o.pairing.SetText(ftoa(p.PairingWindow.Seconds()))
	o.requireTemp.SetChecked(p.RequireTemperature)
	for _, e := range entries {
		e.Disable()
	}
	o.requireTemp.Disable()
}
