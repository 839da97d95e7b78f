package ui

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"fyne.io/fyne/v2/test"
)

func TestExportsGoToTheFixedDirectoryMode0600(t *testing.T) {
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	dir := filepath.Join(t.TempDir(), "exports")
	h := newHarness(t, func(c *Config, d *Deps) {
		c.ExportDir = dir
		d.ExportCSV = func(_ context.Context, w io.Writer) error {
			_, err := io.WriteString(w, "time,outcome\n")
			return err
		}
	})
	h.term.showOperator(TabSync)
	test.Tap(h.term.op.exportBtn)
	test.Tap(h.term.op.exportBtn) // a second export in the same second gets its own file
	files, _ := filepath.Glob(filepath.Join(dir, "*.csv"))
	if len(files) != 2 {
		t.Fatalf("exports in %s: %v, want 2", dir, files)
	}
	for _, f := range files {
		st, err := os.Stat(f)
		if err != nil || st.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v (%v), want 0600", f, st.Mode().Perm(), err)
		}
	}
	if st, _ := os.Stat(dir); st.Mode().Perm() != 0o700 {
		t.Errorf("export directory mode %v, want 0700", st.Mode().Perm())
	}
	h.shows(files[0][len(dir):])
	if !strings.Contains(h.logBuf.String(), "records exported") {
		t.Error("export not logged")
	}
}

func TestExportWithoutADirectoryIsRefused(t *testing.T) {
	h := newHarness(t, func(_ *Config, d *Deps) {
		d.ExportCSV = func(context.Context, io.Writer) error { return nil }
	})
	h.term.showOperator(TabSync)
	test.Tap(h.term.op.exportBtn)
	h.shows("no export directory configured")
}
