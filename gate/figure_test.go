package gate_test

import (
	"context"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/checkpoint-terminal/checkpoint/gate"
)

// TestRelayCommandToCoilSet measures the time from the terminal's relay
// command (Relay.Set) to the moment libmodbus, as the relay module, has set
// the coil and answered, over a pty null modem (a pty ignores the line
// rate: the figure is the software path; at 9600 baud on a real line add
// 2 x 8 bytes x 1.15 ms = 18 ms of wire time).
// scripts/bench-relay.sh runs it with GATE_FIGURE=200 and prints the
// figure; in the ordinary suite it runs 5 rounds as a check.
func TestRelayCommandToCoilSet(t *testing.T) {
	n := 5
	if os.Getenv("GATE_FIGURE") != "" {
		n = 200
	}
	{
		slave, cfg := refRelay(t, 5)
		r, err := gate.OpenRelay(cfg)
		if err != nil {
			t.Fatal(err)
		}
		var lat []time.Duration
		for i := range n {
			on := i%2 == 0
			start := time.Now()
			if err := r.Set(context.Background(), on); err != nil {
				t.Fatal(err)
			}
			confirmed := time.Since(start)
			_, at := slave.CoilWrites()
			if coil(t, slave, 3) != on || at.Before(start) {
				t.Fatalf("round %d: coil %v, answered at %s (sent %s)", i, coil(t, slave, 3), at, start)
			}
			lat = append(lat, at.Sub(start))
			if confirmed > 2*time.Second {
				t.Fatalf("round %d: confirmation took %s", i, confirmed)
			}
		}
		r.Close()
		slices.Sort(lat)
		t.Logf("relay command to coil set (libmodbus slave, pty): n=%d p50=%s p95=%s max=%s",
			n, lat[n/2].Round(10*time.Microsecond), lat[n*95/100].Round(10*time.Microsecond), lat[n-1].Round(10*time.Microsecond))
	}
}
