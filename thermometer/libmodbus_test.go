package thermometer_test

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
	"github.com/checkpoint-terminal/checkpoint/internal/modbusref"
	"github.com/checkpoint-terminal/checkpoint/internal/testenv"
	"github.com/checkpoint-terminal/checkpoint/thermometer"
	"github.com/checkpoint-terminal/checkpoint/thermometer/sim"
)

// These tests hold the Modbus RTU code to libmodbus 3.1.6, the reference C
// implementation, over real pseudo-terminals: the driver (through
// tarm/serial) polls a libmodbus slave, and libmodbus's master polls the
// simulator. Nothing of ours encodes or checks the other side's frames.

func requireLibmodbus(t *testing.T) {
	t.Helper()
	ok, why := modbusref.Available()
	testenv.Require(t, ok, "libmodbus, the independent Modbus implementation: "+why)
}

// refSlave is a libmodbus slave at the far end of a null-modem line; the
// returned path is the near end, for the sensor.
func refSlave(t *testing.T, cfg modbusref.SlaveConfig) (*modbusref.Slave, string) {
	t.Helper()
	requireLibmodbus(t)
	line, err := modbusref.NewLine()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := line.Close(); err != nil {
			t.Error(err)
		}
	})
	cfg.Device = line.B
	s, err := modbusref.StartSlave(cfg)
	if err != nil {
		t.Fatalf("starting the libmodbus slave: %v", err)
	}
	t.Cleanup(s.Close)
	return s, line.A
}

// parity as libmodbus spells it from the config's.
func lineOf(cfg thermometer.Config) modbusref.LineConfig {
	p := byte('N')
	if cfg.Parity != "" {
		p = cfg.Parity[0]
	}
	return modbusref.LineConfig{Baud: cfg.Baud, Parity: p, DataBits: 8, StopBits: cfg.StopBits}
}

// nextSample returns the next decoded value the sensor delivers.
func nextSample(t *testing.T, s *running) float64 {
	t.Helper()
	select {
	case v := <-s.Samples():
		return v
	case <-time.After(patience):
		t.Fatalf("no sample; status %+v", s.Status())
	}
	panic("unreachable")
}

// f32 is a float32 register value as the sensor reports it: widened to
// float64 and rounded to a millionth (see Sensor.sample).
func f32(f float32) float64 { return math.Round(float64(f)*1e6) / 1e6 }

func TestLibmodbusSlaveReadings(t *testing.T) {
	type step struct {
		regs []uint16
		want float64
	}
	cases := []struct {
		name  string
		slave modbusref.SlaveConfig
		cfg   func(*thermometer.Config)
		steps []step
	}{
		{"function 3, 16-bit signed tenths, 9600 8N1",
			modbusref.SlaveConfig{Slave: 7, HoldingStart: 10, HoldingLen: 1},
			func(c *thermometer.Config) { c.Slave, c.Function, c.Register, c.Signed, c.Scale = 7, 3, 10, true, 0.1 },
			[]step{{[]uint16{366}, 36.6}, {[]uint16{0xFF83}, -12.5}, {[]uint16{0x8000}, -3276.8}, {[]uint16{0x7FFF}, 3276.7}}},
		{"function 4, 16-bit unsigned hundredths, 19200 8E1",
			modbusref.SlaveConfig{Slave: 1, InputStart: 0x1000, InputLen: 1},
			func(c *thermometer.Config) {
				c.Function, c.Register, c.Signed, c.Scale, c.Baud, c.Parity = 4, 0x1000, false, 0.01, 19200, "E"
			},
			[]step{{[]uint16{3652}, 36.52}, {[]uint16{0xFF83}, 654.11}, {[]uint16{0x8000}, 327.68}}},
		{"function 3, 32-bit signed high word first, 115200 8N2, slave 247",
			modbusref.SlaveConfig{Slave: 247, HoldingStart: 0xFFFE, HoldingLen: 2},
			func(c *thermometer.Config) {
				c.Slave, c.Function, c.Register, c.Words, c.Signed, c.Scale, c.Baud, c.StopBits = 247, 3, 0xFFFE, 2, true, 0.001, 115200, 2
			},
			// 36520 = 0x00008EA8; -40000 = 0xFFFF63C0; 0x00012345 = 74565.
			[]step{{[]uint16{0x0000, 0x8EA8}, 36.52}, {[]uint16{0xFFFF, 0x63C0}, -40}, {[]uint16{0x0001, 0x2345}, 74.565}}},
		{"function 4, 32-bit unsigned low word first, 9600 8O1",
			modbusref.SlaveConfig{Slave: 3, InputStart: 200, InputLen: 2},
			func(c *thermometer.Config) {
				c.Slave, c.Function, c.Register, c.Words, c.WordSwap, c.Signed, c.Scale, c.Parity = 3, 4, 200, 2, true, false, 0.001, "O"
			},
			[]step{{[]uint16{0x8EA8, 0x0000}, 36.52}, {[]uint16{0x2345, 0x0001}, 74.565}, {[]uint16{0x63C0, 0xFFFF}, 4294927.296}}},
		{"function 3, float32 high word first",
			modbusref.SlaveConfig{Slave: 1, HoldingStart: 0, HoldingLen: 2},
			func(c *thermometer.Config) { c.Function, c.Words, c.Float, c.Scale = 3, 2, true, 1 },
			// IEEE 754 binary32: 36.52 = 0x4212147B, -12.5 = 0xC1480000, 37.25 = 0x42150000.
			[]step{{[]uint16{0x4212, 0x147B}, f32(36.52)}, {[]uint16{0xC148, 0x0000}, -12.5}, {[]uint16{0x4215, 0x0000}, 37.25}}},
		{"function 4, float32 low word first",
			modbusref.SlaveConfig{Slave: 1, InputStart: 5, InputLen: 2},
			func(c *thermometer.Config) {
				c.Function, c.Register, c.Words, c.Float, c.WordSwap, c.Scale = 4, 5, 2, true, true, 1
			},
			[]step{{[]uint16{0x147B, 0x4212}, f32(36.52)}, {[]uint16{0x0000, 0xC148}, -12.5}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := testConfig("modbus", "")
			tc.cfg(&cfg)
			sc := tc.slave
			sc.LineConfig = lineOf(cfg)
			slave, path := refSlave(t, sc)
			set := func(regs []uint16) {
				t.Helper()
				var err error
				if cfg.Function == 4 {
					err = slave.SetInput(int(cfg.Register), regs...)
				} else {
					err = slave.SetHolding(int(cfg.Register), regs...)
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			set(tc.steps[0].regs)
			cfg.Port = path
			s := runSensor(t, cfg)
			prev := math.NaN()
			for i, st := range tc.steps {
				if i > 0 {
					set(st.regs)
				}
				// Every sample is this step's value or, until the new
				// registers are polled, the previous step's.
				for {
					v := nextSample(t, s)
					if v == st.want {
						break
					}
					if v != prev {
						t.Fatalf("registers %04X: sample %v, want %v", st.regs, v, st.want)
					}
				}
				prev = st.want
			}
			c := s.Status().Counters
			if c.Garbage+c.CRCErrors+c.Exceptions+c.Timeouts != 0 {
				t.Errorf("errors against libmodbus: %+v", c)
			}
			if st := slave.Stats(); st.Requests == 0 || st.Errors != 0 || st.Ignored != 0 {
				t.Errorf("libmodbus slave saw %+v", st)
			}
		})
	}
}

// A forehead reading settles from what libmodbus serves, as from any
// sensor: the plateau's median, stamped with its time.
func TestLibmodbusSlaveSettledReading(t *testing.T) {
	slave, path := refSlave(t, modbusref.SlaveConfig{LineConfig: modbusref.LineConfig{Baud: 9600}, Slave: 1, HoldingStart: 0, HoldingLen: 1})
	if err := slave.SetHolding(0, 366); err != nil {
		t.Fatal(err)
	}
	s := runSensor(t, testConfig("modbus", path))
	r := nextReading(t, s)
	if r.Status != checkpoint.SensorOK || r.Celsius != 36.6 || r.At.IsZero() {
		t.Fatalf("reading %+v, want settled 36.6", r)
	}
}

func TestLibmodbusSlaveExceptions(t *testing.T) {
	t.Run("unmapped register: libmodbus answers illegal data address", func(t *testing.T) {
		t.Parallel()
		slave, path := refSlave(t, modbusref.SlaveConfig{Slave: 1, HoldingStart: 0, HoldingLen: 2, InputStart: 100, InputLen: 1})
		cfg := testConfig("modbus", path)
		cfg.Register = 100 // an input register, not a holding one
		s := runSensor(t, cfg)
		st := waitStatus(t, s, "exception reported", func(st thermometer.Status) bool { return st.Counters.Exceptions > 0 && st.LastError != "" })
		if !strings.Contains(st.LastError, "exception 0x02") || !strings.Contains(st.LastError, "illegal data address") {
			t.Fatalf("LastError %q, want exception 2, illegal data address", st.LastError)
		}
		if st.Counters.Samples != 0 || st.Counters.Timeouts != 0 || st.Counters.CRCErrors != 0 {
			t.Fatalf("counters %+v, want only exceptions", st.Counters)
		}
		if ls := slave.Stats(); ls.Requests == 0 || ls.Exceptions != 0 {
			t.Fatalf("libmodbus slave %+v: the exception must come from modbus_reply itself", ls)
		}
	})
	t.Run("32-bit read running past the map", func(t *testing.T) {
		t.Parallel()
		_, path := refSlave(t, modbusref.SlaveConfig{Slave: 1, HoldingStart: 0, HoldingLen: 2})
		cfg := testConfig("modbus", path)
		cfg.Register, cfg.Words = 1, 2 // registers 1 and 2; 2 is not mapped
		s := runSensor(t, cfg)
		st := waitStatus(t, s, "exception reported", func(st thermometer.Status) bool { return st.Counters.Exceptions > 0 && st.LastError != "" })
		if !strings.Contains(st.LastError, "illegal data address") || st.Counters.Samples != 0 {
			t.Fatalf("status %+v, want illegal data address and no sample", st)
		}
	})
	t.Run("modbus_reply_exception device failure, then recovery", func(t *testing.T) {
		t.Parallel()
		slave, path := refSlave(t, modbusref.SlaveConfig{Slave: 1, HoldingStart: 0, HoldingLen: 1})
		if err := slave.SetHolding(0, 365); err != nil {
			t.Fatal(err)
		}
		slave.SetException(0x04)
		s := runSensor(t, testConfig("modbus", path))
		st := waitStatus(t, s, "exception reported", func(st thermometer.Status) bool { return st.Counters.Exceptions > 0 && st.LastError != "" })
		if !strings.Contains(st.LastError, "exception 0x04") || !strings.Contains(st.LastError, "server device failure") || st.Counters.Samples != 0 {
			t.Fatalf("status %+v, want server device failure and no sample", st)
		}
		slave.SetException(0)
		if v := nextSample(t, s); v != 36.5 {
			t.Fatalf("sample after recovery %v, want 36.5", v)
		}
	})
	t.Run("modbus_reply_exception busy is retried", func(t *testing.T) {
		t.Parallel()
		slave, path := refSlave(t, modbusref.SlaveConfig{Slave: 1, HoldingStart: 0, HoldingLen: 1})
		slave.SetException(0x06)
		cfg := testConfig("modbus", path)
		cfg.PollInterval = time.Hour // one poll: its first attempt and the retries
		s := runSensor(t, cfg)
		st := waitStatus(t, s, "busy reported", func(st thermometer.Status) bool { return st.Counters.Exceptions == uint64(cfg.Retries+1) })
		if !strings.Contains(st.LastError, "server device busy") || st.Counters.Timeouts != 0 {
			t.Fatalf("status %+v", st)
		}
		if ls := slave.Stats(); ls.Requests != cfg.Retries+1 || ls.Exceptions != cfg.Retries+1 {
			t.Fatalf("libmodbus slave %+v, want %d requests, all refused", ls, cfg.Retries+1)
		}
	})
}

func TestLibmodbusSlaveWrongAddressTimesOut(t *testing.T) {
	slave, path := refSlave(t, modbusref.SlaveConfig{Slave: 2, HoldingStart: 0, HoldingLen: 1})
	if err := slave.SetHolding(0, 365); err != nil {
		t.Fatal(err)
	}
	cfg := testConfig("modbus", path)
	cfg.Slave, cfg.Retries = 3, 1
	cfg.ResponseTimeout = 200 * time.Millisecond
	s := runSensor(t, cfg)
	st := waitStatus(t, s, "timeouts reported", func(st thermometer.Status) bool { return st.Counters.Timeouts >= 2 && st.LastError != "" })
	if !strings.Contains(st.LastError, "no valid response") {
		t.Fatalf("LastError %q, want no valid response", st.LastError)
	}
	if st.Counters.Samples != 0 || st.Counters.Exceptions != 0 {
		t.Fatalf("counters %+v, want no sample and no exception", st.Counters)
	}
	if _, ok := s.Latest(); ok {
		t.Fatal("a reading without a response")
	}
	// libmodbus saw the requests and ignored them as another slave's. (It
	// then takes the next frame for that slave's answer and frames by
	// length, so the retry is partly read as a "confirmation to ignore":
	// how many fragments it ignored or rejected is libmodbus's business.)
	if ls := slave.Stats(); ls.Requests != 0 || ls.Ignored == 0 {
		t.Fatalf("libmodbus slave %+v, want requests ignored as another slave's and none answered", ls)
	}
}

// The reverse: libmodbus's master polls the simulator.
func TestSimulatorAnswersLibmodbusMaster(t *testing.T) {
	requireLibmodbus(t)
	master := func(t *testing.T, sm *sim.Sim, slave int) *modbusref.Master {
		t.Helper()
		m, err := modbusref.OpenMaster(modbusref.LineConfig{Device: sm.Path(), Baud: 9600, Parity: 'N', DataBits: 8, StopBits: 1}, slave, 500*time.Millisecond)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(m.Close)
		return m
	}
	exception := func(err error) byte {
		var e *modbusref.Error
		if errors.As(err, &e) {
			if c, ok := e.Exception(); ok {
				return c
			}
		}
		return 0
	}
	quiet := sim.Options{Protocol: "modbus", Noise: -1, Ambient: 24.3}

	t.Run("16-bit registers, functions 3 and 4, and exceptions", func(t *testing.T) {
		t.Parallel()
		o := quiet
		o.Slave, o.Register, o.Samples = 5, 20, []float64{36.5, -12.5, 37.3, 37.9, 38.1}
		sm := startSim(t, o)
		m := master(t, sm, 5)
		// Each answered read takes the next sample (exceptions take none):
		// object then ambient, tenths, signed.
		regs, err := m.ReadRegisters(3, 20, 2)
		if err != nil || !slices.Equal(regs, []uint16{365, 243}) {
			t.Fatalf("function 3 at 20: %v, %v", regs, err)
		}
		regs, err = m.ReadRegisters(4, 20, 1)
		if err != nil || !slices.Equal(regs, []uint16{0xFF83}) {
			t.Fatalf("function 4 at 20: %04X, %v", regs, err)
		}
		regs, err = m.ReadRegisters(4, 21, 1) // the ambient register; 37.3 goes by unseen
		if err != nil || !slices.Equal(regs, []uint16{243}) {
			t.Fatalf("function 4 at 21: %v, %v", regs, err)
		}
		for _, r := range []struct{ addr, n int }{{19, 1}, {22, 1}, {21, 2}, {0, 125}} {
			if _, err := m.ReadRegisters(3, r.addr, r.n); exception(err) != 2 {
				t.Errorf("reading %d at %d: %v, want exception 2", r.n, r.addr, err)
			}
		}
		// Function 0x10 is a longer frame than a read: the simulator must
		// still answer illegal function, not stay silent.
		if err := m.WriteRegisters(20, 1, 2); exception(err) != 1 {
			t.Errorf("write multiple registers: %v, want exception 1", err)
		}
		sm.SetFaults(sim.Faults{Exception: 0x04})
		if _, err := m.ReadRegisters(3, 20, 1); exception(err) != 4 {
			t.Errorf("with the device-failure fault: %v, want exception 4", err)
		}
		// The simulator's CRC fault (which the driver's CRC tests use) is a
		// CRC error to libmodbus too (the damaged answer took 37.9).
		sm.SetFaults(sim.Faults{CorruptEvery: 1})
		var e *modbusref.Error
		if _, err := m.ReadRegisters(3, 20, 1); !errors.As(err, &e) || !e.BadCRC() {
			t.Errorf("with the CRC fault: %v, want libmodbus's bad CRC", err)
		}
		sm.SetFaults(sim.Faults{})
		regs, err = m.ReadRegisters(3, 20, 1)
		if err != nil || !slices.Equal(regs, []uint16{381}) {
			t.Fatalf("after the fault: %v, %v", regs, err)
		}
	})
	t.Run("32-bit float, both word orders", func(t *testing.T) {
		t.Parallel()
		for _, swap := range []bool{false, true} {
			o := quiet
			o.Words, o.Float, o.WordSwap, o.Register, o.Samples = 2, true, swap, 100, []float64{36.52}
			sm := startSim(t, o)
			m := master(t, sm, 1)
			regs, err := m.ReadRegisters(4, 100, 4)
			if err != nil || len(regs) != 4 {
				t.Fatalf("swap %v: %v, %v", swap, regs, err)
			}
			want, order := [2]uint16{0x4212, 0x147B}, modbusref.ABCD // 36.52 as binary32
			if swap {
				want, order = [2]uint16{0x147B, 0x4212}, modbusref.CDAB
			}
			if [2]uint16(regs[:2]) != want {
				t.Fatalf("swap %v: object registers %04X, want %04X", swap, regs[:2], want)
			}
			f, err := modbusref.GetFloat(order, [2]uint16(regs[:2]))
			if err != nil || f != 36.52 {
				t.Fatalf("swap %v: libmodbus decodes %v, %v", swap, f, err)
			}
			if a, _ := modbusref.GetFloat(order, [2]uint16(regs[2:])); a != 24.3 {
				t.Fatalf("swap %v: ambient %v, want 24.3", swap, a)
			}
		}
	})
	t.Run("32-bit integer, high word first", func(t *testing.T) {
		t.Parallel()
		o := quiet
		o.Words, o.Scale, o.Samples = 2, 0.001, []float64{-40}
		sm := startSim(t, o)
		m := master(t, sm, 1)
		regs, err := m.ReadRegisters(3, 0, 2)
		if err != nil || !slices.Equal(regs, []uint16{0xFFFF, 0x63C0}) {
			t.Fatalf("%04X, %v; want FFFF 63C0 (-40000)", regs, err)
		}
	})
	t.Run("another slave address: silence", func(t *testing.T) {
		t.Parallel()
		o := quiet
		o.Slave = 2
		sm := startSim(t, o)
		m := master(t, sm, 3)
		_, err := m.ReadRegisters(3, 0, 1)
		var e *modbusref.Error
		if !errors.As(err, &e) || !e.Timeout() {
			t.Fatalf("%v, want a libmodbus timeout", err)
		}
		if st := sm.Stats(); st.Requests != 0 || st.Ignored == 0 {
			t.Fatalf("simulator %+v, want the request ignored", st)
		}
	})
}
