package sim

import (
	"bytes"
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/checkpoint-terminal/checkpoint/modbus"
	"github.com/checkpoint-terminal/checkpoint/thermometer/gy906"
	"github.com/tarm/serial"
)

func newSim(t *testing.T, o Options) *Sim {
	t.Helper()
	s, err := New(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// open opens the simulator's device the way the terminal does.
func open(t *testing.T, path string) *serial.Port {
	t.Helper()
	p, err := serial.OpenPort(&serial.Config{Name: path, Baud: 9600, ReadTimeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// readFor collects what arrives within d (tarm returns (0, io.EOF) on a
// quiet line, which is not an error here).
func readFor(p *serial.Port, d time.Duration, enough int) []byte {
	var got []byte
	buf := make([]byte, 256)
	for end := time.Now().Add(d); time.Now().Before(end) && len(got) < enough; {
		n, _ := p.Read(buf)
		got = append(got, buf[:n]...)
	}
	return got
}

func TestModbusSlaveAnswersAsTheSpecSays(t *testing.T) {
	s := newSim(t, Options{Protocol: "modbus", Slave: 0x11, Register: 100, Samples: []float64{36.6}, Noise: -1})
	p := open(t, s.Path())
	raw := func(b ...byte) []byte { return modbus.AppendCRC(b) }
	cases := []struct {
		name      string
		req       []byte
		exception byte // 0: a normal response or silence
		silent    bool
		regs      []uint16
	}{
		{"holding registers: object then ambient", raw(0x11, 3, 0, 100, 0, 2), 0, false, []uint16{366, 240}},
		{"input register: object", raw(0x11, 4, 0, 100, 0, 1), 0, false, []uint16{366}},
		{"write single register is an illegal function", raw(0x11, 6, 0, 100, 0, 1), modbus.ExIllegalFunction, false, nil},
		{"quantity 0 is an illegal data value", raw(0x11, 3, 0, 100, 0, 0), modbus.ExIllegalDataValue, false, nil},
		{"quantity 126 is an illegal data value", raw(0x11, 3, 0, 100, 0, 126), modbus.ExIllegalDataValue, false, nil},
		{"unmapped register is an illegal data address", raw(0x11, 3, 0, 99, 0, 1), modbus.ExIllegalDataAddress, false, nil},
		{"range running off the map", raw(0x11, 3, 0, 101, 0, 2), modbus.ExIllegalDataAddress, false, nil},
		{"bad CRC: silence", []byte{0x11, 3, 0, 100, 0, 1, 0, 0}, 0, true, nil},
		{"another slave: silence", raw(0x12, 3, 0, 100, 0, 1), 0, true, nil},
		{"broadcast: silence", raw(0x00, 3, 0, 100, 0, 1), 0, true, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			time.Sleep(20 * time.Millisecond) // t3.5 and more between frames
			if _, err := p.Write(tc.req); err != nil {
				t.Fatal(err)
			}
			want := 5 + 2*len(tc.regs)
			if tc.exception != 0 {
				want = modbus.ExceptionLen
			}
			got := readFor(p, 500*time.Millisecond, want)
			if tc.silent {
				if len(got) != 0 {
					t.Fatalf("slave answered % X", got)
				}
				return
			}
			regs, err := modbus.ParseReadResponse(0x11, tc.req[1], uint16(max(len(tc.regs), 1)), got)
			var ex *modbus.ExceptionError
			if tc.exception != 0 {
				if !errors.As(err, &ex) || ex.Code != tc.exception {
					t.Fatalf("response % X: %v, want exception %d", got, err, tc.exception)
				}
				return
			}
			if err != nil || len(regs) != len(tc.regs) || regs[0] != tc.regs[0] || len(regs) > 1 && regs[1] != tc.regs[1] {
				t.Fatalf("response % X: %v %v, want %v", got, regs, err, tc.regs)
			}
		})
	}
}

func TestGY906WaitsForItsCommand(t *testing.T) {
	s := newSim(t, Options{Protocol: "gy906", Interval: 10 * time.Millisecond, Samples: []float64{36.6}})
	p := open(t, s.Path())
	if got := readFor(p, 200*time.Millisecond, 1); len(got) != 0 {
		t.Fatalf("module spoke before being asked: % X", got)
	}
	if _, err := p.Write(gy906.CmdQuery); err != nil {
		t.Fatal(err)
	}
	frames := new(gy906.Decoder).Feed(readFor(p, time.Second, gy906.FrameLen))
	if len(frames) != 1 {
		t.Fatalf("query answered with %d frames", len(frames))
	}
	if tt, _ := frames[0].Temperatures(); tt.Object != 36.6 {
		t.Fatalf("object %v", tt.Object)
	}
	if _, err := p.Write(gy906.CmdContinuous); err != nil {
		t.Fatal(err)
	}
	if frames := new(gy906.Decoder).Feed(readFor(p, 2*time.Second, 3*gy906.FrameLen)); len(frames) < 3 {
		t.Fatalf("continuous output gave %d frames", len(frames))
	}
}

func TestUnplugRemovesTheDeviceAndReplugRestoresIt(t *testing.T) {
	s := newSim(t, Options{Protocol: "ascii", Interval: 10 * time.Millisecond, ASCIIFormat: "T=%.1f\n"})
	p := open(t, s.Path())
	if got := readFor(p, time.Second, 6); !bytes.HasPrefix(got, []byte("T=")) && !bytes.Contains(got, []byte("\nT=")) {
		t.Fatalf("no ascii line: %q", got)
	}
	first := s.SlaveName()
	if err := s.Unplug(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(s.Path()); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("device path still there after unplug: %v", err)
	}
	if _, err := p.Write([]byte("x")); err == nil {
		t.Fatal("writing to an unplugged device succeeded")
	}
	if err := s.Replug(); err != nil {
		t.Fatal(err)
	}
	if target, err := os.Readlink(s.Path()); err != nil || target != s.SlaveName() {
		t.Fatalf("link %q %v, want %q (was %q)", target, err, s.SlaveName(), first)
	}
	p2 := open(t, s.Path())
	if got := readFor(p2, time.Second, 6); len(got) == 0 {
		t.Fatal("no data after replug")
	}
	if s.Stats().Plugs != 2 {
		t.Fatalf("plugs %d", s.Stats().Plugs)
	}
}

func TestStartRandomPeople(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	path, stop, err := Start(ctx, "ascii", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	p := open(t, path)
	if got := readFor(p, 2*time.Second, 20); !bytes.Contains(got, []byte("Object: ")) {
		t.Fatalf("no lines from the random simulator: %q", got)
	}
	cancel()
	// Ending the context unplugs the device.
	for end := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if _, err := os.Lstat(path); errors.Is(err, os.ErrNotExist) {
			break
		}
		if time.Now().After(end) {
			t.Fatal("device still there after the context ended")
		}
	}
}

func TestGeneratorTimeline(t *testing.T) {
	g := &generator{ambient: 24, gap: time.Second, rise: time.Second, fall: time.Second,
		script: []Person{{Celsius: 38, Hold: 2 * time.Second}, {Hold: time.Second}}}
	t0 := time.Unix(1000, 0)
	at := func(d time.Duration) float64 { return g.value(t0.Add(d)) }
	cases := []struct {
		after time.Duration
		want  float64
	}{
		{0, 24},                       // gap
		{1500 * time.Millisecond, 31}, // halfway up
		{2500 * time.Millisecond, 38}, // plateau
		{4500 * time.Millisecond, 31}, // halfway down
		{6 * time.Second, 24},         // gap before nobody
		{7500 * time.Millisecond, 24}, // nobody
		{20 * time.Second, 24},        // script over: ambient
	}
	for _, tc := range cases {
		if got := at(tc.after); got != tc.want {
			t.Errorf("at %s: %v, want %v", tc.after, got, tc.want)
		}
	}
}
