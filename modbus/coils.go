package modbus

import (
	"bytes"
	"errors"
	"fmt"
)

// Coil write functions (application protocol specification, 6.5 and 6.11).
//
//	0x05 request:   slave | 05 | addr hi | addr lo | FF 00 (on) or 00 00 (off) | CRC
//	0x05 response:  an echo of the request
//	0x0F request:   slave | 0F | addr hi | addr lo | qty hi | qty lo | byte count | coils, LSB first ... | CRC
//	0x0F response:  slave | 0F | addr hi | addr lo | qty hi | qty lo | CRC
const (
	FuncWriteSingleCoil    byte = 0x05
	FuncWriteMultipleCoils byte = 0x0F
)

// MaxWriteCoils is the most coils one 0x0F request may set (0x07B0).
const MaxWriteCoils = 1968

// WriteResponseLen is the length of a normal 0x05 or 0x0F response.
const WriteResponseLen = 8

// ErrEcho means a write response named another address, value or quantity
// than the request: the slave did not confirm what was asked.
var ErrEcho = errors.New("modbus: write response does not echo the request")

// ValidCoilWrite reports why a coil write's parameters are not allowed, or
// nil. Broadcast (slave 0) is refused: a broadcast is never answered, so it
// can never be confirmed.
func ValidCoilWrite(slave byte, addr uint16, n int) error {
	switch {
	case slave < MinSlave || slave > MaxSlave:
		return fmt.Errorf("%w: slave address %d outside %d..%d", ErrBadRequest, slave, MinSlave, MaxSlave)
	case n < 1 || n > MaxWriteCoils:
		return fmt.Errorf("%w: %d coils outside 1..%d", ErrBadRequest, n, MaxWriteCoils)
	case int(addr)+n > 0x10000:
		return fmt.Errorf("%w: coils %d..%d run past 65535", ErrBadRequest, addr, int(addr)+n-1)
	}
	return nil
}

// WriteCoilRequest builds a 0x05 request setting one coil on or off.
func WriteCoilRequest(slave byte, addr uint16, on bool) ([]byte, error) {
	if err := ValidCoilWrite(slave, addr, 1); err != nil {
		return nil, err
	}
	v := byte(0x00)
	if on {
		v = 0xFF
	}
	return AppendCRC([]byte{slave, FuncWriteSingleCoil, byte(addr >> 8), byte(addr), v, 0x00}), nil
}

// WriteCoilsRequest builds a 0x0F request setting len(on) coils from addr.
func WriteCoilsRequest(slave byte, addr uint16, on []bool) ([]byte, error) {
	if err := ValidCoilWrite(slave, addr, len(on)); err != nil {
		return nil, err
	}
	n := len(on)
	packed := make([]byte, (n+7)/8)
	for i, b := range on {
		if b {
			packed[i/8] |= 1 << (i % 8)
		}
	}
	f := []byte{slave, FuncWriteMultipleCoils, byte(addr >> 8), byte(addr), byte(n >> 8), byte(n), byte(len(packed))}
	return AppendCRC(append(f, packed...)), nil
}

// ScanWriteResponse looks for the response to the 0x05 or 0x0F request req
// at the start of buf, as ScanResponse does for reads: a frame counts when
// it comes from req's slave with req's function (or its exception) and
// its CRC checks. A normal response must then echo req's address and
// value (0x05) or address and quantity (0x0F); otherwise Err is ErrEcho.
func ScanWriteResponse(req []byte, buf []byte) Scan {
	if len(req) < 6 {
		return Scan{Done: true, Err: fmt.Errorf("%w: write request of %d bytes", ErrBadRequest, len(req))}
	}
	slave, function := req[0], req[1]
	normalLen := func([]byte) int { return WriteResponseLen }
	return scanFrame(slave, function, buf, normalLen, func(s *Scan, frame []byte) bool {
		if frame[1] != function {
			s.Err = &ExceptionError{Slave: slave, Function: function, Code: frame[2]}
		} else if !bytes.Equal(frame[2:6], req[2:6]) {
			s.Err = fmt.Errorf("%w: sent % X, echoed % X", ErrEcho, req[2:6], frame[2:6])
		}
		return true
	})
}
