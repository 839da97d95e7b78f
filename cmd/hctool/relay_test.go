package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/checkpoint-terminal/checkpoint/internal/modbusref"
	"github.com/checkpoint-terminal/checkpoint/internal/testenv"
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
