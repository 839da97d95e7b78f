package main

import (
	"log/slog"
)

// warnIfUntagged says so at start when the binary was built without the tags
// of scripts/go-tags (a `go build` or `fyne package` without GOFLAGS): it
// works, but fyne then indexes the system's fonts and keeps its emoji font,
// measured 270 MB resident with the window under Xvfb instead of 247 and
// 1.5 s to "ready to scan" instead of 0.3 s.
func warnIfUntagged(built bool, log *slog.Logger) {
	if built {
		return
	}
	log.Warn("built without the build tags of scripts/go-tags: fyne scans the system's fonts and keeps its emoji font (about 23 MB more memory with the window, a slower start); build with make, or export GOFLAGS=-tags=no_emoji,test (README, Memory)")
}
