package thermometer

import (
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
	"time"

	"github.com/tarm/serial"
)

// ErrGone means the device went away: it hung up (USB unplugged, the far
// end of a pseudo-terminal closed) or its device node vanished or now
// names another device.
var ErrGone = errors.New("serial device gone")

// port wraps a tarm/serial port with what tarm leaves out.
//
// tarm/serial sets VMIN=0, VTIME=ReadTimeout/100ms, so a quiet line makes
// Read return (0, io.EOF) after the timeout: that is "no data yet". A hung-up
// tty also returns (0, io.EOF), but at once: three such returns in a row,
// each well under the timeout, mean the device is gone. Once a second the
// device node is checked too, so a node removed or re-pointed (a udev link
// now naming a new device) is noticed even on a line that only times out.
type port struct {
	p       *serial.Port
	path    string
	timeout time.Duration
	rdev    uint64

	fastEOF   int
	lastCheck time.Time
}

// openPort opens the configured port and discards whatever the driver had
// buffered before we came (stale readings).
func openPort(cfg Config) (*port, error) {
	p, err := serial.OpenPort(cfg.serialConfig())
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", cfg.Port, err)
	}
	rdev, err := deviceOf(cfg.Port)
	if err != nil {
		p.Close()
		return nil, fmt.Errorf("opening %s: %w", cfg.Port, err)
	}
	if err := p.Flush(); err != nil {
		p.Close()
		return nil, fmt.Errorf("flushing %s: %w", cfg.Port, err)
	}
	// tarm rounds the timeout down to 100 ms steps.
	to := cfg.ReadTimeout / (100 * time.Millisecond) * (100 * time.Millisecond)
	return &port{p: p, path: cfg.Port, timeout: to, rdev: rdev, lastCheck: time.Now()}, nil
}

func deviceOf(path string) (uint64, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return 0, err
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, nil
	}
	return uint64(st.Rdev), nil
}

// read returns what arrived within one read timeout: (0, nil) means a quiet
// line. Any error means the port must be closed and reopened.
func (p *port) read(b []byte) (int, error) {
	start := time.Now()
	n, err := p.p.Read(b)
	if n > 0 {
		p.fastEOF = 0
		return n, nil
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return 0, fmt.Errorf("reading %s: %w", p.path, err)
	}
	if time.Since(start) < p.timeout/4 {
		p.fastEOF++
		if p.fastEOF >= 3 {
			return 0, fmt.Errorf("reading %s: %w (hung up)", p.path, ErrGone)
		}
	} else {
		p.fastEOF = 0
	}
	if time.Since(p.lastCheck) >= time.Second {
		p.lastCheck = time.Now()
		rdev, err := deviceOf(p.path)
		if err != nil {
			return 0, fmt.Errorf("checking %s: %w: %w", p.path, ErrGone, err)
		}
		if rdev != p.rdev {
			return 0, fmt.Errorf("checking %s: %w (now another device)", p.path, ErrGone)
		}
	}
	return 0, nil
}

// write sends b whole.
func (p *port) write(b []byte) error {
	for len(b) > 0 {
		n, err := p.p.Write(b)
		if err != nil {
			return fmt.Errorf("writing %s: %w", p.path, err)
		}
		b = b[n:]
	}
	return nil
}

// flush discards unread input and unsent output.
func (p *port) flush() error {
	if err := p.p.Flush(); err != nil {
		return fmt.Errorf("flushing %s: %w", p.path, err)
	}
	return nil
}

func (p *port) close() error { return p.p.Close() }
