package qr_test

import (
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/checkpoint-terminal/checkpoint/scanner/qr"
	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
	"github.com/makiuchi-d/gozxing/qrcode/decoder"
)

// alnum is the QR alphanumeric alphabet our texts (Base45) are drawn from.
const alnum = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"

// TestEncodeRoundTrip: forty distinct code-like texts drawn at level Q read
// back through DecodeImage (gozxing's general detector alone misses about
// one clean render in forty, so one text would prove little), and the
// symbol's format information says level Q.
func TestEncodeRoundTrip(t *testing.T) {
	d, err := qr.NewDecoder(qr.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 40 {
		b := []byte("HCN1:")
		for range 150 + rng.IntN(200) {
			b = append(b, alnum[rng.IntN(len(alnum))])
		}
		text := string(b)
		img, err := qr.Encode(text, 480)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := d.DecodeImage(img); err != nil || got != text {
			t.Fatalf("text %d decoded as %q, %v", i, got, err)
		}
		bmp, _ := gozxing.NewBinaryBitmapFromImage(img)
		res, err := qrcode.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_PURE_BARCODE: true})
		if err != nil {
			t.Fatal(err)
		}
		if lvl := res.GetResultMetadata()[gozxing.ResultMetadataType_ERROR_CORRECTION_LEVEL]; lvl != decoder.ErrorCorrectionLevel_Q.String() {
			t.Fatalf("text %d drawn at level %v, want Q", i, lvl)
		}
	}
	if _, err := qr.Encode("", 100); err == nil {
		t.Fatal("encoded an empty text")
	}
	blank, _ := qr.Encode("HCN1:X", 200)
	for i := range blank.Pix {
		blank.Pix[i] = 255
	}
	if _, err := d.DecodeImage(blank); !errors.Is(err, qr.ErrNoCode) {
		t.Fatalf("blank image: %v, want ErrNoCode", err)
	}
}
