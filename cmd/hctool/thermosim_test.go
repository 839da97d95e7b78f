package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/checkpoint-terminal/checkpoint/thermometer/sim"
)

// lockedBuffer lets the test read what the command writes meanwhile.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestThermosimServesThermometer(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var simOut lockedBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"thermosim", "--protocol", "modbus", "--script", "36.9:2s", "--interval", "20ms", "--slave", "5"}, &simOut, io.Discard)
	}()
	var path string
	for end := time.Now().Add(10 * time.Second); path == "" && time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
		if line, _ := bufio.NewReader(strings.NewReader(simOut.String())).ReadString('\n'); strings.HasSuffix(line, "\n") {
			path = strings.TrimSpace(line)
		}
	}
	if path == "" {
		t.Fatal("thermosim printed no device path")
	}
	var out, errb bytes.Buffer
	rctx, rcancel := context.WithTimeout(ctx, 20*time.Second)
	defer rcancel()
	if code := run(rctx, []string{"thermometer", "-port", path, "-protocol", "modbus", "-slave", "5", "-poll", "20ms", "-readings", "2"}, &out, &errb); code != 0 {
		t.Fatalf("thermometer exit %d: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), `"reading":"ok"`) {
		t.Fatalf("no settled reading from the simulator: %s", out.String())
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("thermosim exit %d", code)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("thermosim did not stop on cancel")
	}
}

func TestParseScript(t *testing.T) {
	got, err := parseScript("36.6, 38.2:3s ,none")
	if err != nil {
		t.Fatal(err)
	}
	want := []sim.Person{{Celsius: 36.6}, {Celsius: 38.2, Hold: 3 * time.Second}, {}}
	if len(got) != len(want) {
		t.Fatalf("got %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %+v, want %+v", got, want)
		}
	}
	for _, bad := range []string{"hot", "36.6:forever", "120"} {
		if _, err := parseScript(bad); err == nil {
			t.Errorf("script %q accepted", bad)
		}
	}
}
