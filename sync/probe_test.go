package sync_test

import (
	"context"
	"errors"
	"testing"
	"time"

	cpsync "github.com/checkpoint-terminal/checkpoint/sync"
)

// TestProbe: a running hub with the device enrolled answers; a wrong token
// is ErrNotAccepted; a stopped hub is another error.
func TestProbe(t *testing.T) {
	h := newHub(t)
	h.start()
	h.publish(1, time.Now())
	s := openStore(t, "", h.auth.roots())
	ctx := context.Background()
	if err := h.client(s, h.url()).Probe(ctx); err != nil {
		t.Fatalf("probe of an enrolled device: %v", err)
	}
	h.token = "not-the-token"
	if err := h.client(s, h.url()).Probe(ctx); !errors.Is(err, cpsync.ErrNotAccepted) {
		t.Errorf("probe with a wrong token: %v, want ErrNotAccepted", err)
	}
	h.stop()
	if err := h.client(s, h.url()).Probe(ctx); err == nil || errors.Is(err, cpsync.ErrNotAccepted) {
		t.Errorf("probe of a stopped hub: %v, want an unreachable error", err)
	}
}
