package terminal

import (
	"fmt"
	"image"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
	"github.com/checkpoint-terminal/checkpoint/gate"
	"github.com/checkpoint-terminal/checkpoint/scanner/camera"
	"github.com/checkpoint-terminal/checkpoint/scanner/handscan"
	"github.com/checkpoint-terminal/checkpoint/thermometer"
)

// Health reports the terminal's state now: camera and sensor, the hub link,
// records waiting, the last store failure, the lists' issue times and what
// the clock check needs. Safe from any goroutine; it reads the store, so the
// UI calls it about once a second, not per frame.
func (t *Terminal) Health() checkpoint.Health {
	pol := t.Policy()
	h := checkpoint.Health{MaxListAge: pol.MaxListAge, NoHub: t.Client == nil, Policy: pol}
	if _, v := t.Store.Policy(); v > 0 {
		h.PolicyVersion = v
	}
	if msg := t.storeErr.Load(); msg != nil {
		h.StoreError = *msg
	}
	if inc := t.StoreIncident; inc != nil {
		switch {
		case !inc.UnsentKnown && inc.Unsent == 0:
			h.StoreReplaced = "unsent records could not be counted"
		case !inc.UnsentKnown:
			h.StoreReplaced = fmt.Sprintf("at least %d unsent records lost", inc.Unsent)
		default:
			h.StoreReplaced = fmt.Sprintf("%d unsent records lost", inc.Unsent)
		}
	}
	if st := t.selfTest.Load(); st != nil {
		h.SelfTestFailed, h.SelfTestWarned = st[0], st[1]
	}
	if t.Client != nil {
		cs := t.Client.Status()
		h.Online, h.LastSync, h.Pending, h.Rejected = cs.Online, cs.LastSync, cs.Pending, cs.Rejected
		h.HubRefused = cs.Refused
	} else {
		h.Pending = t.Store.Pending()
		h.Rejected, _ = t.Store.Rejected()
	}
	if ss, err := t.Store.SyncState(); err == nil {
		h.TrustListAt, h.RevocationAt = ss.TrustListIssuedAt, ss.RevocationIssuedAt
		h.TrustListExpires = ss.TrustListExpiresAt
		h.NewestSeen = latest(ss.TrustListIssuedAt, ss.RevocationIssuedAt, ss.PolicyIssuedAt)
	}
	if recs, err := t.Store.Recent(1); err == nil && len(recs) > 0 {
		h.NewestSeen = latest(h.NewestSeen, recs[0].Time)
	}
	h.Camera = cameraHealth(t.frames.Status(), t.Config.Camera.Source, t.demo)
	if t.Sensor == nil {
		h.Sensor = checkpoint.Device{State: checkpoint.DeviceOff}
	} else {
		h.Sensor = sensorHealth(t.Sensor.Status(), t.demo)
	}
	for _, hs := range t.Hand {
		h.Scanners = append(h.Scanners, scannerHealth(hs.Status()))
	}
	if t.Gate != nil {
		g := gateHealth(t.Gate.Status())
		h.Gate = &g
	}
	return h
}

// CameraStatus is the capture's own state and counters (the operator's
// Test camera counts frames with it); Health has the guard's summary.
func (t *Terminal) CameraStatus() camera.Status { return t.frames.Status() }

// scannerHealth translates a hand scanner's status; Detail names the
// scanner.
func scannerHealth(st handscan.Status) checkpoint.Device {
	name, state, lastErr := st.Name, st.State, st.LastError
	switch state {
	case "connected":
		return checkpoint.Device{State: checkpoint.DeviceOK, Detail: name}
	case "", "connecting":
		return checkpoint.Device{State: checkpoint.DeviceUnknown, Detail: name}
	}
	detail := name + " " + state
	if lastErr != "" {
		detail += ": " + lastErr
	}
	return checkpoint.Device{State: checkpoint.DeviceFailed, Detail: detail}
}

// gateHealth translates the gate relay's status: failed while its last
// command failed (a later confirmed pulse clears it).
func gateHealth(gs gate.Status) checkpoint.Device {
	if gs.LastError != "" {
		return checkpoint.Device{State: checkpoint.DeviceFailed, Detail: gs.LastError}
	}
	return checkpoint.Device{State: checkpoint.DeviceOK, Detail: gs.Driver}
}

// cameraHealth translates the capture's state. In demo mode a working
// camera is the simulated one, and the wait for the first rendered video is
// "starting", not a failure.
func cameraHealth(cs camera.Status, source string, demo bool) checkpoint.Device {
	switch {
	case cs.State == camera.StateReconnecting && demo && cs.Frames == 0:
		return checkpoint.Device{State: checkpoint.DeviceUnknown, Detail: "preparing the demo video"}
	case cs.State == camera.StateOK && demo:
		return checkpoint.Device{State: checkpoint.DeviceSimulated, Detail: "demo video"}
	case cs.State == camera.StateOK:
		return checkpoint.Device{State: checkpoint.DeviceOK, Detail: source}
	}
	detail := cs.State.String()
	if cs.Err != nil {
		detail += ": " + cs.Err.Error()
	}
	return checkpoint.Device{State: checkpoint.DeviceFailed, Detail: detail}
}

// sensorHealth translates the thermometer's state. In demo mode the
// simulated sensor's port appears with the first video: until it first
// connects it is "starting".
func sensorHealth(ss thermometer.Status, demo bool) checkpoint.Device {
	switch {
	case ss.State == thermometer.StateConnected && demo:
		return checkpoint.Device{State: checkpoint.DeviceSimulated, Detail: ss.Port}
	case ss.State == thermometer.StateConnected:
		return checkpoint.Device{State: checkpoint.DeviceOK, Detail: ss.Port}
	case ss.State == thermometer.StateConnecting,
		demo && ss.State == thermometer.StateReconnecting && ss.Counters.Connects == 0:
		return checkpoint.Device{State: checkpoint.DeviceUnknown, Detail: ss.Port}
	}
	detail := string(ss.State)
	if ss.LastError != "" {
		detail += ": " + ss.LastError
	}
	return checkpoint.Device{State: checkpoint.DeviceFailed, Detail: detail}
}

func latest(ts ...time.Time) time.Time {
	var m time.Time
	for _, t := range ts {
		if t.After(m) {
			m = t
		}
	}
	return m
}

// Preview is the camera's latest colour picture, when it was captured, and
// the outline of the code detected in it (four corners in the picture's
// pixels) when a code was seen within a second of it; nil img before the
// first frame.
func (t *Terminal) Preview() (img image.Image, outline []image.Point, at time.Time) {
	img, at = t.frames.Preview()
	if img == nil {
		return nil, nil, at
	}
	d, ok := t.Scanner.LastDetection()
	if !ok || at.Sub(d.CapturedAt) > time.Second || d.FrameSize.X == 0 || d.FrameSize.Y == 0 {
		return img, nil, at
	}
	b := img.Bounds()
	outline = make([]image.Point, len(d.Corners))
	for i, c := range d.Corners {
		outline[i] = image.Pt(b.Min.X+c.X*b.Dx()/d.FrameSize.X, b.Min.Y+c.Y*b.Dy()/d.FrameSize.Y)
	}
	return img, outline, at
}

// Temperature is the sensor's latest reading; false without a sensor or
// before its first reading.
func (t *Terminal) Temperature() (checkpoint.Reading, bool) {
	if t.Sensor == nil {
		return checkpoint.Reading{}, false
	}
	return t.Sensor.Latest()
}

// Counters counts the final verdicts stored on the day starting at day
// (local midnight; see checkpoint.DayOf).
func (t *Terminal) Counters(day time.Time) (checkpoint.Counters, error) {
	return t.Store.Counters(day)
}

// SetSelfTest records the names of the start-up self-test's checks that
// failed and that warned for Health; safe from any goroutine.
func (t *Terminal) SetSelfTest(failed, warned []string) {
	t.selfTest.Store(&[2][]string{failed, warned})
}
