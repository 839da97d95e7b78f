//go:build !linux

package sync

// mmapFlags: prefaulting the mapping is a Linux feature.
const mmapFlags = 0
