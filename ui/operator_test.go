package ui

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/checkpoint-terminal/checkpoint"
)

// typePIN taps the keypad.
func (h *harness) typePIN(pin string) {
	for _, r := range pin {
		test.Tap(h.term.pin.keys[string(r)])
	}
	test.Tap(h.term.pin.keys["ok"])
}

func (h *harness) content() any { return h.win.Content() }

func TestPINGate(t *testing.T) {
	h := newHarness(t, nil)
	test.Tap(h.term.operatorBtn)
	if h.content() != h.term.pin.root {
		t.Fatal("the operator button did not open the PIN pad")
	}
	h.shows("Operator PIN")

	h.typePIN("1111")
	if h.content() != h.term.pin.root {
		t.Fatal("a wrong PIN opened the operator screens")
	}
	h.shows("Wrong PIN")
	if h.term.pin.entry.Text != "" {
		t.Error("the wrong PIN stays in the entry")
	}

	h.typePIN("2468")
	if h.content() != h.term.op.root {
		t.Fatal("the right PIN did not open the operator screens")
	}
	h.shows("Settings", "Records", "Manual temperature", "Test code", "Sync and export", "Back to scanning")

	h.term.closeOperator()
	if h.content() != h.term.guard {
		t.Fatal("back did not return to the guard's screen")
	}
}

func TestPINLocksAfterRepeatedFailures(t *testing.T) {
	h := newHarness(t, nil)
	test.Tap(h.term.operatorBtn)
	for range maxBadPINs {
		h.typePIN("0000")
	}
	h.shows("Too many wrong PINs: wait 30 s")
	h.typePIN("2468")
	if h.content() == h.term.op.root {
		t.Fatal("the right PIN opened the operator screens during the lockout")
	}
	h.clock.advance(pinLockout + time.Second)
	h.typePIN("2468")
	if h.content() != h.term.op.root {
		t.Fatal("the right PIN did not open the operator screens after the lockout")
	}
}

func TestEmptyConfiguredPINRefusesEverything(t *testing.T) {
	h := newHarness(t, func(c *Config, _ *Deps) { c.PIN = "" })
	test.Tap(h.term.operatorBtn)
	h.typePIN("")
	if h.content() == h.term.op.root {
		t.Fatal("an empty PIN opened the operator screens")
	}
}

func TestSettingsRoundTrip(t *testing.T) {
	h := newHarness(t, nil)
	h.term.showOperator(TabSettings)
	o := h.term.op
	// The form shows the settings in force.
	for entry, want := range map[string]string{
		o.camera.Text: "0", o.port.Text: "/dev/ttyUSB0", o.baud.Text: "9600", o.fever.Text: "37.3",
		o.minP.Text: "34", o.maxP.Text: "43", o.pairing.Text: "10", o.hub.Text: "https://hub.example.invalid",
		o.site.Text: "site-1", o.terminal.Text: "gate-3", o.hold.Text: "4",
	} {
		if entry != want {
			t.Errorf("form shows %q, want %q", entry, want)
		}
	}
	if o.protocol.Selected != "ascii" || o.language.Selected != "English" || !o.sensorOn.Checked || !o.requireTemp.Checked || o.mute.Checked {
		t.Fatalf("form selections wrong: protocol %q language %q sensor %v require %v mute %v",
			o.protocol.Selected, o.language.Selected, o.sensorOn.Checked, o.requireTemp.Checked, o.mute.Checked)
	}

	// Saving unchanged settings hands back exactly what came in.
	test.Tap(o.save)
	if len(h.saved) != 1 || h.saved[0] != testSettings() {
		t.Fatalf("unchanged round trip saved %+v, want %+v", h.saved, testSettings())
	}

	// Edit every field through the widgets.
	o.camera.SetText("")
	test.Type(o.camera, "/dev/video2")
	o.sensorOn.SetChecked(true)
	o.port.SetText("/dev/ttyS1")
	o.protocol.SetSelected("modbus")
	o.baud.SetText("19200")
	o.fever.SetText("37,5") // a decimal comma is accepted
	o.minP.SetText("33.5")
	o.maxP.SetText("42")
	o.requireTemp.SetChecked(false)
	o.pairing.SetText("8")
	o.hub.SetText(" https://hub.site.example ")
	o.site.SetText("north-gate")
	o.terminal.SetText("lane-7")
	o.mute.SetChecked(true)
	o.hold.SetText("2.5")
	test.Tap(o.save)
	h.answerDialog("Yes") // the hub address changed: confirm

	want := testSettings()
	want.CameraSource, want.SensorPort, want.SensorProtocol, want.SensorBaud = "/dev/video2", "/dev/ttyS1", "modbus", 19200
	want.Policy.FeverThreshold, want.Policy.MinPlausible, want.Policy.MaxPlausible = 37.5, 33.5, 42
	want.Policy.RequireTemperature, want.Policy.PairingWindow = false, 8*time.Second
	want.HubURL, want.SiteID, want.TerminalID, want.Mute, want.VerdictHold = "https://hub.site.example", "north-gate", "lane-7", true, 2500*time.Millisecond
	if len(h.saved) != 2 || h.saved[1] != want {
		t.Fatalf("saved %+v\nwant  %+v", h.saved[len(h.saved)-1], want)
	}
	if h.term.Settings() != want {
		t.Fatalf("settings in force %+v, want %+v", h.term.Settings(), want)
	}
	h.shows("Settings saved")

	// Reopening shows the saved values.
	h.term.closeOperator()
	h.term.showOperator(TabSettings)
	if o.fever.Text != "37.5" || o.protocol.Selected != "modbus" || !o.mute.Checked || o.hold.Text != "2.5" {
		t.Fatalf("reopened form: fever %q protocol %q mute %v hold %q", o.fever.Text, o.protocol.Selected, o.mute.Checked, o.hold.Text)
	}
}

func TestSettingsRefusesInvalidInput(t *testing.T) {
	rows := []struct {
		name, want string
		edit       func(o *operatorScreen)
	}{
		{"fever threshold not a number", `Fever threshold (°C): "warm" is not a number`, func(o *operatorScreen) { o.fever.SetText("warm") }},
		{"fever threshold below the plausible range", "fever threshold 30.0 °C lies outside the plausible range", func(o *operatorScreen) { o.fever.SetText("30") }},
		{"terminal id emptied", "terminal id is empty", func(o *operatorScreen) { o.terminal.SetText("  ") }},
		{"baud rate with a fraction", "is not a whole number", func(o *operatorScreen) { o.baud.SetText("9600.5") }},
	}
	h := newHarness(t, nil) // reopening the settings refills the form
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			h.t = t
			h.term.showOperator(TabSettings)
			r.edit(h.term.op)
			test.Tap(h.term.op.save)
			if len(h.saved) != 0 {
				t.Fatalf("invalid settings were saved: %+v", h.saved)
			}
			if h.term.Settings() != testSettings() {
				t.Fatal("invalid settings were applied")
			}
			if msg := h.term.op.settingsMsg.Text; !strings.Contains(msg, r.want) || !strings.HasPrefix(msg, "Not saved: ") {
				t.Fatalf("message %q, want it to say %q", msg, r.want)
			}
		})
	}
}

func TestSettingsSaveErrorIsShownAndNothingChanges(t *testing.T) {
	h := newHarness(t, func(_ *Config, d *Deps) {
		d.SaveSettings = func(Settings) error { return errors.New("writing /etc/checkpoint.toml: read-only file system") }
	})
	h.term.showOperator(TabSettings)
	h.term.op.mute.SetChecked(true)
	test.Tap(h.term.op.save)
	if h.term.Settings().Mute {
		t.Fatal("settings applied although saving failed")
	}
	h.shows("Not saved: writing /etc/checkpoint.toml: read-only file system")
}

func TestLanguageSwitchToChineseAndBack(t *testing.T) {
	h := newHarness(t, nil)
	h.term.showOperator(TabSettings)
	h.term.op.language.SetSelected("中文（简体）")
	test.Tap(h.term.op.save)
	if got := h.saved[0].Language; got != LangChinese {
		t.Fatalf("saved language %q, want zh-CN", got)
	}
	// The operator screen is rebuilt in Chinese.
	h.shows("设置已保存", "设置", "记录", "人工测温", "测试健康码", "返回扫码")
	h.term.closeOperator()
	h.shows("请扫码", "请将健康码对准摄像头", "今日", "体温", "管理")
	h.hides("READY TO SCAN")

	h.term.ShowVerdict(h.decide(h.code(checkpoint.ColorYellow), 0, 36.5))
	h.shows("禁止通行", "黄码：居家隔离医学观察14天", "姓名：张*", "健康码：黄码", "签发地区：北京市 110000")
	h.term.ShowVerdict(h.decide(h.code(checkpoint.ColorGreen), 0, 37.8))
	h.shows("复测体温", "体温 37.8 °C 偏高：请复测")
	h.term.SetHealth(checkpoint.Health{Camera: checkpoint.Device{State: checkpoint.DeviceFailed, Detail: "busy"}})
	h.shows("离线", "无信任列表", "摄像头故障：busy")

	// And back to English.
	h.term.showOperator(TabSettings)
	h.term.op.language.SetSelected("English")
	test.Tap(h.term.op.save)
	h.term.closeOperator()
	h.shows("RECHECK", "Fever 37.8 °C: recheck", "Offline")
	h.hides("复测体温")
}

func TestManualTemperatureEntry(t *testing.T) {
	h := newHarness(t, nil)
	h.term.showOperator(TabTemperature)
	o := h.term.op
	for _, bad := range []string{"warm", "45", "20", ""} {
		o.manualEntry.SetText(bad)
		test.Tap(o.manualBtn)
		if len(h.manual) != 0 {
			t.Fatalf("%q was accepted as a reading: %+v", bad, h.manual)
		}
		if o.manualMsg.Text != "Enter a temperature such as 36.6" {
			t.Fatalf("%q: message %q", bad, o.manualMsg.Text)
		}
	}
	test.Type(o.manualEntry, "37,9")
	test.Tap(o.manualBtn)
	want := checkpoint.Reading{Celsius: 37.9, At: h.clock.Now(), Status: checkpoint.SensorOK, Manual: true}
	if len(h.manual) != 1 || h.manual[0] != want {
		t.Fatalf("readings %+v, want %+v", h.manual, want)
	}
	h.shows("Manual reading 37.9 °C sent")
	h.term.closeOperator()
	h.shows("37.9 °C (entered by hand)")
}

func TestTestCodeShowsAVerdictWithoutRecordingIt(t *testing.T) {
	var asked []string
	h := newHarness(t, func(_ *Config, d *Deps) {
		d.TestCode = func(text string) checkpoint.Verdict {
			asked = append(asked, text)
			return checkpoint.Decide(checkpoint.Presentation{Failure: checkpoint.FailUnknownFormat}, nil, checkpoint.DefaultPolicy(), time.Now())
		}
	})
	h.term.showOperator(TabTest)
	o := h.term.op
	o.testEntry.SetText("  HELLO-NOT-A-CODE \n")
	test.Tap(o.testBtn)
	if len(asked) != 1 || asked[0] != "HELLO-NOT-A-CODE" {
		t.Fatalf("TestCode got %q", asked)
	}
	h.shows("TEST: not recorded", "Not recognised: not a health code", ">DENY<")
	if c := h.term.Counters(); c.Denied != 0 {
		t.Fatalf("a test verdict was counted: %+v", c)
	}
	if len(h.sound.played) != 0 {
		t.Fatalf("a test verdict made a sound: %v", h.sound.played)
	}
	if h.term.panel.shown != nil {
		t.Fatal("a test verdict reached the guard's panel")
	}
}

func TestRecordsListShowsNoNames(t *testing.T) {
	c := 36.6
	recs := &memRecords{recs: []checkpoint.Record{
		{ID: "r2", Time: time.Date(2026, 11, 23, 9, 29, 1, 0, time.Local), TerminalID: "gate-3", CodeID: "a1b2c3d4e5f60718",
			Format: checkpoint.FormatHealthCode, Issuer: "110000:BJHC", Color: checkpoint.ColorGreen, Proxy: true,
			Celsius: &c, Outcome: checkpoint.OutcomePass, Reason: checkpoint.ReasonGreen},
		{ID: "r1", Time: time.Date(2026, 11, 23, 9, 28, 0, 0, time.Local), TerminalID: "gate-3",
			Outcome: checkpoint.OutcomeDeny, Reason: checkpoint.ReasonForFailure(checkpoint.FailBadSignature)},
	}}
	h := newHarness(t, func(_ *Config, d *Deps) { d.Records = recs })
	h.term.showOperator(TabRecords)
	o := h.term.op
	if len(o.records) != 2 || o.recordsMsg.Text != "2" {
		t.Fatalf("records %d, message %q", len(o.records), o.recordsMsg.Text)
	}
	row := recordRow(recs.recs[0], time.Local)
	want := "11-23 09:29:01 · PASS · Green code, normal temperature · 36.6 °C · HC 110000:BJHC · relative · a1b2c3d4…"
	if row != want {
		t.Fatalf("row\n%q\nwant\n%q", row, want)
	}
	h.shows("11-23 09:28:00 · DENY · Signature invalid: possible forgery")

	recs.err = errors.New("store closed")
	o.refreshRecords()
	h.shows("Could not read records: store closed")
}

func TestSyncNowAndExport(t *testing.T) {
	syncErr := errors.New("hub unreachable: connection refused")
	var exported bytes.Buffer
	h := newHarness(t, func(_ *Config, d *Deps) {
		d.SyncNow = func(context.Context) error { return syncErr }
		d.ExportCSV = func(_ context.Context, w io.Writer) error {
			_, err := w.Write([]byte("id,time\nr1,2026-11-23T09:28:00Z\n"))
			return err
		}
	})
	h.term.showOperator(TabSync)
	o := h.term.op
	test.Tap(o.syncBtn)
	h.shows("Sync failed: hub unreachable: connection refused")
	syncErr = nil
	test.Tap(o.syncBtn)
	if o.syncMsg.Text != "Synced" || o.syncBtn.Disabled() {
		t.Fatalf("after a good sync: %q, disabled %v", o.syncMsg.Text, o.syncBtn.Disabled())
	}
	w := &closeBuffer{Buffer: &exported}
	o.exportTo(w, "/media/usb/records.csv")
	if !w.closed || exported.String() != "id,time\nr1,2026-11-23T09:28:00Z\n" {
		t.Fatalf("export wrote %q, closed %v", exported.String(), w.closed)
	}
	h.shows("Exported to /media/usb/records.csv")
}

type closeBuffer struct {
	*bytes.Buffer
	closed bool
}

func (c *closeBuffer) Close() error { c.closed = true; return nil }

func TestMissingDepsAreShownAsUnavailable(t *testing.T) {
	h := newHarness(t, func(_ *Config, d *Deps) { d.ManualReading = nil })
	o := h.term.op
	if !o.syncBtn.Disabled() || !o.exportBtn.Disabled() || !o.testBtn.Disabled() || !o.manualBtn.Disabled() {
		t.Fatal("buttons without a callback are enabled")
	}
	h.term.showOperator(TabRecords)
	h.shows("Records are not available")
	h.term.showOperator(TabSync)
	h.shows("No hub configured")
}

// pendingTimers are the scheduled callbacks not cancelled.
func (h *harness) pendingTimers() []*scheduled {
	var out []*scheduled
	for _, s := range h.timers {
		if !s.stopped {
			out = append(out, s)
		}
	}
	return out
}

func TestOperatorScreensCloseWhenIdle(t *testing.T) {
	h := newHarness(t, nil)
	test.Tap(h.term.operatorBtn)
	h.typePIN("2468")
	if h.content() != h.term.op.root {
		t.Fatal("operator screens not open")
	}
	p := h.pendingTimers()
	if len(p) != 1 || p[0].d != operatorIdle {
		t.Fatalf("idle watch %+v, want one of %s", p, operatorIdle)
	}
	h.clock.advance(90 * time.Second)
	test.Type(h.term.op.site, "x") // the operator is still at work
	h.clock.advance(30 * time.Second)
	p[0].f()
	if h.content() != h.term.op.root {
		t.Fatal("closed although the operator typed 30 s ago")
	}
	p = h.pendingTimers()
	if len(p) != 1 || p[0].d != 90*time.Second {
		t.Fatalf("re-armed watch %+v, want one of 90s", p)
	}
	h.clock.advance(90 * time.Second)
	p[0].f()
	if h.content() != h.term.guard {
		t.Fatal("idle operator screens did not return to the guard's screen")
	}
	if len(h.pendingTimers()) != 0 {
		t.Fatal("idle watch still armed on the guard's screen")
	}
}

func TestVerdictsAreAnnouncedOnTheOperatorScreen(t *testing.T) {
	h := newHarness(t, nil)
	h.term.showOperator(TabRecords)
	h.term.ShowVerdict(h.decide(h.code(checkpoint.ColorRed), 0, 36.5))
	h.shows("DENY · Red code: go to a designated hospital")
	h.term.closeOperator()
	h.shows(">DENY<")
}
