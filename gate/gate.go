// Package gate drives the relay of a gate or turnstile: it opens on a
// final PASS for a pulse and is closed at every other moment.
//
// Fail-safe means the relay is energised only while opening: it is set
// closed when the gate starts, after each pulse and at shutdown, and a
// sentinel process (see Sentinel) closes it if the terminal dies (SIGKILL,
// a crash) in the middle of a pulse. Drivers:
//
//   - "modbus": a coil of a Modbus RTU relay module, function 5 (or 15),
//     through the shared Master of package modbus; confirmed by the echo;
//   - "serial": the common 4-byte USB serial relay boards (LCUS, CH340):
//     A0 <channel> <state> <sum>; these boards never answer;
//   - "gpio": a Linux GPIO line through the character device (GPIO v2
//     uAPI), read back after each write;
//   - "none": no relay.
package gate

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/checkpoint-terminal/checkpoint/internal/serialport"
	"github.com/checkpoint-terminal/checkpoint/modbus"
)

// Drivers.
const (
	DriverNone   = "none"
	DriverModbus = "modbus"
	DriverSerial = "serial"
	DriverGPIO   = "gpio"
)

// ErrConfig marks configuration errors.
var ErrConfig = errors.New("gate: invalid configuration")

// Config is the [gate] section. TOML keys are in the tags; durations are
// Go duration strings.
type Config struct {
	// Driver is none, modbus, serial or gpio.
	Driver string `toml:"driver" json:"driver"`
	// Pulse is how long the relay stays energised for one PASS.
	Pulse time.Duration `toml:"pulse" json:"pulse"`

	// Port, Baud, Parity, StopBits (modbus, serial) are the serial line.
	Port     string `toml:"port" json:"port,omitempty"`
	Baud     int    `toml:"baud" json:"baud,omitempty"`
	Parity   string `toml:"parity" json:"parity,omitempty"`
	StopBits int    `toml:"stop_bits" json:"stop_bits,omitempty"`

	// Slave (modbus) is the relay module's address, 1..247.
	Slave byte `toml:"slave" json:"slave,omitempty"`
	// Coil (modbus) is the zero-based coil address of the relay.
	Coil uint16 `toml:"coil" json:"coil"`
	// Function (modbus) is 5 (write single coil) or 15 (write multiple
	// coils, for modules that only accept 15).
	Function byte `toml:"function" json:"function,omitempty"`
	// ResponseTimeout and Retries (modbus) as for the thermometer.
	ResponseTimeout time.Duration `toml:"response_timeout" json:"response_timeout,omitempty"`
	Retries         int           `toml:"retries" json:"retries"`

	// Channel (serial) is the relay on the board, 1..8.
	Channel int `toml:"channel" json:"channel,omitempty"`

	// Chip (gpio) is the GPIO chip, "gpiochip0" or "/dev/gpiochip0".
	Chip string `toml:"chip" json:"chip,omitempty"`
	// Line (gpio) is the line offset on the chip.
	Line int `toml:"line" json:"line"`
	// ActiveLow (gpio) drives the line low to energise the relay.
	ActiveLow bool `toml:"active_low" json:"active_low,omitempty"`
}

// DefaultConfig is no relay, with the defaults every driver starts from:
// a 1 s pulse, 9600 8N1, Modbus slave 1 coil 0 with function 5, serial
// board channel 1, gpiochip0 line 0.
func DefaultConfig() Config {
	return Config{
		Driver: DriverNone, Pulse: time.Second,
		Port: "/dev/ttyUSB1", Baud: 9600, Parity: "N", StopBits: 1,
		Slave: 1, Coil: 0, Function: modbus.FuncWriteSingleCoil, ResponseTimeout: 500 * time.Millisecond, Retries: 2,
		Channel: 1, Chip: "gpiochip0",
	}
}

// Validate reports every setting that cannot work, wrapped in ErrConfig.
func (c Config) Validate() error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	switch c.Driver {
	case DriverNone, "":
	case DriverModbus, DriverSerial:
		if err := c.line().Validate(); err != nil {
			errs = append(errs, err)
		}
	case DriverGPIO:
	default:
		bad("driver %q is not none, modbus, serial or gpio", c.Driver)
	}
	if c.Pulse < 50*time.Millisecond || c.Pulse > time.Minute {
		bad("pulse %s outside 50ms..1m", c.Pulse)
	}
	if c.Driver == DriverModbus {
		if err := modbus.ValidCoilWrite(c.Slave, c.Coil, 1); err != nil {
			errs = append(errs, err)
		}
		if c.Function != modbus.FuncWriteSingleCoil && c.Function != modbus.FuncWriteMultipleCoils {
			bad("function %d is not 5 or 15", c.Function)
		}
		if c.ResponseTimeout < 10*time.Millisecond {
			bad("response timeout %s below 10ms", c.ResponseTimeout)
		}
		if c.Retries < 0 || c.Retries > 10 {
			bad("retries %d outside 0..10", c.Retries)
		}
	}
	if c.Driver == DriverSerial && (c.Channel < 1 || c.Channel > 8) {
		bad("channel %d outside 1..8", c.Channel)
	}
	if c.Driver == DriverGPIO {
		if c.Chip == "" {
			bad("chip is empty")
		}
		if c.Line < 0 || c.Line > 511 {
			bad("line %d outside 0..511", c.Line)
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("%w: %w", ErrConfig, errors.Join(errs...))
}

func (c Config) line() serialport.Config {
	return serialport.Config{Path: c.Port, Baud: c.Baud, Parity: c.Parity, StopBits: c.StopBits, ReadTimeout: 100 * time.Millisecond}
}

// Relay is one relay output.
type Relay interface {
	// Set energises (on) or releases the relay. It returns nil only when
	// the device confirmed the state (Modbus echo, GPIO read-back) or, for
	// boards that never answer, when the command was written whole;
	// Confirms says which.
	Set(ctx context.Context, on bool) error
	// Confirms reports whether Set's nil means the device confirmed.
	Confirms() bool
	Close() error
}

// OpenRelay opens the relay cfg names; "none" gives a relay that does
// nothing.
func OpenRelay(cfg Config) (Relay, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	switch cfg.Driver {
	case DriverModbus:
		return openModbus(cfg)
	case DriverSerial:
		return openSerialBoard(cfg)
	case DriverGPIO:
		return openGPIO(cfg)
	}
	return noRelay{}, nil
}

type noRelay struct{}

func (noRelay) Set(context.Context, bool) error { return nil }
func (noRelay) Confirms() bool                  { return true }
func (noRelay) Close() error                    { return nil }

// Status is a snapshot for the operator screen.
type Status struct {
	Driver string `json:"driver"`
	// Open is true while a pulse energises the relay.
	Open bool `json:"open"`
	// Opens counts pulses the device confirmed; Failures commands that
	// failed (the gate stayed shut, or a close that had to be retried).
	Opens     uint64 `json:"opens"`
	Failures  uint64 `json:"failures"`
	LastError string `json:"last_error,omitempty"`
}

// Gate opens a relay for a pulse on each PASS. It is safe for concurrent
// use.
type Gate struct {
	cfg   Config
	relay Relay
	log   *slog.Logger

	cmd    sync.Mutex // one relay command at a time; held across Set
	mu     sync.Mutex // guards what follows
	status Status
	timer  *time.Timer
	gen    uint64
	closed bool
	wg     sync.WaitGroup
}

// New opens the relay and closes it (closed at start, whatever a crash
// left). A nil log discards.
func New(cfg Config, log *slog.Logger) (*Gate, error) {
	r, err := OpenRelay(cfg)
	if err != nil {
		return nil, err
	}
	return NewWithRelay(cfg, r, log)
}

// NewWithRelay is New with a relay already open.
func NewWithRelay(cfg Config, r Relay, log *slog.Logger) (*Gate, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if cfg.Driver == "" {
		cfg.Driver = DriverNone
	}
	g := &Gate{cfg: cfg, relay: r, log: log.With("gate", cfg.Driver), status: Status{Driver: cfg.Driver}}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := r.Set(ctx, false); err != nil {
		r.Close()
		return nil, fmt.Errorf("gate: closing the relay at start: %w", err)
	}
	return g, nil
}

// Pass opens the gate for the configured pulse and returns once the relay
// is energised (nil: confirmed, or written for boards that never answer).
// A PASS during a pulse extends it. The relay is released when the pulse
// ends.
func (g *Gate) Pass(ctx context.Context) error {
	g.cmd.Lock()
	defer g.cmd.Unlock()
	g.mu.Lock()
	if g.closed {
		g.mu.Unlock()
		return errors.New("gate: closed")
	}
	g.gen++
	gen := g.gen
	if g.timer != nil && g.timer.Stop() {
		g.wg.Done()
	}
	g.mu.Unlock()
	err := g.relay.Set(ctx, true)
	g.mu.Lock()
	defer g.mu.Unlock()
	if err != nil {
		g.status.Failures++
		g.status.LastError = err.Error()
		g.log.Error("gate did not open", "err", err)
		// Whatever half-happened, make sure it ends closed.
		g.schedule(gen, 0)
		return fmt.Errorf("gate: opening: %w", err)
	}
	g.status.Opens++
	g.status.Open = true
	g.status.LastError = "" // a working relay: the last failure is over
	g.schedule(gen, g.cfg.Pulse)
	return nil
}

// schedule releases the relay after d unless a newer pulse started.
// g.mu is held.
func (g *Gate) schedule(gen uint64, d time.Duration) {
	g.wg.Add(1)
	g.timer = time.AfterFunc(d, func() {
		defer g.wg.Done()
		g.cmd.Lock()
		defer g.cmd.Unlock()
		g.mu.Lock()
		if gen != g.gen || g.closed {
			g.mu.Unlock()
			return
		}
		g.mu.Unlock()
		err := g.release()
		g.mu.Lock()
		if gen == g.gen {
			g.status.Open = false
		}
		if err != nil {
			g.status.LastError = err.Error()
		}
		g.mu.Unlock()
	})
}

// release closes the relay, retrying for up to 5 s: a relay left energised
// is the one failure that must not stay.
func (g *Gate) release() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var err error
	for ctx.Err() == nil {
		if err = g.relay.Set(ctx, false); err == nil {
			return nil
		}
		g.mu.Lock()
		g.status.Failures++
		g.mu.Unlock()
		g.log.Error("gate did not close, retrying", "err", err)
		select {
		case <-ctx.Done():
		case <-time.After(100 * time.Millisecond):
		}
	}
	return fmt.Errorf("gate: closing: %w", err)
}

// Status returns a snapshot.
func (g *Gate) Status() Status {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.status
}

// Close ends any pulse, closes the relay and its device.
func (g *Gate) Close() error {
	g.mu.Lock()
	if g.closed {
		g.mu.Unlock()
		return nil
	}
	g.closed = true
	stopped := g.timer != nil && g.timer.Stop()
	g.mu.Unlock()
	if stopped {
		g.wg.Done()
	}
	g.wg.Wait()
	g.cmd.Lock()
	err := g.release()
	g.cmd.Unlock()
	g.mu.Lock()
	g.status.Open = false
	g.mu.Unlock()
	return errors.Join(err, g.relay.Close())
}
