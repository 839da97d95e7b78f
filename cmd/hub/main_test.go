package main

import (
	"bufio"
	"bytes"
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
	"github.com/checkpoint-terminal/checkpoint/sync/hub/pgtest"
)

var pg pgtest.Shared

func TestMain(m *testing.M) {
	pg.Cluster, pg.Err = pgtest.Start()
	code := m.Run()
	pg.Cluster.Close()
	os.Exit(code)
}

func hubCmd(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, &out, &errb)
	return out.String(), errb.String(), code
}

func writePEM(t *testing.T, dir, name string, b []byte, err error) string {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestHubCommands drives the hub as an operator would: register a device,
// publish a trust list, a policy and revocations, serve, let a terminal
// sync, and ask the investigation questions.
func TestHubCommands(t *testing.T) {
	db := pg.Database(t)
	dir := t.TempDir()
	root, err := healthcode.GenerateKey(healthcode.ES256)
	if err != nil {
		t.Fatal(err)
	}
	issuer, err := healthcode.GenerateKey(healthcode.ES256)
	if err != nil {
		t.Fatal(err)
	}
	keyPEM, err := healthcode.MarshalPrivateKeyPEM(root)
	keyFile := writePEM(t, dir, "root.key", keyPEM, err)
	pubPEM, err := healthcode.MarshalPublicKeyPEM(root.Public())
	pubFile := writePEM(t, dir, "root.pub", pubPEM, err)
	now := time.Now()
	entry, err := healthcode.NewKeyEntry(issuer.Public(), "110000", "BJHC")
	if err != nil {
		t.Fatal(err)
	}
	list, err := healthcode.SignTrustList(healthcode.TrustListDoc{Version: 3, IssuedAt: now.Add(-time.Hour), ExpiresAt: now.Add(24 * time.Hour), Entries: []healthcode.TrustListEntry{entry}}, root)
	listFile := writePEM(t, dir, "list.bin", list, err)

	if _, _, code := hubCmd(t, "nonsense"); code != 2 {
		t.Errorf("unknown command: exit %d, want 2", code)
	}
	if _, e, code := hubCmd(t, "device", "register", "--db", "", "--id", "T1"); code != 1 || !strings.Contains(e, "--db") {
		t.Errorf("no database: exit %d %q", code, e)
	}
	token, e, code := hubCmd(t, "device", "register", "--db", db, "--id", "T1", "--site", "gate-1")
	token = strings.TrimSpace(token)
	if code != 0 || len(token) < 40 {
		t.Fatalf("device register: exit %d, %q %q", code, token, e)
	}
	if _, e, code := hubCmd(t, "trustlist", "publish", "--db", db, "--file", listFile, "--root", pubFile); code != 0 {
		t.Fatalf("trustlist publish: %d %s", code, e)
	}
	other, _ := healthcode.GenerateKey(healthcode.ES256)
	otherPEM, err := healthcode.MarshalPublicKeyPEM(other.Public())
	otherFile := writePEM(t, dir, "other.pub", otherPEM, err)
	if _, _, code := hubCmd(t, "trustlist", "publish", "--db", db, "--file", listFile, "--root", otherFile); code != 1 {
		t.Errorf("publishing a list that does not verify: exit %d, want 1", code)
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
		served <- run(ctx, []string{"serve", "--db", db, "--listen", "127.0.0.1:0"}, io.Discard, pw)
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
	at := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
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

	out, e, code := hubCmd(t, "query", "site", "--db", db, "--site", "gate-1", "--from", "2026-11-23T08:00:30Z", "--to", "2026-11-23T09:00:00Z")
	rows, _ := csv.NewReader(strings.NewReader(out)).ReadAll()
	if code != 0 || len(rows) != 3 || rows[1][0] != ids[1] || rows[2][0] != ids[2] {
		t.Errorf("query site: exit %d, rows %q, %s", code, rows, e)
	}
	out, _, code = hubCmd(t, "query", "code", "--db", db, "--code", codeID)
	if rows, _ := csv.NewReader(strings.NewReader(out)).ReadAll(); code != 0 || len(rows) != 4 {
		t.Errorf("query code: exit %d, %d rows, want header and 3", code, len(rows))
	}
	if _, _, code := hubCmd(t, "query", "site", "--db", db, "--site", "gate-1", "--from", "yesterday"); code != 1 {
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
