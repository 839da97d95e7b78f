// Package serialscan reads a hand-held QR scanner that talks over a serial
// line (RS-232, or USB CDC-ACM: /dev/ttyACM0, /dev/ttyUSB0) through the
// serial layer the thermometer uses (internal/serialport, tarm/serial).
//
// Such scanners send each code as text followed by a terminator (CR by
// default; LF, CR LF or Tab on other models) and some models add a
// configured prefix or suffix (a model letter, "]Q1" AIM identifiers).
// The reader cuts the stream into codes, strips the prefix and suffix, and
// hands each code on with the time its last byte arrived. It survives the
// scanner being unplugged: the port is reopened with backoff.
package serialscan

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/checkpoint-terminal/checkpoint/internal/serialport"
	"github.com/checkpoint-terminal/checkpoint/scanner/handscan"
)

// Terminators a scanner ends a code with.
const (
	TermAuto = "auto" // CR or LF or both; empty codes ignored
	TermCR   = "cr"
	TermLF   = "lf"
	TermCRLF = "crlf"
	TermTab  = "tab"
	// TermNone ends a code when the line stays quiet for one read timeout
	// (100 ms), for scanners set to send no terminator.
	TermNone = "none"
)

// Config is one serial scanner ([[scanner.serial]] in the config file).
type Config struct {
	// Port is the device, e.g. /dev/ttyACM0 or a /dev/serial/by-id link.
	Port string `toml:"port" json:"port"`
	// Baud is the line speed (USB CDC scanners ignore it). Default 9600.
	Baud int `toml:"baud" json:"baud"`
	// Terminator is auto, cr, lf, crlf, tab or none. Default auto.
	Terminator string `toml:"terminator" json:"terminator"`
	// Prefix and Suffix are stripped when a code carries them; a code
	// without a configured prefix or suffix is refused (the scanner is set
	// up differently from what the config says).
	Prefix string `toml:"prefix" json:"prefix,omitempty"`
	Suffix string `toml:"suffix" json:"suffix,omitempty"`
	// MaxLen is the longest code accepted, in bytes; longer input is
	// dropped whole. Default 4096.
	MaxLen int `toml:"max_len" json:"max_len"`
}

// DefaultConfig is /dev/ttyACM0 at 9600 with auto terminators.
func DefaultConfig() Config {
	return Config{Port: "/dev/ttyACM0", Baud: 9600, Terminator: TermAuto, MaxLen: 4096}
}

// WithDefaults fills the settings a config file left out (zero) from
// DefaultConfig.
func (c Config) WithDefaults() Config {
	d := DefaultConfig()
	if c.Baud == 0 {
		c.Baud = d.Baud
	}
	if c.Terminator == "" {
		c.Terminator = d.Terminator
	}
	if c.MaxLen == 0 {
		c.MaxLen = d.MaxLen
	}
	return c
}

// ErrConfig marks configuration errors.
var ErrConfig = errors.New("serial scanner: invalid configuration")

// Validate reports every setting that cannot work, wrapped in ErrConfig.
func (c Config) Validate() error {
	var errs []error
	if err := c.line().Validate(); err != nil {
		errs = append(errs, err)
	}
	switch c.Terminator {
	case TermAuto, TermCR, TermLF, TermCRLF, TermTab, TermNone:
	default:
		errs = append(errs, fmt.Errorf("terminator %q is not auto, cr, lf, crlf, tab or none", c.Terminator))
	}
	if c.MaxLen < 16 || c.MaxLen > 1<<16 {
		errs = append(errs, fmt.Errorf("max_len %d outside 16..65536", c.MaxLen))
	}
	if strings.ContainsAny(c.Prefix+c.Suffix, "\r\n") {
		errs = append(errs, errors.New("prefix and suffix cannot hold CR or LF"))
	}
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("%w: %w", ErrConfig, errors.Join(errs...))
}

func (c Config) line() serialport.Config {
	return serialport.Config{Path: c.Port, Baud: c.Baud, ReadTimeout: 100 * time.Millisecond}
}

// Framer cuts a byte stream into codes per a Config. It is not safe for
// concurrent use.
type Framer struct {
	cfg      Config
	buf      []byte
	overflow bool
	quiet    int // Quiet calls since the last byte
	// Refused counts codes dropped: too long, missing the configured
	// prefix or suffix, or left without a terminator (see Quiet).
	Refused int
}

// StaleQuiets is how many quiet read timeouts (100 ms each: 500 ms) a code
// begun without its terminator is kept. A scanner sends a whole code in a
// few milliseconds; a part left over (a scanner set to another terminator,
// unplugged mid-code, noise on the line) would otherwise be glued to the
// front of the next person's code and refuse it as invalid.
const StaleQuiets = 5

// NewFramer makes a framer for cfg (which must be valid).
func NewFramer(cfg Config) *Framer { return &Framer{cfg: cfg} }

// Feed takes bytes as they arrived and calls code for each complete code.
func (f *Framer) Feed(p []byte, code func(string)) {
	if len(p) > 0 {
		f.quiet = 0
	}
	for _, c := range p {
		if f.isEnd(c) {
			f.end(code)
			continue
		}
		if f.overflow {
			continue
		}
		if len(f.buf) >= f.cfg.MaxLen {
			f.overflow, f.buf = true, f.buf[:0]
			continue
		}
		f.buf = append(f.buf, c)
	}
}

// Quiet tells the framer the line stayed quiet for a read timeout: with
// terminator none, that ends the code; with any other, a code begun and
// still without its terminator after StaleQuiets of them is dropped and
// counted as refused.
func (f *Framer) Quiet(code func(string)) {
	if f.cfg.Terminator == TermNone {
		f.end(code)
		return
	}
	if len(f.buf) == 0 && !f.overflow {
		return
	}
	if f.quiet++; f.quiet >= StaleQuiets {
		f.buf, f.overflow, f.quiet = f.buf[:0], false, 0
		f.Refused++
	}
}

func (f *Framer) isEnd(c byte) bool {
	switch f.cfg.Terminator {
	case TermCR:
		return c == '\r'
	case TermLF:
		return c == '\n'
	case TermTab:
		return c == '\t'
	case TermCRLF:
		// The LF ends the code; the CR before it is trimmed in end.
		return c == '\n'
	case TermNone:
		return false
	}
	return c == '\r' || c == '\n'
}

func (f *Framer) end(code func(string)) {
	b := f.buf
	over := f.overflow
	f.buf, f.overflow = f.buf[:0], false
	if over {
		f.Refused++
		return
	}
	if f.cfg.Terminator == TermCRLF {
		b = bytes.TrimSuffix(b, []byte{'\r'})
	}
	if len(b) == 0 {
		return
	}
	if p := f.cfg.Prefix; p != "" {
		if !bytes.HasPrefix(b, []byte(p)) {
			f.Refused++
			return
		}
		b = b[len(p):]
	}
	if s := f.cfg.Suffix; s != "" {
		if !bytes.HasSuffix(b, []byte(s)) {
			f.Refused++
			return
		}
		b = b[:len(b)-len(s)]
	}
	if len(b) > 0 {
		code(string(b))
	}
}

// Status is a snapshot for the operator screen.
type Status = handscan.Status

// Reader reads one serial scanner.
type Reader struct {
	cfg Config
	log *slog.Logger

	*handscan.Link
}

// New checks cfg and makes a reader; nothing opens until Run. A nil log
// discards.
func New(cfg Config, log *slog.Logger) (*Reader, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	name := "serial:" + cfg.Port
	log = log.With("scanner", name)
	return &Reader{cfg: cfg, log: log, Link: handscan.NewLink(name, log)}, nil
}

// Run reads codes until ctx ends, calling emit with each code and the time
// its last byte arrived; it reopens the port with backoff (200 ms doubling
// to 5 s) whenever it fails. It returns ctx's error.
func (r *Reader) Run(ctx context.Context, emit func(text string, at time.Time)) error {
	return r.Link.Run(ctx, "scanner unavailable, retrying", func(ctx context.Context) (bool, error) {
		p, err := serialport.Open(r.cfg.line())
		if err != nil {
			return false, err
		}
		defer p.Close()
		r.Connected()
		return r.session(ctx, p, emit)
	})
}

func (r *Reader) session(ctx context.Context, p *serialport.Port, emit func(string, time.Time)) (bool, error) {
	f := NewFramer(r.cfg)
	buf := make([]byte, 512)
	got := false
	code := func(text string) {
		got = true
		at := time.Now()
		r.Coded(at)
		emit(text, at)
	}
	for ctx.Err() == nil {
		n, err := p.Read(buf)
		if err != nil {
			return got, err
		}
		refused := f.Refused
		if n > 0 {
			f.Feed(buf[:n], code)
		} else {
			f.Quiet(code)
		}
		if d := f.Refused - refused; d > 0 {
			r.Set(func(s *Status) { s.Refused += uint64(d) })
			r.log.Warn("scanner input refused (too long, or without the configured prefix/suffix)")
		}
	}
	return got, ctx.Err()
}

// Probe opens the scanner's port with its line settings and closes it
// again, for checkpoint doctor: an error names what failed (missing
// device, permission, a bad setting).
func Probe(cfg Config) error {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return err
	}
	p, err := serialport.Open(cfg.line())
	if err != nil {
		return err
	}
	return p.Close()
}
