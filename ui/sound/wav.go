package sound

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// PCM is decoded audio: interleaved signed 16-bit little-endian samples.
type PCM struct {
	SampleRate int
	Channels   int
	// Data holds the raw little-endian sample bytes, as oto's FormatSignedInt16LE expects.
	Data []byte
}

// Duration in seconds.
func (p PCM) Seconds() float64 {
	if p.SampleRate <= 0 || p.Channels <= 0 {
		return 0
	}
	return float64(len(p.Data)) / float64(2*p.Channels*p.SampleRate)
}

// ErrNotWAV is returned (wrapped) for anything that is not a RIFF/WAVE file
// carrying uncompressed 16-bit PCM.
var ErrNotWAV = errors.New("not a 16-bit PCM WAV file")

// maxWAV bounds what DecodeWAV accepts: cue sounds are short.
const maxWAV = 16 << 20

// DecodeWAV parses a RIFF/WAVE file holding uncompressed 16-bit PCM (mono or
// stereo, 8 to 192 kHz). Other chunks (LIST, fact, ...) are skipped. It never
// panics on malformed input.
func DecodeWAV(b []byte) (PCM, error) {
	if len(b) > maxWAV {
		return PCM{}, fmt.Errorf("decoding wav: %d bytes exceeds the %d byte limit: %w", len(b), maxWAV, ErrNotWAV)
	}
	if len(b) < 12 || string(b[0:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		return PCM{}, fmt.Errorf("decoding wav: no RIFF/WAVE header: %w", ErrNotWAV)
	}
	le := binary.LittleEndian
	var (
		p       PCM
		haveFmt bool
	)
	rest := b[12:]
	for len(rest) >= 8 {
		id := string(rest[0:4])
		size := le.Uint32(rest[4:8])
		rest = rest[8:]
		if uint64(size) > uint64(len(rest)) {
			return PCM{}, fmt.Errorf("decoding wav: chunk %q claims %d bytes, %d left: %w", id, size, len(rest), ErrNotWAV)
		}
		body := rest[:size]
		switch id {
		case "fmt ":
			if len(body) < 16 {
				return PCM{}, fmt.Errorf("decoding wav: fmt chunk of %d bytes: %w", len(body), ErrNotWAV)
			}
			format, channels := le.Uint16(body[0:2]), le.Uint16(body[2:4])
			rate, bits := le.Uint32(body[4:8]), le.Uint16(body[14:16])
			if format != 1 || bits != 16 {
				return PCM{}, fmt.Errorf("decoding wav: format %d with %d bits: %w", format, bits, ErrNotWAV)
			}
			if channels < 1 || channels > 2 || rate < 8000 || rate > 192000 {
				return PCM{}, fmt.Errorf("decoding wav: %d channels at %d Hz: %w", channels, rate, ErrNotWAV)
			}
			p.Channels, p.SampleRate, haveFmt = int(channels), int(rate), true
		case "data":
			if !haveFmt {
				return PCM{}, fmt.Errorf("decoding wav: data before fmt: %w", ErrNotWAV)
			}
			frame := 2 * p.Channels
			p.Data = body[:len(body)-len(body)%frame]
			return p, nil
		}
		// Chunks are padded to an even length.
		skip := int(size) + int(size&1)
		if skip > len(rest) {
			skip = len(rest)
		}
		rest = rest[skip:]
	}
	return PCM{}, fmt.Errorf("decoding wav: no data chunk: %w", ErrNotWAV)
}
