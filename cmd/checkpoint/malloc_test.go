package main

import (
	"runtime"
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
