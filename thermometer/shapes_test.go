package thermometer_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
	"github.com/checkpoint-terminal/checkpoint/internal/station"
	"github.com/checkpoint-terminal/checkpoint/thermometer"
	"github.com/checkpoint-terminal/checkpoint/thermometer/sim"
)

// feverLines are the shapes real IR modules and serial bridges print, each
// carrying a fever of 37.9 °C (100.2 °F) and, where the shape has one, an
// ambient of 24.1 °C. Each must end as RECHECK through the real serial
// driver and the real station.
var feverLines = []struct {
	name  string
	cfg   func(*thermometer.Config)
	lines []string // written in turn, over and over
}{
	{"decimal comma", nil, []string{"37,9\r\n"}},
	{"decimal comma with a Latin-1 degree sign", nil, []string{"T=37,9\xb0C\r\n"}},
	{"decimal comma, separator set to comma", func(c *thermometer.Config) { c.DecimalSeparator = "," }, []string{"Temp: 37,9 C\n"}},
	{"UTF-8 degree sign", nil, []string{"37.9°C\n"}},
	{"Latin-1 degree byte", nil, []string{"Temp 37.9\xb0C\n"}},
	{"code page 437 degree byte", nil, []string{"37.9\xf8C\n"}},
	{"masculine ordinal", nil, []string{"37.9ºC\n"}},
	{"asterisk C", nil, []string{"T=37.9*C\n"}},
	{"degree Celsius sign", nil, []string{"37.9℃\n"}},
	{"Fahrenheit with a Latin-1 degree byte", nil, []string{"100.22\xb0F\n"}},
	{"two values on a line, ambient first", nil, []string{"Ambient = 24.1*C  Object = 37.9*C\r\n"}},
	{"two values, configured label", func(c *thermometer.Config) { c.ObjectLabels = "forehead, target" },
		[]string{"Ambient: 24.1 Forehead: 37.9\n"}},
	{"alternating ambient and object lines", nil, []string{"Ambient = 24.1*C\r\n", "Object = 37.9*C\r\n"}},
	{"alternating TA and TO lines, decimal comma", nil, []string{"TA: 24,1\n", "TO: 37,9\n"}},
	{"time-stamped lines from a serial bridge", nil, []string{"2026-12-07 12:34:56 T=37.9\r\n"}},
	{"Fahrenheit spelt degrees F", nil, []string{"Temp 100.22 degrees F\n"}},
	{"GB 2312 ℉ from a Chinese module", nil, []string{"\xcc\xe5\xce\xc2:100.22\xa1\xe9\r\n"}},
	{"labels glued to Temp, ambient first", nil, []string{"AmbTemp=24.10 ObjTemp=37.90\r\n"}},
	{"one value in °F and °C", nil, []string{"Temp: 100.2 F / 37.9 C\r\n"}},
	{"kelvin", nil, []string{"T=311.05K\n"}},
	{"whole tenths with a scale", func(c *thermometer.Config) { c.ASCIIScale = 0.1 }, []string{"Amb:241 Obj:379\r\n"}},
	{"labels after the values", nil, []string{"37.9C(Obj) 24.1C(Amb)\r\n"}},
	{"lines split across writes, NUL noise, negative ambient", nil, []string{"\x00Ambient = -5.2*C\r\nObj", "ect = 37.9*C\r\n"}},
}

// greenCode is a verified green dynamic code scanned now.
func greenCode(now time.Time) checkpoint.Presentation {
	return checkpoint.Presentation{
		Code: &checkpoint.Code{Format: checkpoint.FormatHealthCode, ID: "hc-1", Issuer: "110000:BJHC", Color: checkpoint.ColorGreen,
			Kind: checkpoint.KindDynamic, IssuedAt: now.Add(-10 * time.Second), HolderMasked: "李*"},
		CapturedAt: now,
	}
}

// openLine gives a pseudo-terminal whose far end the test writes as the
// sensor would.
func openLine(t *testing.T) *sim.PTY {
	t.Helper()
	p, err := sim.OpenPTY()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

func TestFeverInEveryShapeEndsAsRecheck(t *testing.T) {
	for _, tc := range feverLines {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			pty := openLine(t)
			cfg := testConfig("ascii", pty.SlaveName)
			if tc.cfg != nil {
				tc.cfg(&cfg)
			}
			s := runSensor(t, cfg)
			waitStatus(t, s, "connected", state(thermometer.StateConnected))

			st, err := station.New(station.Config{}, checkpoint.SystemClock{}, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			pres := make(chan checkpoint.Presentation, 1)
			events := make(chan station.Event, 8)
			go st.Run(ctx, pres, s.Readings(), func(e station.Event) { events <- e })
			pres <- greenCode(time.Now())

			go func() {
				for i := 0; i < 12 && ctx.Err() == nil; i++ {
					for _, l := range tc.lines {
						pty.Master.Write([]byte(l))
						time.Sleep(5 * time.Millisecond)
					}
				}
			}()
			for {
				select {
				case e := <-events:
					if !e.Final {
						continue
					}
					if e.Verdict.Outcome != checkpoint.OutcomeRecheck || e.Verdict.Temperature == nil || !near(*e.Verdict.Temperature, 37.9) {
						t.Fatalf("verdict %s (%s) temperature %v, want RECHECK at 37.9; sensor %+v", e.Verdict.Outcome, e.Verdict.Reason, e.Verdict.Temperature, s.Status())
					}
					c := s.Status().Counters
					if c.Garbage+c.Ambiguous != 0 {
						t.Errorf("lines refused: %+v, last %q", c, s.Status().LastRefused)
					}
					if len(tc.lines) > 1 && c.AmbientLines == 0 {
						t.Errorf("ambient lines not counted: %+v", c)
					}
					return
				case <-time.After(patience):
					t.Fatalf("no final verdict; sensor %+v", s.Status())
				}
			}
		})
	}
}

// A number the configured separator cannot read whole is refused and
// counted, and never becomes a reading: with separator ".", "37,9" must not
// be read as 37 (a normal temperature that would let a fever pass).
func TestRefusedLinesAreCountedNeverRead(t *testing.T) {
	cases := []struct {
		name      string
		sep       string
		line      string
		ambiguous bool
	}{
		{"decimal comma with separator point", ".", "T=37,9\n", true},
		{"decimal point with separator comma", ",", "37.9 C\n", true},
		{"several commas", "auto", "37,9,24,1\n", true},
		{"two unlabelled temperatures", "auto", "37.9 C 24.1 C\n", true},
		{"no number at all", "auto", "MLX90614 ready\n", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			pty := openLine(t)
			cfg := testConfig("ascii", pty.SlaveName)
			cfg.DecimalSeparator = tc.sep
			s := runSensor(t, cfg)
			waitStatus(t, s, "connected", state(thermometer.StateConnected))
			if _, err := pty.Master.Write([]byte(strings.Repeat(tc.line, 8))); err != nil {
				t.Fatal(err)
			}
			st := waitStatus(t, s, "8 lines refused", func(st thermometer.Status) bool {
				return st.Counters.Garbage+st.Counters.Ambiguous == 8
			})
			if (st.Counters.Ambiguous == 8) != tc.ambiguous {
				t.Errorf("counters %+v, want ambiguous=%v", st.Counters, tc.ambiguous)
			}
			if st.Counters.Samples != 0 || !strings.Contains(st.LastRefused, strings.TrimSpace(tc.line)) {
				t.Errorf("status %+v: want no sample and the line quoted in last_refused", st)
			}
			select {
			case r := <-s.Readings():
				t.Fatalf("a refused line became a reading: %+v", r)
			default:
			}
			fmt.Fprintf(pty.Master, "T=36\n")
			waitStatus(t, s, "a good line read after refused ones", func(st thermometer.Status) bool { return st.Counters.Samples == 1 })
		})
	}
}
