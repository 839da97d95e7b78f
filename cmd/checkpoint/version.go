package main

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// versionString is what -version prints: the module version (or "devel"),
// the VCS revision and time the binary was built from (with "+dirty" for
// uncommitted changes), and the Go version, from the build information
// the Go toolchain embeds.
func versionString() string {
	v, rev, at, dirty := "devel", "", "", false
	if bi, ok := debug.ReadBuildInfo(); ok {
		if bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			v = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.time":
				at = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
	}
	out := "checkpoint " + v
	if rev != "" {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		if dirty {
			rev += "+dirty"
		}
		out += fmt.Sprintf(" (%s %s)", rev, at)
	}
	return out + " " + runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH
}
