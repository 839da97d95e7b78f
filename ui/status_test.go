package ui

import (
	"testing"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
)

func TestStatusBarStates(t *testing.T) {
	type want struct {
		chip  string
		text  string
		level level
	}
	rows := []struct {
		name   string
		status func(now time.Time) checkpoint.Health
		want   []want
		hidden []string
	}{
		{
			name:   "healthy terminal: nothing warns",
			status: demoHealthy,
			want: []want{
				{"network", "Online", levelOK},
				{"sync", "Synced 11-23 09:28", levelInfo},
				{"pending", "3 to upload", levelInfo},
				{"trust", "Trust list 5 h old", levelOK},
				{"revocation", "Revocations 50 min old", levelOK},
				{"camera", "Camera", levelOK},
				{"sensor", "Sensor", levelOK},
				{"clock", "09:30:00", levelOK},
			},
			hidden: []string{"store", "rejected"},
		},
		{
			name: "records refused by the hub",
			status: func(now time.Time) checkpoint.Health {
				s := demoHealthy(now)
				s.Rejected = 2
				return s
			},
			want: []want{{"rejected", "2 refused by the hub", levelWarn}},
		},
		{
			name: "offline and never synced",
			status: func(now time.Time) checkpoint.Health {
				s := demoHealthy(now)
				s.Online, s.LastSync, s.Pending = false, time.Time{}, 0
				return s
			},
			want:   []want{{"network", "Offline", levelWarn}, {"sync", "Never synced", levelInfo}},
			hidden: []string{"pending"},
		},
		{
			name: "offline-only terminal without a hub",
			status: func(now time.Time) checkpoint.Health {
				s := demoHealthy(now)
				s.NoHub, s.Online, s.LastSync = true, false, time.Time{}
				return s
			},
			want: []want{{"network", "No hub (offline mode)", levelInfo}},
		},
		{
			name: "lists older than the policy allows",
			status: func(now time.Time) checkpoint.Health {
				s := demoHealthy(now)
				s.TrustListAt, s.RevocationAt, s.MaxListAge = now.Add(-100*time.Hour), now.Add(-73*time.Hour), 72*time.Hour
				return s
			},
			want: []want{
				{"trust", "Trust list out of date: 4 days old", levelWarn},
				{"revocation", "Revocations out of date: 3 days old", levelWarn},
			},
		},
		{
			name: "no trust list at all",
			status: func(now time.Time) checkpoint.Health {
				s := demoHealthy(now)
				s.TrustListAt, s.RevocationAt = time.Time{}, time.Time{}
				return s
			},
			want: []want{{"trust", "No trust list", levelError}, {"revocation", "No revocation list", levelWarn}},
		},
		{
			name: "clock earlier than the newest list seen",
			status: func(now time.Time) checkpoint.Health {
				s := demoHealthy(now)
				s.NewestSeen = now.Add(26 * time.Hour)
				return s
			},
			want: []want{{"clock", "Clock looks wrong: 2026-11-23 09:30", levelWarn}},
		},
		{
			name: "clock reported suspect",
			status: func(now time.Time) checkpoint.Health {
				s := demoHealthy(now)
				s.ClockSuspect = true
				return s
			},
			want: []want{{"clock", "Clock looks wrong: 2026-11-23 09:30", levelWarn}},
		},
		{
			name: "camera and sensor failed",
			status: func(now time.Time) checkpoint.Health {
				s := demoHealthy(now)
				s.Camera = checkpoint.Device{State: checkpoint.DeviceFailed, Detail: "/dev/video0: device busy"}
				s.Sensor = checkpoint.Device{State: checkpoint.DeviceFailed, Detail: "/dev/ttyUSB0: no such device"}
				return s
			},
			want: []want{
				{"camera", "Camera failed: /dev/video0: device busy", levelError},
				{"sensor", "Sensor failed: /dev/ttyUSB0: no such device", levelError},
			},
		},
		{
			name: "demo devices and no sensor configured",
			status: func(now time.Time) checkpoint.Health {
				s := demoHealthy(now)
				s.Camera = checkpoint.Device{State: checkpoint.DeviceSimulated}
				s.Sensor = checkpoint.Device{State: checkpoint.DeviceOff}
				return s
			},
			want: []want{{"camera", "Camera (demo)", levelInfo}, {"sensor", "No sensor", levelWarn}},
		},
		{
			name: "two hand scanners, one unplugged, and a gate",
			status: func(now time.Time) checkpoint.Health {
				s := demoHealthy(now)
				s.Scanners = []checkpoint.Device{
					{State: checkpoint.DeviceOK, Detail: "serial:/dev/ttyACM0"},
					{State: checkpoint.DeviceFailed, Detail: "hid:/dev/input/event5 reconnecting: no such device"},
				}
				s.Gate = &checkpoint.Device{State: checkpoint.DeviceOK, Detail: "modbus"}
				return s
			},
			want: []want{
				{"scanner0", "Scanner serial:/dev/ttyACM0", levelOK},
				{"scanner1", "Scanner failed: hid:/dev/input/event5 reconnecting: no such device", levelError},
				{"gate", "Gate", levelOK},
			},
		},
		{
			name: "one scanner left, gate failing",
			status: func(now time.Time) checkpoint.Health {
				s := demoHealthy(now)
				s.Scanners = []checkpoint.Device{{State: checkpoint.DeviceUnknown, Detail: "serial:/dev/ttyACM0"}}
				s.Gate = &checkpoint.Device{State: checkpoint.DeviceFailed, Detail: "modbus: timeout"}
				return s
			},
			want: []want{
				{"scanner0", "Scanner serial:/dev/ttyACM0 starting", levelInfo},
				{"gate", "Gate failed: modbus: timeout", levelError},
			},
			hidden: []string{"scanner1"},
		},
		{
			name:   "no hand scanner, no gate",
			status: demoHealthy,
			hidden: []string{"scanner0", "scanner1", "gate", "selftest"},
		},
		{
			name: "records cannot be stored",
			status: func(now time.Time) checkpoint.Health {
				s := demoHealthy(now)
				s.StoreError = "disk full"
				return s
			},
			want: []want{{"store", "Records NOT stored: disk full", levelError}},
		},
		{
			name: "damaged store replaced at start",
			status: func(now time.Time) checkpoint.Health {
				s := demoHealthy(now)
				s.StoreReplaced = "3 unsent records lost"
				return s
			},
			want: []want{{"store", "Store damaged, replaced: 3 unsent records lost", levelError}},
		},
		{
			name: "self-test at start failed",
			status: func(now time.Time) checkpoint.Health {
				s := demoHealthy(now)
				s.SelfTestFailed = []string{"disk", "hub"}
				s.SelfTestWarned = []string{"clock"}
				return s
			},
			want: []want{{"selftest", "Self-test failed: disk, hub", levelError}},
		},
		{
			name: "self-test at start warned",
			status: func(now time.Time) checkpoint.Health {
				s := demoHealthy(now)
				s.SelfTestWarned = []string{"clock"}
				return s
			},
			want: []want{{"selftest", "Self-test: check clock", levelWarn}},
		},
	}
	h := newHarness(t, nil) // one terminal: each status replaces the last
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			h.t = t
			h.term.SetHealth(r.status(h.clock.Now()))
			chips := h.term.bar.chips()
			for _, w := range r.want {
				c := chips[w.chip]
				if !c.root.Visible() {
					t.Errorf("%s: hidden, want %q", w.chip, w.text)
					continue
				}
				if c.label.Text != w.text || c.level != w.level {
					t.Errorf("%s: %q (%s), want %q (%s)", w.chip, c.label.Text, c.level, w.text, w.level)
				}
				switch w.level {
				case levelWarn:
					h.shows(w.text, `rsc="warningIcon"`, rgba(chipWarn))
				case levelError:
					h.shows(w.text, `rsc="errorIcon"`, rgba(chipError))
				default:
					h.shows(w.text)
				}
			}
			for _, name := range r.hidden {
				if chips[name].root.Visible() {
					t.Errorf("%s shown (%q), want hidden", name, chips[name].label.Text)
				}
			}
		})
	}
}

func TestListAgeWarningAppearsAsTimePasses(t *testing.T) {
	h := newHarness(t, nil)
	s := demoHealthy(h.clock.Now())
	s.TrustListAt = h.clock.Now().Add(-71 * time.Hour)
	h.term.SetHealth(s)
	if c := h.term.bar.trust; c.level != levelOK {
		t.Fatalf("71h old list: %s %q, want ok", c.level, c.label.Text)
	}
	h.clock.advance(2 * time.Hour)
	h.term.tick()
	if c := h.term.bar.trust; c.level != levelWarn || c.label.Text != "Trust list out of date: 3 days old" {
		t.Fatalf("73h old list: %s %q, want a warning", c.level, c.label.Text)
	}
}
