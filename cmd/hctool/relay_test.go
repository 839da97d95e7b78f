package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
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

func TestRelayModbusSetsACoilLibmodbusSees(t *testing.T) {
	ok, why := modbusref.Available()
	testenv.Require(t, ok, "libmodbus: "+why)
	line, err := modbusref.NewLine()
	if err != nil {
		t.Fatal(err)
	}
	defer line.Close()
	slave, err := modbusref.StartSlave(modbusref.SlaveConfig{LineConfig: modbusref.LineConfig{Device: line.B, Baud: 19200}, Slave: 3, CoilLen: 16})
	if err != nil {
		t.Fatal(err)
	}
	defer slave.Close()
	// Watch the coil while hctool pulses it.
	seen := make(chan bool, 1)
	go func() {
		end := time.Now().Add(10 * time.Second)
		for time.Now().Before(end) {
			if c, err := slave.Coils(7, 1); err == nil && c[0] {
				seen <- true
				return
			}
			time.Sleep(2 * time.Millisecond)
		}
		seen <- false
	}()
	var out, errb bytes.Buffer
	args := []string{"relay", "-driver", "modbus", "-port", line.A, "-baud", "19200", "-slave", "3", "-coil", "7", "-pulse", "300ms"}
	if code := run(context.Background(), args, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if !<-seen {
		t.Fatal("libmodbus never saw coil 7 set")
	}
	if c, _ := slave.Coils(7, 1); c[0] {
		t.Fatal("coil 7 left set")
	}
	if n, _ := slave.CoilWrites(); n != 2 {
		t.Fatalf("%d coil writes, want 2", n)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	for i, want := range []string{"open", "close"} {
		var s relayStep
		if err := json.Unmarshal([]byte(lines[i]), &s); err != nil || s.Step != want || !s.Confirmed {
			t.Fatalf("line %d %q: %+v %v", i, lines[i], s, err)
		}
	}
	// An exception from the module: no confirmation, exit status 1.
	slave.SetException(4)
	out.Reset()
	errb.Reset()
	if code := run(context.Background(), args, &out, &errb); code != 1 || !strings.Contains(errb.String(), "server device failure") {
		t.Fatalf("exception: exit %d, %s", code, errb.String())
	}
	// Nobody answers (wrong address): exit status 1.
	slave.SetException(0)
	args[8] = "4"
	if code := run(context.Background(), append(args, "-retries", "0", "-response-timeout", "200ms"), &out, &errb); code != 1 {
		t.Fatalf("no answer: exit %d", code)
	}
}

func TestRelayNeedsADriver(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"relay"}, &out, &errb); code == 0 {
		t.Fatal("no driver accepted")
	}
	if code := run(context.Background(), []string{"relay", "-driver", "gpio", "-chip", "gpiochip-absent"}, &out, &errb); code != 1 || !strings.Contains(errb.String(), "gpiochip-absent") {
		t.Fatalf("absent chip: exit %d %s", code, errb.String())
	}
	// The line settings of [gate] are flags too; a wrong one is named.
	errb.Reset()
	if code := run(context.Background(), []string{"relay", "-driver", "modbus", "-port", "/dev/null", "-stopbits", "3"}, &out, &errb); code != 1 || !strings.Contains(errb.String(), "stop bits") {
		t.Fatalf("-stopbits 3: exit %d %s", code, errb.String())
	}
}

// runMainEnv makes the test binary run hctool's main with its arguments
// (see TestMain), for tests that must kill a real hctool process.
const runMainEnv = "HCTOOL_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(runMainEnv) != "" {
		main() // calls gate.RunSentinelIfAsked first, as the binary does
		return
	}
	gate.RunSentinelIfAsked()
	os.Exit(m.Run())
}

// hctool relay killed with SIGKILL mid-pulse: its sentinel releases the
// relay (a 4-byte USB board on a pty here).
func TestRelayKilledMidPulseLeavesItShut(t *testing.T) {
	p, err := sim.OpenPTY()
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	var mu sync.Mutex
	on := false
	go func() {
		var f [4]byte
		for {
			if _, err := io.ReadFull(p.Master, f[:]); err != nil {
				return
			}
			if f == gate.BoardCommand(1, true) || f == gate.BoardCommand(1, false) {
				mu.Lock()
				on = f[2] == 1
				mu.Unlock()
			}
		}
	}()
	energised := func() bool { mu.Lock(); defer mu.Unlock(); return on }
	cmd := exec.Command(os.Args[0], "relay", "-driver", "serial", "-port", p.SlaveName, "-channel", "1", "-pulse", "1m")
	cmd.Env = append(os.Environ(), runMainEnv+"=1")
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	wait := func(what string, ok func() bool) {
		t.Helper()
		for end := time.Now().Add(10 * time.Second); !ok(); time.Sleep(5 * time.Millisecond) {
			if time.Now().After(end) {
				t.Fatalf("waiting for %s", what)
			}
		}
	}
	wait("hctool relay to energise the relay", energised)
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	wait("the sentinel to release the relay", func() bool { return !energised() })
}
