package sound

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/checkpoint-terminal/checkpoint"
	"github.com/checkpoint-terminal/checkpoint/assets"
)

func TestBundledCuesDecodeAndDiffer(t *testing.T) {
	cues, err := LoadCues()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]Cue{}
	for _, c := range []Cue{CuePass, CueDeny, CueAttention} {
		p, ok := cues[c]
		if !ok {
			t.Fatalf("%s missing", c)
		}
		if s := p.Seconds(); s < 0.2 || s > 1.5 {
			t.Errorf("%s lasts %.2f s, want a short cue", c, s)
		}
		var peak int16
		for i := 0; i+1 < len(p.Data); i += 2 {
			v := int16(binary.LittleEndian.Uint16(p.Data[i:]))
			peak = max(peak, v, -v)
		}
		if peak < 8000 {
			t.Errorf("%s peaks at %d: too quiet to hear", c, peak)
		}
		if other, dup := seen[string(p.Data)]; dup {
			t.Errorf("%s sounds the same as %s", c, other)
		}
		seen[string(p.Data)] = c
	}
}

func TestCueForEveryOutcome(t *testing.T) {
	want := map[checkpoint.Outcome]Cue{
		checkpoint.OutcomeNone: CueNone, checkpoint.OutcomePass: CuePass, checkpoint.OutcomeDeny: CueDeny,
		checkpoint.OutcomeRecheck: CueAttention, checkpoint.OutcomeMeasure: CueAttention,
	}
	for o, c := range want {
		if got := CueFor(o); got != c {
			t.Errorf("%s: %s, want %s", o, got, c)
		}
	}
	if CueFor(checkpoint.OutcomePass) == CueFor(checkpoint.OutcomeDeny) {
		t.Error("pass and deny share a sound")
	}
}

func wav(channels, rate, bits, format uint16, data []byte, extra ...[]byte) []byte {
	le := binary.LittleEndian
	var b bytes.Buffer
	b.WriteString("RIFF")
	_ = binary.Write(&b, le, uint32(0))
	b.WriteString("WAVE")
	for _, e := range extra {
		b.Write(e)
	}
	b.WriteString("fmt ")
	_ = binary.Write(&b, le, uint32(16))
	_ = binary.Write(&b, le, format)
	_ = binary.Write(&b, le, channels)
	_ = binary.Write(&b, le, uint32(rate))
	_ = binary.Write(&b, le, uint32(rate)*uint32(channels)*uint32(bits/8))
	_ = binary.Write(&b, le, channels*bits/8)
	_ = binary.Write(&b, le, bits)
	b.WriteString("data")
	_ = binary.Write(&b, le, uint32(len(data)))
	b.Write(data)
	return b.Bytes()
}

func TestDecodeWAV(t *testing.T) {
	list := append([]byte("LIST"), 3, 0, 0, 0, 'a', 'b', 'c', 0) // odd size, padded
	rows := []struct {
		name     string
		in       []byte
		channels int
		samples  int
		bad      bool
	}{
		{"mono 16-bit", wav(1, 48000, 16, 1, make([]byte, 960)), 1, 480, false},
		{"stereo with a padded LIST chunk first", wav(2, 44100, 16, 1, make([]byte, 400), list), 2, 100, false},
		{"trailing half frame is dropped", wav(2, 44100, 16, 1, make([]byte, 402)), 2, 100, false},
		{"8-bit is refused", wav(1, 48000, 8, 1, make([]byte, 10)), 0, 0, true},
		{"float is refused", wav(1, 48000, 16, 3, make([]byte, 10)), 0, 0, true},
		{"six channels are refused", wav(6, 48000, 16, 1, make([]byte, 12)), 0, 0, true},
		{"not RIFF", []byte("OggS\x00\x00\x00\x00WAVE"), 0, 0, true},
		{"empty", nil, 0, 0, true},
		{"chunk larger than the file", append(wav(1, 48000, 16, 1, nil)[:36], 'd', 'a', 't', 'a', 0xff, 0xff, 0xff, 0x7f), 0, 0, true},
		{"no data chunk", wav(1, 48000, 16, 1, nil)[:36], 0, 0, true},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			p, err := DecodeWAV(r.in)
			if r.bad {
				if !errors.Is(err, ErrNotWAV) {
					t.Fatalf("err %v, want ErrNotWAV", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.Channels != r.channels || len(p.Data)/(2*p.Channels) != r.samples {
				t.Fatalf("%d channels, %d frames; want %d, %d", p.Channels, len(p.Data)/(2*p.Channels), r.channels, r.samples)
			}
		})
	}
}

// TestOpenDegradesToSilence opens the real audio output. Where there is no
// sound device (CI) the player must be silent, say why once, and still take
// every Play without failing; where there is one it must play.
func TestOpenDegradesToSilence(t *testing.T) {
	var buf bytes.Buffer
	p := Open(context.Background(), slog.New(slog.NewTextHandler(&buf, nil)))
	if p.Silent() {
		if !strings.Contains(buf.String(), "sounds disabled") {
			t.Fatalf("silent player without a warning: %q", buf.String())
		}
		if err := p.PlayCue(CuePass); !errors.Is(err, ErrSilent) {
			t.Fatalf("silent PlayCue: %v", err)
		}
	} else if !strings.Contains(buf.String(), "sounds enabled") {
		t.Fatalf("audio open without saying so: %q", buf.String())
	}
	for _, o := range []checkpoint.Outcome{checkpoint.OutcomePass, checkpoint.OutcomeDeny, checkpoint.OutcomeRecheck, checkpoint.OutcomeNone} {
		p.Play(o)
	}
	// A second context is refused by oto: that must degrade too.
	var buf2 bytes.Buffer
	if q := Open(context.Background(), slog.New(slog.NewTextHandler(&buf2, nil))); !q.Silent() {
		t.Fatal("a second audio context claims to play")
	}
	if !strings.Contains(buf2.String(), "sounds disabled") {
		t.Fatalf("second open without a warning: %q", buf2.String())
	}
	var nilPlayer *Player
	if !nilPlayer.Silent() {
		t.Fatal("nil player is not silent")
	}
}

func FuzzDecodeWAV(f *testing.F) {
	for _, n := range []string{"pass", "deny", "attention"} {
		b, err := assets.Sounds.ReadFile("sounds/" + n + ".wav")
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b[:min(len(b), 512)])
	}
	f.Add(wav(2, 44100, 16, 1, make([]byte, 8), append([]byte("LIST"), 1, 0, 0, 0, 'x', 0)))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := DecodeWAV(b)
		if err != nil {
			if !errors.Is(err, ErrNotWAV) {
				t.Fatalf("error %v does not wrap ErrNotWAV", err)
			}
			return
		}
		if p.Channels < 1 || p.Channels > 2 || len(p.Data)%(2*p.Channels) != 0 {
			t.Fatalf("decoded %d channels with %d bytes", p.Channels, len(p.Data))
		}
	})
}
