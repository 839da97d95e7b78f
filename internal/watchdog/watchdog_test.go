package watchdog_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/checkpoint-terminal/checkpoint/internal/watchdog"
	"github.com/checkpoint-terminal/checkpoint/scanner/camera"
)

// notifySocket listens where sd_notify sends (NOTIFY_SOCKET) and returns
// the messages received.
func notifySocket(t *testing.T) <-chan string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "notify")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	t.Setenv("NOTIFY_SOCKET", path)
	msgs := make(chan string, 100)
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := conn.Read(buf)
			if err != nil {
				return
			}
			msgs <- string(buf[:n])
		}
	}()
	return msgs
}

func count(msgs <-chan string, d time.Duration, want string) int {
	n := 0
	deadline := time.After(d)
	for {
		select {
		case m := <-msgs:
			if strings.Contains(m, want) {
				n++
			}
		case <-deadline:
			return n
		}
	}
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// TestPingsOnlyWhileAlive: READY=1 reaches the socket; WATCHDOG=1 arrives
// while the scan loop takes frames and the UI loop runs, and stops when
// either hangs.
func TestPingsOnlyWhileAlive(t *testing.T) {
	msgs := notifySocket(t)
	if err := watchdog.Ready("scanning"); err != nil {
		t.Fatal(err)
	}
	if m := <-msgs; !strings.Contains(m, "READY=1") || !strings.Contains(m, "STATUS=scanning") {
		t.Fatalf("got %q, want READY=1 with a status", m)
	}

	var frames atomic.Uint64
	status := func() camera.Status { return camera.Status{Frames: frames.Load()} }
	var uiHung atomic.Bool
	post := func(f func()) {
		if !uiHung.Load() {
			go f()
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		for ctx.Err() == nil { // a camera at 100 fps and a scan loop keeping up
			frames.Add(1)
			time.Sleep(10 * time.Millisecond)
		}
	}()
	go watchdog.Run(ctx, 300*time.Millisecond, quiet, watchdog.ScanLoop(status), watchdog.UILoop(post, 150*time.Millisecond))
	if n := count(msgs, time.Second, "WATCHDOG=1"); n < 2 {
		t.Fatalf("%d pings in 1 s while alive, want several", n)
	}
	uiHung.Store(true)
	count(msgs, 400*time.Millisecond, "") // the beat posted before the hang may still run
	if n := count(msgs, time.Second, "WATCHDOG=1"); n != 0 {
		t.Errorf("%d pings in 1 s with the window's loop hung, want none", n)
	}
	cancel()
}

// TestScanLoopProbe: frames captured but none taken is a hang; a camera
// that captures nothing is not the loop's fault.
func TestScanLoopProbe(t *testing.T) {
	var st camera.Status
	p := watchdog.ScanLoop(func() camera.Status { return st })
	now := time.Now()
	if err := p(now); err != nil {
		t.Fatal(err)
	}
	st.Frames = 30 // taken all 30
	if err := p(now); err != nil {
		t.Errorf("loop keeping up: %v", err)
	}
	if err := p(now); err != nil {
		t.Errorf("camera captured nothing: %v", err)
	}
	st.Frames, st.Dropped = 60, 30 // 30 new frames, all dropped
	if err := p(now); err == nil {
		t.Error("30 frames captured and none taken: no error")
	}
}

// TestIntervalUnderCage: systemd names cage in WATCHDOG_PID; the terminal,
// its child, takes the interval.
func TestIntervalUnderCage(t *testing.T) {
	t.Setenv("WATCHDOG_USEC", "30000000")
	t.Setenv("WATCHDOG_PID", "1")
	if d := watchdog.Interval(); d != 0 {
		t.Errorf("WATCHDOG_PID of an unrelated process: %s, want 0", d)
	}
	t.Setenv("WATCHDOG_PID", strconv.Itoa(os.Getppid()))
	if d := watchdog.Interval(); d != 30*time.Second {
		t.Errorf("WATCHDOG_PID of the parent: %s, want 30s", d)
	}
}
