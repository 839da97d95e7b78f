package main

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/checkpoint-terminal/checkpoint/thermometer/sim"
)

func TestThermometerPrintsJSONLines(t *testing.T) {
	for _, tc := range []struct {
		protocol string
		flags    []string
		format   string // ascii lines; "" the simulator's default
	}{
		{"ascii", nil, ""},
		{"ascii", []string{"-object-labels", "skin", "-ambient-labels", "case,die", "-ascii-scale", "1"}, "Skin %.2f Case %.2f\r\n"},
		{"gy906", []string{"-baud", "115200"}, ""},
		{"modbus", []string{"-slave", "9", "-function", "4", "-register", "30", "-scale", "0.1", "-signed"}, ""},
	} {
		t.Run(tc.protocol+strings.Join(tc.flags, ""), func(t *testing.T) {
			s, err := sim.New(context.Background(), sim.Options{
				Protocol: tc.protocol, ASCIIFormat: tc.format, Script: []sim.Person{{Celsius: 37.8, Hold: 2 * time.Second}},
				Gap: 400 * time.Millisecond, Interval: 20 * time.Millisecond, Noise: -1, Slave: 9, Register: 30,
			})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			var out, errb bytes.Buffer
			args := append([]string{"thermometer", "-port", s.Path(), "-protocol", tc.protocol, "-poll", "20ms", "-readings", "2"}, tc.flags...)
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			if code := run(ctx, args, &out, &errb); code != 0 {
				t.Fatalf("exit %d: %s", code, errb.String())
			}
			var events []thermoEvent
			for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
				var e thermoEvent
				if err := json.Unmarshal([]byte(line), &e); err != nil {
					t.Fatalf("line %q is not JSON: %v", line, err)
				}
				if e.Time.IsZero() {
					t.Fatalf("line %q has no time", line)
				}
				events = append(events, e)
			}
			var readings []thermoEvent
			connected := false
			for _, e := range events {
				if e.Celsius != nil {
					readings = append(readings, e)
				}
				connected = connected || e.Status == "connected"
			}
			if !connected {
				t.Errorf("no connected status line in %s", out.String())
			}
			if len(readings) != 2 || readings[0].Reading != "no_person" || readings[1].Reading != "ok" || math.Abs(*readings[1].Celsius-37.8) > 0.051 {
				t.Fatalf("readings: %s", out.String())
			}
		})
	}
}

func TestThermometerFlagErrorsAreOneLine(t *testing.T) {
	cases := []struct {
		name string
		args []string
	}{
		{"no port", []string{"thermometer", "-protocol", "ascii"}},
		{"unknown protocol", []string{"thermometer", "-port", "/dev/null", "-protocol", "can"}},
		{"slave out of range", []string{"thermometer", "-port", "/dev/null", "-protocol", "modbus", "-slave", "300"}},
		{"function 6", []string{"thermometer", "-port", "/dev/null", "-protocol", "modbus", "-function", "6"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			if code := run(context.Background(), tc.args, &out, &errb); code == 0 {
				t.Fatal("exit 0")
			}
			if n := strings.Count(errb.String(), "\n"); n != 1 {
				t.Fatalf("want one line on stderr, got %q", errb.String())
			}
		})
	}
}
