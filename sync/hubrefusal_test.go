package sync_test

import (
	"context"
	"crypto"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/checkpoint-terminal/checkpoint/healthcode"
	cpsync "github.com/checkpoint-terminal/checkpoint/sync"
)

// TestRefusedTerminalIsToldAndNotRetriedEveryRound: a hub that answers 401
// (revoked device, wrong token) makes the round fail with ErrRefused after
// one request, sets Status.Refused, is logged once as an error, and Run
// waits RefusedRetry instead of backing off for seconds.
func TestRefusedTerminalIsToldAndNotRetriedEveryRound(t *testing.T) {
	for _, code := range []int{http.StatusUnauthorized, http.StatusForbidden} {
		var hits atomic.Int32
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			hits.Add(1)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(code)
			io.WriteString(w, `{"error":"unknown device or token"}`)
		}))
		s, err := cpsync.Open(filepath.Join(t.TempDir(), "s.db"), cpsync.Options{})
		if err != nil {
			t.Fatal(err)
		}
		root, _ := healthcode.GenerateKey(healthcode.ES256)
		var logs strings.Builder
		lg := slog.New(slog.NewTextHandler(&logs, nil))
		c, err := cpsync.NewClient(s, cpsync.ClientConfig{HubURL: srv.URL, DeviceID: "T1", Token: "revoked", Roots: []crypto.PublicKey{root.Public()},
			MinBackoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond}, nil, lg)
		if err != nil {
			t.Fatal(err)
		}
		err = c.Sync(context.Background())
		if !errors.Is(err, cpsync.ErrRefused) {
			t.Fatalf("%d: round error %v, want ErrRefused", code, err)
		}
		if st := c.Status(); !st.Refused || !st.Online {
			t.Errorf("%d: status refused %v online %v, want both (the hub answered)", code, st.Refused, st.Online)
		}
		if n := hits.Load(); n != 1 {
			t.Errorf("%d: %d requests in a refused round, want 1", code, n)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		c.Run(ctx)
		cancel()
		if n := hits.Load(); n != 2 {
			t.Errorf("%d: %d requests after 300 ms of Run, want 2 (one round, then the long RefusedRetry wait)", code, n)
		}
		if strings.Count(logs.String(), "level=ERROR msg=\"hub refused this terminal") != 1 {
			t.Errorf("%d: refusal not logged once as an error:\n%s", code, logs.String())
		}
		srv.Close()
		s.Close()
	}
}
