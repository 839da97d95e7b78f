package sim

import (
	"fmt"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// PTY is a pseudo-terminal pair: Master is the device's side (the
// simulator speaks there, through Go's poller, so deadlines work and Close
// never hangs); SlaveName is the /dev/pts node the terminal opens as its
// serial port.
//
// The pair keeps one descriptor of the slave open itself, in raw mode, so
// that bytes written before the terminal opens its port are neither echoed
// back nor cooked, and the master never sees EIO while the terminal is
// between a close and a reopen.
type PTY struct {
	Master    *os.File
	SlaveName string
	slave     int
}

// OpenPTY allocates a pseudo-terminal pair through /dev/ptmx.
func OpenPTY() (*PTY, error) {
	m, err := unix.Open("/dev/ptmx", unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC|unix.O_NONBLOCK, 0)
	if err != nil {
		return nil, fmt.Errorf("opening /dev/ptmx: %w", err)
	}
	fail := func(what string, err error) (*PTY, error) {
		unix.Close(m)
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	if err := unix.IoctlSetPointerInt(m, unix.TIOCSPTLCK, 0); err != nil {
		return fail("unlocking pty", err)
	}
	n, err := unix.IoctlGetUint32(m, unix.TIOCGPTN)
	if err != nil {
		return fail("getting pty number", err)
	}
	name := "/dev/pts/" + strconv.FormatUint(uint64(n), 10)
	s, err := unix.Open(name, unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC|unix.O_NONBLOCK, 0)
	if err != nil {
		return fail("opening "+name, err)
	}
	if err := makeRaw(s); err != nil {
		unix.Close(s)
		return fail("setting "+name+" raw", err)
	}
	return &PTY{Master: os.NewFile(uintptr(m), "ptmx:"+name), SlaveName: name, slave: s}, nil
}

// makeRaw does what cfmakeraw(3) does.
func makeRaw(fd int) error {
	t, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return err
	}
	t.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON
	t.Oflag &^= unix.OPOST
	t.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
	t.Cflag &^= unix.CSIZE | unix.PARENB
	t.Cflag |= unix.CS8
	t.Cc[unix.VMIN], t.Cc[unix.VTIME] = 1, 0
	return unix.IoctlSetTermios(fd, unix.TCSETS, t)
}

// Close closes both sides this process holds. Whoever still has the slave
// open sees a hang-up, as when a USB adapter is pulled.
func (p *PTY) Close() error {
	err := p.Master.Close()
	if p.slave >= 0 {
		if e := unix.Close(p.slave); err == nil {
			err = e
		}
		p.slave = -1
	}
	return err
}
