package doctor

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/checkpoint-terminal/checkpoint/internal/config"
)

// TestFileModes: a config and a hub token other users can read are named
// as a warning with the chmod to run; 0600 files pass; missing files are
// left to the checks that need them.
func TestFileModes(t *testing.T) {
	dir := t.TempDir()
	cfgPath, token := filepath.Join(dir, "checkpoint.toml"), filepath.Join(dir, "token")
	for _, p := range []string{cfgPath, token} {
		if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cfg := config.Default()
	cfg.Hub.TokenFile = token
	opts := Options{ConfigPath: cfgPath}
	if c := checkPerms(cfg, opts); c.Result != OK {
		t.Fatalf("0600 files: %+v", c)
	}
	if err := os.Chmod(token, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(cfgPath, 0o640); err != nil {
		t.Fatal(err)
	}
	c := checkPerms(cfg, opts)
	if c.Result != Warn || !strings.Contains(c.Detail, "hub token "+token) || !strings.Contains(c.Detail, "config "+cfgPath) || !strings.Contains(c.Next, "chmod 600") {
		t.Fatalf("readable files: %+v", c)
	}
	cfg.Hub.TokenFile = filepath.Join(dir, "missing")
	os.Chmod(cfgPath, 0o600)
	if c := checkPerms(cfg, opts); c.Result != OK {
		t.Fatalf("a missing token file is not this check's failure: %+v", c)
	}
}
