//go:build !cgo

package modbusref

import (
	"fmt"
	"time"
)

const noCgo = "built without cgo (CGO_ENABLED=0): libmodbus cannot be called"

// Available reports whether libmodbus can be used, and why not.
func Available() (bool, string) { return false, noCgo }

// Slave is a running libmodbus RTU slave (unavailable without cgo).
type Slave struct{}

// StartSlave fails without cgo.
func StartSlave(SlaveConfig) (*Slave, error) { return nil, fmt.Errorf("%w: %s", ErrUnavailable, noCgo) }

// SetHolding fails without cgo.
func (*Slave) SetHolding(int, ...uint16) error { return ErrUnavailable }

// SetInput fails without cgo.
func (*Slave) SetInput(int, ...uint16) error { return ErrUnavailable }

// SetException does nothing without cgo.
func (*Slave) SetException(byte) {}

// Stats is empty without cgo.
func (*Slave) Stats() SlaveStats { return SlaveStats{} }

// Close does nothing without cgo.
func (*Slave) Close() {}

// Coils fails without cgo.
func (*Slave) Coils(int, int) ([]bool, error) { return nil, ErrUnavailable }

// CoilWrites is empty without cgo.
func (*Slave) CoilWrites() (int, time.Time) { return 0, time.Time{} }

// Master is a libmodbus RTU master (unavailable without cgo).
type Master struct{}

// OpenMaster fails without cgo.
func OpenMaster(LineConfig, int, time.Duration) (*Master, error) {
	return nil, fmt.Errorf("%w: %s", ErrUnavailable, noCgo)
}

// ReadRegisters fails without cgo.
func (*Master) ReadRegisters(byte, int, int) ([]uint16, error) { return nil, ErrUnavailable }

// WriteRegisters fails without cgo.
func (*Master) WriteRegisters(int, ...uint16) error { return ErrUnavailable }

// Close does nothing without cgo.
func (*Master) Close() {}

// Float word orders as libmodbus names them.
const (
	ABCD = 0
	CDAB = 1
)

// GetFloat fails without cgo.
func GetFloat(int, [2]uint16) (float32, error) { return 0, ErrUnavailable }
