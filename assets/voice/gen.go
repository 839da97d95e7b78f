//go:build ignore

// Gen speaks the terminal's voice prompts with espeak-ng (Debian package
// espeak-ng, installed by scripts/deps.sh) and writes them as 8 kHz mono
// IMA ADPCM WAV files, en/<clip>.wav and zh-CN/<clip>.wav. Run from this
// folder: go run gen.go
package main

import (
	"bytes"
	"encoding/binary"
	"log"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/checkpoint-terminal/checkpoint/ui/sound"
)

// clips are the prompts per language; the names are sound.VoiceClip's.
var clips = map[string]map[string]string{
	"en": {
		"pass":         "Pass.",
		"deny_red":     "Red code. Entry denied.",
		"deny_yellow":  "Yellow code. Entry denied.",
		"deny_invalid": "Invalid code. Entry denied.",
		"deny_expired": "Code expired. Please refresh it.",
		"deny_other":   "Entry denied.",
		"recheck":      "High temperature. Please recheck.",
		"measure":      "Please step up to the thermometer.",
	},
	"zh-CN": {
		"pass":         "通过",
		"deny_red":     "红码，禁止通行",
		"deny_yellow":  "黄码，禁止通行",
		"deny_invalid": "无效码，禁止通行",
		"deny_expired": "健康码已过期，请刷新",
		"deny_other":   "禁止通行",
		"recheck":      "体温异常，请复测",
		"measure":      "请测量体温",
	},
}

var voices = map[string]string{"en": "en-us", "zh-CN": "cmn"}

func main() {
	for lang, m := range clips {
		if err := os.MkdirAll(lang, 0o755); err != nil {
			log.Fatal(err)
		}
		for name, text := range m {
			// 22050 Hz 16-bit mono from espeak-ng on stdout.
			out, err := exec.Command("espeak-ng", "-v", voices[lang], "-s", "165", "--stdout", text).Output()
			if err != nil {
				log.Fatalf("espeak-ng %s %q: %v", lang, text, err)
			}
			pcm, err := sound.DecodeWAV(fixSizes(out))
			if err != nil {
				log.Fatalf("%s/%s: %v", lang, name, err)
			}
			pcm = trim(sound.Resample(pcm, 8000))
			samples := make([]int16, len(pcm.Data)/2)
			for i := range samples {
				samples[i] = int16(binary.LittleEndian.Uint16(pcm.Data[2*i:]))
			}
			path := filepath.Join(lang, name+".wav")
			if err := os.WriteFile(path, sound.EncodeIMAADPCM(samples, 8000), 0o644); err != nil {
				log.Fatal(err)
			}
			log.Printf("%s: %.2f s", path, pcm.Seconds())
		}
	}
}

// fixSizes writes the RIFF and data sizes espeak-ng leaves as 0xFFFFFFFF
// when it writes to a pipe.
func fixSizes(b []byte) []byte {
	binary.LittleEndian.PutUint32(b[4:], uint32(len(b)-8))
	if i := bytes.Index(b, []byte("data")); i > 0 {
		binary.LittleEndian.PutUint32(b[i+4:], uint32(len(b)-i-8))
	}
	return b
}

// trim drops leading and trailing near-silence, keeping 40 ms either side.
func trim(p sound.PCM) sound.PCM {
	n := len(p.Data) / 2
	at := func(i int) int16 { return int16(binary.LittleEndian.Uint16(p.Data[2*i:])) }
	loud := func(i int) bool { v := at(i); return v > 300 || v < -300 }
	a, b := 0, n
	for a < n && !loud(a) {
		a++
	}
	for b > a && !loud(b-1) {
		b--
	}
	pad := p.SampleRate * 40 / 1000
	a, b = max(a-pad, 0), min(b+pad, n)
	p.Data = p.Data[2*a : 2*b]
	return p
}
