//go:build !linux

package camera

import "errors"

// Device is a video device; only Linux (V4L2) lists them.
type Device struct {
	Path              string
	Index             int
	Driver, Card, Bus string
	Capture           bool
	Formats           []Format
	Err               error
}

// Format is one capture pixel format of a Device.
type Format struct {
	FourCC, Description string
	Sizes               []string
}

// ListDevices is only implemented on Linux.
func ListDevices(string) ([]Device, error) {
	return nil, errors.New("listing cameras needs Linux (V4L2)")
}
