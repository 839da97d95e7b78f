package main

import (
	"bufio"
	"context"
	"crypto"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	cpsync "github.com/checkpoint-terminal/checkpoint/sync"

	"github.com/checkpoint-terminal/checkpoint/healthcode"
	"github.com/checkpoint-terminal/checkpoint/sync/wire"
)

// serveHub runs hub serve on db until the test ends and returns its address.
func serveHub(t *testing.T, db string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	served := make(chan int, 1)
	go func() {
		served <- run(ctx, []string{"serve", "--db", db, "--listen", "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0"}, io.Discard, pw)
		pw.Close()
	}()
	t.Cleanup(func() { cancel(); <-served })
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		var line struct{ Msg, Addr string }
		if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "hub listening" {
			go io.Copy(io.Discard, pr)
			return line.Addr
		}
	}
	t.Fatal("hub serve never logged its address")
	return ""
}

// next runs hub revocations next and returns its key=value lines.
func next(t *testing.T, db string) map[string]string {
	t.Helper()
	out, e, code := hubCmd(t, "revocations", "next", "--db", db)
	if code != 0 {
		t.Fatalf("revocations next: %d %s", code, e)
	}
	m := map[string]string{}
	for _, l := range strings.Fields(out) {
		k, v, _ := strings.Cut(l, "=")
		m[k] = v
	}
	return m
}

// writeIn writes b to dir/name (0600) and returns the path.
func writeIn(t *testing.T, dir, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// signRevocationDoc signs d with op's root as hctool sign-revocations does
// away from the hub: a delta or withdrawal follows the batch before it.
func signRevocationDoc(t *testing.T, op operator, d wire.RevocationDoc) []byte {
	t.Helper()
	if d.Kind != wire.KindSnapshot {
		d.Prev = d.Seq - 1
	}
	b, err := healthcode.SignDocument(d.Marshal(), op.root)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// signPolicyDoc signs d with op's root as hctool sign-policy does.
func signPolicyDoc(t *testing.T, op operator, d wire.PolicyDoc) []byte {
	t.Helper()
	payload, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	b, err := healthcode.SignDocument(payload, op.root)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// terminalOf is a terminal's store (in op's folder, closed with the test)
// and its sync client for the hub at addr, as device id with token.
func terminalOf(t *testing.T, op operator, addr, id, token string) (*cpsync.Store, *cpsync.Client) {
	t.Helper()
	s, err := cpsync.Open(filepath.Join(op.dir, "terminal.db"), cpsync.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	c, err := cpsync.NewClient(s, cpsync.ClientConfig{HubURL: "http://" + addr, DeviceID: id, Token: strings.TrimSpace(token), Roots: []crypto.PublicKey{op.root.Public()}}, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	return s, c
}
