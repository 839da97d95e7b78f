// Package hid reads a USB HID hand scanner (a "keyboard wedge") straight
// from its Linux input device (/dev/input/eventN, evdev), so the codes it
// types never reach the operator's screen: the device is grabbed
// (EVIOCGRAB) while read.
//
// No Go evdev library is served by the module proxy here, so this package
// reads the kernel's struct input_event itself (24 bytes on 64-bit Linux:
// a timeval, type, code, value; <linux/input.h>) with golang.org/x/sys.
// Key codes are translated with the scanner's layout (US by default, the
// factory setting of nearly every scanner), Shift and Caps Lock applied; a
// code ends on the configured terminator (Enter or Tab) or, for scanners
// set to send none, when no key comes for Gap. A scanner unplugged and
// plugged back is reopened with backoff.
package hid

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"
	"unsafe"

	"github.com/checkpoint-terminal/checkpoint/scanner/handscan"
	"golang.org/x/sys/unix"
)

// EventSize is sizeof(struct input_event) on 64-bit Linux.
const EventSize = 24

// Event types and key codes from <linux/input-event-codes.h>.
const (
	EvKey        = 1
	KeyTab       = 15
	KeyEnter     = 28
	KeyLeftShift = 42
	KeyRightShft = 54
	KeyCapsLock  = 58
	KeyKPEnter   = 96
)

// modifier keys that change what a key means (Ctrl, Alt, AltGr, Meta):
// a character key pressed while one is held types no character of the
// US layout.
var modifiers = map[uint16]bool{29: true, 97: true, 56: true, 100: true, 125: true, 126: true}

// lockKeys type nothing and change nothing a scanner uses (Num Lock,
// Scroll Lock).
var lockKeys = map[uint16]bool{69: true, 70: true}

// Event is one input_event.
type Event struct {
	Time  time.Time
	Type  uint16
	Code  uint16
	Value int32 // keys: 1 press, 0 release, 2 autorepeat
}

// Encode appends e as the kernel writes it (little-endian, 64-bit).
func (e Event) Encode(b []byte) []byte {
	var x [EventSize]byte
	binary.LittleEndian.PutUint64(x[0:], uint64(e.Time.Unix()))
	binary.LittleEndian.PutUint64(x[8:], uint64(e.Time.Nanosecond()/1000))
	binary.LittleEndian.PutUint16(x[16:], e.Type)
	binary.LittleEndian.PutUint16(x[18:], e.Code)
	binary.LittleEndian.PutUint32(x[20:], uint32(e.Value))
	return append(b, x[:]...)
}

// DecodeEvent reads one input_event from b (EventSize bytes).
func DecodeEvent(b []byte) Event {
	sec := int64(binary.LittleEndian.Uint64(b[0:]))
	usec := int64(binary.LittleEndian.Uint64(b[8:]))
	return Event{Time: time.Unix(sec, usec*1000), Type: binary.LittleEndian.Uint16(b[16:]),
		Code: binary.LittleEndian.Uint16(b[18:]), Value: int32(binary.LittleEndian.Uint32(b[20:]))}
}

// key is what one key types without and with Shift.
type key struct{ plain, shift rune }

// US is the US keyboard layout for the keys a scanner types (printable
// ASCII), by evdev key code.
var US = func() map[uint16]key {
	m := map[uint16]key{}
	row := func(first uint16, plain, shift string) {
		p, s := []rune(plain), []rune(shift)
		for i := range p {
			m[first+uint16(i)] = key{p[i], s[i]}
		}
	}
	row(2, "1234567890-=", "!@#$%^&*()_+")
	row(16, "qwertyuiop[]", "QWERTYUIOP{}")
	row(30, "asdfghjkl;'`", "ASDFGHJKL:\"~")
	row(43, `\zxcvbnm,./`, "|ZXCVBNM<>?")
	m[57] = key{' ', ' '}
	m[55] = key{'*', '*'} // keypad
	row(71, "789-456+1230.", "789-456+1230.")
	m[98] = key{'/', '/'}
	return m
}()

// Decoder turns key events into codes. It is not safe for concurrent use.
type Decoder struct {
	Layout     map[uint16]key
	Terminator string // "enter" (default), "tab" or "none"
	MaxLen     int

	buf         []rune
	shift, caps bool
	mods        map[uint16]bool // modifiers held
	bad         bool            // the code in progress cannot be read whole
	last        time.Time
	// Unknown counts key presses the layout has no character for.
	Unknown int
	// Refused counts codes dropped whole: longer than MaxLen, or with a
	// key the layout cannot type (never handed on with it left out).
	Refused int
}

// Feed takes one event; it returns a code when the event ended one.
func (d *Decoder) Feed(e Event) (string, bool) {
	if e.Type != EvKey {
		return "", false
	}
	switch e.Code {
	case KeyLeftShift, KeyRightShft:
		d.shift = e.Value != 0
		return "", false
	case KeyCapsLock:
		if e.Value == 1 {
			d.caps = !d.caps
		}
		return "", false
	}
	if modifiers[e.Code] {
		if d.mods == nil {
			d.mods = map[uint16]bool{}
		}
		d.mods[e.Code] = e.Value != 0
		return "", false
	}
	if lockKeys[e.Code] {
		return "", false
	}
	if e.Value != 1 {
		return "", false // releases and autorepeat
	}
	d.last = e.Time
	switch {
	case (e.Code == KeyEnter || e.Code == KeyKPEnter) && d.Terminator != "tab" && d.Terminator != "none",
		e.Code == KeyTab && d.Terminator == "tab":
		return d.end()
	}
	k, ok := d.Layout[e.Code]
	held := false
	for _, on := range d.mods {
		held = held || on
	}
	if !ok || held {
		d.Unknown++
		// A character typed under Ctrl/Alt, or a key without a character
		// (F1, Esc) inside a code, spoils the code. Enter and Tab when not
		// the terminator (a scanner sending "code Tab Enter") and such
		// keys between codes type nothing and spoil nothing.
		whitespace := e.Code == KeyEnter || e.Code == KeyKPEnter || e.Code == KeyTab
		if ok || len(d.buf) > 0 && !whitespace {
			d.bad = true
		}
		return "", false
	}
	r := k.plain
	upper := d.shift
	if d.caps && k.plain >= 'a' && k.plain <= 'z' {
		upper = !upper
	}
	if upper {
		r = k.shift
	}
	if d.MaxLen > 0 && len(d.buf) >= d.MaxLen {
		d.bad = true // dropped whole at its end, never cut short
		return "", false
	}
	d.buf = append(d.buf, r)
	return "", false
}

// Idle ends a pending code when no key came for gap (scanners without a
// terminator).
func (d *Decoder) Idle(now time.Time, gap time.Duration) (string, bool) {
	if len(d.buf) == 0 && !d.bad || now.Sub(d.last) < gap {
		return "", false
	}
	return d.end()
}

func (d *Decoder) end() (string, bool) {
	s, bad := string(d.buf), d.bad
	d.buf, d.bad = d.buf[:0], false
	if bad {
		d.Refused++
		return "", false
	}
	return s, s != ""
}

// Config is one HID scanner ([[scanner.hid]] in the config file).
type Config struct {
	// Device is the input device, preferably a stable
	// /dev/input/by-id/...-event-kbd link.
	Device string `toml:"device" json:"device"`
	// Layout is the scanner's keyboard layout; only "us" is built in.
	Layout string `toml:"layout" json:"layout"`
	// Terminator is enter, tab or none.
	Terminator string `toml:"terminator" json:"terminator"`
	// Gap ends a code after this long without a key (any terminator).
	Gap time.Duration `toml:"gap" json:"gap"`
	// NoGrab leaves the device shared: by default it is grabbed for this
	// reader alone (EVIOCGRAB), so codes never type into the screen.
	NoGrab bool `toml:"no_grab" json:"no_grab,omitempty"`
	// MaxLen is the longest code, in characters. Default 4096.
	MaxLen int `toml:"max_len" json:"max_len"`
}

// DefaultConfig is /dev/input/event0, US layout, Enter, 200 ms gap, grabbed.
func DefaultConfig() Config {
	return Config{Device: "/dev/input/event0", Layout: "us", Terminator: "enter", Gap: 200 * time.Millisecond, MaxLen: 4096}
}

// WithDefaults fills the settings a config file left out (zero) from
// DefaultConfig.
func (c Config) WithDefaults() Config {
	d := DefaultConfig()
	if c.Layout == "" {
		c.Layout = d.Layout
	}
	if c.Terminator == "" {
		c.Terminator = d.Terminator
	}
	if c.Gap == 0 {
		c.Gap = d.Gap
	}
	if c.MaxLen == 0 {
		c.MaxLen = d.MaxLen
	}
	return c
}

// ErrConfig marks configuration errors.
var ErrConfig = errors.New("hid scanner: invalid configuration")

// Validate reports every setting that cannot work, wrapped in ErrConfig.
func (c Config) Validate() error {
	var errs []error
	if c.Device == "" {
		errs = append(errs, errors.New("device is empty"))
	}
	if c.Layout != "us" {
		errs = append(errs, fmt.Errorf("layout %q: only us is built in", c.Layout))
	}
	switch c.Terminator {
	case "enter", "tab", "none":
	default:
		errs = append(errs, fmt.Errorf("terminator %q is not enter, tab or none", c.Terminator))
	}
	if c.Gap < 10*time.Millisecond || c.Gap > 5*time.Second {
		errs = append(errs, fmt.Errorf("gap %s outside 10ms..5s", c.Gap))
	}
	if c.MaxLen < 16 || c.MaxLen > 1<<16 {
		errs = append(errs, fmt.Errorf("max_len %d outside 16..65536", c.MaxLen))
	}
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("%w: %w", ErrConfig, errors.Join(errs...))
}

// eviocgrab is EVIOCGRAB, _IOW('E', 0x90, int).
const eviocgrab = 0x40044590

// Status is a snapshot for the operator screen.
type Status = handscan.Status

// Reader reads one HID scanner.
type Reader struct {
	cfg Config
	log *slog.Logger

	*handscan.Link
}

// New checks cfg and makes a reader; nothing opens until Run.
func New(cfg Config, log *slog.Logger) (*Reader, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	name := "hid:" + cfg.Device
	log = log.With("scanner", name)
	return &Reader{cfg: cfg, log: log, Link: handscan.NewLink(name, log)}, nil
}

// Run reads codes until ctx ends, reopening the device with backoff when
// it goes away (unplugged: ENODEV). It returns ctx's error.
func (r *Reader) Run(ctx context.Context, emit func(text string, at time.Time)) error {
	return r.Link.Run(ctx, "HID scanner unavailable, retrying", func(ctx context.Context) (bool, error) { return r.session(ctx, emit) })
}

func (r *Reader) session(ctx context.Context, emit func(string, time.Time)) (bool, error) {
	f, err := openDevice(r.cfg)
	if err != nil {
		return false, err
	}
	defer f.Close()
	r.Connected()
	d := &Decoder{Layout: US, Terminator: r.cfg.Terminator, MaxLen: r.cfg.MaxLen}
	got := false
	code := func(text string) {
		got = true
		at := time.Now()
		r.Coded(at)
		emit(text, at)
	}
	buf := make([]byte, 64*EventSize)
	var pending []byte
	for ctx.Err() == nil {
		f.SetReadDeadline(time.Now().Add(min(r.cfg.Gap, 100*time.Millisecond)))
		n, err := f.Read(buf)
		pending = append(pending, buf[:n]...)
		refused := d.Refused
		for len(pending) >= EventSize {
			e := DecodeEvent(pending)
			// The kernel's timestamps may run on another clock than ours;
			// gaps are measured on arrival.
			e.Time = time.Now()
			pending = pending[EventSize:]
			if s, ok := d.Feed(e); ok {
				code(s)
			}
		}
		if s, ok := d.Idle(time.Now(), r.cfg.Gap); ok {
			code(s)
		}
		if n := d.Refused - refused; n > 0 {
			r.Set(func(s *Status) { s.Refused += uint64(n) })
			r.log.Warn("scanner input refused (too long, or a key the layout cannot type)")
		}
		switch {
		case err == nil, errors.Is(err, os.ErrDeadlineExceeded):
		default:
			return got, fmt.Errorf("reading %s: %w", r.cfg.Device, err)
		}
		if n == 0 && err == nil {
			return got, fmt.Errorf("reading %s: end of input", r.cfg.Device)
		}
	}
	return got, ctx.Err()
}

// openDevice opens cfg.Device for reading, non-blocking, and grabs it
// (EVIOCGRAB, grab) unless cfg.NoGrab, so its keys reach only the terminal.
func openDevice(cfg Config) (*os.File, error) {
	f, err := os.OpenFile(cfg.Device, os.O_RDONLY|unix.O_NONBLOCK, 0)
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", cfg.Device, err)
	}
	if !cfg.NoGrab {
		if err := grab(f, cfg.Device); err != nil {
			f.Close()
			return nil, err
		}
	}
	return f, nil
}

// grab takes the evdev device open as f for this process alone
// (EVIOCGRAB); closing f releases it.
func grab(f *os.File, device string) error {
	rc, err := f.SyscallConn()
	if err == nil {
		cerr := rc.Control(func(fd uintptr) { err = unix.IoctlSetInt(int(fd), eviocgrab, 1) }) // by value, not a pointer
		err = errors.Join(cerr, err)
	}
	if err != nil {
		return fmt.Errorf("grabbing %s (EVIOCGRAB): %w", device, err)
	}
	return nil
}

// Probe opens the evdev device as the reader does (grabbed unless NoGrab)
// and closes it again, for checkpoint doctor. It returns
// the device's name (EVIOCGNAME); an error names what failed (missing
// device, permission, a device another program grabs, not an input
// device).
func Probe(cfg Config) (string, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return "", err
	}
	// opened ungrabbed: a file that is no input device is named as such
	// before a grab could fail on it
	f, err := openDevice(Config{Device: cfg.Device, NoGrab: true})
	if err != nil {
		return "", err
	}
	defer f.Close() // closing releases a grab
	rc, err := f.SyscallConn()
	if err != nil {
		return "", err
	}
	var name string
	var ierr error
	cerr := rc.Control(func(fd uintptr) {
		buf := make([]byte, 256)
		n, _, errno := unix.Syscall(unix.SYS_IOCTL, fd, uintptr(eviocgname(len(buf))), uintptr(unsafe.Pointer(&buf[0])))
		if errno != 0 {
			ierr = fmt.Errorf("%s is not an input event device (EVIOCGNAME): %w", cfg.Device, errno)
			return
		}
		name = strings.TrimRight(string(buf[:min(int(n), len(buf))]), "\x00")
	})
	if err := errors.Join(cerr, ierr); err != nil {
		return "", err
	}
	if !cfg.NoGrab {
		if err := grab(f, cfg.Device); err != nil {
			return "", err
		}
	}
	return name, nil
}

// eviocgname is EVIOCGNAME(len): _IOC(_IOC_READ, 'E', 0x06, len)
// (linux/input.h).
func eviocgname(n int) uint {
	return 2<<30 | uint(n)<<16 | uint('E')<<8 | 0x06
}
