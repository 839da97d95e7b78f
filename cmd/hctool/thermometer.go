package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
	"github.com/checkpoint-terminal/checkpoint/thermometer"
)

func init() {
	register(command{
		name:    "thermometer",
		summary: "open a serial thermometer and print one JSON line per reading or status change",
		run:     runThermometer,
	})
}

// thermoEvent is one output line: a reading (celsius set), a raw sample
// (raw set, with -raw) or a status change (status set).
type thermoEvent struct {
	Time    time.Time `json:"time"`
	Celsius *float64  `json:"celsius,omitempty"`
	Reading string    `json:"reading,omitempty"`
	Raw     *float64  `json:"raw,omitempty"`
	Status  string    `json:"status,omitempty"`
	Error   string    `json:"error,omitempty"`
}

func runThermometer(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	def := thermometer.DefaultConfig()
	fs := newFlags("thermometer", "-port PATH -protocol ascii|gy906|modbus [-baud N] [-slave N] [-function 3|4] [-register N] [-scale X] [-signed]", stderr)
	port := fs.String("port", "", "serial device, e.g. /dev/ttyUSB0 (required)")
	protocol := fs.String("protocol", def.Protocol, "ascii, gy906 or modbus")
	baud := fs.Int("baud", def.Baud, "line speed")
	parity := fs.String("parity", def.Parity, "parity: N, E or O")
	stopBits := fs.Int("stopbits", def.StopBits, "stop bits: 1 or 2")
	readTimeout := fs.Duration("read-timeout", def.ReadTimeout, "one read's timeout (100ms steps, 100ms..25.5s)")
	pattern := fs.String("pattern", "", "ascii: regular expression with a (?P<celsius>...) group (default: the common forms)")
	decimal := fs.String("decimal", def.DecimalSeparator, "ascii: decimal separator auto, . or ,")
	objectLabels := fs.String("object-labels", "", "ascii: words naming the forehead value, space or comma separated (default: the built-in words)")
	ambientLabels := fs.String("ambient-labels", "", "ascii: words naming the ambient value, never read (default: the built-in words)")
	asciiScale := fs.Float64("ascii-scale", def.ASCIIScale, "ascii: °C per printed unit (0.1: \"379\" is 37.9)")
	query := fs.Bool("query", def.GY906Query, "gy906: poll with A5 15 BA instead of continuous output")
	slave := fs.Uint("slave", uint(def.Slave), "modbus: slave address 1..247")
	function := fs.Uint("function", uint(def.Function), "modbus: 3 (holding registers) or 4 (input registers)")
	reg := fs.Uint("register", uint(def.Register), "modbus: zero-based address of the temperature register")
	words := fs.Int("words", def.Words, "modbus: 1 (16-bit) or 2 (32-bit) registers")
	wordSwap := fs.Bool("wordswap", def.WordSwap, "modbus, 2 words: low word first")
	float := fs.Bool("float", def.Float, "modbus, 2 words: IEEE 754 float32")
	scale := fs.Float64("scale", def.Scale, "modbus: °C per register unit")
	signed := fs.Bool("signed", def.Signed, "modbus: the register is two's complement")
	poll := fs.Duration("poll", def.PollInterval, "modbus and gy906 -query: time between requests")
	respTimeout := fs.Duration("response-timeout", def.ResponseTimeout, "modbus: wait for a response this long")
	retries := fs.Int("retries", def.Retries, "modbus: repeats after a timeout or CRC error")
	offset := fs.Float64("offset", def.Offset, "calibration added to every value, °C")
	stale := fs.Duration("stale", def.StaleAfter, "report stale after this long without a sample")
	raw := fs.Bool("raw", false, "also print every sample as {\"raw\":...} (to check wiring without a person)")
	count := fs.Int("readings", 0, "exit after this many readings (0: run until interrupted)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if *port == "" {
		return errors.New("-port is required (e.g. -port /dev/ttyUSB0)")
	}
	if *slave > 255 || *function > 255 || *reg > 65535 {
		return fmt.Errorf("-slave, -function or -register out of range (slave 1..247, function 3|4, register 0..65535)")
	}
	cfg := def
	cfg.Port, cfg.Protocol, cfg.Baud, cfg.Parity, cfg.StopBits, cfg.ReadTimeout = *port, *protocol, *baud, *parity, *stopBits, *readTimeout
	cfg.Pattern, cfg.GY906Query, cfg.DecimalSeparator = *pattern, *query, *decimal
	cfg.Slave, cfg.Function, cfg.Register = byte(*slave), byte(*function), uint16(*reg)
	cfg.Words, cfg.WordSwap, cfg.Float, cfg.Scale, cfg.Signed = *words, *wordSwap, *float, *scale, *signed
	cfg.PollInterval, cfg.ResponseTimeout, cfg.Retries = *poll, *respTimeout, *retries
	cfg.Offset, cfg.StaleAfter = *offset, *stale
	cfg.ObjectLabels, cfg.AmbientLabels, cfg.ASCIIScale = *objectLabels, *ambientLabels, *asciiScale

	clock := checkpoint.SystemClock{}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	s, err := thermometer.New(cfg, clock, log)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()

	enc := json.NewEncoder(stdout)
	emit := func(e thermoEvent) error {
		if err := enc.Encode(e); err != nil {
			return fmt.Errorf("writing output: %w", err)
		}
		return nil
	}
	var samples <-chan float64
	if *raw {
		samples = s.Samples()
	}
	n := 0
	for {
		select {
		case r := <-s.Readings():
			c := r.Celsius
			if err := emit(thermoEvent{Time: r.At, Celsius: &c, Reading: r.Status.String()}); err != nil {
				return err
			}
			if n++; *count > 0 && n >= *count {
				cancel()
				<-done
				return nil
			}
		case v := <-samples:
			if err := emit(thermoEvent{Time: clock.Now(), Raw: &v}); err != nil {
				return err
			}
		case st := <-s.StatusChanges():
			if err := emit(thermoEvent{Time: clock.Now(), Status: string(st.State), Error: st.LastError}); err != nil {
				return err
			}
		case err := <-done:
			if errors.Is(err, context.Canceled) {
				return nil
			}
			return err
		}
	}
}
