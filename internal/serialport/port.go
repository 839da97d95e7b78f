// Package serialport is the serial layer the thermometer, the hand
// scanners and the gate relay share: a tarm/serial port with what tarm
// leaves out (a hung-up or vanished device noticed, stale input dropped on
// open).
package serialport

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/tarm/serial"
)

// ErrGone means the device went away: it hung up (USB unplugged, the far
// end of a pseudo-terminal closed) or its device node vanished or now
// names another device.
var ErrGone = errors.New("serial device gone")

// Config is a serial line. Parity is "N", "E" or "O" ("" is N); StopBits 1
// or 2 (0 is 1); ReadTimeout bounds one Read and must be 100ms..25.5s
// (tarm/serial works in 100 ms steps, and 0 would make Close hang behind
// a blocked Read).
type Config struct {
	Path        string
	Baud        int
	Parity      string
	StopBits    int
	ReadTimeout time.Duration
}

// ParseParity reads "N", "E", "O" (or "NONE", "EVEN", "ODD"; "" is N).
func ParseParity(p string) (serial.Parity, error) {
	switch strings.ToUpper(p) {
	case "", "N", "NONE":
		return serial.ParityNone, nil
	case "E", "EVEN":
		return serial.ParityEven, nil
	case "O", "ODD":
		return serial.ParityOdd, nil
	}
	return 0, fmt.Errorf("parity %q is not N, E or O", p)
}

// Bauds are the rates tarm/serial accepts on Linux.
var Bauds = map[int]bool{
	50: true, 75: true, 110: true, 134: true, 150: true, 200: true, 300: true,
	600: true, 1200: true, 1800: true, 2400: true, 4800: true, 9600: true,
	19200: true, 38400: true, 57600: true, 115200: true, 230400: true,
	460800: true, 500000: true, 576000: true, 921600: true, 1000000: true,
	1152000: true, 1500000: true, 2000000: true, 2500000: true, 3000000: true,
	3500000: true, 4000000: true,
}

// Validate reports what in c cannot work.
func (c Config) Validate() error {
	var errs []error
	if c.Path == "" {
		errs = append(errs, errors.New("port is empty"))
	}
	if !Bauds[c.Baud] {
		errs = append(errs, fmt.Errorf("baud %d is not a standard rate", c.Baud))
	}
	if _, err := ParseParity(c.Parity); err != nil {
		errs = append(errs, err)
	}
	if c.StopBits != 0 && c.StopBits != 1 && c.StopBits != 2 {
		errs = append(errs, fmt.Errorf("stop bits %d is not 1 or 2", c.StopBits))
	}
	if c.ReadTimeout < 100*time.Millisecond || c.ReadTimeout > 25500*time.Millisecond {
		errs = append(errs, fmt.Errorf("read timeout %s outside 100ms..25.5s (tarm/serial works in 100 ms steps; 0 would hang Close)", c.ReadTimeout))
	}
	return errors.Join(errs...)
}

// Port wraps a tarm/serial port with what tarm leaves out.
//
// tarm/serial sets VMIN=0, VTIME=ReadTimeout/100ms, so a quiet line makes
// Read return (0, io.EOF) after the timeout: that is "no data yet". A hung-up
// tty also returns (0, io.EOF), but at once: three such returns in a row,
// each well under the timeout, mean the device is gone. Once a second the
// device node is checked too, so a node removed or re-pointed (a udev link
// now naming a new device) is noticed even on a line that only times out.
type Port struct {
	p       *serial.Port
	path    string
	timeout time.Duration
	rdev    uint64

	fastEOF   int
	lastCheck time.Time
}

// Open opens the port and discards whatever the driver had buffered
// before we came (stale readings, keys typed into a scanner's port).
func Open(cfg Config) (*Port, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("opening %s: %w", cfg.Path, err)
	}
	par, _ := ParseParity(cfg.Parity)
	sb := serial.Stop1
	if cfg.StopBits == 2 {
		sb = serial.Stop2
	}
	p, err := serial.OpenPort(&serial.Config{Name: cfg.Path, Baud: cfg.Baud, ReadTimeout: cfg.ReadTimeout, Size: 8, Parity: par, StopBits: sb})
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", cfg.Path, err)
	}
	rdev, err := deviceOf(cfg.Path)
	if err != nil {
		p.Close()
		return nil, fmt.Errorf("opening %s: %w", cfg.Path, err)
	}
	if err := p.Flush(); err != nil {
		p.Close()
		return nil, fmt.Errorf("flushing %s: %w", cfg.Path, err)
	}
	// tarm rounds the timeout down to 100 ms steps.
	to := cfg.ReadTimeout / (100 * time.Millisecond) * (100 * time.Millisecond)
	return &Port{p: p, path: cfg.Path, timeout: to, rdev: rdev, lastCheck: time.Now()}, nil
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

// Read returns what arrived within one read timeout: (0, nil) means a quiet
// line. Any error means the port must be closed and reopened; a device
// that hung up or vanished wraps ErrGone.
func (p *Port) Read(b []byte) (int, error) {
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

// Write sends b whole.
func (p *Port) Write(b []byte) error {
	for len(b) > 0 {
		n, err := p.p.Write(b)
		if err != nil {
			return fmt.Errorf("writing %s: %w", p.path, err)
		}
		b = b[n:]
	}
	return nil
}

// Flush discards unread input and unsent output.
func (p *Port) Flush() error {
	if err := p.p.Flush(); err != nil {
		return fmt.Errorf("flushing %s: %w", p.path, err)
	}
	return nil
}

// Path is the device path the port was opened with.
func (p *Port) Path() string { return p.path }

// Close closes the port.
func (p *Port) Close() error { return p.p.Close() }
