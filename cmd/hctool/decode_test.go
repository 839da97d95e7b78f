package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/checkpoint-terminal/checkpoint/scanner/videogen"
	"gocv.io/x/gocv"
)

// TestDecodePrintsTextOrDash decodes a rendered code and a blank image:
// one line each, the text as a JSON string or "-".
func TestDecodePrintsTextOrDash(t *testing.T) {
	dir := t.TempDir()
	r := videogen.NewRenderer(videogen.Options{Width: 480, Height: 360})
	defer r.Close()
	text := "HCN1:\"quoted\"\ttab"
	for name, sc := range map[string]videogen.Scene{"code.png": {Text: text, Size: 0.6, Rotate: 12}, "blank.png": {}} {
		if err := r.Render(sc, 0); err != nil {
			t.Fatal(err)
		}
		if !gocv.IMWrite(filepath.Join(dir, name), r.Frame) {
			t.Fatal("writing image")
		}
	}
	var out, errb bytes.Buffer
	code := run(t.Context(), []string{"decode", filepath.Join(dir, "code.png"), filepath.Join(dir, "blank.png")}, &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	want := filepath.Join(dir, "code.png") + "\t" + `"HCN1:\"quoted\"\ttab"` + "\n" + filepath.Join(dir, "blank.png") + "\t-\n"
	if out.String() != want {
		t.Errorf("output %q, want %q", out.String(), want)
	}

	out.Reset()
	errb.Reset()
	if code := run(t.Context(), []string{"decode", filepath.Join(dir, "missing.png")}, &out, &errb); code == 0 {
		t.Error("a missing file exited 0")
	}
	if !strings.Contains(errb.String(), "missing.png") {
		t.Errorf("stderr %q should name the missing file", errb.String())
	}
	if code := run(t.Context(), []string{"decode"}, &out, &errb); code != 2 {
		t.Errorf("no files: exit %d, want 2 (usage)", code)
	}
}
