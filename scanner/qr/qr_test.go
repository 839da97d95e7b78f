package qr_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/checkpoint-terminal/checkpoint/scanner/qr"
	"github.com/checkpoint-terminal/checkpoint/scanner/videogen"
)

func newTestDecoder(t testing.TB) *qr.Decoder {
	t.Helper()
	d, err := qr.NewDecoder(qr.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// TestDecodeCases renders frames with the perturbations the cascade exists
// for and checks each is read, with the right text.
func TestDecodeCases(t *testing.T) {
	d := newTestDecoder(t)
	for _, c := range []struct {
		name string
		sc   videogen.Scene
	}{
		{"upright code", videogen.Scene{Text: benchText, Size: 0.7}},
		{"rotated 45 degrees", videogen.Scene{Text: benchText, Size: 0.7, Rotate: 45}},
		{"tilted back", videogen.Scene{Text: benchText, Size: 0.7, Tilt: 0.2}},
		{"blurred", videogen.Scene{Text: benchText, Size: 0.75, Blur: 1.5}},
		{"dim screen", videogen.Scene{Text: benchText, Size: 0.7, Contrast: 0.3}},
		{"glare spot", videogen.Scene{Text: benchText, Size: 0.7, Glare: 0.8}},
		{"sensor noise", videogen.Scene{Text: benchText, Size: 0.7, Noise: 12}},
		{"small short code", videogen.Scene{Text: "HCN1:SHORT", Size: 0.15}},
	} {
		t.Run(c.name, func(t *testing.T) {
			g := frameOf(t, 640, 480, c.sc)
			rs, err := d.Decode(g)
			if err != nil {
				t.Fatal(err)
			}
			if len(rs) == 0 || rs[0].Text != c.sc.Text {
				t.Fatalf("got %+v, want the code read", rs)
			}
			// The outline is where the code was drawn: its centre near
			// the frame centre, its area near the code's.
			q := rs[0].Corners
			cx, cy := (q[0].X+q[2].X)/2, (q[0].Y+q[2].Y)/2
			side := c.sc.Size * 480
			if math.Hypot(cx-320, cy-240) > side/5 {
				t.Errorf("outline centre (%.0f, %.0f), want near (320, 240); outline %v", cx, cy, q)
			}
			if a := q.Area(); a < 0.3*side*side || a > 1.3*side*side {
				t.Errorf("outline area %.0f, want about %.0f", a, side*side)
			}
		})
	}
}

// TestInvertedCode: light modules on a dark ground (some phone themes).
func TestInvertedCode(t *testing.T) {
	d := newTestDecoder(t)
	g := qr.Invert(frameOf(t, 480, 360, videogen.Scene{Text: "HCN1:INVERTED", Size: 0.6}))
	rs, err := d.Decode(g)
	if err != nil || len(rs) == 0 || rs[0].Text != "HCN1:INVERTED" {
		t.Fatalf("got %+v, %v; want the inverted code read", rs, err)
	}
	if rs[0].Stage != "inverted" {
		t.Errorf("read by %q, want the inverted step", rs[0].Stage)
	}
}

// TestLargestFirst: two codes in view, the one at the counter first.
func TestLargestFirst(t *testing.T) {
	d := newTestDecoder(t)
	g := frameOf(t, 640, 480, videogen.Scene{Text: "HCN1:FRONT", Size: 0.55, X: -0.12,
		Others: []videogen.Scene{{Text: "HCN1:BEHIND", Size: 0.25, X: 0.33, Y: -0.25}}})
	for _, mode := range []string{"Decode", "DecodeFrame"} {
		var rs []qr.Result
		var err error
		if mode == "Decode" {
			rs, err = d.Decode(g)
		} else {
			rs, err = d.DecodeFrame(g)
		}
		if err != nil || len(rs) == 0 || rs[0].Text != "HCN1:FRONT" {
			t.Errorf("%s: got %+v, %v; want HCN1:FRONT first", mode, rs, err)
		}
	}
}

// TestNoCodeAndBadPlanes: an empty scene decodes to nothing; planes whose
// sizes do not fit their buffer are refused, never read out of bounds.
func TestNoCodeAndBadPlanes(t *testing.T) {
	d := newTestDecoder(t)
	empty := frameOf(t, 640, 480, videogen.Scene{Noise: 5})
	if rs, err := d.Decode(empty); err != nil || len(rs) != 0 {
		t.Errorf("empty frame: %+v, %v", rs, err)
	}
	for i := range 30 {
		if rs, err := d.DecodeFrame(empty); err != nil || len(rs) != 0 {
			t.Fatalf("empty frame %d: %+v, %v", i, rs, err)
		}
	}
	for _, g := range []qr.Gray{
		{},
		{Pix: make([]byte, 10), Width: 4, Height: 4, Stride: 4},
		{Pix: make([]byte, 100), Width: 10, Height: 10, Stride: 5},
		{Pix: make([]byte, 100), Width: -1, Height: 10, Stride: 10},
		// (height times stride overflows int: refused, not wrapped)
		{Pix: make([]byte, 100), Width: 10, Height: 1 << 33, Stride: 1 << 31},
	} {
		if _, err := d.Decode(g); !errors.Is(err, qr.ErrBadPlane) {
			t.Errorf("Decode(%dx%d stride %d, %d bytes): %v, want ErrBadPlane", g.Width, g.Height, g.Stride, len(g.Pix), err)
		}
		if _, err := d.DecodeFrame(g); !errors.Is(err, qr.ErrBadPlane) {
			t.Errorf("DecodeFrame(%dx%d stride %d, %d bytes): %v, want ErrBadPlane", g.Width, g.Height, g.Stride, len(g.Pix), err)
		}
	}
}

// TestTooLarge: a plane or an image file of more than qr.MaxPixels is
// refused with ErrTooLarge, the file before its pixels are decoded: a
// 20000x20000 PNG of one colour is a few hundred kilobytes on disc, and
// read and searched it took 1.5 GB and a minute before it ran out of memory.
func TestTooLarge(t *testing.T) {
	d := newTestDecoder(t)
	big := qr.Gray{Pix: make([]byte, 1<<14), Width: 1 << 14, Height: 1 << 13, Stride: 1 << 14}
	if _, err := d.Decode(big); !errors.Is(err, qr.ErrTooLarge) {
		t.Errorf("Decode(%dx%d): %v, want ErrTooLarge", big.Width, big.Height, err)
	}
	if _, err := d.DecodeFrame(big); !errors.Is(err, qr.ErrTooLarge) {
		t.Errorf("DecodeFrame(%dx%d): %v, want ErrTooLarge", big.Width, big.Height, err)
	}
	for _, side := range []uint32{20000, 100000} {
		path := filepath.Join(t.TempDir(), "big.png")
		if err := os.WriteFile(path, pngHeader(side, side), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := qr.ReadFile(path); !errors.Is(err, qr.ErrTooLarge) {
			t.Errorf("ReadFile(a %dx%d PNG): %v, want ErrTooLarge", side, side, err)
		}
	}
	// a whole image under the bound still reads
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, 3, 2))); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "small.png")
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if g, err := qr.ReadFile(path); err != nil || g.Width != 3 || g.Height != 2 {
		t.Errorf("ReadFile(a 3x2 PNG): %dx%d, %v", g.Width, g.Height, err)
	}
}

// pngHeader is a PNG of w x h grey pixels whose data stops after the
// header: what a hostile file's size claim looks like.
func pngHeader(w, h uint32) []byte {
	chunk := func(kind string, data []byte) []byte {
		b := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
		b = append(append(b, kind...), data...)
		return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(append([]byte(kind), data...)))
	}
	ihdr := binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(nil, w), h)
	ihdr = append(ihdr, 8, 0, 0, 0, 0) // 8-bit grey, no interlace
	b := append([]byte("\x89PNG\r\n\x1a\n"), chunk("IHDR", ihdr)...)
	return append(b, chunk("IEND", nil)...)
}

// FuzzDecode: whatever a stranger holds up to the camera, decoding returns
// (a result or nothing) and never panics or reads out of bounds.
func FuzzDecode(f *testing.F) {
	g := frameOf(f, 96, 72, videogen.Scene{Text: "HCN1:FUZZ", Size: 0.9})
	f.Add(byte(96), g.Pix)
	f.Add(byte(40), []byte("\x00\xff\x00\xff\x00\xff\x00\xff\x00\xff\x00\xff\x00\xff\x00\xff"))
	d := newTestDecoder(f)
	f.Fuzz(func(t *testing.T, w byte, pix []byte) {
		width := int(w)%128 + 1
		if len(pix) > 128*128 {
			pix = pix[:128*128]
		}
		g := qr.Gray{Pix: pix, Width: width, Height: len(pix) / width, Stride: width}
		rs, _ := d.DecodeFrame(g)
		for _, r := range rs {
			if r.Text == "" && r.Stage == "" {
				t.Errorf("empty result %+v", r)
			}
		}
		d.Decode(g)
	})
}

// TestStagePyramid: a small code in a 12-megapixel photograph is found by
// the still cascade's pyramid step alone, on a shrunk level (or warped
// from full resolution where a level shows its finder patterns), with
// its outline in the photograph's coordinates.
func TestStagePyramid(t *testing.T) {
	d := newTestDecoder(t)
	var pyramid qr.Stage
	for _, s := range qr.Stages() {
		if s.Name == "pyramid" {
			pyramid = s
		}
	}
	if pyramid.Run == nil {
		t.Fatal("no pyramid step in the still cascade")
	}
	for _, sc := range []videogen.Scene{
		{Text: benchText, Size: 0.12, Rotate: 15, Noise: 6, X: 0.3, Y: -0.2},
		{Text: benchText, Size: 0.14, Rotate: -30, Tilt: 0.15, Noise: 4, X: -0.25, Y: 0.25},
	} {
		g := frameOf(t, 4000, 3000, sc)
		rs, err := pyramid.Run(d, g)
		if err != nil || len(rs) == 0 || rs[0].Text != sc.Text {
			t.Errorf("%+v: pyramid read %+v, %v", sc, rs, err)
			continue
		}
		q := rs[0].Corners
		cx, cy := (q[0].X+q[2].X)/2, (q[0].Y+q[2].Y)/2
		wx, wy := 2000+sc.X*4000, 1500+sc.Y*3000
		if math.Hypot(cx-wx, cy-wy) > sc.Size*3000/4 {
			t.Errorf("outline centre (%.0f, %.0f), want near (%.0f, %.0f)", cx, cy, wx, wy)
		}
	}
	small := frameOf(t, 640, 480, videogen.Scene{Text: benchText, Size: 0.7})
	if rs, err := pyramid.Run(d, small); err != nil || len(rs) != 0 {
		t.Errorf("pyramid ran on a 640x480 image: %+v, %v", rs, err)
	}
}
