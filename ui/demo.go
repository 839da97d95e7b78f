package ui

import (
	"fmt"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
)

// DemoStates are the states ShowDemoState knows, in the order the
// screenshots show them.
func DemoStates() []string {
	return []string{"ready", "pass", "deny-yellow", "deny-red", "recheck-fever", "measure", "forged", "proxy", "offline-status", "settings"}
}

// ShowDemoState drives t into a named state with representative domain
// values, for screenshots and the README: every verdict is made by the real
// checkpoint.Decide from a representative presentation and reading at the
// terminal's clock. The verdict stays until the next one (no return to
// "ready"). Call it on the fyne main goroutine, e.g. before ShowAndRun.
func ShowDemoState(t *Terminal, state string) error {
	now := t.clock.Now()
	pol := t.settings.Policy
	if pol.Validate() != nil {
		pol = checkpoint.DefaultPolicy()
	}
	t.settings.VerdictHold = 0
	t.counters = Counters{Day: dayOf(now), Passed: 128, Denied: 7, Rechecks: 2}
	t.status = demoHealthy(now)
	code := func(color checkpoint.Color, name, region string) *checkpoint.Code {
		return &checkpoint.Code{
			Format: checkpoint.FormatHealthCode, Issuer: region + ":HC", Region: region,
			ID: "5f1c9a07d2e84b3a", Color: color, ColorSince: now.Add(-72 * time.Hour),
			IssuedAt: now.Add(-40 * time.Second), ExpiresAt: now.Add(4 * time.Minute),
			Kind: checkpoint.KindDynamic, HolderMasked: name,
		}
	}
	reading := func(c float64) *checkpoint.Reading {
		return &checkpoint.Reading{Celsius: c, At: now.Add(-time.Second), Status: checkpoint.SensorOK}
	}
	decide := func(c *checkpoint.Code, f checkpoint.Failure, r *checkpoint.Reading) {
		p := checkpoint.Presentation{Code: c, Failure: f, CapturedAt: now.Add(-200 * time.Millisecond)}
		if r != nil {
			t.reading = r
		}
		v := checkpoint.Decide(p, r, pol, now)
		t.verdict = &v
	}
	t.verdict = nil
	t.reading = reading(36.4)
	switch state {
	case "ready":
	case "pass":
		decide(code(checkpoint.ColorGreen, "张*", "110000"), checkpoint.FailNone, reading(36.5))
	case "deny-yellow":
		decide(code(checkpoint.ColorYellow, "李*", "310000"), checkpoint.FailNone, reading(36.7))
	case "deny-red":
		decide(code(checkpoint.ColorRed, "王*", "440300"), checkpoint.FailNone, reading(36.6))
	case "recheck-fever":
		decide(code(checkpoint.ColorGreen, "陈*", "110000"), checkpoint.FailNone, reading(37.8))
	case "measure":
		t.reading = &checkpoint.Reading{Celsius: 24.1, At: now.Add(-time.Second), Status: checkpoint.SensorNoPerson}
		decide(code(checkpoint.ColorGreen, "刘*", "330100"), checkpoint.FailNone, nil)
	case "forged":
		decide(nil, checkpoint.FailBadSignature, reading(36.5))
	case "proxy":
		c := code(checkpoint.ColorGreen, "赵*", "510100")
		c.Kind, c.IssuedAt, c.ExpiresAt = checkpoint.KindCard, now.Add(-30*24*time.Hour), now.Add(335*24*time.Hour)
		c.Proxy, c.Relation = true, "母亲"
		decide(c, checkpoint.FailNone, reading(36.3))
	case "offline-status":
		t.status = Status{
			Online: false, LastSync: now.Add(-77 * time.Hour), Pending: 412,
			TrustListAt: now.Add(-100 * time.Hour), RevocationAt: now.Add(-80 * time.Hour),
			MaxListAge: pol.MaxListAge,
			Camera:     Device{State: DeviceOK, Detail: "/dev/video0"},
			Sensor:     Device{State: DeviceFailed, Detail: "/dev/ttyUSB0: no such device"},
			NewestSeen: now.Add(26 * time.Hour),
		}
		t.reading = nil
	case "settings":
		t.panel.show(nil)
		t.renderAll()
		t.showOperator(TabSettings)
		return nil
	default:
		return fmt.Errorf("unknown demo state %q (known: %v)", state, DemoStates())
	}
	if t.inOp {
		t.closeOperator()
	}
	t.panel.show(t.verdict)
	t.renderAll()
	return nil
}

// demoHealthy is the status of a terminal in good order.
func demoHealthy(now time.Time) Status {
	return Status{
		Online: true, LastSync: now.Add(-2 * time.Minute), Pending: 3,
		TrustListAt: now.Add(-5 * time.Hour), RevocationAt: now.Add(-50 * time.Minute),
		Camera: Device{State: DeviceOK, Detail: "/dev/video0"},
		Sensor: Device{State: DeviceOK, Detail: "/dev/ttyUSB0"},
	}
}

func (t *Terminal) renderAll() {
	t.renderStatus()
	t.renderTemp()
	t.renderCounters()
}
