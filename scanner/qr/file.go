package qr

import (
	"errors"
	"fmt"
	"image"
	_ "image/gif"  // headers DecodeConfig reads
	_ "image/jpeg" // (the pixels are OpenCV's to decode)
	_ "image/png"
	"os"

	"gocv.io/x/gocv"
	_ "golang.org/x/image/bmp"
	_ "golang.org/x/image/tiff"
	_ "golang.org/x/image/webp"
)

// MaxPixels bounds the images ReadFile loads and the planes Decode and
// DecodeFrame accept: 64 megapixels, more than a 50-megapixel phone
// photo (8160x6120). The cascade's working planes cost about 20 bytes per
// pixel, so a larger picture (a 20000x20000 PNG is 400 megapixels but can
// be a few hundred kilobytes on disc) would take gigabytes and minutes
// before it could be refused.
const MaxPixels = 1 << 26

// ErrTooLarge is returned for images and planes of more than MaxPixels.
var ErrTooLarge = fmt.Errorf("image larger than %d megapixels", MaxPixels>>20)

// ReadFile loads an image file (PNG, JPEG, WebP, BMP, ... whatever OpenCV
// reads) as a grey plane with OpenCV's luminance conversion. The size its
// header states is checked first (ErrTooLarge), so an image too large to
// decode is refused before OpenCV allocates its pixels.
func ReadFile(path string) (Gray, error) {
	f, err := os.Open(path)
	if err != nil {
		return Gray{}, fmt.Errorf("reading image: %w", err)
	}
	cfg, _, err := image.DecodeConfig(f)
	f.Close()
	if err == nil && int64(cfg.Width)*int64(cfg.Height) > MaxPixels {
		return Gray{}, fmt.Errorf("reading image %s: %dx%d: %w", path, cfg.Width, cfg.Height, ErrTooLarge)
	}
	// (a header Go cannot read is left to OpenCV, which refuses images
	// over a gigapixel; the plane's own size is checked below)
	m := gocv.IMRead(path, gocv.IMReadGrayScale)
	defer m.Close()
	if m.Empty() {
		return Gray{}, fmt.Errorf("reading image %s: %w", path, errors.New("not an image OpenCV can read"))
	}
	if int64(m.Cols())*int64(m.Rows()) > MaxPixels {
		return Gray{}, fmt.Errorf("reading image %s: %dx%d: %w", path, m.Cols(), m.Rows(), ErrTooLarge)
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
