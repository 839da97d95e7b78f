// Package modbusref runs libmodbus, the reference C implementation of
// Modbus, against the terminal's Modbus RTU code in tests: a libmodbus RTU
// slave (modbus_receive + modbus_reply in a C thread) for the driver to
// poll, and a libmodbus RTU master (modbus_read_registers,
// modbus_read_input_registers) to poll the simulator. Both open their side
// of a real pseudo-terminal through modbus_new_rtu and modbus_connect, so
// libmodbus sets the line up (termios) as it would on a serial port.
//
// libmodbus is loaded at run time (libmodbus.so.5, typed from the
// <modbus/modbus.h> found at build time), so the package always builds:
// where libmodbus is missing, Available says why and the tests skip (or
// fail under CI). Install it with `apt-get install libmodbus-dev`
// (scripts/deps.sh does).
//
// Only tests use this package.
package modbusref

import (
	"errors"
	"fmt"
	"os"
)

// Exception codes as libmodbus reports them: errno MODBUS_ENOBASE + code.
const enobase = 112345678

// Error is a libmodbus failure: errno and libmodbus's own message.
type Error struct {
	Op    string
	Errno int
	Msg   string
}

func (e *Error) Error() string {
	return fmt.Sprintf("libmodbus %s: %s (errno %d)", e.Op, e.Msg, e.Errno)
}

// Exception returns the Modbus exception code when libmodbus failed because
// the slave answered with an exception (EMBXILFUN .. EMBXGTAR).
func (e *Error) Exception() (byte, bool) {
	if c := e.Errno - enobase; c >= 1 && c <= 11 {
		return byte(c), true
	}
	return 0, false
}

// BadCRC reports whether libmodbus refused a frame for its CRC (EMBBADCRC).
func (e *Error) BadCRC() bool { return e.Errno == enobase+12 }

// ETIMEDOUT is errno 110 on Linux: libmodbus's "no response in time".
const ETIMEDOUT = 110

// Timeout reports whether libmodbus gave up waiting for a response.
func (e *Error) Timeout() bool { return e.Errno == ETIMEDOUT }

// ErrUnavailable wraps the reason libmodbus cannot be used here.
var ErrUnavailable = errors.New("libmodbus unavailable")

// LineConfig is a serial line as libmodbus's modbus_new_rtu takes it.
type LineConfig struct {
	Device   string
	Baud     int  // default 9600
	Parity   byte // 'N', 'E' or 'O'; default 'N'
	DataBits int  // default 8
	StopBits int  // default 1
	// Debug makes libmodbus print every frame on stdout; MODBUSREF_DEBUG=1
	// in the environment turns it on everywhere.
	Debug bool
}

func (c LineConfig) withDefaults() LineConfig {
	if c.Baud == 0 {
		c.Baud = 9600
	}
	if c.Parity == 0 {
		c.Parity = 'N'
	}
	if c.DataBits == 0 {
		c.DataBits = 8
	}
	if c.StopBits == 0 {
		c.StopBits = 1
	}
	if os.Getenv("MODBUSREF_DEBUG") != "" {
		c.Debug = true
	}
	return c
}

// SlaveConfig is a libmodbus slave: its address and register map. Reads
// outside the map are answered by libmodbus with exception 2 (illegal data
// address).
type SlaveConfig struct {
	LineConfig
	Slave                    int
	HoldingStart, HoldingLen int
	InputStart, InputLen     int
	// CoilStart, CoilLen map coils (written with functions 5 and 15).
	CoilStart, CoilLen int
}

// SlaveStats count what the libmodbus slave did.
type SlaveStats struct {
	Requests   int // requests addressed to it (answered by modbus_reply or modbus_reply_exception)
	Exceptions int // of which answered with a forced exception
	Ignored    int // requests for other slave addresses (modbus_receive returned 0)
	Errors     int // modbus_receive failures other than the idle timeout (bad CRC, line errors)
	LastErrno  int
}
