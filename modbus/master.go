package modbus

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"time"
)

// Port is the serial line a Master talks over.
type Port interface {
	// Read returns what arrived within one read timeout; (0, nil) means
	// the line was quiet. An error means the port is lost.
	Read(b []byte) (int, error)
	// Write sends b whole.
	Write(b []byte) error
	// Flush discards unread input and unsent output.
	Flush() error
}

// ErrNoResponse means a request got no valid response in time.
var ErrNoResponse = errors.New("modbus: no valid response")

// PortError marks an error of the port itself (as opposed to the
// protocol): the caller must close and reopen the port.
type PortError struct{ Err error }

func (e *PortError) Error() string { return e.Err.Error() }
func (e *PortError) Unwrap() error { return e.Err }

// IsPortError reports whether err came from the port, not the protocol.
func IsPortError(err error) bool {
	var pe *PortError
	return errors.As(err, &pe)
}

// Counts are what a transaction saw besides its answer.
type Counts struct {
	Discarded  int // bytes of noise, foreign frames, late responses
	CRCErrors  int // frames shaped like the response whose CRC failed
	Exceptions int // exception responses
	Timeouts   int // attempts without a valid response
}

// Master is the terminal's side of a Modbus RTU line: it sends one request
// at a time and waits for its response. The thermometer polls registers
// with it and the gate relay writes coils with it. A Master is not safe for
// concurrent use.
type Master struct {
	Port Port
	// Baud sets the silent interval t3.5 between frames.
	Baud int
	// ResponseTimeout bounds the wait for each response.
	ResponseTimeout time.Duration
	// Retries is how often a request is repeated after a timeout, a CRC
	// error or a busy/acknowledge exception.
	Retries int
	// Observe, when set, is told what each attempt counted.
	Observe func(Counts)
	// Bus, when set, is held for each whole transaction (see LineLock):
	// masters of several devices on one RS-485 line (the thermometer and
	// the gate relay module) then take turns instead of talking over each
	// other.
	Bus sync.Locker
}

// lines maps a serial line (its device path, links resolved) to the lock
// its masters share. It stands for the physical lines of this process, as
// the kernel's device nodes do.
var lines sync.Map

// LineLock returns the lock shared by every Master on the serial line at
// path, so that two parts of the terminal polling devices on one bus
// (different slave addresses, or one combined module) never interleave
// frames. Links are resolved: /dev/serial/by-id/... and /dev/ttyUSB0 are
// one line.
func LineLock(path string) sync.Locker {
	if p, err := filepath.EvalSymlinks(path); err == nil {
		path = p
	}
	l, _ := lines.LoadOrStore(filepath.Clean(path), &sync.Mutex{})
	return l.(*sync.Mutex)
}

func (m *Master) observe(c Counts) {
	if m.Observe != nil && c != (Counts{}) {
		m.Observe(c)
	}
}

// ReadRegisters reads quantity registers from start with function 3 or 4.
func (m *Master) ReadRegisters(ctx context.Context, slave, function byte, start, quantity uint16) ([]uint16, error) {
	req, err := ReadRequest(slave, function, start, quantity)
	if err != nil {
		return nil, err
	}
	return m.Transact(ctx, req, func(buf []byte) Scan { return ScanResponse(slave, function, quantity, buf) })
}

// WriteCoil sets one coil with function 5 and returns nil only when the
// slave echoed the request.
func (m *Master) WriteCoil(ctx context.Context, slave byte, addr uint16, on bool) error {
	req, err := WriteCoilRequest(slave, addr, on)
	if err != nil {
		return err
	}
	_, err = m.Transact(ctx, req, func(buf []byte) Scan { return ScanWriteResponse(req, buf) })
	return err
}

// WriteCoils sets len(on) coils from addr with function 15 and returns nil
// only when the slave confirmed address and quantity.
func (m *Master) WriteCoils(ctx context.Context, slave byte, addr uint16, on []bool) error {
	req, err := WriteCoilsRequest(slave, addr, on)
	if err != nil {
		return err
	}
	_, err = m.Transact(ctx, req, func(buf []byte) Scan { return ScanWriteResponse(req, buf) })
	return err
}

// Transact sends req and waits for the response scan finds, repeating
// after a timeout, a CRC error or a busy/acknowledge exception up to
// Retries times. Before each attempt the input is flushed (a late answer to
// an earlier request must not be taken for this one) and the line kept
// silent for t3.5. Bytes of a response may arrive in any chunking and with
// gaps longer than t1.5 (USB adapters deliver in bursts): the frame is
// complete when its length has arrived and the CRC checks. Port failures
// come back as *PortError at once.
func (m *Master) Transact(ctx context.Context, req []byte, scan func([]byte) Scan) ([]uint16, error) {
	if m.Bus != nil {
		m.Bus.Lock()
		defer m.Bus.Unlock()
	}
	gap := FrameGap(m.Baud)
	var last error
	for attempt := 0; attempt <= m.Retries && ctx.Err() == nil; attempt++ {
		if attempt > 0 {
			time.Sleep(gap)
		}
		if err := m.Port.Flush(); err != nil {
			return nil, &PortError{err}
		}
		if err := m.Port.Write(req); err != nil {
			return nil, &PortError{err}
		}
		regs, err := m.receive(ctx, scan)
		if err == nil {
			return regs, nil
		}
		if IsPortError(err) || ctx.Err() != nil {
			return nil, err
		}
		last = err
		var ex *ExceptionError
		if errors.As(err, &ex) {
			m.observe(Counts{Exceptions: 1})
			if ex.Code != ExServerDeviceBusy && ex.Code != ExAcknowledge {
				return nil, err
			}
			continue
		}
		if errors.Is(err, ErrEcho) {
			return nil, err
		}
		m.observe(Counts{Timeouts: 1})
	}
	if last == nil {
		last = ctx.Err()
	}
	return nil, last
}

// receive collects bytes until scan finds the response or the response
// timeout passes.
func (m *Master) receive(ctx context.Context, scan func([]byte) Scan) ([]uint16, error) {
	deadline := time.Now().Add(m.ResponseTimeout)
	var (
		acc  []byte
		buf  = make([]byte, MaxADU)
		crcs int
	)
	for {
		n, err := m.Port.Read(buf)
		if err != nil {
			return nil, &PortError{err}
		}
		if n > 0 {
			acc = append(acc, buf[:n]...)
			sc := scan(acc)
			crcs += sc.CRCErrors
			m.observe(Counts{Discarded: sc.Discarded, CRCErrors: sc.CRCErrors})
			if sc.Done {
				if sc.Err != nil {
					return nil, sc.Err
				}
				return sc.Regs, nil
			}
			acc = append(acc[:0], sc.Rest...)
			if len(acc) > 2*MaxADU {
				acc = acc[len(acc)-MaxADU:]
			}
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if n == 0 && crcs > 0 {
			// The damaged response was all the slave had to say: the line
			// went quiet for a whole read timeout, far beyond t3.5. Retry
			// now rather than waiting out the response timeout.
			return nil, fmt.Errorf("%w: %w", ErrNoResponse, ErrCRC)
		}
		if time.Now().After(deadline) {
			if crcs > 0 {
				return nil, fmt.Errorf("%w within %s: %w", ErrNoResponse, m.ResponseTimeout, ErrCRC)
			}
			return nil, fmt.Errorf("%w within %s", ErrNoResponse, m.ResponseTimeout)
		}
	}
}
