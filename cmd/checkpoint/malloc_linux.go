package main

/*
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECKPOINT_MALLOC_ARENAS 2

// checkpoint_bound_arenas caps glibc's malloc arenas (M_ARENA_MAX). glibc
// gives threads that allocate under contention arenas of their own (up to
// 8 per core), and OpenCV's, Mesa's and the Go runtime's threads each keep
// one with its free memory. It runs as an ELF constructor, before the Go
// runtime starts a thread: set from a Go init function the cap came too
// late (measured under Xvfb: 5 arenas, 3 of them 3.3 MB holding < 250 kB).
// A MALLOC_ARENA_MAX or glibc.malloc.arena_max tunable in the environment
// wins (as GOGC and GOMEMLIMIT do over tuneGC).
static int checkpoint_arenas_capped;
__attribute__((constructor)) static void checkpoint_bound_arenas(void) {
	const char *tunables = getenv("GLIBC_TUNABLES");
	if (getenv("MALLOC_ARENA_MAX") != NULL || (tunables != NULL && strstr(tunables, "glibc.malloc.arena_max") != NULL)) {
		return;
	}
	checkpoint_arenas_capped = mallopt(M_ARENA_MAX, CHECKPOINT_MALLOC_ARENAS) == 1;
}

static int checkpoint_arena_cap(void) { return checkpoint_arenas_capped; }

// checkpoint_malloc_info writes malloc_info's XML into a malloc'd string
// the caller frees.
static char *checkpoint_malloc_info(void) {
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (f == NULL) return NULL;
	malloc_info(0, f);
	fclose(f);
	return buf;
}
*/
import "C"

import (
	"encoding/xml"
	"errors"
	"unsafe"
)

// mallocArenas is the cap set at load (M_ARENA_MAX).
const mallocArenas = C.CHECKPOINT_MALLOC_ARENAS

// arenasCapped says the cap was set at load: false when the environment
// chose the arena count.
func arenasCapped() bool { return C.checkpoint_arena_cap() != 0 }

// cHeap is what glibc's malloc holds (malloc_info): the number of arenas,
// bytes taken from the system (arenas and mmapped chunks) and bytes of
// those allocated, that is not on a free list.
type cHeap struct {
	Arenas            int
	System, Allocated int64
}

// readCHeap reads malloc_info(3).
func readCHeap() (cHeap, error) {
	p := C.checkpoint_malloc_info()
	if p == nil {
		return cHeap{}, errors.New("malloc_info: open_memstream failed")
	}
	defer C.free(unsafe.Pointer(p))
	var doc struct {
		Heaps  []struct{} `xml:"heap"`
		Totals []struct {
			Type  string `xml:"type,attr"`
			Size  int64  `xml:"size,attr"`
			Count int64  `xml:"count,attr"`
		} `xml:"total"`
		System []struct {
			Type string `xml:"type,attr"`
			Size int64  `xml:"size,attr"`
		} `xml:"system"`
	}
	if err := xml.Unmarshal([]byte(C.GoString(p)), &doc); err != nil {
		return cHeap{}, err
	}
	var arenas, free, mmapped int64
	for _, s := range doc.System {
		if s.Type == "current" {
			arenas = s.Size
		}
	}
	for _, t := range doc.Totals {
		switch t.Type {
		case "mmap":
			mmapped += t.Size
		case "fast", "rest":
			free += t.Size
		}
	}
	return cHeap{Arenas: len(doc.Heaps), System: arenas + mmapped, Allocated: arenas - free + mmapped}, nil
}
