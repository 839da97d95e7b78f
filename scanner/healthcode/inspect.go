package healthcode

import (
	"bufio"
	"encoding/hex"
	"fmt"
	"image"
	"image/color"
	"io"
	"strings"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
)

// Decoded is what a text says about itself, before (and regardless of)
// verification: for display in operator tools only, never for decisions.
type Decoded struct {
	Format    checkpoint.Format
	Algorithm string
	Kid       []byte
	Issuer    string
	IssuedAt  time.Time
	ExpiresAt time.Time
	// Claims is set for our codes.
	Claims *Claims
	// DCC is the eu_dgc_v1 content of a DCC, with text keys.
	DCC map[string]any
}

// Inspect decodes text without verifying its signature. The error is a
// *checkpoint.VerifyError when a layer cannot be decoded.
func Inspect(text string) (*Decoded, error) {
	env, _, err := decodeEnvelope(text)
	if err != nil {
		return nil, err
	}
	claims, err := decodePayload(env)
	if err != nil {
		return nil, err
	}
	d := &Decoded{Format: env.format, Algorithm: AlgorithmName(env.alg), Kid: env.kid, Issuer: claims.Iss}
	if claims.Iat != nil {
		d.IssuedAt = claims.Iat.t
	}
	if claims.Exp != nil {
		d.ExpiresAt = claims.Exp.t
	}
	switch env.format {
	case checkpoint.FormatHealthCode:
		c, err := claimsFromCWT(claims)
		if err != nil {
			return nil, err
		}
		d.Claims = &c
	case checkpoint.FormatDCC:
		raw, err := hcertPayload(claims)
		if err != nil {
			return nil, err
		}
		var v any
		if err := cborDec.Unmarshal(raw, &v); err != nil {
			return nil, checkpoint.Failf(checkpoint.FailMalformed, "eu_dgc_v1: %w", err)
		}
		m, _ := textKeys(v).(map[string]any)
		d.DCC = m
	}
	return d, nil
}

// textKeys turns CBOR maps with arbitrary keys into map[string]any for
// printing as JSON.
func textKeys(v any) any {
	switch x := v.(type) {
	case map[any]any:
		m := make(map[string]any, len(x))
		for k, val := range x {
			m[fmt.Sprint(k)] = textKeys(val)
		}
		return m
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = textKeys(e)
		}
		return out
	case []byte:
		return hex.EncodeToString(x)
	}
	return v
}

// QRImage renders text as a QR code of error-correction level Q (the level
// the format specifies), size pixels square including the quiet zone.
// Texts of our format and DCCs use only alphanumeric-mode characters, which
// the encoder picks automatically.
func QRImage(text string, size int) (image.Image, error) {
	hints := map[gozxing.EncodeHintType]any{gozxing.EncodeHintType_ERROR_CORRECTION: "Q", gozxing.EncodeHintType_MARGIN: 4}
	m, err := qrcode.NewQRCodeWriter().Encode(text, gozxing.BarcodeFormat_QR_CODE, size, size, hints)
	if err != nil {
		return nil, fmt.Errorf("encoding QR: %w", err)
	}
	w, h := m.GetWidth(), m.GetHeight()
	img := image.NewGray(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := color.Gray{Y: 255}
			if m.Get(x, y) {
				c.Y = 0
			}
			img.SetGray(x, y, c)
		}
	}
	return img, nil
}

// DecodeQRImage reads the text of the QR code in img with plain gozxing
// (the terminal's camera path uses the fuller cascade of scanner/qr): the
// general detector first, then, for a clean rendered code such as a PNG
// from QRImage, the pure-barcode reader. (On clean renders gozxing's
// general detector misreads about 1 in 40 codes; the pure reader does not.)
func DecodeQRImage(img image.Image) (string, error) {
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		return "", fmt.Errorf("reading QR image: %w", err)
	}
	r := qrcode.NewQRCodeReader()
	res, err := r.Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true})
	if err == nil {
		return res.GetText(), nil
	}
	res, err2 := r.Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_PURE_BARCODE: true})
	if err2 == nil {
		return res.GetText(), nil
	}
	return "", fmt.Errorf("no QR code found: %w", err)
}

// WriteRevocationHashes writes hashes as lower-case hex, one per line: the
// text format hctool revoke writes and hctool verify --revoked reads.
func WriteRevocationHashes(w io.Writer, hs []checkpoint.RevocationHash) error {
	for _, h := range hs {
		if _, err := fmt.Fprintln(w, hex.EncodeToString(h[:])); err != nil {
			return fmt.Errorf("writing revocation hashes: %w", err)
		}
	}
	return nil
}

// ReadRevocationHashes reads the format of WriteRevocationHashes; blank
// lines and lines starting with '#' are skipped.
func ReadRevocationHashes(r io.Reader) ([]checkpoint.RevocationHash, error) {
	var out []checkpoint.RevocationHash
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		b, err := hex.DecodeString(line)
		if err != nil || len(b) != len(checkpoint.RevocationHash{}) {
			return nil, fmt.Errorf("revocation list line %d: want 32 hex digits, got %q", n, line)
		}
		var h checkpoint.RevocationHash
		copy(h[:], b)
		out = append(out, h)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading revocation list: %w", err)
	}
	return out, nil
}
