package qr

// #cgo pkg-config: opencv4
// #cgo CXXFLAGS: -std=c++11
// #include <stdlib.h>
// #include "cv.h"
import "C"

import (
	"errors"
	"unsafe"
)

// errOpenCV is returned when an OpenCV call threw; the bridge catches every
// C++ exception so nothing crosses into Go as a crash.
var errOpenCV = errors.New("opencv call failed")

// locator owns the OpenCV detectors. It is not safe for concurrent use.
type locator struct {
	p C.cpLocator
}

func newLocator() (*locator, error) {
	p := C.cp_locator_new()
	if p == nil {
		return nil, errors.New("creating the OpenCV QR locator")
	}
	return &locator{p: p}, nil
}

func (l *locator) close() {
	if l != nil && l.p != nil {
		C.cp_locator_free(l.p)
		l.p = nil
	}
}

func pix(g Gray) *C.uchar { return (*C.uchar)(unsafe.Pointer(&g.Pix[0])) }

// detect returns the corners OpenCV's QRCodeDetector finds.
func (l *locator) detect(g Gray) (Quad, bool, error) {
	var pts [8]C.float
	r := C.cp_detect(l.p, pix(g), C.int(g.Width), C.int(g.Height), C.int(g.Stride), &pts[0])
	if r < 0 {
		return Quad{}, false, errOpenCV
	}
	if r == 0 {
		return Quad{}, false, nil
	}
	return quadOf(pts[:]), true, nil
}

func quadOf(p []C.float) Quad {
	var q Quad
	for i := range 4 {
		q[i] = Point{X: float64(p[2*i]), Y: float64(p[2*i+1])}
	}
	return q
}

// Interpolation for resize.
const (
	interpArea   = 0
	interpLinear = 1
	interpCubic  = 2
)

// resize scales g to w x h into a new plane.
func resize(g Gray, w, h, interp int) (Gray, error) {
	dst := Gray{Pix: make([]byte, w*h), Width: w, Height: h, Stride: w}
	return dst, resizeInto(g, dst, interp)
}

// resizeInto scales g into dst (whose Stride must equal its Width).
func resizeInto(g, dst Gray, interp int) error {
	if C.cp_resize(pix(g), C.int(g.Width), C.int(g.Height), C.int(g.Stride), pix(dst), C.int(dst.Width), C.int(dst.Height), C.int(interp)) != 0 {
		return errOpenCV
	}
	return nil
}

// sharpen returns an unsharp-masked copy of g.
func sharpen(g Gray, sigma, amount float64) (Gray, error) {
	dst := Gray{Pix: make([]byte, g.Width*g.Height), Width: g.Width, Height: g.Height, Stride: g.Width}
	if C.cp_sharpen(pix(g), C.int(g.Width), C.int(g.Height), C.int(g.Stride), pix(dst), C.double(sigma), C.double(amount)) != 0 {
		return Gray{}, errOpenCV
	}
	return dst, nil
}

// warp maps quadrangle q of g onto a side x side square inside a white
// margin.
func warp(g Gray, q Quad, side, margin int) (Gray, error) {
	full := side + 2*margin
	dst := Gray{Pix: make([]byte, full*full), Width: full, Height: full, Stride: full}
	var pts [8]C.float
	for i, p := range q {
		pts[2*i] = C.float(p.X)
		pts[2*i+1] = C.float(p.Y)
	}
	if C.cp_warp(pix(g), C.int(g.Width), C.int(g.Height), C.int(g.Stride), &pts[0], pix(dst), C.int(side), C.int(margin)) != 0 {
		return Gray{}, errOpenCV
	}
	return dst, nil
}
