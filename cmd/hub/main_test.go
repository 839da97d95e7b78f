package main

import (
	"bytes"
	"context"
	"crypto"
	"os"
	"os/signal"
	"path/filepath"
	"testing"
	"time"

	"github.com/checkpoint-terminal/checkpoint/healthcode"
	"github.com/checkpoint-terminal/checkpoint/internal/pgtest"
)

var pg pgtest.Shared

func TestMain(m *testing.M) {
	if os.Getenv(beHubEnv) == "1" { // started by hub loadgen as its hub
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
		code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
		stop()
		os.Exit(code)
	}
	os.Exit(pgtest.Main(m, &pg))
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

// operator is what an operator holds: a root key pair and a signed trust
// list, as files.
type operator struct {
	root                            crypto.Signer
	dir, keyFile, pubFile, listFile string
}

func newOperator(t *testing.T) operator {
	t.Helper()
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

	return operator{root: root, dir: dir, keyFile: keyFile, pubFile: pubFile, listFile: listFile}
}
