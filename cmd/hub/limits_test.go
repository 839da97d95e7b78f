package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"testing"
	"time"
)

// TestServeLimitsConnections: past --max-connections a client waits until
// a connection frees; /metrics is not on the API's listener.
func TestServeLimitsConnections(t *testing.T) {
	db := pg.Database(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	served := make(chan int, 1)
	go func() {
		served <- run(ctx, []string{"serve", "--db", db, "--listen", "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0", "--max-connections", "1"}, io.Discard, pw)
		pw.Close()
	}()
	addrs := map[string]string{}
	sc := bufio.NewScanner(pr)
	for len(addrs) < 2 && sc.Scan() {
		var line struct{ Msg, Addr string }
		if json.Unmarshal(sc.Bytes(), &line) == nil && line.Addr != "" {
			addrs[line.Msg] = line.Addr
		}
	}
	go io.Copy(io.Discard, pr)
	api, metrics := addrs["hub listening"], addrs["metrics listening"]
	if api == "" || metrics == "" {
		t.Fatalf("listeners logged: %v", addrs)
	}
	hold, err := net.Dial("tcp", api)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan int, 1)
	go func() {
		resp, err := http.Get("http://" + api + "/metrics")
		if err != nil {
			done <- 0
			return
		}
		resp.Body.Close()
		done <- resp.StatusCode
	}()
	select {
	case code := <-done:
		t.Fatalf("a second connection was served (%d) while the only one was held", code)
	case <-time.After(300 * time.Millisecond):
	}
	hold.Close()
	if code := <-done; code != http.StatusNotFound {
		t.Errorf("/metrics on the API listener: %d, want 404", code)
	}
	resp, err := http.Get("http://" + metrics + "/metrics")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("/metrics on its own listener: %v %v", resp, err)
	}
	if resp != nil {
		resp.Body.Close()
	}
	cancel()
	if code := <-served; code != 0 {
		t.Errorf("serve exit %d", code)
	}
}
