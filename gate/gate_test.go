package gate_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/checkpoint-terminal/checkpoint/gate"
	"github.com/checkpoint-terminal/checkpoint/internal/modbusref"
	"github.com/checkpoint-terminal/checkpoint/internal/testenv"
	"github.com/checkpoint-terminal/checkpoint/thermometer/sim"
)

// childEnv makes the test binary a terminal that opens the gate for a long
// pulse and then waits to be killed (see TestCrashMidPulseLeavesItShut).
const childEnv = "GATE_TEST_CHILD"

func TestMain(m *testing.M) {
	gate.RunSentinelIfAsked()
	if js := os.Getenv(childEnv); js != "" {
		runChild(js)
		return
	}
	os.Exit(m.Run())
}

func runChild(js string) {
	var cfg gate.Config
	if err := json.Unmarshal([]byte(js), &cfg); err != nil {
		fmt.Println("bad config:", err)
		os.Exit(2)
	}
	s, err := gate.StartSentinel(cfg)
	if err != nil {
		fmt.Println("sentinel:", err)
		os.Exit(2)
	}
	_ = s // killed with us: the sentinel must outlive us and release the relay
	g, err := gate.New(cfg, nil)
	if err != nil {
		fmt.Println("gate:", err)
		os.Exit(2)
	}
	if err := g.Pass(context.Background()); err != nil {
		fmt.Println("pass:", err)
		os.Exit(2)
	}
	fmt.Println("open")
	time.Sleep(time.Hour)
}

func requireLibmodbus(t *testing.T) {
	t.Helper()
	ok, why := modbusref.Available()
	testenv.Require(t, ok, "libmodbus, the independent Modbus implementation: "+why)
}

// refRelay is a libmodbus slave with 8 coils at the far end of a
// null-modem line; the config drives coil 3 of it.
func refRelay(t *testing.T, function byte) (*modbusref.Slave, gate.Config) {
	t.Helper()
	requireLibmodbus(t)
	line, err := modbusref.NewLine()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { line.Close() })
	s, err := modbusref.StartSlave(modbusref.SlaveConfig{LineConfig: modbusref.LineConfig{Device: line.B}, Slave: 5, CoilStart: 0, CoilLen: 8})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	cfg := gate.DefaultConfig()
	cfg.Driver, cfg.Port, cfg.Slave, cfg.Coil, cfg.Function = gate.DriverModbus, line.A, 5, 3, function
	cfg.Pulse = 300 * time.Millisecond
	return s, cfg
}

func coil(t *testing.T, s *modbusref.Slave, n int) bool {
	t.Helper()
	c, err := s.Coils(n, 1)
	if err != nil {
		t.Fatal(err)
	}
	return c[0]
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	end := time.Now().Add(10 * time.Second)
	for !ok() {
		if time.Now().After(end) {
			t.Fatalf("waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestModbusCoilPulseAgainstLibmodbus(t *testing.T) {
	for _, fn := range []byte{5, 15} {
		t.Run(fmt.Sprintf("function %d", fn), func(t *testing.T) {
			slave, cfg := refRelay(t, fn)
			// A crash left the relay energised: New must close it.
			r, err := gate.OpenRelay(cfg)
			if err != nil {
				t.Fatal(err)
			}
			if err := r.Set(context.Background(), true); err != nil {
				t.Fatalf("setting the coil: %v", err)
			}
			r.Close()
			if !coil(t, slave, 3) {
				t.Fatal("libmodbus does not see the coil set")
			}
			g, err := gate.New(cfg, nil)
			if err != nil {
				t.Fatal(err)
			}
			if coil(t, slave, 3) {
				t.Fatal("the relay was not closed at start")
			}
			start := time.Now()
			if err := g.Pass(context.Background()); err != nil {
				t.Fatal(err)
			}
			if !coil(t, slave, 3) || !g.Status().Open {
				t.Fatal("PASS did not set the coil")
			}
			if others, _ := slave.Coils(0, 8); slices.Index(others, true) != 3 || slices.Contains(others[4:], true) {
				t.Fatalf("other coils touched: %v", others)
			}
			waitFor(t, "the coil to clear after the pulse", func() bool { return !coil(t, slave, 3) })
			if d := time.Since(start); d < cfg.Pulse {
				t.Fatalf("pulse ended after %s, want %s", d, cfg.Pulse)
			}
			waitFor(t, "status closed", func() bool { return !g.Status().Open })
			// Shutdown mid-pulse closes it.
			if err := g.Pass(context.Background()); err != nil {
				t.Fatal(err)
			}
			if err := g.Close(); err != nil {
				t.Fatal(err)
			}
			if coil(t, slave, 3) {
				t.Fatal("Close left the coil set")
			}
			if st := g.Status(); st.Opens != 2 || st.Failures != 0 {
				t.Fatalf("status %+v", st)
			}
		})
	}
}

func TestModbusExceptionIsNoOpening(t *testing.T) {
	slave, cfg := refRelay(t, 5)
	g, err := gate.New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	slave.SetException(4) // server device failure
	err = g.Pass(context.Background())
	if err == nil || g.Status().Failures == 0 {
		t.Fatalf("Pass against an exception = %v, status %+v", err, g.Status())
	}
	slave.SetException(0)
	// The failure shows (the status bar's gate chip) until a pulse the
	// device confirms.
	if err := g.Pass(context.Background()); err != nil || g.Status().LastError != "" {
		t.Fatalf("Pass after the exception cleared = %v, status %+v", err, g.Status())
	}
	cfg.Coil = 99 // outside libmodbus's map: exception 2
	r, err := gate.OpenRelay(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if err := r.Set(context.Background(), true); err == nil || !strings.Contains(err.Error(), "illegal data address") {
		t.Fatalf("coil outside the map: %v", err)
	}
}

// boardPeer is a USB serial relay board on the far end of a pty: it
// decodes A0 <ch> <state> <sum> commands and keeps each channel's state.
type boardPeer struct {
	pty *sim.PTY
	mu  sync.Mutex
	on  [9]bool
	log []string
	bad int
}

func startBoard(t *testing.T) *boardPeer {
	t.Helper()
	p, err := sim.OpenPTY()
	if err != nil {
		t.Fatal(err)
	}
	b := &boardPeer{pty: p}
	done := make(chan struct{})
	go func() {
		defer close(done)
		r := bufio.NewReader(p.Master)
		var frame [4]byte
		for {
			c, err := r.ReadByte()
			if err != nil {
				return
			}
			if c != 0xA0 {
				b.mu.Lock()
				b.bad++
				b.mu.Unlock()
				continue
			}
			frame[0] = c
			for i := 1; i < 4; i++ {
				if frame[i], err = r.ReadByte(); err != nil {
					return
				}
			}
			b.mu.Lock()
			if frame[3] != frame[0]+frame[1]+frame[2] || frame[1] < 1 || frame[1] > 8 || frame[2] > 1 {
				b.bad++
			} else {
				b.on[frame[1]] = frame[2] == 1
				b.log = append(b.log, fmt.Sprintf("% X", frame))
			}
			b.mu.Unlock()
		}
	}()
	t.Cleanup(func() { p.Close(); <-done })
	return b
}

func (b *boardPeer) state(ch int) (bool, []string, int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.on[ch], slices.Clone(b.log), b.bad
}

func TestSerialBoardPulseOverPTY(t *testing.T) {
	if got := gate.BoardCommand(1, true); got != [4]byte{0xA0, 0x01, 0x01, 0xA2} {
		t.Fatalf("channel 1 on = % X", got)
	}
	if got := gate.BoardCommand(2, false); got != [4]byte{0xA0, 0x02, 0x00, 0xA2} {
		t.Fatalf("channel 2 off = % X", got)
	}
	b := startBoard(t)
	cfg := gate.DefaultConfig()
	cfg.Driver, cfg.Port, cfg.Channel, cfg.Pulse = gate.DriverSerial, b.pty.SlaveName, 2, 200*time.Millisecond
	g, err := gate.New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the close command at start", func() bool { _, l, _ := b.state(2); return len(l) == 1 })
	if err := g.Pass(context.Background()); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "channel 2 on", func() bool { on, _, _ := b.state(2); return on })
	waitFor(t, "channel 2 off after the pulse", func() bool { on, l, _ := b.state(2); return !on && len(l) == 3 })
	if err := g.Close(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the close command at shutdown", func() bool { _, l, _ := b.state(2); return len(l) == 4 })
	on, log, bad := b.state(2)
	want := []string{"A0 02 00 A2", "A0 02 01 A3", "A0 02 00 A2", "A0 02 00 A2"}
	if on || bad != 0 || !slices.Equal(log, want) {
		t.Fatalf("board saw %q (bad %d), want %q", log, bad, want)
	}
}

// TestCrashMidPulseLeavesItShut kills a terminal with SIGKILL while its
// gate is open (a 1 h pulse): its sentinel must release the relay.
func TestCrashMidPulseLeavesItShut(t *testing.T) {
	cases := []struct {
		name  string
		setup func(t *testing.T) (gate.Config, func() bool)
	}{
		{"modbus coil, libmodbus slave", func(t *testing.T) (gate.Config, func() bool) {
			slave, cfg := refRelay(t, 5)
			return cfg, func() bool { return coil(t, slave, 3) }
		}},
		{"serial relay board", func(t *testing.T) (gate.Config, func() bool) {
			b := startBoard(t)
			cfg := gate.DefaultConfig()
			cfg.Driver, cfg.Port, cfg.Channel = gate.DriverSerial, b.pty.SlaveName, 1
			return cfg, func() bool { on, _, _ := b.state(1); return on }
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg, energised := tc.setup(t)
			cfg.Pulse = time.Minute
			js, _ := json.Marshal(cfg)
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), childEnv+"="+string(js))
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			cmd.Stderr = os.Stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { cmd.Process.Kill() })
			line, err := bufio.NewReader(out).ReadString('\n')
			if err != nil || line != "open\n" {
				cmd.Process.Kill()
				cmd.Wait()
				t.Fatalf("child said %q, %v", line, err)
			}
			waitFor(t, "the child's PASS to energise the relay", energised)
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			err = cmd.Wait()
			var ee *exec.ExitError
			if !errors.As(err, &ee) {
				t.Fatalf("child: %v", err)
			}
			start := time.Now()
			waitFor(t, "the sentinel to release the relay", func() bool { return !energised() })
			t.Logf("relay released %s after SIGKILL", time.Since(start).Round(time.Millisecond))
		})
	}
}

// A SIGTERM to the terminal's whole process group (systemd stopping the
// unit, Ctrl-C in a shell) while the terminal dies mid-pulse: the sentinel
// must not die with it before releasing the relay.
func TestGroupSignalMidPulseLeavesItShut(t *testing.T) {
	b := startBoard(t)
	cfg := gate.DefaultConfig()
	cfg.Driver, cfg.Port, cfg.Channel, cfg.Pulse = gate.DriverSerial, b.pty.SlaveName, 1, time.Minute
	energised := func() bool { on, _, _ := b.state(1); return on }
	js, _ := json.Marshal(cfg)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+string(js))
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pgid := cmd.Process.Pid
	t.Cleanup(func() { syscall.Kill(-pgid, syscall.SIGKILL) })
	if line, err := bufio.NewReader(out).ReadString('\n'); err != nil || line != "open\n" {
		t.Fatalf("child said %q, %v", line, err)
	}
	waitFor(t, "the child's PASS to energise the relay", energised)
	if err := syscall.Kill(-pgid, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	waitFor(t, "the sentinel to release the relay", func() bool { return !energised() })
}

func TestConfigValidate(t *testing.T) {
	ok := gate.DefaultConfig()
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	cases := map[string]func(*gate.Config){
		"unknown driver":        func(c *gate.Config) { c.Driver = "telnet" },
		"zero pulse":            func(c *gate.Config) { c.Pulse = 0 },
		"modbus broadcast":      func(c *gate.Config) { c.Driver, c.Slave = gate.DriverModbus, 0 },
		"modbus function 6":     func(c *gate.Config) { c.Driver, c.Function = gate.DriverModbus, 6 },
		"serial channel 9":      func(c *gate.Config) { c.Driver, c.Channel = gate.DriverSerial, 9 },
		"serial without a port": func(c *gate.Config) { c.Driver, c.Port = gate.DriverSerial, "" },
		"gpio without a chip":   func(c *gate.Config) { c.Driver, c.Chip = gate.DriverGPIO, "" },
		"gpio negative line":    func(c *gate.Config) { c.Driver, c.Line = gate.DriverGPIO, -1 },
	}
	for name, mut := range cases {
		c := gate.DefaultConfig()
		mut(&c)
		if err := c.Validate(); !errors.Is(err, gate.ErrConfig) {
			t.Errorf("%s: %v, want ErrConfig", name, err)
		}
	}
}

func TestGPIOWithoutAChipSaysSo(t *testing.T) {
	cfg := gate.DefaultConfig()
	cfg.Driver, cfg.Chip = gate.DriverGPIO, "gpiochip-none-here"
	_, err := gate.New(cfg, nil)
	if err == nil || !strings.Contains(err.Error(), "/dev/gpiochip-none-here") {
		t.Fatalf("missing chip: %v", err)
	}
}
