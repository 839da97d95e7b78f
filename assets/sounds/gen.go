//go:build ignore

// Gen writes the terminal's cue sounds as 16-bit mono PCM WAV files at
// 48 kHz. Run from this folder: go run gen.go
//
//   - pass.wav: two rising notes (880 Hz, then 1320 Hz), soft sine.
//   - deny.wav: three low buzzes (294 Hz, odd harmonics), unmistakably different.
//   - attention.wav: two equal mid notes (660 Hz), for recheck and measure.
package main

import (
	"encoding/binary"
	"log"
	"math"
	"os"
)

const rate = 48000

type note struct {
	hz       float64
	seconds  float64
	buzz     bool // add odd harmonics for a harsher timbre
	silenceS float64
}

func render(notes []note, gain float64) []int16 {
	var out []int16
	for _, n := range notes {
		count := int(n.seconds * rate)
		fade := int(0.008 * rate) // 8 ms ramps: no clicks
		for i := 0; i < count; i++ {
			t := float64(i) / rate
			v := math.Sin(2 * math.Pi * n.hz * t)
			if n.buzz {
				v += math.Sin(2*math.Pi*3*n.hz*t)/3 + math.Sin(2*math.Pi*5*n.hz*t)/5
				v *= 0.7
			}
			env := 1.0
			if i < fade {
				env = float64(i) / float64(fade)
			} else if count-i < fade {
				env = float64(count-i) / float64(fade)
			}
			out = append(out, int16(v*env*gain*math.MaxInt16))
		}
		out = append(out, make([]int16, int(n.silenceS*rate))...)
	}
	return out
}

func write(path string, samples []int16) {
	f, err := os.Create(path)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	dataLen := uint32(len(samples) * 2)
	le := binary.LittleEndian
	hdr := make([]byte, 44)
	copy(hdr[0:], "RIFF")
	le.PutUint32(hdr[4:], 36+dataLen)
	copy(hdr[8:], "WAVE")
	copy(hdr[12:], "fmt ")
	le.PutUint32(hdr[16:], 16)
	le.PutUint16(hdr[20:], 1) // PCM
	le.PutUint16(hdr[22:], 1) // mono
	le.PutUint32(hdr[24:], rate)
	le.PutUint32(hdr[28:], rate*2)
	le.PutUint16(hdr[32:], 2)
	le.PutUint16(hdr[34:], 16)
	copy(hdr[36:], "data")
	le.PutUint32(hdr[40:], dataLen)
	if _, err := f.Write(hdr); err != nil {
		log.Fatal(err)
	}
	if err := binary.Write(f, le, samples); err != nil {
		log.Fatal(err)
	}
}

func main() {
	write("pass.wav", render([]note{{hz: 880, seconds: 0.12, silenceS: 0.03}, {hz: 1320, seconds: 0.20}}, 0.5))
	write("deny.wav", render([]note{
		{hz: 294, seconds: 0.16, buzz: true, silenceS: 0.07},
		{hz: 294, seconds: 0.16, buzz: true, silenceS: 0.07},
		{hz: 294, seconds: 0.16, buzz: true},
	}, 0.6))
	write("attention.wav", render([]note{{hz: 660, seconds: 0.15, silenceS: 0.1}, {hz: 660, seconds: 0.15}}, 0.5))
}
