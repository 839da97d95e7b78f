package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/checkpoint-terminal/checkpoint/healthcode"
)

func TestRevokeThenVerify(t *testing.T) {
	dir := operatorSetup(t)
	list, rootPub := filepath.Join(dir, "list.cose"), filepath.Join(dir, "root.pub")
	text := strings.TrimSpace(mustHctool(t, "issue", "--key", filepath.Join(dir, "issuer.key"), "--region", "110000", "--issuer", "BJHC",
		"--kind", "card", "--id", "0011223344556677"))

	printed := mustHctool(t, "revoke", text)
	byID := mustHctool(t, "revoke", "--code-id", "0011223344556677")
	if lines := strings.Fields(printed); len(lines) != 1 || len(lines[0]) != 32 || printed != byID {
		t.Fatalf("revoke by text %q vs by id %q", printed, byID)
	}
	revoked := filepath.Join(dir, "revoked.txt")
	mustHctool(t, "revoke", "--out", revoked, text)
	mustHctool(t, "revoke", "--out", revoked, "--code-id", "ffeeddccbbaa9988")
	b, _ := os.ReadFile(revoked)
	if strings.Count(string(b), "\n") != 3 || !strings.HasPrefix(string(b), healthcode.RevocationHashHeader+"\n") {
		t.Fatalf("revocation file after two appends:\n%s", b)
	}
	out, _, code := hctool(t, "verify", "--trustlist", list, "--root-pub", rootPub, "--revoked", revoked, text)
	if code != 1 || !strings.Contains(out, "REFUSED (revoked)") {
		t.Fatalf("revoked card: exit %d\n%s", code, out)
	}
	if _, errs, code := hctool(t, "revoke", "--code-id", "xyz"); code == 0 || strings.Count(errs, "\n") != 1 {
		t.Fatalf("bad id: exit %d %q", code, errs)
	}
}
