package gate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"
)

// sentinelEnv carries the relay's config (JSON) to a sentinel process.
const sentinelEnv = "CHECKPOINT_GATE_SENTINEL"

// RunSentinelIfAsked turns this process into a gate sentinel when it was
// started as one by StartSentinel, and never returns then; otherwise it
// returns at once. Every binary that starts a sentinel (cmd/checkpoint)
// calls it first thing in main.
//
// The sentinel blocks reading a pipe whose other end only the terminal
// holds. When the terminal exits in order it writes "q" first and the
// sentinel leaves quietly; when it dies any other way (SIGKILL, a crash,
// the OOM killer) the kernel closes the pipe, the read returns EOF, and
// the sentinel opens the relay's device itself and releases the relay,
// retrying for up to 10 s. A relay is thus never left energised by a
// terminal that died mid-pulse, unless the sentinel is killed with it (a
// SIGKILL to the whole process group or cgroup); the next start then
// closes it (see New). SIGINT, SIGTERM, SIGHUP and SIGQUIT, which a shell
// or systemd sends to the whole group, are ignored.
func RunSentinelIfAsked() {
	sentinelAware.Store(true)
	js := os.Getenv(sentinelEnv)
	if js == "" {
		return
	}
	var cfg Config
	if err := json.Unmarshal([]byte(js), &cfg); err != nil {
		fmt.Fprintln(os.Stderr, "gate sentinel: bad config:", err)
		os.Exit(2)
	}
	// A signal meant for the terminal's whole process group (Ctrl-C in a
	// shell) or cgroup (systemd stopping the unit after the terminal
	// crashed) must not end the sentinel before it has released the
	// relay; it leaves on its own once done.
	signal.Ignore(syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT)
	if ready := os.NewFile(4, "gate-sentinel-ready"); ready != nil {
		ready.Write([]byte{'r'})
		ready.Close()
	}
	pipe := os.NewFile(3, "gate-sentinel-pipe")
	b := make([]byte, 1)
	if n, _ := pipe.Read(b); n == 1 && b[0] == 'q' {
		os.Exit(0)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for ctx.Err() == nil {
		r, err := OpenRelay(cfg)
		if err == nil {
			err = r.Set(ctx, false)
			r.Close()
			if err == nil {
				fmt.Fprintln(os.Stderr, "gate sentinel: the terminal died; relay released")
				os.Exit(0)
			}
		}
		fmt.Fprintln(os.Stderr, "gate sentinel: releasing the relay:", err)
		time.Sleep(200 * time.Millisecond)
	}
	os.Exit(1)
}

// sentinelAware records that this executable calls RunSentinelIfAsked, so
// running it again as a sentinel cannot start a second terminal (or a
// test binary's whole suite). It is the package's only global state, set
// once from main.
var sentinelAware atomic.Bool

// ErrNoSentinelHook means the executable never called RunSentinelIfAsked.
var ErrNoSentinelHook = errors.New("gate sentinel: this executable does not call gate.RunSentinelIfAsked in main")

// Sentinel is a running sentinel process.
type Sentinel struct {
	cmd  *exec.Cmd
	pipe *os.File
}

// StartSentinel starts a sentinel for cfg by running this executable again
// with the config in its environment. The executable must call
// RunSentinelIfAsked first thing in main (or TestMain).
func StartSentinel(cfg Config) (*Sentinel, error) {
	if !sentinelAware.Load() {
		return nil, ErrNoSentinelHook
	}
	js, err := json.Marshal(cfg)
	if err != nil {
		return nil, err
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("gate sentinel: %w", err)
	}
	r, w, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("gate sentinel: %w", err)
	}
	readyR, readyW, err := os.Pipe()
	if err != nil {
		r.Close()
		w.Close()
		return nil, fmt.Errorf("gate sentinel: %w", err)
	}
	defer readyR.Close()
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), sentinelEnv+"="+string(js))
	cmd.ExtraFiles = []*os.File{r, readyW}
	cmd.Stderr = os.Stderr
	err = cmd.Start()
	r.Close()
	readyW.Close()
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("gate sentinel: starting %s: %w", exe, err)
	}
	// Wait until it stands guard (signals ignored, reading the pipe):
	// a gate used before then would have no sentinel.
	readyR.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := readyR.Read(make([]byte, 1)); err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		w.Close()
		return nil, fmt.Errorf("gate sentinel: not ready: %w", err)
	}
	return &Sentinel{cmd: cmd, pipe: w}, nil
}

// Stop tells the sentinel the terminal is leaving in order (it then does
// nothing) and waits for it.
func (s *Sentinel) Stop() error {
	s.pipe.Write([]byte{'q'})
	s.pipe.Close()
	return s.cmd.Wait()
}
