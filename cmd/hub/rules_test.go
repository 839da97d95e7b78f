package main

import (
	"crypto"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/checkpoint-terminal/checkpoint/healthcode"
	"github.com/checkpoint-terminal/checkpoint/rules"
)

func TestHubRulesPublish(t *testing.T) {
	db := pg.Database(t)
	dir := t.TempDir()
	root, err := healthcode.GenerateKey(healthcode.ES256)
	if err != nil {
		t.Fatal(err)
	}
	pubPEM, err := healthcode.MarshalPublicKeyPEM(root.Public())
	pubFile := writePEM(t, dir, "root.pub", pubPEM, err)
	if _, e, code := hubCmd(t, "migrate", "--db", db); code != 0 {
		t.Fatalf("migrate: %s", e)
	}
	if _, e, code := hubCmd(t, "rules", "publish", "--db", db, "--file", writeSet(t, dir, "early.cose", root)); code != 1 || !strings.Contains(e, "root") {
		t.Errorf("published with no root configured: exit %d %q", code, e)
	}
	if _, e, code := hubCmd(t, "roots", "add", "--db", db, "--file", pubFile); code != 0 {
		t.Fatalf("roots add: %s", e)
	}
	other, _ := healthcode.GenerateKey(healthcode.ES256)
	if _, e, code := hubCmd(t, "rules", "publish", "--db", db, "--file", writeSet(t, dir, "foreign.cose", other)); code != 1 {
		t.Errorf("a set signed by a foreign root published: exit %d %q", code, e)
	}
	signed, err := rules.Sign(rules.Default(), root)
	setFile := writePEM(t, dir, "set.cose", signed, err)
	if out, e, code := hubCmd(t, "rules", "publish", "--db", db, "--file", setFile); code != 0 || !strings.Contains(out, "rule set builtin@1 published (9 rules, 6 test cases pass)") {
		t.Fatalf("rules publish: %d %q %s", code, out, e)
	}
	if _, e, code := hubCmd(t, "rules", "publish", "--db", db, "--file", setFile); code != 1 || !strings.Contains(e, "exists") && !strings.Contains(e, "newest") {
		t.Errorf("the same version again: exit %d %q", code, e)
	}
	garbage := filepath.Join(dir, "garbage.cose")
	os.WriteFile(garbage, []byte("not a signed set"), 0o600)
	if _, _, code := hubCmd(t, "rules", "publish", "--db", db, "--file", garbage); code != 1 {
		t.Errorf("garbage published: exit %d", code)
	}
}

func writeSet(t *testing.T, dir, name string, key crypto.Signer) string {
	t.Helper()
	signed, err := rules.Sign(rules.Default(), key)
	return writePEM(t, dir, name, signed, err)
}
