package sync_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	cpsync "github.com/checkpoint-terminal/checkpoint/sync"
)

const fullDiskChildEnv = "CHECKPOINT_SYNC_FULL_DISK_CHILD"

// fullDiskChild caps the size of files it may write (RLIMIT_FSIZE, as a
// full disk does: the write fails with EFBIG) and appends until Append
// fails, printing "stored <id>" per record and "error <text>" at the end.
func fullDiskChild(path string) int {
	signal.Ignore(syscall.SIGXFSZ)
	s, err := cpsync.Open(path, cpsync.Options{})
	if err != nil {
		fmt.Println("error", err)
		return 1
	}
	lim := syscall.Rlimit{Cur: 256 << 10, Max: 256 << 10}
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &lim); err != nil {
		fmt.Println("setrlimit", err)
		return 1
	}
	for i := range 100_000 {
		r := newRecord("T1", "gate", fmt.Sprintf("code-%d-%s", i, strings.Repeat("x", 1000)), time.Now())
		stored, err := s.Append(context.Background(), r)
		if err != nil {
			fmt.Println("error", err)
			s.Close()
			return 0
		}
		fmt.Println("stored", stored.ID)
	}
	fmt.Println("no error after 100000 records")
	return 0
}

// TestFullDiskIsAnErrorNotALoss fills the file up to a size limit: Append
// must return an error (for the UI), and every record it had reported as
// stored must be in the file afterwards.
func TestFullDiskIsAnErrorNotALoss(t *testing.T) {
	path := filepath.Join(t.TempDir(), "full.db")
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), fullDiskChildEnv+"="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var stored []string
	var lastErr string
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		l := sc.Text()
		if id, ok := strings.CutPrefix(l, "stored "); ok {
			stored = append(stored, id)
		} else {
			lastErr = l
		}
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("writer failed: %v (%s)", err, lastErr)
	}
	if !strings.HasPrefix(lastErr, "error ") || !strings.Contains(lastErr, "storing record") {
		t.Fatalf("writer ended with %q, want an Append error", lastErr)
	}
	t.Logf("%d records stored before: %s", len(stored), lastErr)
	s := openStore(t, path, nil)
	if err := s.Check(); err != nil {
		t.Fatalf("file inconsistent after the write failure: %v", err)
	}
	recs, err := s.Recent(1 << 30)
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, r := range recs {
		have[r.ID] = true
	}
	for _, id := range stored {
		if !have[id] {
			t.Fatalf("record %s was reported stored but is gone", id)
		}
	}
	if len(stored) == 0 {
		t.Fatal("nothing was stored before the limit")
	}
}
