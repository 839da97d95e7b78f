package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/checkpoint-terminal/checkpoint/gate"
)

func init() {
	register(command{name: "relay", summary: "open a gate relay once for a pulse and close it (for installers)", run: runRelay})
}

// relayStep is one JSON line of hctool relay.
type relayStep struct {
	Step      string  `json:"step"` // "open" or "close"
	Confirmed bool    `json:"confirmed"`
	Ms        float64 `json:"ms"`
	Error     string  `json:"error,omitempty"`
}

func runRelay(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	def := gate.DefaultConfig()
	fs := newFlags("relay", "-driver modbus|serial|gpio [flags]", stderr)
	driver := fs.String("driver", "", "modbus, serial or gpio")
	port := fs.String("port", "", "modbus, serial: the serial device")
	baud := fs.Int("baud", def.Baud, "modbus, serial: line speed")
	parity := fs.String("parity", def.Parity, "modbus: parity N, E or O")
	stopBits := fs.Int("stopbits", def.StopBits, "modbus, serial: stop bits 1 or 2")
	slave := fs.Uint("slave", uint(def.Slave), "modbus: slave address 1..247")
	coil := fs.Uint("coil", uint(def.Coil), "modbus: zero-based coil address")
	function := fs.Uint("function", uint(def.Function), "modbus: 5 (write single coil) or 15 (write multiple coils)")
	timeout := fs.Duration("response-timeout", def.ResponseTimeout, "modbus: wait for the echo this long")
	retries := fs.Int("retries", def.Retries, "modbus: repeats after a timeout")
	channel := fs.Int("channel", def.Channel, "serial: relay channel 1..8 of the board")
	chip := fs.String("chip", def.Chip, "gpio: chip name or path")
	line := fs.Int("line", def.Line, "gpio: line offset")
	activeLow := fs.Bool("active-low", false, "gpio: drive low to energise")
	pulse := fs.Duration("pulse", def.Pulse, "how long the relay stays energised")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if *driver == "" || *driver == gate.DriverNone {
		return errors.New("-driver modbus, serial or gpio is required")
	}
	if *slave > 255 || *coil > 65535 || *function > 255 {
		return errors.New("-slave, -coil or -function out of range")
	}
	cfg := def
	cfg.Driver, cfg.Port, cfg.Baud, cfg.Parity, cfg.StopBits, cfg.Pulse = *driver, *port, *baud, *parity, *stopBits, *pulse
	cfg.Slave, cfg.Coil, cfg.Function, cfg.ResponseTimeout, cfg.Retries = byte(*slave), uint16(*coil), byte(*function), *timeout, *retries
	cfg.Channel, cfg.Chip, cfg.Line, cfg.ActiveLow = *channel, *chip, *line, *activeLow
	r, err := gate.OpenRelay(cfg)
	if err != nil {
		return err
	}
	defer r.Close()
	// Killed mid-pulse (SIGKILL, a crash), the sentinel releases the relay.
	if s, err := gate.StartSentinel(cfg); err == nil {
		defer s.Stop()
	} else if !errors.Is(err, gate.ErrNoSentinelHook) {
		fmt.Fprintln(stderr, "hctool relay: no sentinel; killed mid-pulse, the relay would stay energised:", err)
	}
	enc := json.NewEncoder(stdout)
	set := func(step string, on bool) error {
		start := time.Now()
		err := r.Set(context.WithoutCancel(ctx), on)
		s := relayStep{Step: step, Confirmed: err == nil && r.Confirms(), Ms: float64(time.Since(start).Microseconds()) / 1000}
		if err != nil {
			s.Error = err.Error()
		}
		enc.Encode(s)
		return err
	}
	if err := set("open", true); err != nil {
		set("close", false)
		return err
	}
	select {
	case <-ctx.Done():
	case <-time.After(cfg.Pulse):
	}
	if err := set("close", false); err != nil {
		return err
	}
	if !r.Confirms() {
		fmt.Fprintln(stderr, "hctool relay: commands written; this board sends no answer, so watch or listen to the relay")
	}
	return nil
}
