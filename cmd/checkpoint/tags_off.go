//go:build !(no_emoji && test)

package main

// builtWithTags says the binary was built with the tags of scripts/go-tags
// (README "Memory"): this one was not, by a `go build` without GOFLAGS.
const builtWithTags = false
