package sync_test

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	gosync "sync"
	"syscall"
	"testing"
	"time"

	cpsync "github.com/checkpoint-terminal/checkpoint/sync"
)

const crashChildEnv = "CHECKPOINT_SYNC_CRASH_CHILD"

// crashChild is the writer the crash test kills: it appends records from
// four goroutines and prints "stored <id>" once Append has returned.
func crashChild(path string) int {
	s, err := cpsync.Open(path, cpsync.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println("open")
	var mu gosync.Mutex
	var wg gosync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := 0; ; i++ {
				r, err := s.Append(context.Background(), newRecord("T1", "gate", fmt.Sprintf("w%d-%d", w, i), time.Now()))
				if err != nil {
					fmt.Fprintln(os.Stderr, err)
					os.Exit(1)
				}
				mu.Lock()
				fmt.Printf("stored %s\n", r.ID)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return 0
}

// TestCrashKeepsEveryStoredRecord kills a writer with SIGKILL at random
// moments and checks, after each kill, that the file is consistent and
// holds every record the writer had reported as stored.
func TestCrashKeepsEveryStoredRecord(t *testing.T) {
	path := filepath.Join(t.TempDir(), "crash.db")
	reported := map[string]bool{}
	for round := range 8 {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), crashChildEnv+"="+path)
		cmd.Stderr = os.Stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := make(chan string, 1024)
		go func() {
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				lines <- sc.Text()
			}
			close(lines)
		}()
		if l := <-lines; l != "open" {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("round %d: child said %q before opening", round, l)
		}
		kill := time.After(time.Duration(5+rand.IntN(150)) * time.Millisecond)
		var got []string
	read:
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					break read
				}
				got = append(got, l)
			case <-kill:
				if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
					t.Fatal(err)
				}
				kill = nil
			}
		}
		err = cmd.Wait()
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
			t.Fatalf("round %d: child ended with %v, not by SIGKILL", round, err)
		}
		for _, l := range got {
			if id, ok := strings.CutPrefix(l, "stored "); ok {
				reported[id] = true
			}
		}

		s, err := cpsync.Open(path, cpsync.Options{})
		if err != nil {
			t.Fatalf("round %d: reopening after SIGKILL: %v", round, err)
		}
		if err := s.Check(); err != nil {
			t.Fatalf("round %d: file inconsistent after SIGKILL: %v", round, err)
		}
		recs, err := s.Recent(1 << 30)
		if err != nil {
			t.Fatal(err)
		}
		have := make(map[string]bool, len(recs))
		for _, r := range recs {
			have[r.ID] = true
		}
		for id := range reported {
			if !have[id] {
				t.Fatalf("round %d: record %s was reported stored but is gone", round, id)
			}
		}
		if s.Pending() != len(recs) {
			t.Errorf("round %d: %d pending of %d records; none was pushed", round, s.Pending(), len(recs))
		}
		s.Close()
		t.Logf("round %d: %d reported stored in total, %d in the file", round, len(reported), len(recs))
	}
	if len(reported) == 0 {
		t.Fatal("the writer never reported a record stored")
	}
}
