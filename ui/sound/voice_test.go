package sound

import (
	"encoding/binary"
	"errors"
	"io/fs"
	"math"
	"testing"

	"github.com/checkpoint-terminal/checkpoint"
	"github.com/checkpoint-terminal/checkpoint/assets"
)

func samplesOf(p PCM) []int16 {
	s := make([]int16, len(p.Data)/2)
	for i := range s {
		s[i] = int16(binary.LittleEndian.Uint16(p.Data[2*i:]))
	}
	return s
}

// IMA ADPCM keeps speech-like audio: a 440 Hz tone with a loud onset comes
// back with a signal-to-noise ratio above 20 dB, at its length.
func TestIMAADPCMRoundTrip(t *testing.T) {
	in := make([]int16, 8000) // 1 s at 8 kHz
	for i := range in {
		in[i] = int16(12000 * math.Sin(2*math.Pi*440*float64(i)/8000))
	}
	wav := EncodeIMAADPCM(in, 8000)
	if len(wav) > len(in)/2+600 {
		t.Fatalf("%d bytes for %d samples: not 4 bits a sample", len(wav), len(in))
	}
	p, err := DecodeIMAADPCM(wav)
	if err != nil {
		t.Fatal(err)
	}
	out := samplesOf(p)
	if p.SampleRate != 8000 || len(out) != len(in) {
		t.Fatalf("%d Hz, %d samples", p.SampleRate, len(out))
	}
	var sig, noise float64
	for i := range in {
		sig += float64(in[i]) * float64(in[i])
		d := float64(in[i]) - float64(out[i])
		noise += d * d
	}
	if snr := 10 * math.Log10(sig/noise); snr < 20 {
		t.Fatalf("SNR %.1f dB", snr)
	}
	if _, err := DecodeIMAADPCM([]byte("RIFF\x04\x00\x00\x00WAVE")); !errors.Is(err, ErrNotIMA) {
		t.Fatalf("empty WAVE: %v", err)
	}
}

// Every bundled clip decodes, is speech-length, and all of them together
// stay small.
func TestBundledVoiceClips(t *testing.T) {
	total := 0
	for _, lang := range VoiceLanguages {
		clips, err := LoadVoice(lang)
		if err != nil {
			t.Fatal(err)
		}
		for name, p := range clips {
			if s := p.Seconds(); s < 0.3 || s > 6 || p.SampleRate != SampleRate {
				t.Errorf("%s/%s: %.2f s at %d Hz", lang, name, s, p.SampleRate)
			}
		}
	}
	fs.WalkDir(assets.Voice, ".", func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := assets.Voice.ReadFile(path)
			total += len(b)
		}
		return nil
	})
	if total == 0 || total > 200<<10 {
		t.Fatalf("voice clips take %d bytes", total)
	}
}

func TestVoiceClipPerVerdict(t *testing.T) {
	cases := []struct {
		name string
		v    checkpoint.Verdict
		want string
	}{
		{"pass", checkpoint.Verdict{Outcome: checkpoint.OutcomePass, Reason: checkpoint.ReasonGreen}, ClipPass},
		{"red code", checkpoint.Verdict{Outcome: checkpoint.OutcomeDeny, Reason: checkpoint.ReasonRed}, ClipDenyRed},
		{"yellow code", checkpoint.Verdict{Outcome: checkpoint.OutcomeDeny, Reason: checkpoint.ReasonYellow}, ClipDenyYellow},
		{"forged code", checkpoint.Verdict{Outcome: checkpoint.OutcomeDeny, Failure: checkpoint.FailBadSignature, Reason: "bad_signature"}, ClipDenyInvalid},
		{"revoked code", checkpoint.Verdict{Outcome: checkpoint.OutcomeDeny, Failure: checkpoint.FailRevoked, Reason: "revoked"}, ClipDenyInvalid},
		{"expired code", checkpoint.Verdict{Outcome: checkpoint.OutcomeDeny, Failure: checkpoint.FailExpired, Reason: "expired"}, ClipDenyExpired},
		{"stale dynamic code", checkpoint.Verdict{Outcome: checkpoint.OutcomeDeny, Failure: checkpoint.FailTooOld, Reason: "too_old"}, ClipDenyExpired},
		{"invalid policy", checkpoint.Verdict{Outcome: checkpoint.OutcomeDeny, Reason: checkpoint.ReasonInvalidPolicy}, ClipDenyOther},
		{"fever", checkpoint.Verdict{Outcome: checkpoint.OutcomeRecheck, Reason: checkpoint.ReasonFever}, ClipRecheck},
		{"waiting for the thermometer", checkpoint.Verdict{Outcome: checkpoint.OutcomeMeasure, Reason: checkpoint.ReasonNoTemperature}, ClipMeasure},
		{"nothing", checkpoint.Verdict{}, ""},
	}
	for _, tc := range cases {
		if got := VoiceClip(tc.v); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
	for ui, want := range map[string]string{"en": "en", "zh-CN": "zh-CN", "zh_CN.UTF-8": "zh-CN", "de": "en"} {
		if got := VoiceLanguage(ui); got != want {
			t.Errorf("VoiceLanguage(%q) = %q, want %q", ui, got, want)
		}
	}
	t.Setenv("LANGUAGE", "zh_CN")
	if got := VoiceLanguage(""); got != "zh-CN" {
		t.Errorf("system locale zh_CN: %q", got)
	}
}

// The utterance is the cue, a short pause and the clip in the UI's
// language; with the voice off only the cue; the volume is clamped.
func TestUtterance(t *testing.T) {
	cues, err := LoadCues()
	if err != nil {
		t.Fatal(err)
	}
	p := &Player{cues: cues}
	deny := checkpoint.Verdict{Outcome: checkpoint.OutcomeDeny, Reason: checkpoint.ReasonRed}
	zh, _ := LoadVoice("zh-CN")
	u, err := p.Utterance(deny, "zh-CN")
	if err != nil {
		t.Fatal(err)
	}
	pause := 2 * SampleRate * 120 / 1000
	if len(u.Data) != len(cues[CueDeny].Data)+pause+len(zh[ClipDenyRed].Data) {
		t.Fatalf("utterance of %d bytes", len(u.Data))
	}
	en, _ := p.Utterance(deny, "en")
	if len(en.Data) == len(u.Data) {
		t.Fatal("English and Chinese utterances alike")
	}
	p.SetVoice(VoiceOptions{Enabled: false, Volume: 7})
	u, _ = p.Utterance(deny, "en")
	if len(u.Data) != len(cues[CueDeny].Data) || p.voice.Volume != 1 {
		t.Fatalf("voice off: %d bytes, volume %v", len(u.Data), p.voice.Volume)
	}
	var silent *Player
	silent.SetVoice(VoiceOptions{Enabled: true}) // no panic
	silent.PlayVerdict(deny, "en")
}

func FuzzDecodeIMAADPCM(f *testing.F) {
	f.Add(EncodeIMAADPCM([]int16{0, 100, -100, 3000}, 8000))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := DecodeIMAADPCM(b)
		if err == nil && len(p.Data)%2 != 0 {
			t.Fatal("odd PCM")
		}
	})
}
