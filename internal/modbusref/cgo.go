//go:build cgo

package modbusref

/*
#cgo LDFLAGS: -ldl -lpthread
#include <stdlib.h>
#include "ref.h"
*/
import "C"

import (
	"fmt"
	"time"
	"unsafe"
)

// Available reports whether libmodbus can be used, and why not.
func Available() (bool, string) {
	var why [512]C.char
	if C.ref_load(&why[0], C.int(len(why))) != 0 {
		return false, C.GoString(&why[0])
	}
	return true, ""
}

func load() error {
	if ok, why := Available(); !ok {
		return fmt.Errorf("%w: %s", ErrUnavailable, why)
	}
	return nil
}

func libErr(op string, errno C.int) error {
	return &Error{Op: op, Errno: int(errno), Msg: C.GoString(C.ref_strerror(errno))}
}

// Slave is a running libmodbus RTU slave.
type Slave struct {
	s *C.ref_slave
}

// StartSlave opens cfg.Device with modbus_new_rtu and modbus_connect and
// answers requests in a C thread until Close.
func StartSlave(cfg SlaveConfig) (*Slave, error) {
	if err := load(); err != nil {
		return nil, err
	}
	l := cfg.LineConfig.withDefaults()
	dev := C.CString(l.Device)
	defer C.free(unsafe.Pointer(dev))
	var errno C.int
	s := C.ref_slave_start(dev, C.int(l.Baud), C.char(l.Parity), C.int(l.DataBits), C.int(l.StopBits),
		C.int(cfg.Slave), C.int(cfg.HoldingStart), C.int(cfg.HoldingLen), C.int(cfg.InputStart), C.int(cfg.InputLen),
		C.int(cfg.CoilStart), C.int(cfg.CoilLen), cbool(l.Debug), &errno)
	if s == nil {
		return nil, libErr("slave on "+l.Device, errno)
	}
	return &Slave{s: s}, nil
}

func cbool(b bool) C.int {
	if b {
		return 1
	}
	return 0
}

func (s *Slave) set(input bool, addr int, vals []uint16) error {
	if len(vals) == 0 {
		return nil
	}
	if C.ref_slave_set(s.s, cbool(input), C.int(addr), (*C.uint16_t)(unsafe.Pointer(&vals[0])), C.int(len(vals))) != 0 {
		return fmt.Errorf("modbusref: registers %d..%d are outside the slave's map", addr, addr+len(vals)-1)
	}
	return nil
}

// SetHolding writes holding registers from addr on.
func (s *Slave) SetHolding(addr int, vals ...uint16) error { return s.set(false, addr, vals) }

// SetInput writes input registers from addr on.
func (s *Slave) SetInput(addr int, vals ...uint16) error { return s.set(true, addr, vals) }

// Coils returns n coils from addr as libmodbus's map holds them.
func (s *Slave) Coils(addr, n int) ([]bool, error) {
	if n < 1 {
		return nil, fmt.Errorf("modbusref: reading %d coils", n)
	}
	buf := make([]byte, n)
	if C.ref_slave_coils(s.s, C.int(addr), C.int(n), (*C.uint8_t)(unsafe.Pointer(&buf[0]))) != 0 {
		return nil, fmt.Errorf("modbusref: coils %d..%d are outside the slave's map", addr, addr+n-1)
	}
	out := make([]bool, n)
	for i, b := range buf {
		out[i] = b != 0
	}
	return out, nil
}

// CoilWrites returns how many coil writes (functions 5 and 15) the slave
// answered and when (the wall clock) it answered the last one.
func (s *Slave) CoilWrites() (int, time.Time) {
	var ns C.longlong
	n := C.ref_slave_coil_writes(s.s, &ns)
	if ns == 0 {
		return int(n), time.Time{}
	}
	return int(n), time.Unix(0, int64(ns))
}

// SetException makes the slave answer every request with
// modbus_reply_exception(code); 0 goes back to modbus_reply.
func (s *Slave) SetException(code byte) { C.ref_slave_exception(s.s, C.int(code)) }

// Stats returns the slave's counters.
func (s *Slave) Stats() SlaveStats {
	var st C.ref_slave_stats
	C.ref_slave_get_stats(s.s, &st)
	return SlaveStats{
		Requests: int(st.requests), Exceptions: int(st.exceptions), Ignored: int(st.ignored),
		Errors: int(st.errors), LastErrno: int(st.last_errno),
	}
}

// Close stops the slave thread (within the 50 ms indication timeout) and
// closes its port.
func (s *Slave) Close() {
	if s.s != nil {
		C.ref_slave_stop(s.s)
		s.s = nil
	}
}

// Master is a libmodbus RTU master. It is not safe for concurrent use.
type Master struct {
	m *C.ref_master
}

// OpenMaster opens cfg.Device with modbus_new_rtu and modbus_connect to
// poll slave, waiting up to timeout for each response.
func OpenMaster(cfg LineConfig, slave int, timeout time.Duration) (*Master, error) {
	if err := load(); err != nil {
		return nil, err
	}
	l := cfg.withDefaults()
	dev := C.CString(l.Device)
	defer C.free(unsafe.Pointer(dev))
	var errno C.int
	m := C.ref_master_open(dev, C.int(l.Baud), C.char(l.Parity), C.int(l.DataBits), C.int(l.StopBits),
		C.int(slave), C.int(timeout.Milliseconds()), cbool(l.Debug), &errno)
	if m == nil {
		return nil, libErr("master on "+l.Device, errno)
	}
	return &Master{m: m}, nil
}

// ReadRegisters reads n registers from addr with function 3
// (modbus_read_registers) or 4 (modbus_read_input_registers).
func (m *Master) ReadRegisters(function byte, addr, n int) ([]uint16, error) {
	if n < 1 {
		return nil, fmt.Errorf("modbusref: reading %d registers", n)
	}
	dest := make([]uint16, n)
	var errno C.int
	rc := C.ref_master_read(m.m, C.int(function), C.int(addr), C.int(n), (*C.uint16_t)(unsafe.Pointer(&dest[0])), &errno)
	if rc < 0 {
		return nil, libErr(fmt.Sprintf("read function %d of %d registers at %d", function, n, addr), errno)
	}
	return dest[:rc], nil
}

// WriteRegisters writes with function 0x10 (modbus_write_registers).
func (m *Master) WriteRegisters(addr int, vals ...uint16) error {
	if len(vals) == 0 {
		return fmt.Errorf("modbusref: writing no registers")
	}
	var errno C.int
	if C.ref_master_write_registers(m.m, C.int(addr), C.int(len(vals)), (*C.uint16_t)(unsafe.Pointer(&vals[0])), &errno) < 0 {
		return libErr(fmt.Sprintf("write of %d registers at %d", len(vals), addr), errno)
	}
	return nil
}

// Close closes the port.
func (m *Master) Close() {
	if m.m != nil {
		C.ref_master_close(m.m)
		m.m = nil
	}
}

// Float word orders as libmodbus names them. (Only libmodbus's decoders
// are offered: its encoders modbus_set_float_abcd/cdab in 3.1.6 swap the
// bytes inside each register on little-endian hosts, libmodbus issues #611
// and #807, so they are no oracle.)
const (
	ABCD = 0 // high word first (modbus_get_float_abcd)
	CDAB = 1 // low word first (modbus_get_float_cdab)
)

// GetFloat decodes two registers with libmodbus's modbus_get_float_abcd or
// modbus_get_float_cdab.
func GetFloat(order int, regs [2]uint16) (float32, error) {
	if err := load(); err != nil {
		return 0, err
	}
	return float32(C.ref_get_float(C.int(order), (*C.uint16_t)(unsafe.Pointer(&regs[0])))), nil
}
