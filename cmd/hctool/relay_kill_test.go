package main

import (
	"io"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/checkpoint-terminal/checkpoint/gate"
	"github.com/checkpoint-terminal/checkpoint/thermometer/sim"
)

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
