package thermometer_test

import (
	"context"
	"errors"
	"log/slog"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
	"github.com/checkpoint-terminal/checkpoint/thermometer"
	"github.com/checkpoint-terminal/checkpoint/thermometer/sim"
)

// patience bounds every wait; tests never assert durations, they only give
// up after this long.
const patience = 15 * time.Second

// rise-plateau-fall as a sensor sees a person: ambient, a climb, a plateau
// whose median is 36.5, a fall back to ambient. Every value is a whole
// number of tenths, so a Modbus register in tenths carries it exactly.
var person = []float64{24.1, 24.2, 30.5, 34.9, 36.4, 36.6, 36.5, 36.7, 36.5, 36.6, 36.5, 31.0, 24.3}

const personMedian = 36.5 // median of the first full window 36.4 36.6 36.5 36.7 36.5

func startSim(t *testing.T, o sim.Options) *sim.Sim {
	t.Helper()
	s, err := sim.New(context.Background(), o)
	if err != nil {
		t.Fatalf("starting simulator: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func testConfig(protocol, path string) thermometer.Config {
	cfg := thermometer.DefaultConfig()
	cfg.Port = path
	cfg.Protocol = protocol
	cfg.PollInterval = 20 * time.Millisecond
	// Generous, so that a loaded CI machine never turns a slow answer into
	// a timeout (and a lost sample) in the exact-sequence tests.
	cfg.ResponseTimeout = time.Second
	cfg.ReconnectMin = 50 * time.Millisecond
	cfg.ReconnectMax = 400 * time.Millisecond
	cfg.Buffer = 64
	return cfg
}

type running struct {
	*thermometer.Sensor
	cancel context.CancelFunc
	done   chan error
}

func runSensor(t *testing.T, cfg thermometer.Config) *running {
	t.Helper()
	log := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelInfo}))
	s, err := thermometer.New(cfg, checkpoint.SystemClock{}, log)
	if err != nil {
		t.Fatalf("new sensor: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{Sensor: s, cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- s.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-r.done:
			if !errors.Is(err, context.Canceled) {
				t.Errorf("Run returned %v, want context.Canceled", err)
			}
		case <-time.After(patience):
			t.Errorf("Run did not return after cancel")
		}
	})
	return r
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(b []byte) (int, error) {
	w.t.Helper()
	w.t.Log(strings.TrimSpace(string(b)))
	return len(b), nil
}

func waitStatus(t *testing.T, s *running, what string, ok func(thermometer.Status) bool) thermometer.Status {
	t.Helper()
	end := time.Now().Add(patience)
	for {
		st := s.Status()
		if ok(st) {
			return st
		}
		if time.Now().After(end) {
			t.Fatalf("waiting for %s: status stayed %+v", what, st)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func state(want thermometer.State) func(thermometer.Status) bool {
	return func(st thermometer.Status) bool { return st.State == want }
}

// nextReading returns the next reading on the channel.
func nextReading(t *testing.T, s *running) checkpoint.Reading {
	t.Helper()
	select {
	case r := <-s.Readings():
		return r
	case <-time.After(patience):
		t.Fatalf("no reading; status %+v", s.Status())
	}
	panic("unreachable")
}

// waitOK skips no-person reports until a settled reading arrives.
func waitOK(t *testing.T, s *running) checkpoint.Reading {
	t.Helper()
	for {
		if r := nextReading(t, s); r.Status == checkpoint.SensorOK {
			return r
		}
	}
}

func near(a, b float64) bool { return math.Abs(a-b) < 0.005 }

// expectPerson checks the exact report sequence for the person samples:
// no person (ambient), the plateau's median (never an earlier sample), no
// person again.
func expectPerson(t *testing.T, s *running) {
	t.Helper()
	r := nextReading(t, s)
	if r.Status != checkpoint.SensorNoPerson || !near(r.Celsius, 24.1) {
		t.Fatalf("first report %+v, want no person at 24.1", r)
	}
	r = nextReading(t, s)
	if r.Status != checkpoint.SensorOK || !near(r.Celsius, personMedian) {
		t.Fatalf("second report %+v, want settled %.2f", r, personMedian)
	}
	if r.At.IsZero() {
		t.Fatalf("settled reading without a time")
	}
	if l, ok := s.Latest(); !ok || l.Status != checkpoint.SensorOK || !near(l.Celsius, personMedian) {
		t.Fatalf("Latest = %+v %v, want the settled reading", l, ok)
	}
	r = nextReading(t, s)
	if r.Status != checkpoint.SensorNoPerson || !near(r.Celsius, 31.0) {
		t.Fatalf("third report %+v, want no person at 31.0", r)
	}
	if l, _ := s.Latest(); l.Status != checkpoint.SensorOK {
		t.Fatalf("Latest after the person left = %+v, want the settled reading kept", l)
	}
	if l, ok := s.LastReport(); !ok || l.Status != checkpoint.SensorNoPerson {
		t.Fatalf("LastReport after the person left = %+v, want the no-person report", l)
	}
}

// startSilent starts a simulator that says nothing until the sensor is
// connected, so that no sample is lost to the flush on open.
func connectThenSpeak(t *testing.T, sm *sim.Sim, s *running, f sim.Faults) {
	t.Helper()
	waitStatus(t, s, "connected", state(thermometer.StateConnected))
	sm.SetFaults(f)
}

func TestEndToEndEachProtocol(t *testing.T) {
	cases := []struct {
		name string
		sim  sim.Options
		cfg  func(*thermometer.Config)
	}{
		{"ascii lines, object and ambient", sim.Options{Protocol: "ascii"}, nil},
		{"ascii lines, T= form", sim.Options{Protocol: "ascii", ASCIIFormat: "T=%.2[1]f\n"}, nil},
		{"ascii lines, TEMP:C form", sim.Options{Protocol: "ascii", ASCIIFormat: "TEMP:%.2[1]fC\r\n"}, nil},
		{"ascii lines, custom pattern", sim.Options{Protocol: "ascii", ASCIIFormat: "amb=%[2]v obj<%[1]v>\n"},
			func(c *thermometer.Config) { c.Pattern = `obj<(?P<celsius>[0-9.]+)>` }},
		{"gy906 continuous at 9600", sim.Options{Protocol: "gy906"}, nil},
		{"gy906 continuous at 115200", sim.Options{Protocol: "gy906"}, func(c *thermometer.Config) { c.Baud = 115200 }},
		{"gy906 query mode", sim.Options{Protocol: "gy906"}, func(c *thermometer.Config) { c.GY906Query = true }},
		{"modbus holding register, signed tenths, 9600 8N1", sim.Options{Protocol: "modbus", Slave: 7, Register: 10},
			func(c *thermometer.Config) { c.Slave, c.Register, c.Function, c.Signed = 7, 10, 3, true }},
		{"modbus input register, 19200 8E1", sim.Options{Protocol: "modbus", Slave: 1, Register: 0},
			func(c *thermometer.Config) { c.Function, c.Baud, c.Parity = 4, 19200, "E" }},
		{"modbus hundredths unsigned, 115200 8N2", sim.Options{Protocol: "modbus", Slave: 247, Register: 0x1000, Scale: 0.01, Unsigned: true},
			func(c *thermometer.Config) {
				c.Slave, c.Register, c.Scale, c.Signed, c.Baud, c.StopBits = 247, 0x1000, 0.01, false, 115200, 2
			}},
		{"modbus 32-bit signed, word-swapped", sim.Options{Protocol: "modbus", Words: 2, WordSwap: true, Scale: 0.001},
			func(c *thermometer.Config) { c.Words, c.WordSwap, c.Scale, c.Signed = 2, true, 0.001, true }},
		{"modbus float32", sim.Options{Protocol: "modbus", Words: 2, Float: true},
			func(c *thermometer.Config) { c.Words, c.Float, c.Scale = 2, true, 1 }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			o := tc.sim
			o.Samples = person
			o.Interval = 20 * time.Millisecond
			o.Faults = sim.Faults{Silent: true}
			sm := startSim(t, o)
			cfg := testConfig(o.Protocol, sm.Path())
			if tc.cfg != nil {
				tc.cfg(&cfg)
			}
			s := runSensor(t, cfg)
			connectThenSpeak(t, sm, s, sim.Faults{})
			expectPerson(t, s)
			st := s.Status()
			if st.Counters.Garbage+st.Counters.ChecksumErrors+st.Counters.CRCErrors+st.Counters.Exceptions != 0 {
				t.Errorf("clean line produced errors: %+v", st.Counters)
			}
			if o.Protocol == "gy906" && sm.Stats().Commands == 0 {
				t.Errorf("the driver never sent a command to the module")
			}
		})
	}
}

func TestTimelinePersonSettlesNearTarget(t *testing.T) {
	sm := startSim(t, sim.Options{Protocol: "ascii", Script: []sim.Person{{Celsius: 38.2, Hold: 1500 * time.Millisecond}},
		Interval: 20 * time.Millisecond, Gap: 200 * time.Millisecond, Seed: 1})
	s := runSensor(t, testConfig("ascii", sm.Path()))
	r := waitOK(t, s)
	if math.Abs(r.Celsius-38.2) > 0.06 {
		t.Fatalf("settled at %.2f, want 38.2 ± noise", r.Celsius)
	}
}

func TestGarbageAndResync(t *testing.T) {
	cases := []struct {
		name     string
		protocol string
		noise    []byte
	}{
		{"ascii: binary noise and a partial line before each line", "ascii", []byte("\x00\xff\x13garbage 1.2.3 \r\nTEMP:")},
		{"gy906: noise with false headers before each frame", "gy906", []byte{0x5A, 0x00, 0x5A, 0x5A, 0x45, 0x04, 0x01, 0x5A, 0xFF, 0x5A, 0x5A, 0x99}},
		{"modbus: noise and a foreign slave's frame before each response", "modbus", []byte{0x00, 0x01, 0xFF, 0x02, 0x03, 0x02, 0x01, 0x6D, 0x0F, 0x8E}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			sm := startSim(t, sim.Options{Protocol: tc.protocol, Samples: person, Interval: 20 * time.Millisecond,
				Faults: sim.Faults{Silent: true}})
			s := runSensor(t, testConfig(tc.protocol, sm.Path()))
			connectThenSpeak(t, sm, s, sim.Faults{Noise: tc.noise})
			expectPerson(t, s)
			if c := s.Status().Counters; c.Garbage+c.Ambiguous == 0 {
				t.Errorf("noise was not counted as garbage")
			}
		})
	}
}

func TestASCIIOverlongAndInjectedGarbage(t *testing.T) {
	sm := startSim(t, sim.Options{Protocol: "ascii", Samples: person, Interval: 30 * time.Millisecond,
		Faults: sim.Faults{Silent: true}})
	cfg := testConfig("ascii", sm.Path())
	cfg.MaxLine = 32
	s := runSensor(t, cfg)
	waitStatus(t, s, "connected", state(thermometer.StateConnected))
	if err := sm.Inject([]byte(strings.Repeat("9", 100) + "\n\xfe\xfe\n36.9 but broken\x00\nMLX90614 ready\n")); err != nil {
		t.Fatal(err)
	}
	waitStatus(t, s, "garbage counted", func(st thermometer.Status) bool { return st.Counters.Garbage >= 2 })
	sm.SetFaults(sim.Faults{})
	// The injected "36.9 but broken" line is a sample; the person still
	// settles on the plateau median.
	r := waitOK(t, s)
	if !near(r.Celsius, personMedian) {
		t.Fatalf("settled at %v, want %v", r.Celsius, personMedian)
	}
}

func TestChecksumAndCRCErrorsAreSkipped(t *testing.T) {
	for _, protocol := range []string{"gy906", "modbus"} {
		t.Run(protocol, func(t *testing.T) {
			t.Parallel()
			// The plateau is long so that dropping every third frame still
			// leaves five good samples in a row... not needed: the plateau
			// is judged on the samples that arrive.
			samples := []float64{24.0, 24.0, 24.0, 36.7, 36.7, 36.8, 36.7, 36.8, 36.7, 36.8, 36.7, 36.8, 36.7, 36.8, 24.0}
			sm := startSim(t, sim.Options{Protocol: protocol, Samples: samples, Interval: 20 * time.Millisecond,
				Faults: sim.Faults{Silent: true}})
			s := runSensor(t, testConfig(protocol, sm.Path()))
			connectThenSpeak(t, sm, s, sim.Faults{CorruptEvery: 3})
			r := waitOK(t, s)
			if r.Celsius < 36.7-0.005 || r.Celsius > 36.8+0.005 {
				t.Fatalf("settled at %v, want within the plateau", r.Celsius)
			}
			c := s.Status().Counters
			if protocol == "gy906" && c.ChecksumErrors == 0 {
				t.Errorf("no checksum errors counted: %+v", c)
			}
			if protocol == "modbus" && c.CRCErrors == 0 {
				t.Errorf("no CRC errors counted: %+v", c)
			}
		})
	}
}

func TestModbusException(t *testing.T) {
	t.Run("slave refuses every request", func(t *testing.T) {
		t.Parallel()
		sm := startSim(t, sim.Options{Protocol: "modbus", Samples: person, Faults: sim.Faults{Exception: 0x04}})
		s := runSensor(t, testConfig("modbus", sm.Path()))
		st := waitStatus(t, s, "exception reported", func(st thermometer.Status) bool { return st.Counters.Exceptions > 0 && st.LastError != "" })
		if !strings.Contains(st.LastError, "exception 0x04") || !strings.Contains(st.LastError, "server device failure") {
			t.Fatalf("LastError %q does not name exception 4", st.LastError)
		}
		if st.Counters.Samples != 0 {
			t.Fatalf("an exception produced samples: %+v", st.Counters)
		}
		sm.SetFaults(sim.Faults{})
		waitStatus(t, s, "samples after recovery", func(st thermometer.Status) bool { return st.Counters.Samples > 0 })
	})
	t.Run("register outside the slave's map", func(t *testing.T) {
		t.Parallel()
		sm := startSim(t, sim.Options{Protocol: "modbus", Register: 0})
		cfg := testConfig("modbus", sm.Path())
		cfg.Register = 100
		s := runSensor(t, cfg)
		st := waitStatus(t, s, "exception reported", func(st thermometer.Status) bool { return st.Counters.Exceptions > 0 && st.LastError != "" })
		if !strings.Contains(st.LastError, "illegal data address") {
			t.Fatalf("LastError %q, want illegal data address", st.LastError)
		}
	})
	t.Run("busy slave is retried", func(t *testing.T) {
		t.Parallel()
		sm := startSim(t, sim.Options{Protocol: "modbus", Faults: sim.Faults{Exception: 0x06}})
		cfg := testConfig("modbus", sm.Path())
		s := runSensor(t, cfg)
		waitStatus(t, s, "busy reported", func(st thermometer.Status) bool { return st.Counters.Exceptions > uint64(cfg.Retries) })
		if r := sm.Stats().Requests; r < cfg.Retries+1 {
			t.Fatalf("slave saw %d requests, want the retries too", r)
		}
	})
	t.Run("wrong slave address times out", func(t *testing.T) {
		t.Parallel()
		sm := startSim(t, sim.Options{Protocol: "modbus", Slave: 2})
		cfg := testConfig("modbus", sm.Path())
		cfg.Slave = 3
		cfg.Retries = 0
		s := runSensor(t, cfg)
		st := waitStatus(t, s, "timeout reported", func(st thermometer.Status) bool { return st.Counters.Timeouts > 0 && st.LastError != "" })
		if !strings.Contains(st.LastError, "no valid response") {
			t.Fatalf("LastError %q", st.LastError)
		}
		if sm.Stats().Requests != 0 || sm.Stats().Ignored == 0 {
			t.Fatalf("slave 2 answered or did not see requests for slave 3: %+v", sm.Stats())
		}
	})
}

func TestUnplugAndReconnect(t *testing.T) {
	for _, protocol := range []string{"ascii", "gy906", "modbus"} {
		t.Run(protocol, func(t *testing.T) {
			t.Parallel()
			sm := startSim(t, sim.Options{Protocol: protocol, Interval: 20 * time.Millisecond, Seed: 3})
			s := runSensor(t, testConfig(protocol, sm.Path()))
			waitStatus(t, s, "samples", func(st thermometer.Status) bool { return st.Counters.Samples > 3 })

			unplugged := time.Now()
			if err := sm.Unplug(); err != nil {
				t.Fatal(err)
			}
			st := waitStatus(t, s, "reconnecting", state(thermometer.StateReconnecting))
			t.Logf("%s: unplug noticed after %s: %s", protocol, time.Since(unplugged).Round(time.Millisecond), st.LastError)
			if st.LastError == "" {
				t.Errorf("reconnecting without an error")
			}
			// Let a few open attempts fail on the missing node.
			time.Sleep(300 * time.Millisecond)
			before := s.Status().Counters.Samples
			replugged := time.Now()
			if err := sm.Replug(); err != nil {
				t.Fatal(err)
			}
			st = waitStatus(t, s, "samples after replug", func(st thermometer.Status) bool {
				return st.State == thermometer.StateConnected && st.Counters.Samples > before+3
			})
			t.Logf("%s: data again %s after replug", protocol, time.Since(replugged).Round(time.Millisecond))
			if st.Counters.Connects != 2 || st.Counters.Disconnects != 1 {
				t.Errorf("connects %d disconnects %d, want 2 and 1", st.Counters.Connects, st.Counters.Disconnects)
			}
		})
	}
}

func TestMissingDeviceKeepsRetrying(t *testing.T) {
	cfg := testConfig("ascii", t.TempDir()+"/ttyNONE")
	s := runSensor(t, cfg)
	st := waitStatus(t, s, "backoff at its cap", func(st thermometer.Status) bool {
		return st.State == thermometer.StateReconnecting && st.NextAttempt == cfg.ReconnectMax
	})
	if !strings.Contains(st.LastError, "no such file") {
		t.Fatalf("LastError %q", st.LastError)
	}
}

func TestStaleDetection(t *testing.T) {
	for _, protocol := range []string{"ascii", "gy906", "modbus"} {
		t.Run(protocol, func(t *testing.T) {
			t.Parallel()
			sm := startSim(t, sim.Options{Protocol: protocol, Interval: 20 * time.Millisecond, Seed: 4})
			cfg := testConfig(protocol, sm.Path())
			cfg.StaleAfter = 300 * time.Millisecond
			s := runSensor(t, cfg)
			waitStatus(t, s, "samples", func(st thermometer.Status) bool { return st.Counters.Samples > 0 })
			cmds := sm.Stats().Commands
			sm.SetFaults(sim.Faults{Silent: true})
			st := waitStatus(t, s, "stale", state(thermometer.StateStale))
			if st.LastError == "" {
				t.Errorf("stale without a reason")
			}
			if protocol == "gy906" {
				waitStatus(t, s, "continuous output requested again", func(thermometer.Status) bool { return sm.Stats().Commands > cmds })
			}
			sm.SetFaults(sim.Faults{})
			st = waitStatus(t, s, "connected again", state(thermometer.StateConnected))
			if st.Counters.Connects != 1 {
				t.Errorf("a stale sensor was reopened (%d connects); it should only be marked stale", st.Counters.Connects)
			}
		})
	}
}

func TestStatusChangesAreDelivered(t *testing.T) {
	sm := startSim(t, sim.Options{Protocol: "ascii", Interval: 20 * time.Millisecond})
	s := runSensor(t, testConfig("ascii", sm.Path()))
	seen := map[thermometer.State]bool{}
	end := time.After(patience)
	for !seen[thermometer.StateConnected] || !seen[thermometer.StateReconnecting] {
		select {
		case st := <-s.StatusChanges():
			seen[st.State] = true
			if st.State == thermometer.StateConnected && !seen[thermometer.StateReconnecting] {
				sm.Unplug()
				sm.Replug()
			}
		case <-end:
			t.Fatalf("status changes seen: %v", seen)
		}
	}
}

func TestSkewedClockStampsReadings(t *testing.T) {
	skew := 90 * time.Minute
	clock := checkpoint.ClockFunc(func() time.Time { return time.Now().Add(skew) })
	sm := startSim(t, sim.Options{Protocol: "gy906", Samples: person, Interval: 20 * time.Millisecond, Faults: sim.Faults{Silent: true}})
	s, err := thermometer.New(testConfig("gy906", sm.Path()), clock, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	defer func() { cancel(); <-done }()
	r := &running{Sensor: s}
	connectThenSpeak(t, sm, r, sim.Faults{})
	got := waitOK(t, r)
	if d := time.Until(got.At); d < skew-time.Minute {
		t.Fatalf("reading stamped %s, want the sensor clock's time (≈ now + %s)", got.At, skew)
	}
}

func TestInvalidConfigFailsAtOnce(t *testing.T) {
	cfg := thermometer.DefaultConfig()
	cfg.ReadTimeout = 0
	if _, err := thermometer.New(cfg, nil, nil); !errors.Is(err, thermometer.ErrConfig) {
		t.Fatalf("ReadTimeout 0 accepted: %v", err)
	}
}

// A USB adapter may deliver a response in bursts with gaps far beyond
// t1.5; the master completes the frame from its length and CRC within the
// response timeout instead of dropping it.
func TestModbusResponseInBursts(t *testing.T) {
	sm := startSim(t, sim.Options{Protocol: "modbus", Samples: person, Faults: sim.Faults{Silent: true}})
	s := runSensor(t, testConfig("modbus", sm.Path()))
	connectThenSpeak(t, sm, s, sim.Faults{SplitDelay: 60 * time.Millisecond})
	expectPerson(t, s)
	if c := s.Status().Counters; c.CRCErrors+c.Garbage != 0 {
		t.Fatalf("split responses counted as errors: %+v", c)
	}
}
