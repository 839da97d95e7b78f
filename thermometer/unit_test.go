package thermometer

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
)

func TestCustomPatternNeedsCelsiusGroup(t *testing.T) {
	if _, err := NewLineParser(ASCIIOptions{Pattern: `t=([0-9.]+)`}); err == nil {
		t.Fatal("pattern without a celsius group accepted")
	}
	if _, err := NewLineParser(ASCIIOptions{Pattern: `(`}); err == nil {
		t.Fatal("broken pattern accepted")
	}
	p, err := NewLineParser(ASCIIOptions{Pattern: `^\$IRT,(?P<celsius>[0-9.]+),`})
	if err != nil {
		t.Fatal(err)
	}
	if v, err := p.Parse([]byte("$IRT,36.8,24.0*5C")); err != nil || v != 36.8 {
		t.Fatalf("custom pattern: %v %v", v, err)
	}
}

func TestLineSplitter(t *testing.T) {
	l := lineSplitter{max: 8}
	var lines []string
	over := l.feed([]byte("36.5\r\n\r\n36."), func(b []byte) { lines = append(lines, string(b)) })
	over += l.feed([]byte("6\n123456789012\n37\r"), func(b []byte) { lines = append(lines, string(b)) })
	if strings.Join(lines, "|") != "36.5|36.6|37" || over != 1 {
		t.Fatalf("lines %q, overflows %d", lines, over)
	}
}

func TestSettleRisePlateauFall(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC)
	type report struct {
		at      int // sample index
		status  checkpoint.SensorStatus
		celsius float64
	}
	cases := []struct {
		name    string
		samples []float64
		want    []report
	}{
		{"ambient only: one no-person report",
			[]float64{24, 24.1, 24, 24.2},
			[]report{{0, checkpoint.SensorNoPerson, 24}}},
		{"rise, plateau, fall: the plateau's median, not the first sample",
			[]float64{24, 28, 33, 35.2, 36.3, 36.5, 36.6, 36.5, 36.4, 36.6, 36.5, 30, 24},
			[]report{{0, checkpoint.SensorNoPerson, 24}, {8, checkpoint.SensorOK, 36.5}, {11, checkpoint.SensorNoPerson, 30}}},
		{"fever plateau",
			[]float64{25, 37.9, 38.4, 38.5, 38.6, 38.5, 38.4, 25},
			[]report{{0, checkpoint.SensorNoPerson, 25}, {6, checkpoint.SensorOK, 38.5}, {7, checkpoint.SensorNoPerson, 25}}},
		{"a person who leaves before settling is never reported",
			[]float64{24, 35, 36, 36.8, 30, 24},
			[]report{{0, checkpoint.SensorNoPerson, 24}, {4, checkpoint.SensorNoPerson, 30}}},
		{"a hot cup above the forehead range is no person",
			[]float64{55, 55, 55, 55, 55, 55},
			[]report{{0, checkpoint.SensorNoPerson, 55}}},
		{"a long plateau is reported once",
			[]float64{36.5, 36.5, 36.5, 36.5, 36.5, 36.5, 36.5, 36.5, 36.5, 36.5},
			[]report{{4, checkpoint.SensorOK, 36.5}}},
		{"the plateau moves: reported again",
			[]float64{35.0, 35.0, 35.0, 35.0, 35.0, 36.8, 36.8, 36.8, 36.8, 36.8},
			[]report{{4, checkpoint.SensorOK, 35.0}, {9, checkpoint.SensorOK, 36.8}}},
		{"NaN is an error report",
			[]float64{math.NaN(), 24},
			[]report{{0, checkpoint.SensorError, 0}}},
		{"two people in a row",
			[]float64{24, 36.1, 36.1, 36.2, 36.1, 36.1, 24, 24, 37.5, 37.6, 37.5, 37.5, 37.6, 24},
			[]report{{0, checkpoint.SensorNoPerson, 24}, {5, checkpoint.SensorOK, 36.1}, {6, checkpoint.SensorNoPerson, 24},
				{12, checkpoint.SensorOK, 37.5}, {13, checkpoint.SensorNoPerson, 24}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := NewSettler(34, 43, 5, 0.3)
			var got []report
			for i, c := range tc.samples {
				at := t0.Add(time.Duration(i) * 100 * time.Millisecond)
				if r, ok := s.Add(at, c); ok {
					if !r.At.Equal(at) {
						t.Fatalf("report stamped %s, want the sample's time %s", r.At, at)
					}
					got = append(got, report{i, r.Status, r.Celsius})
				}
			}
			if len(got) != len(tc.want) {
				t.Fatalf("reports %+v, want %+v", got, tc.want)
			}
			for i := range got {
				if got[i].at != tc.want[i].at || got[i].status != tc.want[i].status || math.Abs(got[i].celsius-tc.want[i].celsius) > 1e-9 {
					t.Fatalf("reports %+v, want %+v", got, tc.want)
				}
			}
		})
	}
}

func TestSettleLatestRefreshesDuringPlateau(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC)
	s := NewSettler(34, 43, 3, 0.3)
	for i := range 10 {
		s.Add(t0.Add(time.Duration(i)*time.Second), 36.6)
	}
	l, ok := s.Latest()
	if !ok || !l.At.Equal(t0.Add(9*time.Second)) || l.Celsius != 36.6 {
		t.Fatalf("Latest = %+v %v, want refreshed to the last plateau sample", l, ok)
	}
	s.Add(t0.Add(10*time.Second), 24)
	if l2, _ := s.Latest(); l2 != l {
		t.Fatalf("Latest changed when the person left: %+v", l2)
	}
}

func TestDecodeRegisters(t *testing.T) {
	base := DefaultConfig()
	cases := []struct {
		name string
		cfg  func(*Config)
		regs []uint16
		want float64
	}{
		{"unsigned tenths by default", nil, []uint16{365}, 36.5},
		{"signed tenths below zero", func(c *Config) { c.Signed = true }, []uint16{0xFF9C}, -10},
		{"unsigned hundredths", func(c *Config) { c.Signed, c.Scale = false, 0.01 }, []uint16{0xFF9C}, 654.36},
		{"32-bit high word first", func(c *Config) { c.Words, c.Scale, c.Signed = 2, 0.001, true }, []uint16{0x0000, 0x8E94}, 36.5},
		{"32-bit word-swapped", func(c *Config) { c.Words, c.WordSwap, c.Scale = 2, true, 0.001 }, []uint16{0x8E94, 0x0000}, 36.5},
		{"float32", func(c *Config) { c.Words, c.Float, c.Scale = 2, true, 1 }, []uint16{0x4212, 0x0000}, 36.5},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := base
			if tc.cfg != nil {
				tc.cfg(&c)
			}
			got, ok := decodeRegisters(c, tc.regs)
			if !ok || math.Abs(got-tc.want) > 1e-9 {
				t.Fatalf("got %v %v, want %v", got, ok, tc.want)
			}
		})
	}
	c := base
	c.Words, c.Float, c.Scale = 2, true, 1
	if _, ok := decodeRegisters(c, []uint16{0x7FC0, 0}); ok {
		t.Fatal("NaN float accepted")
	}
}

func TestConfigValidation(t *testing.T) {
	if err := DefaultConfig().Validate(); err != nil {
		t.Fatalf("default config invalid: %v", err)
	}
	cases := []struct {
		name string
		mod  func(*Config)
		want string
	}{
		{"unknown protocol", func(c *Config) { c.Protocol = "can" }, "protocol"},
		{"odd baud", func(c *Config) { c.Baud = 12345 }, "baud"},
		{"parity mark", func(c *Config) { c.Parity = "M" }, "parity"},
		{"read timeout 0 would hang Close", func(c *Config) { c.ReadTimeout = 0 }, "read timeout"},
		{"read timeout above tarm's cap", func(c *Config) { c.ReadTimeout = 30 * time.Second }, "read timeout"},
		{"modbus broadcast address", func(c *Config) { c.Protocol, c.Slave = "modbus", 0 }, "slave address"},
		{"modbus function 6", func(c *Config) { c.Protocol, c.Function = "modbus", 6 }, "function"},
		{"modbus scale 0", func(c *Config) { c.Protocol, c.Scale = "modbus", 0 }, "scale"},
		{"float needs two words", func(c *Config) { c.Protocol, c.Float = "modbus", true }, "float"},
		{"ascii pattern without group", func(c *Config) { c.Pattern = `\d+` }, "celsius"},
		{"backoff reversed", func(c *Config) { c.ReconnectMin, c.ReconnectMax = time.Second, time.Millisecond }, "backoff"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := DefaultConfig()
			tc.mod(&c)
			err := c.Validate()
			if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Validate() = %v, want ErrConfig mentioning %q", err, tc.want)
			}
		})
	}
}

func TestPublishDropsOldestNeverBlocks(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Buffer = 2
	s, err := New(cfg, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		s.publish(checkpoint.Reading{Celsius: float64(36 + i)})
	}
	if c := s.Status().Counters; c.Dropped != 3 || c.Readings != 5 {
		t.Fatalf("counters %+v, want 3 dropped of 5", c)
	}
	if a, b := <-s.Readings(), <-s.Readings(); a.Celsius != 39 || b.Celsius != 40 {
		t.Fatalf("kept %v and %v, want the newest two", a.Celsius, b.Celsius)
	}
}

func FuzzSettler(f *testing.F) {
	f.Add([]byte{24, 36, 36, 36, 36, 36, 24})
	f.Fuzz(func(t *testing.T, b []byte) {
		s := NewSettler(34, 43, 3, 0.3)
		for i, c := range b {
			v := 20 + float64(c)/10 // 20.0 .. 45.5 °C
			r, ok := s.Add(time.Unix(int64(i), 0), v)
			if ok && r.Status == checkpoint.SensorOK && (r.Celsius < 34 || r.Celsius > 43) {
				t.Fatalf("settled outside the plausible range: %v", r.Celsius)
			}
		}
	})
}
