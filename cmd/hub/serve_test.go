package main

import (
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
)

// TestServerBoundsHeaders: a header block over 8 KiB is refused (431)
// before any handler runs or anything is logged.
func TestServerBoundsHeaders(t *testing.T) {
	ran := false
	srv := newServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { ran = true }), slog.New(slog.NewTextHandler(io.Discard, nil)))
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	defer srv.Close()
	req, _ := http.NewRequest("GET", "http://"+l.Addr().String()+"/v1/policy", nil)
	req.Header.Set("X-Checkpoint-Device", strings.Repeat("d", 64<<10))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge || ran {
		t.Errorf("64 KiB header: %d (handler ran: %v), want 431", resp.StatusCode, ran)
	}
}

// TestServeRefusesBadLimits: a retention under a day or no client
// connections is refused before anything starts.
func TestServeRefusesBadLimits(t *testing.T) {
	for _, args := range [][]string{
		{"serve", "--db", "postgres://x", "--retention", "1h"},
		{"serve", "--db", "postgres://x", "--max-connections", "0"},
	} {
		if _, e, code := hubCmd(t, args...); code != 1 || !strings.Contains(e, "--retention") {
			t.Errorf("%q: exit %d %q, want 1 naming the limits", args, code, e)
		}
	}
}
