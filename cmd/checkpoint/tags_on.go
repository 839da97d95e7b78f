//go:build no_emoji && test

package main

// builtWithTags says the binary was built with the tags of scripts/go-tags.
const builtWithTags = true
