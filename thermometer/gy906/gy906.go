// Package gy906 decodes the binary frames of the GY-MCU90614 / GY-MCU90615
// infrared thermometer modules (an MCU in front of a Melexis MLX9061x).
//
// The module talks 8N1 at 9600 or 115200 baud. The host sends three-byte
// commands (A5 45 EA: output continuously; A5 15 BA: output one frame). The
// module answers with
//
//	5A 5A 45 04 TOh TOl TAh TAl SUM
//
// where 5A 5A is the header, 45 the data type (temperatures), 04 the number
// of data bytes, TO the object and TA the ambient temperature as signed
// 16-bit hundredths of a degree Celsius, high byte first (0x0C78 = 31.92 °C),
// and SUM the low byte of the sum of every byte before it.
//
// The Decoder resynchronises on the header after noise; nothing here
// panics on any input.
package gy906

import "math"

// Commands the host sends.
var (
	// CmdContinuous asks the module to output frames continuously.
	CmdContinuous = []byte{0xA5, 0x45, 0xEA}
	// CmdQuery asks the module for one frame.
	CmdQuery = []byte{0xA5, 0x15, 0xBA}
)

const (
	// Header is the byte that starts every frame, twice.
	Header = 0x5A
	// TypeTemperature is the data type of a temperature frame.
	TypeTemperature = 0x45
	// FrameLen is the length of a temperature frame.
	FrameLen = 9
	// MaxData bounds the data length a header may announce; a larger one is
	// noise, not a frame.
	MaxData = 16
)

// Temperatures is one decoded temperature frame, in °C.
type Temperatures struct {
	Object  float64
	Ambient float64
}

// Sum is the module's checksum: the low byte of the sum of b.
func Sum(b []byte) byte {
	var s byte
	for _, c := range b {
		s += c
	}
	return s
}

// Encode builds a temperature frame. Values are rounded to hundredths and
// clamped to the signed 16-bit range.
func Encode(t Temperatures) []byte {
	o, a := hundredths(t.Object), hundredths(t.Ambient)
	b := []byte{Header, Header, TypeTemperature, 4, byte(o >> 8), byte(o), byte(a >> 8), byte(a)}
	return append(b, Sum(b))
}

func hundredths(c float64) uint16 {
	v := math.Round(c * 100)
	switch {
	case math.IsNaN(v):
		v = 0
	case v > math.MaxInt16:
		v = math.MaxInt16
	case v < math.MinInt16:
		v = math.MinInt16
	}
	return uint16(int16(v))
}

// Frame is any well-formed frame: a header, a type, its data, a correct sum.
type Frame struct {
	Type byte
	Data []byte
}

// Temperatures decodes a temperature frame; ok is false for other types or
// lengths.
func (f Frame) Temperatures() (t Temperatures, ok bool) {
	if f.Type != TypeTemperature || len(f.Data) != 4 {
		return Temperatures{}, false
	}
	o := int16(uint16(f.Data[0])<<8 | uint16(f.Data[1]))
	a := int16(uint16(f.Data[2])<<8 | uint16(f.Data[3]))
	return Temperatures{Object: float64(o) / 100, Ambient: float64(a) / 100}, true
}

// Decoder splits a byte stream into frames. The zero value is ready; feed it
// whatever the port returned, in any chunking.
type Decoder struct {
	buf []byte
	// Frames counts well-formed frames, ChecksumErrors frames whose sum
	// failed, Garbage the bytes skipped while looking for a header.
	Frames, ChecksumErrors, Garbage uint64
}

// Feed appends p to what is buffered and returns the frames now complete.
// Bytes that cannot start a frame are skipped and counted; a frame with a
// wrong sum is counted and the search resumes one byte after its start, so
// a real frame hidden behind noise is still found. At most one partial frame
// stays buffered.
func (d *Decoder) Feed(p []byte) []Frame {
	d.buf = append(d.buf, p...)
	var out []Frame
	b := d.buf
	for {
		i := 0
		for i < len(b) && !(b[i] == Header && (i+1 == len(b) || b[i+1] == Header)) {
			i++
		}
		d.Garbage += uint64(i)
		b = b[i:]
		if len(b) < 4 {
			break
		}
		n := int(b[3])
		if n > MaxData {
			b, d.Garbage = b[1:], d.Garbage+1
			continue
		}
		if len(b) < 5+n {
			break
		}
		if Sum(b[:4+n]) != b[4+n] {
			d.ChecksumErrors++
			b, d.Garbage = b[1:], d.Garbage+1
			continue
		}
		out = append(out, Frame{Type: b[2], Data: append([]byte(nil), b[4:4+n]...)})
		d.Frames++
		b = b[5+n:]
	}
	d.buf = append(d.buf[:0], b...)
	return out
}

// Buffered is the number of bytes held back waiting for the rest of a frame.
func (d *Decoder) Buffered() int { return len(d.buf) }

// Reset drops buffered bytes (after a reconnect); counters stay.
func (d *Decoder) Reset() { d.buf = d.buf[:0] }
