package base45

import (
	"bytes"
	"errors"
	"testing"
)

// Test vectors from RFC 9285, sections 4.3 and 4.4.
var rfcVectors = []struct{ plain, encoded string }{
	{"AB", "BB8"},
	{"Hello!!", "%69 VD92EX0"},
	{"base-45", "UJCLQE7W581"},
	{"ietf!", "QED8WEX0"},
	{"", ""},
}

func TestRFC9285Vectors(t *testing.T) {
	for _, v := range rfcVectors {
		if got := Encode([]byte(v.plain)); got != v.encoded {
			t.Errorf("Encode(%q) = %q, want %q", v.plain, got, v.encoded)
		}
		got, err := Decode(v.encoded)
		if err != nil {
			t.Errorf("Decode(%q): %v", v.encoded, err)
			continue
		}
		if string(got) != v.plain {
			t.Errorf("Decode(%q) = %q, want %q", v.encoded, got, v.plain)
		}
	}
}

func TestDecodeRejects(t *testing.T) {
	for _, tc := range []struct{ name, in string }{
		{"lower-case letter outside the alphabet", "bb8"},
		{"single dangling character", "BB8A"},
		{"triplet above 65535 (RFC 9285 section 6)", "GGW"},
		{"final pair above 255", "::"},
		{"non-ASCII byte", "B\xffB"},
		{"one character", "A"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Decode(tc.in); !errors.Is(err, ErrInvalid) {
				t.Fatalf("Decode(%q) error = %v, want ErrInvalid", tc.in, err)
			}
		})
	}
}

func TestRoundTripAllByteValues(t *testing.T) {
	var src []byte
	for i := 0; i < 256; i++ {
		src = append(src, byte(i), byte(255-i))
	}
	for n := 0; n <= len(src); n += 37 {
		enc := Encode(src[:n])
		if len(enc) != EncodedLen(n) {
			t.Fatalf("EncodedLen(%d) = %d, encoding has %d", n, EncodedLen(n), len(enc))
		}
		dec, err := Decode(enc)
		if err != nil || !bytes.Equal(dec, src[:n]) {
			t.Fatalf("round trip of %d bytes: %v", n, err)
		}
	}
}

func FuzzDecode(f *testing.F) {
	for _, v := range rfcVectors {
		f.Add(v.encoded)
	}
	f.Add("6BFOXN*TS0BI$ZD4N9:9S6RCVN5+O30K3/XIV0W23NTDEXWK G2EP4J0B3KL6QM5/OVGA/MAT%ZSN5J")
	f.Fuzz(func(t *testing.T, s string) {
		b, err := Decode(s)
		if err != nil {
			return
		}
		if Encode(b) != s {
			t.Fatalf("decoded %q but re-encoding gives %q", s, Encode(b))
		}
	})
}
