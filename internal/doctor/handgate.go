package doctor

import (
	"context"
	"fmt"
	"time"

	"github.com/checkpoint-terminal/checkpoint/gate"
	"github.com/checkpoint-terminal/checkpoint/internal/config"
	"github.com/checkpoint-terminal/checkpoint/scanner/hid"
	"github.com/checkpoint-terminal/checkpoint/scanner/serialscan"
)

// checkScanners opens each configured hand scanner as the terminal would
// (a serial port with its line settings; an evdev device, grabbed) and
// closes it again. Whether it reads a code is for `hctool scanner` to show:
// nobody is holding a code up to it here.
func checkScanners(cfg config.Config) []Check {
	var cs []Check
	for _, s := range cfg.Scanner.Serial {
		name := "scanner serial:" + s.Port
		if err := serialscan.Probe(s); err != nil {
			cs = append(cs, Check{Name: name, Result: Fail, Detail: err.Error(),
				Next: fmt.Sprintf("check the cable and ls -l %s (prefer a /dev/serial/by-id link); the service user needs the dialout group", s.Port)})
			continue
		}
		cs = append(cs, Check{Name: name, Result: OK, Detail: fmt.Sprintf("opens at %d Bd; scan a code with `hctool scanner -port %s` to see it read", s.Baud, s.Port)})
	}
	for _, h := range cfg.Scanner.HID {
		name := "scanner hid:" + h.Device
		devName, err := hid.Probe(h)
		if err != nil {
			cs = append(cs, Check{Name: name, Result: Fail, Detail: err.Error(),
				Next: fmt.Sprintf("check ls -l %s (prefer a /dev/input/by-id link); the service user needs the input group; a device another program grabs cannot be shared", h.Device)})
			continue
		}
		cs = append(cs, Check{Name: name, Result: OK, Detail: fmt.Sprintf("%q opens and can be grabbed; scan a code with `hctool scanner -evdev %s` to see it read", devName, h.Device)})
	}
	return cs
}

// gateWait bounds the relay check (a Modbus device that never answers).
const gateWait = 3 * time.Second

// checkGate opens the gate relay and sets it to closed, the state it rests
// in (never open: the doctor moves no gate), confirmed by the device where
// the driver reads back (Modbus echo). A running terminal owns the relay:
// then nothing is written and its status bar says how the gate is.
func checkGate(ctx context.Context, cfg config.Config, terminalRunning bool) Check {
	g := cfg.Gate
	if g.Driver == "" || g.Driver == gate.DriverNone {
		return Check{Name: "gate", Result: Skip, Detail: "no gate relay configured"}
	}
	next := "check the wiring, gate.driver, the port or GPIO line and the Modbus unit/coil; the service user needs the dialout (serial) or gpio group"
	if terminalRunning {
		return Check{Name: "gate", Result: Skip, Detail: g.Driver + ": the running terminal owns the relay (see its status bar); stop it to check the relay"}
	}
	r, err := gate.OpenRelay(g)
	if err != nil {
		return Check{Name: "gate", Result: Fail, Detail: fmt.Sprintf("%s: %v", g.Driver, err), Next: next}
	}
	defer r.Close()
	ctx, cancel := context.WithTimeout(ctx, gateWait)
	defer cancel()
	if err := r.Set(ctx, false); err != nil {
		return Check{Name: "gate", Result: Fail, Detail: fmt.Sprintf("%s: setting the relay closed: %v", g.Driver, err), Next: next}
	}
	if !r.Confirms() {
		return Check{Name: "gate", Result: Warn, Detail: g.Driver + ": relay set closed; this board does not answer, so nothing confirms it is there",
			Next: "run `hctool relay` once and watch the relay's LED or the gate"}
	}
	return Check{Name: "gate", Result: OK, Detail: g.Driver + ": relay set closed and confirmed by the device"}
}
