// Package testenv finds the shared test corpora and decides what a test does
// when they are missing: skip on a developer's machine, fail in CI.
package testenv

import (
	"os"
	"path/filepath"
	"testing"
)

// InCI reports whether the tests run under CI (CI=true).
func InCI() bool { return os.Getenv("CI") == "true" }

// RepoRoot returns the repository root: the nearest directory above the
// working directory that holds go.mod.
func RepoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatalf("getwd: %v", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the working directory")
		}
		dir = parent
	}
}

// Data returns the shared test-data folder joined with elem: the folder named
// by CHECKPOINT_TESTDATA, by default ../shared/testdata beside the repo.
// Where it is missing the test is skipped, or failed when CI=true.
func Data(t testing.TB, elem ...string) string {
	t.Helper()
	root := os.Getenv("CHECKPOINT_TESTDATA")
	if root == "" {
		root = filepath.Join(RepoRoot(t), "..", "shared", "testdata")
	}
	p := filepath.Join(append([]string{root}, elem...)...)
	if _, err := os.Stat(p); err != nil {
		if InCI() {
			t.Fatalf("test data %s missing (set CHECKPOINT_TESTDATA): %v", p, err)
		}
		t.Skipf("test data %s missing; set CHECKPOINT_TESTDATA to run this test", p)
	}
	return p
}

// Require is for real parts a test cannot run without (an X server, a
// database server): it skips with why outside CI and fails inside it.
func Require(t testing.TB, ok bool, why string) {
	t.Helper()
	if ok {
		return
	}
	if InCI() {
		t.Fatalf("required for this test in CI: %s", why)
	}
	t.Skipf("skipped: %s", why)
}
