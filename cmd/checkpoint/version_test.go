package main

import (
	"runtime"
	"strings"
	"testing"
)

func TestVersionFlag(t *testing.T) {
	o, err := parseFlags([]string{"-version"})
	if err != nil || !o.version {
		t.Fatalf("-version: %v %+v", err, o)
	}
	if v := versionString(); !strings.HasPrefix(v, "checkpoint ") || !strings.Contains(v, runtime.Version()) {
		t.Errorf("version %q", v)
	}
}
