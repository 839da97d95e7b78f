package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/checkpoint-terminal/checkpoint/thermometer/sim"
)

func init() {
	register(command{
		name:    "thermosim",
		summary: "simulate an infrared thermometer on a pseudo-terminal and print its device path",
		run:     runThermosim,
	})
}

func runThermosim(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("thermosim", "--protocol ascii|gy906|modbus [--script 36.6,38.2,none,...]", stderr)
	protocol := fs.String("protocol", "ascii", "ascii, gy906 or modbus")
	script := fs.String("script", "", "people in order, comma-separated: a temperature (36.6), optionally with a hold time (38.2:3s), or none; empty: random people")
	once := fs.Bool("once", false, "play the script once, then show ambient (default: loop)")
	link := fs.String("link", "", "make the device path here (default: a temporary directory)")
	interval := fs.Duration("interval", 100*time.Millisecond, "ascii and gy906: time between frames")
	ambient := fs.Float64("ambient", 24, "temperature with nobody in front, °C")
	seed := fs.Uint64("seed", 0, "random seed (0: random)")
	streaming := fs.Bool("gy906-streaming", false, "gy906: stream from the start without waiting for A5 45 EA")
	format := fs.String("format", "", `ascii: line format, fmt verbs %[1] object, %[2] ambient (default "Object: %.2f Ambient: %.2f\r\n")`)
	slave := fs.Uint("slave", 1, "modbus: slave address 1..247")
	reg := fs.Uint("register", 0, "modbus: first register (object temperature, then ambient)")
	words := fs.Int("words", 1, "modbus: registers per value, 1 or 2")
	scale := fs.Float64("scale", 0.1, "modbus: °C per register unit")
	unsigned := fs.Bool("unsigned", false, "modbus: encode unsigned (default two's complement)")
	wordSwap := fs.Bool("wordswap", false, "modbus, 2 words: low word first")
	float := fs.Bool("float", false, "modbus, 2 words: IEEE 754 float32")
	verbose := fs.Bool("v", false, "log the simulator's events on stderr")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	people, err := parseScript(*script)
	if err != nil {
		return err
	}
	if *slave < 1 || *slave > 247 || *reg > 65535 {
		return fmt.Errorf("-slave must be 1..247 and -register 0..65535")
	}
	level := slog.LevelWarn
	if *verbose {
		level = slog.LevelInfo
	}
	s, err := sim.New(ctx, sim.Options{
		Protocol: *protocol, Script: people, Loop: !*once, Interval: *interval, Ambient: *ambient, Seed: *seed,
		GY906Streaming: *streaming, ASCIIFormat: unescape(*format),
		Slave: byte(*slave), Register: uint16(*reg), Words: *words, Scale: *scale, Unsigned: *unsigned, WordSwap: *wordSwap, Float: *float,
		Link: *link, Log: slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level})),
	})
	if err != nil {
		return err
	}
	defer s.Close()
	fmt.Fprintln(stdout, s.Path())
	fmt.Fprintf(stderr, "thermosim: %s sensor on %s (%s); Ctrl-C to stop\n", *protocol, s.Path(), s.SlaveName())
	<-ctx.Done()
	return nil
}

// parseScript reads "36.6,38.2:3s,none".
func parseScript(s string) ([]sim.Person, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var out []sim.Person
	for _, tok := range strings.Split(s, ",") {
		tok = strings.TrimSpace(tok)
		var p sim.Person
		temp, hold, hasHold := strings.Cut(tok, ":")
		if hasHold {
			d, err := time.ParseDuration(hold)
			if err != nil || d <= 0 {
				return nil, fmt.Errorf("script entry %q: hold %q is not a positive duration", tok, hold)
			}
			p.Hold = d
		}
		switch strings.ToLower(temp) {
		case "none", "nobody", "-":
		default:
			c, err := strconv.ParseFloat(temp, 64)
			if err != nil || c < 30 || c > 45 {
				return nil, fmt.Errorf("script entry %q: want a forehead temperature 30..45 °C or none", tok)
			}
			p.Celsius = c
		}
		out = append(out, p)
	}
	return out, nil
}

// unescape turns the \r, \n and \t a shell passes literally into bytes.
func unescape(s string) string {
	return strings.NewReplacer(`\r`, "\r", `\n`, "\n", `\t`, "\t").Replace(s)
}
