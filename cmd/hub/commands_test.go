package main

import (
	"bufio"
	"context"
	"crypto"
	"encoding/csv"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
	"github.com/checkpoint-terminal/checkpoint/healthcode"
	cpsync "github.com/checkpoint-terminal/checkpoint/sync"
)

// TestHubCommands drives the hub as an operator would: register a device,
// publish a trust list, a policy and revocations, serve, let a terminal
// sync, and ask the investigation questions.
func TestHubCommands(t *testing.T) {
	db := pg.Database(t)
	op := newOperator(t)
	root, dir, keyFile, pubFile, listFile := op.root, op.dir, op.keyFile, op.pubFile, op.listFile
	if _, _, code := hubCmd(t, "nonsense"); code != 2 {
		t.Errorf("unknown command: exit %d, want 2", code)
	}
	if _, e, code := hubCmd(t, "device", "register", "--db", "", "--id", "T1", "--site", "gate-1"); code != 1 || !strings.Contains(e, "--db") {
		t.Errorf("no database: exit %d %q", code, e)
	}
	token, e, code := hubCmd(t, "device", "register", "--db", db, "--id", "T1", "--site", "gate-1")
	token = strings.TrimSpace(token)
	if code != 0 || len(token) < 40 {
		t.Fatalf("device register: exit %d, %q %q", code, token, e)
	}
	if _, e, code := hubCmd(t, "roots", "add", "--db", db, "--file", pubFile); code != 0 {
		t.Fatalf("roots add: %d %s", code, e)
	}
	if _, e, code := hubCmd(t, "trustlist", "publish", "--db", db, "--file", listFile); code != 0 {
		t.Fatalf("trustlist publish: %d %s", code, e)
	}
	misspelt := filepath.Join(dir, "misspelt.json")
	os.WriteFile(misspelt, []byte(`{"fever_celsius": 37.6}`), 0o600)
	if out, e, code := hubCmd(t, "policy", "publish", "--db", db, "--key", keyFile, "--file", misspelt); code != 1 || !strings.Contains(e, "fever_celsius") {
		t.Errorf("a policy with a misspelt key: exit %d %q %s; want refused naming the key, not the default published", code, out, e)
	}
	polFile := filepath.Join(dir, "policy.json")
	os.WriteFile(polFile, []byte(`{"fever_threshold": 37.6, "pairing_window": "10s"}`), 0o600)
	if out, e, code := hubCmd(t, "policy", "publish", "--db", db, "--key", keyFile, "--file", polFile); code != 0 || !strings.Contains(out, "version 1") {
		t.Fatalf("policy publish: %d %q %s", code, out, e)
	}
	codeID := healthcode.NewCodeID()
	if out, e, code := hubCmd(t, "revocations", "add", "--db", db, "--key", keyFile, "--code", codeID); code != 0 || !strings.Contains(out, "batch 1: 1 new") {
		t.Fatalf("revocations add: %d %q %s", code, out, e)
	}
	if out, e, code := hubCmd(t, "revocations", "snapshot", "--db", db, "--key", keyFile); code != 0 || !strings.Contains(out, "1 hashes") {
		t.Fatalf("revocations snapshot: %d %q %s", code, out, e)
	}

	// Serve, and find the address in the JSON log.
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	served := make(chan int, 1)
	go func() {
		served <- run(ctx, []string{"serve", "--db", db, "--listen", "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0"}, io.Discard, pw)
		pw.Close()
	}()
	addr := ""
	sc := bufio.NewScanner(pr)
	for addr == "" && sc.Scan() {
		var line struct{ Msg, Addr string }
		if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "hub listening" {
			addr = line.Addr
		}
	}
	go io.Copy(io.Discard, pr)
	if addr == "" {
		t.Fatal("hub serve never logged its address")
	}

	s, err := cpsync.Open(filepath.Join(dir, "terminal.db"), cpsync.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	at := time.Now().UTC().Truncate(time.Hour).Add(-2 * time.Hour)
	var ids []string
	for i := range 3 {
		c := 36.4
		r, err := s.Append(ctx, checkpoint.Record{Time: at.Add(time.Duration(i) * time.Minute), TerminalID: "T1", SiteID: "gate-1", CodeID: codeID,
			Color: checkpoint.ColorGreen, Celsius: &c, Outcome: checkpoint.OutcomePass, Reason: checkpoint.ReasonGreen})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.ID)
	}
	c, err := cpsync.NewClient(s, cpsync.ClientConfig{HubURL: "http://" + addr, DeviceID: "T1", Token: token, Roots: []crypto.PublicKey{root.Public()}}, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	hsh, _ := healthcode.RevocationHashForCodeID(codeID)
	if revoked, _ := s.IsRevoked(hsh); !revoked || s.Pending() != 0 {
		t.Errorf("after sync: revoked %v, %d pending", revoked, s.Pending())
	}
	if p, v := s.Policy(); v != 1 || p.FeverThreshold != 37.6 {
		t.Errorf("policy at the terminal: version %d, threshold %.1f", v, p.FeverThreshold)
	}
	if v, _, _, _ := s.TrustListInfo(); v != 3 {
		t.Errorf("trust list at the terminal: version %d, want 3", v)
	}

	out, e, code := hubCmd(t, "query", "site", "--db", db, "--operator", "inv-1", "--site", "gate-1", "--from", at.Add(30*time.Second).Format(time.RFC3339), "--to", at.Add(time.Hour).Format(time.RFC3339))
	rows, _ := csv.NewReader(strings.NewReader(out)).ReadAll()
	if code != 0 || len(rows) != 3 || rows[1][0] != ids[1] || rows[2][0] != ids[2] {
		t.Errorf("query site: exit %d, rows %q, %s", code, rows, e)
	}
	out, _, code = hubCmd(t, "query", "code", "--db", db, "--operator", "inv-1", "--code", codeID)
	if rows, _ := csv.NewReader(strings.NewReader(out)).ReadAll(); code != 0 || len(rows) != 4 {
		t.Errorf("query code: exit %d, %d rows, want header and 3", code, len(rows))
	}
	if _, _, code := hubCmd(t, "query", "site", "--db", db, "--operator", "inv-1", "--site", "gate-1", "--from", "yesterday"); code != 1 {
		t.Errorf("bad --from: exit %d, want 1", code)
	}
	out, _, code = hubCmd(t, "device", "list", "--db", db)
	if rows, _ := csv.NewReader(strings.NewReader(out)).ReadAll(); code != 0 || len(rows) != 2 || rows[1][0] != "T1" || rows[1][1] != "gate-1" || rows[1][4] == "" || rows[1][3] != "" {
		t.Errorf("device list: exit %d, %q; want T1 at gate-1, seen, not revoked", code, rows)
	}
	if _, e, code := hubCmd(t, "device", "revoke", "--db", db, "--id", "T1"); code != 0 {
		t.Fatalf("device revoke: %d %s", code, e)
	}
	s.Append(ctx, checkpoint.Record{Time: at, TerminalID: "T1", Outcome: checkpoint.OutcomePass, Reason: checkpoint.ReasonGreen})
	if err := c.Sync(ctx); err == nil || s.Pending() != 1 {
		t.Errorf("sync of a revoked device: %v, %d pending; want refused", err, s.Pending())
	}
	cancel()
	if code := <-served; code != 0 {
		t.Errorf("serve after cancel: exit %d", code)
	}
}
