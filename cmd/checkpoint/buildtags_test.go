package main

import (
	"os"
	"os/exec"
	"reflect"
	"strings"
	"testing"
)

// goTags reads the build tags of every build from scripts/go-tags.
func goTags(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../../scripts/go-tags")
	if err != nil {
		t.Fatal(err)
	}
	var tags string
	for _, l := range strings.Split(string(b), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			tags = l
		}
	}
	if tags == "" {
		t.Fatal("scripts/go-tags names no tags")
	}
	return tags
}

// buildFiles lists the Go files of each package the terminal is built
// from, with the given tags.
func buildFiles(t *testing.T, tags string) map[string]string {
	t.Helper()
	cmd := exec.Command("go", "list", "-tags="+tags, "-deps", "-f", "{{.ImportPath}} {{.GoFiles}} {{.CgoFiles}}", ".")
	cmd.Env = append(os.Environ(), "GOFLAGS=")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	files := map[string]string{}
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		pkg, rest, _ := strings.Cut(l, " ")
		files[pkg] = rest
	}
	return files
}

// The tags of scripts/go-tags leave out fyne's emoji font and its scan of
// the system's fonts, and change nothing else in the build: a fyne upgrade
// that gives `test` or `no_emoji` another meaning fails here.
func TestBuildTagsChangeOnlyFyneFonts(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("go is not on PATH")
	}
	plain, tagged := buildFiles(t, ""), buildFiles(t, goTags(t))
	changed := map[string][2]string{}
	for pkg, f := range plain {
		if tagged[pkg] != f {
			changed[pkg] = [2]string{f, tagged[pkg]}
		}
	}
	for pkg, f := range tagged {
		if _, ok := plain[pkg]; !ok {
			changed[pkg] = [2]string{"", f}
		}
	}
	want := map[string][2]string{
		"fyne.io/fyne/v2/theme":            {"bundled-emoji.go", "unbundled-emoji.go"},
		"fyne.io/fyne/v2/internal/painter": {"font_prod.go", "font_testhelper.go"},
		// builtWithTags, for the start-up warning of an untagged build
		"github.com/checkpoint-terminal/checkpoint/cmd/checkpoint": {"tags_off.go", "tags_on.go"},
	}
	got := map[string][2]string{}
	for pkg, c := range changed {
		got[pkg] = [2]string{onlyIn(c[0], c[1]), onlyIn(c[1], c[0])}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("the build tags change these packages' files (only in untagged, only in tagged):\n%v\nwant only\n%v", got, want)
	}
}

// onlyIn returns the words of a (go list's "[x.go y.go]" lists) not in b.
func onlyIn(a, b string) string {
	in := map[string]bool{}
	for _, w := range strings.Fields(strings.NewReplacer("[", " ", "]", " ").Replace(b)) {
		in[w] = true
	}
	var out []string
	for _, w := range strings.Fields(strings.NewReplacer("[", " ", "]", " ").Replace(a)) {
		if !in[w] {
			out = append(out, w)
		}
	}
	return strings.Join(out, " ")
}
