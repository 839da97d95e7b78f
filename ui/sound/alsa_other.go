//go:build !linux || !cgo

package sound

func silenceALSA() {}
