package main

import (
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
	signed, err := rules.Sign(rules.Default(), root)
	setFile := writePEM(t, dir, "set.cose", signed, err)
	// The set is checked against the roots configured on the hub (there
	// is no --root flag): none configured, or only a foreign one, refuses.
	if _, e, code := hubCmd(t, "rules", "publish", "--db", db, "--file", setFile); code != 1 || !strings.Contains(e, "roots add") {
		t.Errorf("publish with no roots configured: exit %d %q", code, e)
	}
	foreign, err := healthcode.GenerateKey(healthcode.ES256)
	if err != nil {
		t.Fatal(err)
	}
	fPEM, err := healthcode.MarshalPublicKeyPEM(foreign.Public())
	if _, e, code := hubCmd(t, "roots", "add", "--db", db, "--file", writePEM(t, dir, "foreign.pub", fPEM, err)); code != 0 {
		t.Fatalf("roots add: %s", e)
	}
	if _, e, code := hubCmd(t, "rules", "publish", "--db", db, "--file", setFile); code != 1 || !strings.Contains(e, "pinned root") {
		t.Errorf("publish against a foreign root only: exit %d %q", code, e)
	}
	if _, e, code := hubCmd(t, "roots", "add", "--db", db, "--file", pubFile); code != 0 {
		t.Fatalf("roots add: %s", e)
	}
	if out, e, code := hubCmd(t, "rules", "publish", "--db", db, "--file", setFile); code != 0 || !strings.Contains(out, "rule set builtin@1 published (9 rules, 6 test cases pass)") {
		t.Fatalf("rules publish: %d %q %s", code, out, e)
	}
	if _, e, code := hubCmd(t, "rules", "publish", "--db", db, "--file", setFile); code != 1 || !strings.Contains(e, "exists") && !strings.Contains(e, "newest") {
		t.Errorf("the same version again: exit %d %q", code, e)
	}
	jump := rules.Default()
	jump.Version = 1 << 40
	signed, err = rules.Sign(jump, root)
	jumpFile := writePEM(t, dir, "jump.cose", signed, err)
	if _, e, code := hubCmd(t, "rules", "publish", "--db", db, "--file", jumpFile); code != 1 || !strings.Contains(e, "--force") {
		t.Errorf("an absurd version: exit %d %q", code, e)
	}
	if out, e, code := hubCmd(t, "rules", "publish", "--db", db, "--file", jumpFile, "--force"); code != 0 || !strings.Contains(out, "published") {
		t.Errorf("an absurd version, forced: exit %d %q %s", code, out, e)
	}
	garbage := filepath.Join(dir, "garbage.cose")
	os.WriteFile(garbage, []byte("not a signed set"), 0o600)
	if _, _, code := hubCmd(t, "rules", "publish", "--db", db, "--file", garbage); code != 1 {
		t.Errorf("garbage published: exit %d", code)
	}
}
