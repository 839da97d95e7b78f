package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDoctorExitStatus: a config that does not load fails with status 1
// and says why; an unknown flag is a usage error (2).
func TestDoctorExitStatus(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.toml")
	if err := os.WriteFile(bad, []byte("camera = ["), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if code := runDoctor(context.Background(), []string{"-config", bad}, &out, &errOut); code != 1 || !strings.Contains(errOut.String(), "bad.toml") {
		t.Errorf("bad config: exit %d, stderr %q; want 1 naming the file", code, errOut.String())
	}
	if code := runDoctor(context.Background(), []string{"-nonsense"}, &out, &errOut); code != 2 {
		t.Errorf("unknown flag: exit %d, want 2", code)
	}
}
