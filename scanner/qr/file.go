package qr

import (
	"errors"
	"fmt"
	"os"

	"gocv.io/x/gocv"
)

// ReadFile loads an image file (PNG, JPEG, WebP, BMP, ... whatever OpenCV
// reads) as a grey plane with OpenCV's luminance conversion.
func ReadFile(path string) (Gray, error) {
	if _, err := os.Stat(path); err != nil {
		return Gray{}, fmt.Errorf("reading image: %w", err)
	}
	m := gocv.IMRead(path, gocv.IMReadGrayScale)
	defer m.Close()
	if m.Empty() {
		return Gray{}, fmt.Errorf("reading image %s: %w", path, errors.New("not an image OpenCV can read"))
	}
	return GrayFromMat(m)
}

// GrayFromMat copies an 8-bit one-channel Mat into a grey plane.
func GrayFromMat(m gocv.Mat) (Gray, error) {
	if m.Type() != gocv.MatTypeCV8UC1 {
		return Gray{}, fmt.Errorf("copying a Mat of type %v: want 8-bit grey", m.Type())
	}
	b, err := m.DataPtrUint8()
	if err != nil {
		return Gray{}, fmt.Errorf("reading Mat bytes: %w", err)
	}
	w, h := m.Cols(), m.Rows()
	step := m.Step()
	g := Gray{Pix: make([]byte, w*h), Width: w, Height: h, Stride: w}
	for y := range h {
		copy(g.Pix[y*w:(y+1)*w], b[y*step:y*step+w])
	}
	return g, nil
}
