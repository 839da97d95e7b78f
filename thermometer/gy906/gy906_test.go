package gy906

import (
	"bytes"
	"testing"
)

// The documented example: object 0x0C78 = 31.92 °C.
var example = []byte{0x5A, 0x5A, 0x45, 0x04, 0x0C, 0x78, 0x09, 0xC4, 0x00}

func init() { example[8] = Sum(example[:8]) }

func TestDocumentedValue(t *testing.T) {
	frames := new(Decoder).Feed(example)
	if len(frames) != 1 {
		t.Fatalf("%d frames", len(frames))
	}
	tt, ok := frames[0].Temperatures()
	if !ok || tt.Object != 31.92 || tt.Ambient != 25.00 {
		t.Fatalf("got %+v %v, want object 31.92 ambient 25.00", tt, ok)
	}
}

func TestEncodeRoundTrip(t *testing.T) {
	for _, c := range []Temperatures{{36.57, 24.1}, {-12.5, -3}, {300, 85}, {0, 0}} {
		frames := new(Decoder).Feed(Encode(c))
		if len(frames) != 1 {
			t.Fatalf("%v: %d frames", c, len(frames))
		}
		got, _ := frames[0].Temperatures()
		if got != c {
			t.Errorf("round trip %v → %v", c, got)
		}
	}
	if e := Encode(Temperatures{Object: 31.92, Ambient: 25}); !bytes.Equal(e, example) {
		t.Errorf("Encode = % X, want % X", e, example)
	}
}

func TestDecoderResynchronises(t *testing.T) {
	bad := bytes.Clone(example)
	bad[8]++
	cases := []struct {
		name      string
		chunks    [][]byte
		frames    int
		checksums uint64
		garbage   bool
	}{
		{"byte by byte", split(example, 1), 1, 0, false},
		{"noise before", [][]byte{{0x00, 0xFF, 0x5A, 0x13}, example}, 1, 0, true},
		{"a lone header byte, then a frame", [][]byte{{0x5A}, example}, 1, 0, true},
		{"wrong sum then a good frame", [][]byte{bad, example}, 1, 1, true},
		{"header announcing a huge length", [][]byte{{0x5A, 0x5A, 0x45, 0xFF}, example}, 1, 0, true},
		{"truncated frame then a good one", [][]byte{example[:6], example}, 1, 1, true},
		{"two frames in one read", [][]byte{append(bytes.Clone(example), example...)}, 2, 0, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var d Decoder
			n := 0
			for _, c := range tc.chunks {
				for _, f := range d.Feed(c) {
					if tt, ok := f.Temperatures(); !ok || tt.Object != 31.92 {
						t.Fatalf("decoded %+v", f)
					}
					n++
				}
			}
			if n != tc.frames || d.ChecksumErrors != tc.checksums || (d.Garbage > 0) != tc.garbage {
				t.Fatalf("frames %d checksum %d garbage %d; want %d %d %v", n, d.ChecksumErrors, d.Garbage, tc.frames, tc.checksums, tc.garbage)
			}
		})
	}
}

func split(b []byte, n int) [][]byte {
	var out [][]byte
	for len(b) > n {
		out = append(out, b[:n])
		b = b[n:]
	}
	return append(out, b)
}

func FuzzDecoder(f *testing.F) {
	f.Add(example, 3)
	f.Add(append([]byte{0x5A, 0x00, 0x5A, 0x5A, 0x45, 0x04}, example...), 1)
	f.Add(Encode(Temperatures{Object: 36.6, Ambient: 24}), 9)
	f.Fuzz(func(t *testing.T, b []byte, chunk int) {
		if chunk <= 0 {
			chunk = 1
		}
		var d Decoder
		var got []Frame
		for _, c := range split(b, chunk) {
			got = append(got, d.Feed(c)...)
		}
		// Every frame handed out checks, and the buffer never grows past
		// one partial frame.
		for _, f := range got {
			raw := append([]byte{Header, Header, f.Type, byte(len(f.Data))}, f.Data...)
			if len(f.Data) > MaxData {
				t.Fatalf("frame with %d data bytes", len(f.Data))
			}
			if !bytes.Contains(b, append(raw, Sum(raw))) {
				t.Fatalf("frame % X with its sum is not in the input", raw)
			}
		}
		if d.Buffered() > 4+MaxData {
			t.Fatalf("%d bytes buffered", d.Buffered())
		}
		// Chunking must not change what is decoded.
		var whole Decoder
		if all := whole.Feed(b); len(all) != len(got) {
			t.Fatalf("%d frames in chunks, %d whole", len(got), len(all))
		}
	})
}
