// Package modbus encodes and decodes the Modbus RTU frames a temperature
// reader needs: Read Holding Registers (0x03) and Read Input Registers
// (0x04), their normal and exception responses, and CRC-16/MODBUS.
//
// It follows "MODBUS over Serial Line, Specification and Implementation
// Guide V1.02" and "MODBUS Application Protocol Specification V1.1b3":
//
//	request:   slave | function | start hi | start lo | qty hi | qty lo | CRC lo | CRC hi
//	response:  slave | function | byte count (2*qty) | registers (big-endian) ... | CRC lo | CRC hi
//	exception: slave | function|0x80 | exception code | CRC lo | CRC hi
//
// The CRC covers every byte before it and travels low byte first; register
// values travel high byte first. Unicast addresses are 1..247; 0 is
// broadcast, which read functions must not use. Quantity is 1..125.
//
// Both sides are here: the master (the terminal) builds requests and checks
// responses; the slave side (the simulator, tests) parses requests and builds
// responses. Nothing here does I/O, and no input panics.
package modbus

import (
	"errors"
	"fmt"
	"time"
)

// Function codes this package speaks.
const (
	FuncReadHoldingRegisters byte = 0x03
	FuncReadInputRegisters   byte = 0x04
)

// Exception codes from the application protocol specification, section 7.
const (
	ExIllegalFunction    byte = 0x01
	ExIllegalDataAddress byte = 0x02
	ExIllegalDataValue   byte = 0x03
	ExServerDeviceFail   byte = 0x04
	ExAcknowledge        byte = 0x05
	ExServerDeviceBusy   byte = 0x06
	ExGatewayPathUnavail byte = 0x0A
	ExGatewayNoResponse  byte = 0x0B
)

// Limits from the specification.
const (
	// MaxReadQuantity is the most registers one 0x03/0x04 request may ask for.
	MaxReadQuantity = 125
	// MaxADU is the largest RTU frame: 256 bytes.
	MaxADU = 256
	// MinSlave and MaxSlave bound unicast addresses.
	MinSlave = 1
	MaxSlave = 247
	// RequestLen is the length of a 0x03/0x04 request frame.
	RequestLen = 8
	// ExceptionLen is the length of an exception response frame.
	ExceptionLen = 5
)

// Errors a master sees when checking a response. Each is a reason to
// discard the frame; none of them is the slave's own answer (that is an
// *ExceptionError).
var (
	ErrCRC           = errors.New("modbus: CRC mismatch")
	ErrShortFrame    = errors.New("modbus: frame too short")
	ErrWrongSlave    = errors.New("modbus: response from another slave address")
	ErrWrongFunction = errors.New("modbus: response function does not match the request")
	ErrByteCount     = errors.New("modbus: byte count does not match the quantity requested")
	ErrFrameLength   = errors.New("modbus: frame length does not match its byte count")
	ErrBadRequest    = errors.New("modbus: invalid request parameters")
)

// ExceptionError is a slave's exception response: the request reached it
// and it refused.
type ExceptionError struct {
	Slave    byte
	Function byte // the request's function code (without 0x80)
	Code     byte
}

// Error names the exception as the specification does.
func (e *ExceptionError) Error() string {
	return fmt.Sprintf("modbus exception 0x%02X (%s) from slave %d for function 0x%02X", e.Code, ExceptionName(e.Code), e.Slave, e.Function)
}

// ExceptionName is the specification's name for an exception code.
func ExceptionName(code byte) string {
	switch code {
	case ExIllegalFunction:
		return "illegal function"
	case ExIllegalDataAddress:
		return "illegal data address"
	case ExIllegalDataValue:
		return "illegal data value"
	case ExServerDeviceFail:
		return "server device failure"
	case ExAcknowledge:
		return "acknowledge"
	case ExServerDeviceBusy:
		return "server device busy"
	case 0x08:
		return "memory parity error"
	case ExGatewayPathUnavail:
		return "gateway path unavailable"
	case ExGatewayNoResponse:
		return "gateway target device failed to respond"
	}
	return "unknown exception"
}

// CRC16 is CRC-16/MODBUS: reflected polynomial 0xA001, initial value
// 0xFFFF, no final XOR. CRC16([]byte("123456789")) == 0x4B37.
func CRC16(b []byte) uint16 {
	crc := uint16(0xFFFF)
	for _, c := range b {
		crc ^= uint16(c)
		for range 8 {
			if crc&1 != 0 {
				crc = crc>>1 ^ 0xA001
			} else {
				crc >>= 1
			}
		}
	}
	return crc
}

// AppendCRC appends the CRC of b, low byte first as the wire carries it.
func AppendCRC(b []byte) []byte {
	c := CRC16(b)
	return append(b, byte(c), byte(c>>8))
}

// CheckCRC reports whether the last two bytes of frame are the CRC of the
// rest. Frames shorter than 4 bytes never check.
func CheckCRC(frame []byte) bool {
	if len(frame) < 4 {
		return false
	}
	n := len(frame) - 2
	c := CRC16(frame[:n])
	return frame[n] == byte(c) && frame[n+1] == byte(c>>8)
}

// ValidRead reports why a read request's parameters are not allowed, or nil.
func ValidRead(slave, function byte, start, quantity uint16) error {
	switch {
	case slave < MinSlave || slave > MaxSlave:
		return fmt.Errorf("%w: slave address %d outside %d..%d", ErrBadRequest, slave, MinSlave, MaxSlave)
	case function != FuncReadHoldingRegisters && function != FuncReadInputRegisters:
		return fmt.Errorf("%w: function 0x%02X is not 0x03 or 0x04", ErrBadRequest, function)
	case quantity < 1 || quantity > MaxReadQuantity:
		return fmt.Errorf("%w: quantity %d outside 1..%d", ErrBadRequest, quantity, MaxReadQuantity)
	case int(start)+int(quantity) > 0x10000:
		return fmt.Errorf("%w: registers %d..%d run past 65535", ErrBadRequest, start, int(start)+int(quantity)-1)
	}
	return nil
}

// ReadRequest builds a 0x03 or 0x04 request frame with its CRC.
func ReadRequest(slave, function byte, start, quantity uint16) ([]byte, error) {
	if err := ValidRead(slave, function, start, quantity); err != nil {
		return nil, err
	}
	b := []byte{slave, function, byte(start >> 8), byte(start), byte(quantity >> 8), byte(quantity)}
	return AppendCRC(b), nil
}

// ResponseLength says how long the response frame that starts with head
// will be, once enough of it has arrived to tell: an exception is 5 bytes,
// a read response 5 plus its byte count. ok is false while head is too
// short to know.
func ResponseLength(head []byte) (n int, ok bool) {
	if len(head) < 2 {
		return 0, false
	}
	if head[1]&0x80 != 0 {
		return ExceptionLen, true
	}
	if len(head) < 3 {
		return 0, false
	}
	return 5 + int(head[2]), true
}

// ParseReadResponse checks a complete response frame against the request it
// answers (slave, function, quantity) and returns the registers. A valid
// exception response returns an *ExceptionError. Any other mismatch is one of
// the Err... values, wrapped.
func ParseReadResponse(slave, function byte, quantity uint16, frame []byte) ([]uint16, error) {
	if len(frame) < ExceptionLen {
		return nil, ErrShortFrame
	}
	if !CheckCRC(frame) {
		return nil, ErrCRC
	}
	if frame[0] != slave {
		return nil, fmt.Errorf("%w: got %d, asked %d", ErrWrongSlave, frame[0], slave)
	}
	if frame[1] == function|0x80 {
		if len(frame) != ExceptionLen {
			return nil, fmt.Errorf("%w: exception frame of %d bytes", ErrFrameLength, len(frame))
		}
		return nil, &ExceptionError{Slave: slave, Function: function, Code: frame[2]}
	}
	if frame[1] != function {
		return nil, fmt.Errorf("%w: got 0x%02X, asked 0x%02X", ErrWrongFunction, frame[1], function)
	}
	if int(frame[2]) != 2*int(quantity) {
		return nil, fmt.Errorf("%w: byte count %d for %d registers", ErrByteCount, frame[2], quantity)
	}
	if len(frame) != 5+int(frame[2]) {
		return nil, fmt.Errorf("%w: %d bytes for byte count %d", ErrFrameLength, len(frame), frame[2])
	}
	regs := make([]uint16, quantity)
	for i := range regs {
		regs[i] = uint16(frame[3+2*i])<<8 | uint16(frame[4+2*i])
	}
	return regs, nil
}

// Request is a read request as a slave sees it.
type Request struct {
	Slave    byte
	Function byte
	Start    uint16
	Quantity uint16
}

// ParseRequest decodes a request frame a slave received. It checks length
// and CRC only: the slave decides what the address, function and range mean
// (and answers with exceptions), so a request for function 0x06 parses.
// Only 8-byte requests (the shape of functions 0x01 to 0x06) are understood.
func ParseRequest(frame []byte) (Request, error) {
	if len(frame) < RequestLen {
		return Request{}, ErrShortFrame
	}
	if len(frame) != RequestLen {
		return Request{}, fmt.Errorf("%w: request of %d bytes", ErrFrameLength, len(frame))
	}
	if !CheckCRC(frame) {
		return Request{}, ErrCRC
	}
	return Request{
		Slave:    frame[0],
		Function: frame[1],
		Start:    uint16(frame[2])<<8 | uint16(frame[3]),
		Quantity: uint16(frame[4])<<8 | uint16(frame[5]),
	}, nil
}

// ReadResponse builds a normal 0x03/0x04 response carrying regs.
func ReadResponse(slave, function byte, regs []uint16) []byte {
	b := make([]byte, 0, 5+2*len(regs))
	b = append(b, slave, function, byte(2*len(regs)))
	for _, r := range regs {
		b = append(b, byte(r>>8), byte(r))
	}
	return AppendCRC(b)
}

// ExceptionResponse builds an exception response to function.
func ExceptionResponse(slave, function, code byte) []byte {
	return AppendCRC([]byte{slave, function | 0x80, code})
}

// CharTime is how long one RTU character (11 bits: start, 8 data, parity or
// second stop, stop) takes at baud.
func CharTime(baud int) time.Duration {
	if baud <= 0 {
		baud = 9600
	}
	return time.Duration(11 * int64(time.Second) / int64(baud))
}

// FrameGap is the silent interval t3.5 that separates frames: 3.5 character
// times, fixed at 1.75 ms above 19200 baud as the specification recommends.
func FrameGap(baud int) time.Duration {
	if baud > 19200 {
		return 1750 * time.Microsecond
	}
	return CharTime(baud) * 7 / 2
}

// Scan is what ScanResponse found in the bytes received so far.
type Scan struct {
	// Done is true once a valid response (registers or exception) was found.
	Done bool
	// Regs holds the registers of a normal response.
	Regs []uint16
	// Err is the *ExceptionError of an exception response.
	Err error
	// Discarded counts bytes dropped because no valid frame starts there:
	// line noise, frames of other slaves, leftovers of a late response.
	Discarded int
	// CRCErrors counts frames that looked like the awaited response (right
	// slave, function and length) but whose CRC failed.
	CRCErrors int
	// Rest is what follows the consumed bytes (more bytes may still
	// complete a frame there).
	Rest []byte
}

// ScanResponse looks for the response to a read of quantity registers with
// function from slave at the start of buf, which holds every byte received
// since the request was sent. It resynchronises past noise one byte at a
// time: a frame only counts when its address echoes slave, its function is
// function (or function|0x80), its byte count is 2*quantity and its CRC
// checks. When Done is false, more bytes are needed (or the response never
// comes: the caller's timeout decides).
func ScanResponse(slave, function byte, quantity uint16, buf []byte) Scan {
	want := 2 * int(quantity)
	normalLen := func(b []byte) int {
		switch {
		case len(b) < 3:
			return 0
		case int(b[2]) != want:
			return -1
		}
		return 5 + want
	}
	return scanFrame(slave, function, buf, normalLen, func(s *Scan, frame []byte) bool {
		regs, err := ParseReadResponse(slave, function, quantity, frame)
		var ex *ExceptionError
		switch {
		case err == nil:
			s.Regs = regs
		case errors.As(err, &ex):
			s.Err = err
		default:
			// Cannot happen for a frame that passed scanFrame's checks;
			// treat it as noise rather than trusting it.
			return false
		}
		return true
	})
}

// scanFrame is the resynchronising scan ScanResponse and ScanWriteResponse
// share: it drops bytes one at a time until buf starts with a frame from
// slave with function (or its exception, ExceptionLen bytes) whose CRC
// checks, and hands that frame to take, which fills s and returns false to
// have the frame treated as noise after all. normalLen gives the length of
// a normal response at the start of b: 0 when more bytes are needed, -1
// when b cannot start one.
func scanFrame(slave, function byte, buf []byte, normalLen func(b []byte) int, take func(s *Scan, frame []byte) bool) Scan {
	var s Scan
scan:
	for len(buf) > 0 {
		if buf[0] != slave {
			buf, s.Discarded = buf[1:], s.Discarded+1
			continue
		}
		if len(buf) < 2 {
			break
		}
		var n int
		switch buf[1] {
		case function | 0x80:
			n = ExceptionLen
		case function:
			n = normalLen(buf)
			if n == 0 {
				break scan
			}
			if n < 0 {
				buf, s.Discarded = buf[1:], s.Discarded+1
				continue
			}
		default:
			buf, s.Discarded = buf[1:], s.Discarded+1
			continue
		}
		if len(buf) < n {
			break
		}
		if !CheckCRC(buf[:n]) {
			s.CRCErrors++
			buf, s.Discarded = buf[1:], s.Discarded+1
			continue
		}
		if !take(&s, buf[:n]) {
			buf, s.Discarded = buf[1:], s.Discarded+1
			continue
		}
		s.Done = true
		s.Rest = buf[n:]
		return s
	}
	s.Rest = buf
	return s
}
