package main

/*
#include <malloc.h>

// checkpoint_bound_arenas caps glibc's malloc arenas. glibc gives each
// thread that allocates its own arena (up to 8 per core), and OpenCV's,
// Mesa's and the Go runtime's threads each keep one with its free memory:
// about 40 MB of the terminal's resident memory under Xvfb. Two arenas
// serve the terminal's few C allocators without contention that matters.
static int checkpoint_bound_arenas(int n) { return mallopt(M_ARENA_MAX, n); }
*/
import "C"

// mallocArenas is the cap set at start (M_ARENA_MAX). It is set in init,
// before main starts any thread of OpenCV or fyne, so it holds however the
// terminal is started (a MALLOC_ARENA_MAX in the environment is overridden).
const mallocArenas = 2

func init() {
	C.checkpoint_bound_arenas(mallocArenas)
}
