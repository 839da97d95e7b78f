package sound

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// The voice clips are mono IMA ADPCM WAV files (format tag 0x11, 4 bits a
// sample, 256-byte blocks of 505 samples): a quarter of the size of 16-bit
// PCM, playable by any audio tool. The step and index tables are those of
// the IMA Digital Audio Focus and Technical Working Groups' recommendation
// (1992), as every IMA/DVI ADPCM codec uses them.

var imaIndex = [16]int{-1, -1, -1, -1, 2, 4, 6, 8, -1, -1, -1, -1, 2, 4, 6, 8}

var imaStep = [89]int{
	7, 8, 9, 10, 11, 12, 13, 14, 16, 17, 19, 21, 23, 25, 28, 31, 34, 37, 41, 45,
	50, 55, 60, 66, 73, 80, 88, 97, 107, 118, 130, 143, 157, 173, 190, 209, 230,
	253, 279, 307, 337, 371, 408, 449, 494, 544, 598, 658, 724, 796, 876, 963,
	1060, 1166, 1282, 1411, 1552, 1707, 1878, 2066, 2272, 2499, 2749, 3024, 3327,
	3660, 4026, 4428, 4871, 5358, 5894, 6484, 7132, 7845, 8630, 9493, 10442,
	11487, 12635, 13899, 15289, 16818, 18500, 20350, 22385, 24623, 27086, 29794,
	32767,
}

// Block geometry of the clips.
const (
	imaBlockAlign      = 256
	imaSamplesPerBlock = (imaBlockAlign-4)*2 + 1 // 505
)

type imaState struct {
	pred  int
	index int
}

// decode one nibble.
func (s *imaState) decode(n byte) int16 {
	step := imaStep[s.index]
	diff := step >> 3
	if n&4 != 0 {
		diff += step
	}
	if n&2 != 0 {
		diff += step >> 1
	}
	if n&1 != 0 {
		diff += step >> 2
	}
	if n&8 != 0 {
		s.pred -= diff
	} else {
		s.pred += diff
	}
	s.pred = min(max(s.pred, -32768), 32767)
	s.index = min(max(s.index+imaIndex[n], 0), 88)
	return int16(s.pred)
}

// encode one sample to a nibble, tracking the decoder's state exactly.
func (s *imaState) encode(x int16) byte {
	step := imaStep[s.index]
	diff := int(x) - s.pred
	var n byte
	if diff < 0 {
		n, diff = 8, -diff
	}
	if diff >= step {
		n |= 4
		diff -= step
	}
	if diff >= step>>1 {
		n |= 2
		diff -= step >> 1
	}
	if diff >= step>>2 {
		n |= 1
	}
	s.decode(n)
	return n
}

// EncodeIMAADPCM writes mono 16-bit samples at rate as an IMA ADPCM WAV
// file (the asset script uses it; the last block is padded with silence).
func EncodeIMAADPCM(samples []int16, rate int) []byte {
	var data []byte
	for off := 0; off < len(samples); off += imaSamplesPerBlock {
		blk := make([]int16, imaSamplesPerBlock)
		copy(blk, samples[off:])
		st := imaState{pred: int(blk[0])}
		// The header's step index: start from the step nearest the first
		// difference, so loud onsets are not smeared.
		if len(blk) > 1 {
			d := abs(int(blk[1]) - int(blk[0]))
			for st.index < 88 && imaStep[st.index] < d {
				st.index++
			}
		}
		b := make([]byte, 4, imaBlockAlign)
		binary.LittleEndian.PutUint16(b, uint16(blk[0]))
		b[2] = byte(st.index)
		for i := 1; i < imaSamplesPerBlock; i += 2 {
			lo := st.encode(blk[i])
			hi := st.encode(blk[i+1])
			b = append(b, lo|hi<<4)
		}
		data = append(data, b...)
	}
	h := make([]byte, 0, 60)
	le32 := func(v uint32) { h = binary.LittleEndian.AppendUint32(h, v) }
	le16 := func(v uint16) { h = binary.LittleEndian.AppendUint16(h, v) }
	h = append(h, "RIFF"...)
	le32(uint32(4 + 8 + 20 + 8 + 4 + 8 + len(data)))
	h = append(h, "WAVEfmt "...)
	le32(20)
	le16(0x11)
	le16(1)
	le32(uint32(rate))
	le32(uint32(rate * imaBlockAlign / imaSamplesPerBlock))
	le16(imaBlockAlign)
	le16(4)
	le16(2)
	le16(imaSamplesPerBlock)
	h = append(h, "fact"...)
	le32(4)
	le32(uint32(len(samples)))
	h = append(h, "data"...)
	le32(uint32(len(data)))
	return append(h, data...)
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// ErrNotIMA is returned (wrapped) for anything that is not a mono IMA
// ADPCM WAV file as EncodeIMAADPCM writes them.
var ErrNotIMA = errors.New("not a mono IMA ADPCM WAV file")

// DecodeIMAADPCM decodes a mono IMA ADPCM WAV file into 16-bit PCM.
func DecodeIMAADPCM(b []byte) (PCM, error) {
	if len(b) < 12 || string(b[:4]) != "RIFF" || string(b[8:12]) != "WAVE" || len(b) > maxWAV {
		return PCM{}, ErrNotIMA
	}
	var (
		rate, align, perBlock, total int
		data                         []byte
		haveFmt                      bool
	)
	for p := b[12:]; len(p) >= 8; {
		id, n := string(p[:4]), int(binary.LittleEndian.Uint32(p[4:8]))
		p = p[8:]
		if n < 0 || n > len(p) {
			return PCM{}, fmt.Errorf("%w: chunk %q overruns the file", ErrNotIMA, id)
		}
		c := p[:n]
		switch id {
		case "fmt ":
			if n < 20 || binary.LittleEndian.Uint16(c) != 0x11 || binary.LittleEndian.Uint16(c[2:]) != 1 || binary.LittleEndian.Uint16(c[14:]) != 4 {
				return PCM{}, fmt.Errorf("%w: format", ErrNotIMA)
			}
			rate, align, perBlock = int(binary.LittleEndian.Uint32(c[4:])), int(binary.LittleEndian.Uint16(c[12:])), int(binary.LittleEndian.Uint16(c[18:]))
			haveFmt = true
		case "fact":
			if n >= 4 {
				total = int(binary.LittleEndian.Uint32(c))
			}
		case "data":
			data = c
		}
		p = p[min(n+n&1, len(p)):]
	}
	if !haveFmt || data == nil || rate < 1000 || rate > 192000 || align < 5 || perBlock != (align-4)*2+1 {
		return PCM{}, fmt.Errorf("%w: missing or odd fmt/data", ErrNotIMA)
	}
	out := make([]byte, 0, len(data)/align*perBlock*2)
	put := func(v int16) { out = binary.LittleEndian.AppendUint16(out, uint16(v)) }
	for len(data) >= align {
		blk := data[:align]
		data = data[align:]
		idx := int(blk[2])
		if idx > 88 {
			return PCM{}, fmt.Errorf("%w: step index %d", ErrNotIMA, idx)
		}
		st := imaState{pred: int(int16(binary.LittleEndian.Uint16(blk))), index: idx}
		put(int16(st.pred))
		for _, c := range blk[4:] {
			put(st.decode(c & 0x0F))
			put(st.decode(c >> 4))
		}
	}
	if total > 0 && total*2 < len(out) {
		out = out[:total*2]
	}
	return PCM{SampleRate: rate, Channels: 1, Data: out}, nil
}

// Resample converts mono 16-bit PCM to rate by linear interpolation (the
// clips are speech at 8 kHz; the audio context runs at 48 kHz).
func Resample(p PCM, rate int) PCM {
	if p.SampleRate == rate || p.SampleRate <= 0 || p.Channels != 1 {
		return p
	}
	n := len(p.Data) / 2
	if n == 0 {
		return PCM{SampleRate: rate, Channels: 1}
	}
	at := func(i int) float64 { return float64(int16(binary.LittleEndian.Uint16(p.Data[2*min(i, n-1):]))) }
	m := int(int64(n) * int64(rate) / int64(p.SampleRate))
	out := make([]byte, 0, 2*m)
	for j := range m {
		x := float64(j) * float64(p.SampleRate) / float64(rate)
		i := int(x)
		f := x - float64(i)
		v := at(i)*(1-f) + at(i+1)*f
		out = binary.LittleEndian.AppendUint16(out, uint16(int16(v)))
	}
	return PCM{SampleRate: rate, Channels: 1, Data: out}
}
