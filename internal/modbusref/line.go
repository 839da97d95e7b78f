package modbusref

import (
	"errors"
	"fmt"
	"os"
	"sync"

	"github.com/checkpoint-terminal/checkpoint/thermometer/sim"
)

// Line is a null-modem cable between two serial devices: two real
// pseudo-terminal pairs whose master sides are joined by copying, as socat
// or tty0tty do. Whatever one side writes to its device (A or B), the other
// reads from its own; each side sets its own termios. Two pairs are needed
// because both libmodbus (modbus_connect) and tarm/serial open their port
// by path, and a pty master cannot be opened by path.
type Line struct {
	// A and B are the /dev/pts devices of the two ends.
	A, B string

	a, b *sim.PTY
	wg   sync.WaitGroup

	mu     sync.Mutex
	copied [2]int64 // bytes A→B, B→A
}

// NewLine allocates the two pairs and starts copying.
func NewLine() (*Line, error) {
	a, err := sim.OpenPTY()
	if err != nil {
		return nil, fmt.Errorf("null modem: %w", err)
	}
	b, err := sim.OpenPTY()
	if err != nil {
		a.Close()
		return nil, fmt.Errorf("null modem: %w", err)
	}
	l := &Line{A: a.SlaveName, B: b.SlaveName, a: a, b: b}
	l.wg.Add(2)
	go l.pump(a.Master, b.Master, 0)
	go l.pump(b.Master, a.Master, 1)
	return l, nil
}

func (l *Line) pump(from, to *os.File, dir int) {
	defer l.wg.Done()
	buf := make([]byte, 512)
	for {
		n, err := from.Read(buf)
		if n > 0 {
			if _, werr := to.Write(buf[:n]); werr != nil {
				return
			}
			l.mu.Lock()
			l.copied[dir] += int64(n)
			l.mu.Unlock()
		}
		if err != nil {
			// Each pair keeps a slave descriptor of its own, so the
			// master never sees a hang-up while the ends close and
			// reopen: only Close (os.ErrClosed) ends the copying.
			return
		}
	}
}

// Copied returns how many bytes went from A to B and from B to A.
func (l *Line) Copied() (aToB, bToA int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.copied[0], l.copied[1]
}

// Close cuts the cable: both pairs are closed and the copying stops.
func (l *Line) Close() error {
	err := errors.Join(l.a.Close(), l.b.Close())
	l.wg.Wait()
	if err != nil {
		return fmt.Errorf("null modem: closing: %w", err)
	}
	return nil
}
