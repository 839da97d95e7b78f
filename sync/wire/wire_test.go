package wire

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
)

func TestRevocationDocRoundTrip(t *testing.T) {
	hs := []checkpoint.RevocationHash{checkpoint.HashForRevocation([]byte("b")), checkpoint.HashForRevocation([]byte("a")), checkpoint.HashForRevocation([]byte("a"))}
	d := RevocationDoc{Kind: KindDelta, Seq: 7, Prev: 6, IssuedAt: time.Unix(1700000000, 0).UTC(), ExpiresAt: time.Unix(1800000000, 0).UTC(), Dataset: DatasetID{1, 2}, Hashes: hs}
	got, err := ParseRevocationDoc(d.Marshal())
	if err != nil {
		t.Fatal(err)
	}
	if got.Kind != KindDelta || got.Seq != 7 || got.Prev != 6 || !got.IssuedAt.Equal(d.IssuedAt) || !got.ExpiresAt.Equal(d.ExpiresAt) || got.Dataset != d.Dataset || len(got.Hashes) != 2 {
		t.Fatalf("round trip: %+v", got)
	}
	w := d
	w.Kind = KindWithdraw
	if got, err := ParseRevocationDoc(w.Marshal()); err != nil || got.Kind != KindWithdraw || got.Prev != 6 || len(got.Hashes) != 2 || got.Kind.String() != "withdrawal" {
		t.Errorf("withdrawal round trip: %+v, %v", got, err)
	}
	for _, tc := range []struct {
		name string
		b    []byte
	}{
		{"empty", nil},
		{"bad magic", append([]byte("XXXX"), d.Marshal()[4:]...)},
		{"truncated hash", d.Marshal()[:len(d.Marshal())-1]},
		{"delta not after prev", RevocationDoc{Kind: KindDelta, Seq: 3, Prev: 3}.Marshal()},
		{"withdrawal not after prev", RevocationDoc{Kind: KindWithdraw, Seq: 3, Prev: 4, IssuedAt: time.Unix(1700000000, 0), ExpiresAt: time.Unix(1800000000, 0)}.Marshal()},
		{"unknown kind", RevocationDoc{Kind: 9, Seq: 3}.Marshal()},
		{"no expiry", RevocationDoc{Kind: KindSnapshot, Seq: 3, IssuedAt: time.Unix(1700000000, 0)}.Marshal()},
		{"expiry before issue", RevocationDoc{Kind: KindSnapshot, Seq: 3, IssuedAt: time.Unix(1700000000, 0), ExpiresAt: time.Unix(1600000000, 0)}.Marshal()},
		{"format version 1", append([]byte("CPRV\x01"), d.Marshal()[5:]...)},
	} {
		if _, err := ParseRevocationDoc(tc.b); !errors.Is(err, ErrBadRevocationDoc) {
			t.Errorf("%s: %v, want ErrBadRevocationDoc", tc.name, err)
		}
	}
}

func TestFrames(t *testing.T) {
	var buf bytes.Buffer
	for _, f := range [][]byte{[]byte("one"), {}, []byte("three")} {
		if err := WriteFrame(&buf, f); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	for {
		f, err := ReadFrame(&buf, 16)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, string(f))
	}
	if len(got) != 3 || got[0] != "one" || got[2] != "three" {
		t.Errorf("frames: %q", got)
	}
	if _, err := ReadFrame(bytes.NewReader([]byte{0, 0, 1, 0, 'x'}), 16); err == nil {
		t.Error("a frame over the limit was read")
	}
	if _, err := ReadFrame(bytes.NewReader([]byte{0, 0, 0, 9, 'x'}), 16); err == nil || err == io.EOF {
		t.Errorf("a truncated frame: %v", err)
	}
}

func FuzzParseRevocationDoc(f *testing.F) {
	f.Add(RevocationDoc{Kind: KindDelta, Seq: 2, Prev: 1, ExpiresAt: time.Unix(1800000000, 0), Hashes: []checkpoint.RevocationHash{checkpoint.HashForRevocation([]byte("x"))}}.Marshal())
	f.Add(RevocationDoc{Kind: KindSnapshot, Seq: 5, ExpiresAt: time.Unix(1800000000, 0)}.Marshal())
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := ParseRevocationDoc(b)
		if err != nil {
			return
		}
		if !bytes.Equal(d.Marshal(), b) {
			t.Fatalf("a parsed document does not marshal back to its bytes")
		}
	})
}

func FuzzParsePolicyDoc(f *testing.F) {
	f.Add([]byte(`{"version":1,"issued_at":"2026-11-23T08:00:00Z","expires_at":"2027-11-23T08:00:00Z","policy":{"fever_threshold":37.3,"min_plausible":34,"max_plausible":43,"require_temperature":true,"pairing_window":10000000000,"max_dynamic_age":300000000000,"clock_skew":120000000000,"max_list_age":259200000000000,"retention":2419200000000000}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := ParsePolicyDoc(b)
		if err == nil && d.Policy.Validate() != nil {
			t.Fatal("an invalid policy parsed")
		}
	})
}

func FuzzReadFrame(f *testing.F) {
	f.Add([]byte{0, 0, 0, 3, 'a', 'b', 'c', 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		r := bytes.NewReader(b)
		for range 100 {
			if _, err := ReadFrame(r, 1<<16); err != nil {
				return
			}
		}
	})
}
