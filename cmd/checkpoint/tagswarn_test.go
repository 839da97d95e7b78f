package main

import (
	"log/slog"
	"os"
	"runtime/debug"
	"slices"
	"strings"
	"testing"
)

// tags_on.go's constraint requires exactly the tags of scripts/go-tags.
func TestTagConstraintIsScriptsGoTags(t *testing.T) {
	b, err := os.ReadFile("tags_on.go")
	if err != nil {
		t.Fatal(err)
	}
	line, _, _ := strings.Cut(string(b), "\n")
	got := strings.Fields(strings.ReplaceAll(strings.TrimPrefix(line, "//go:build "), "&&", " "))
	want := strings.Split(goTags(t), ",")
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("tags_on.go requires %v, scripts/go-tags names %v", got, want)
	}
}

// builtWithTags agrees with the tags the Go toolchain recorded in this
// (test) binary.
func TestBuiltWithTagsMatchesBuildInfo(t *testing.T) {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		t.Fatal("no build info")
	}
	var tags []string
	for _, s := range info.Settings {
		if s.Key == "-tags" {
			tags = strings.Split(s.Value, ",")
		}
	}
	all := true
	for _, w := range strings.Split(goTags(t), ",") {
		all = all && slices.Contains(tags, w)
	}
	if builtWithTags != all {
		t.Errorf("builtWithTags is %v, but the binary's -tags are %q", builtWithTags, tags)
	}
}

func TestWarnIfUntagged(t *testing.T) {
	for _, built := range []bool{true, false} {
		var b strings.Builder
		warnIfUntagged(built, slog.New(slog.NewTextHandler(&b, nil)))
		if warned := strings.Contains(b.String(), "level=WARN") && strings.Contains(b.String(), "scripts/go-tags"); warned == built {
			t.Errorf("built with the tags %v: log %q", built, b.String())
		}
	}
}
