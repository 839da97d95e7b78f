package main

import (
	"os"
	"strconv"
	"strings"
	"testing"
)

// TestLoadgen runs the fleet simulation at a small size (CI) and asserts
// exactly-once; LOADGEN_TERMINALS and LOADGEN_RECORDS scale it (make bench).
func TestLoadgen(t *testing.T) {
	terminals, records := envInt("LOADGEN_TERMINALS", 5), envInt("LOADGEN_RECORDS", 200)
	db := pg.Database(t)
	out, e, code := hubCmd(t, "loadgen", "--db", db, "-terminals", strconv.Itoa(terminals), "-records", strconv.Itoa(records), "-seed", "7", "-cut", "0.3")
	t.Logf("hub loadgen -terminals %d -records %d:\n%s", terminals, records, out)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || lines[len(lines)-1] != "exactly once: yes" {
		t.Fatalf("loadgen: exit %d, last line %q, %s", code, lines[len(lines)-1], e)
	}
	for _, want := range []string{"records/s: ", "push p50: ", "hub CPU: ", "database CPU: "} {
		if !strings.Contains(out, want) {
			t.Errorf("loadgen output lacks %q", want)
		}
	}
	if !strings.Contains(out, "answers cut") || strings.Contains(out, "pushes 0 ") || strings.Contains(out, "(0 answers cut)") {
		t.Errorf("no pushes measured: %s", out)
	}
}

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}
