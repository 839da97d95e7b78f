package main

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
)

// Threads allocating at once get at most mallocArenas arenas, however many
// there are: the cap is set before any thread runs.
func TestMallocArenasAreCapped(t *testing.T) {
	var wg sync.WaitGroup
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			runtime.LockOSThread() // a thread of its own, kept busy in malloc
			for j := 0; j < 200; j++ {
				if _, err := readCHeap(); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	h, err := readCHeap()
	if err != nil {
		t.Fatal(err)
	}
	if h.Arenas < 1 || h.Arenas > mallocArenas || h.Allocated <= 0 || h.Allocated > h.System {
		t.Errorf("malloc holds %+v, want 1..%d arenas and 0 < allocated <= system", h, mallocArenas)
	}
	t.Logf("%+v", h)
}

// The cap is set at load unless the environment chose the arena count:
// MALLOC_ARENA_MAX or the glibc.malloc.arena_max tunable win, as GOGC and
// GOMEMLIMIT do. Each case runs this test binary afresh (the constructor
// runs at load) and asks it through TestArenaCapProbe.
func TestMallocArenaCapYieldsToTheEnvironment(t *testing.T) {
	if os.Getenv("MALLOC_ARENA_MAX") == "" && !strings.Contains(os.Getenv("GLIBC_TUNABLES"), "arena_max") && !arenasCapped() {
		t.Error("no arena cap set, and the environment names none")
	}
	for _, c := range []struct {
		env    string
		capped bool
	}{
		{"CHECKPOINT_UNRELATED=1", true},
		{"MALLOC_ARENA_MAX=4", false},
		{"GLIBC_TUNABLES=glibc.malloc.arena_max=4", false},
		{"GLIBC_TUNABLES=glibc.malloc.trim_threshold=131072", true},
	} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestArenaCapProbe$", "-test.count=1")
		cmd.Env = append(slices.DeleteFunc(os.Environ(), func(e string) bool {
			return strings.HasPrefix(e, "MALLOC_ARENA_MAX=") || strings.HasPrefix(e, "GLIBC_TUNABLES=")
		}), "CHECKPOINT_ARENA_PROBE=1", c.env)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", c.env, err, out)
		}
		if want := fmt.Sprintf("arenas capped: %v\n", c.capped); !strings.Contains(string(out), want) {
			t.Errorf("with %s: got %q, want %q", c.env, out, want)
		}
	}
}

// TestArenaCapProbe prints arenasCapped for the test above.
func TestArenaCapProbe(t *testing.T) {
	if os.Getenv("CHECKPOINT_ARENA_PROBE") != "1" {
		t.Skip("run by TestMallocArenaCapYieldsToTheEnvironment")
	}
	fmt.Printf("arenas capped: %v\n", arenasCapped())
}
