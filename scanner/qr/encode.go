package qr

import (
	"errors"
	"fmt"
	"image"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
)

// ECLevel is the error-correction level docs/healthcode-format.md specifies
// for every code we draw (Q: about 25% of the codewords can be restored,
// enough for a scratched card or a cracked phone screen).
const ECLevel = "Q"

// Encode renders text as a QR code at error-correction level ECLevel, size
// pixels square including a 4-module quiet zone (black 0, white 255). Texts
// of our format and DCCs use only alphanumeric-mode characters, which the
// encoder picks automatically. A text too long for any QR version at level
// Q is an error.
func Encode(text string, size int) (*image.Gray, error) {
	if text == "" {
		return nil, errors.New("encoding QR: empty text")
	}
	hints := map[gozxing.EncodeHintType]any{gozxing.EncodeHintType_ERROR_CORRECTION: ECLevel, gozxing.EncodeHintType_MARGIN: 4}
	m, err := qrcode.NewQRCodeWriter().Encode(text, gozxing.BarcodeFormat_QR_CODE, size, size, hints)
	if err != nil {
		return nil, fmt.Errorf("encoding QR: %w", err)
	}
	w, h := m.GetWidth(), m.GetHeight()
	img := image.NewGray(image.Rect(0, 0, w, h))
	for y := range h {
		row := img.Pix[y*img.Stride : y*img.Stride+w]
		for x := range w {
			if !m.Get(x, y) {
				row[x] = 255
			}
		}
	}
	return img, nil
}

// ErrNoCode is returned by DecodeImage when no step of the cascade read a
// code.
var ErrNoCode = errors.New("no QR code found")

// DecodeStill runs the whole cascade on a still image (a photo, a PNG from
// Encode), as Decode does, with no per-frame time budget, and then, for a
// clean render, gozxing's pure-barcode reader (on clean renders the general
// detector misses about one code in forty; the pure reader does not). It
// is the one path for stills: hctool decode and hctool verify --image both
// use it, so they never disagree on the same picture. No code is an empty
// slice and a nil error.
func (d *Decoder) DecodeStill(g Gray) ([]Result, error) {
	rs, err := d.Decode(g)
	if len(rs) > 0 || err != nil {
		return rs, err
	}
	rs, err = d.zx.decodeHints(g, hybrid, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_PURE_BARCODE: true}, false)
	return tag(rs, "pure"), err
}

// DecodeImage returns the text of the largest code DecodeStill reads in
// img, or ErrNoCode.
func (d *Decoder) DecodeImage(img image.Image) (string, error) {
	rs, err := d.DecodeStill(GrayFromImage(img))
	if err != nil {
		return "", err
	}
	if len(rs) == 0 {
		return "", ErrNoCode
	}
	return rs[0].Text, nil
}
