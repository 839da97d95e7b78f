package thermometer

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"strings"
	"time"

	"github.com/checkpoint-terminal/checkpoint/internal/serialport"
	"github.com/checkpoint-terminal/checkpoint/modbus"
)

// Protocols the driver speaks.
const (
	ProtocolASCII  = "ascii"
	ProtocolGY906  = "gy906"
	ProtocolModbus = "modbus"
)

// Config says which port and protocol to read and how to judge readings.
// TOML keys are given in the tags; durations are Go duration strings.
type Config struct {
	// Port is the device path, e.g. /dev/ttyUSB0 or a /dev/serial/by-id link.
	Port string `toml:"port" json:"port"`
	// Protocol is "ascii", "gy906" or "modbus".
	Protocol string `toml:"protocol" json:"protocol"`
	// Baud is the line speed. Pseudo-terminals ignore it.
	Baud int `toml:"baud" json:"baud"`
	// Parity is "N", "E" or "O".
	Parity string `toml:"parity" json:"parity"`
	// StopBits is 1 or 2.
	StopBits int `toml:"stop_bits" json:"stop_bits"`
	// ReadTimeout bounds one read on the port. tarm/serial works in 100 ms
	// steps (rounded down, capped at 25.5 s) and must never be 0 (Close
	// would hang behind a blocked Read), so it must be 100 ms..25.5 s.
	ReadTimeout time.Duration `toml:"read_timeout" json:"read_timeout"`

	// Pattern (ascii) is a regular expression with a group named "celsius";
	// an optional group named "unit" matching "F" converts from Fahrenheit.
	// Empty means the built-in reader (see LineParser), which knows the
	// forms IR modules print.
	Pattern string `toml:"pattern" json:"pattern"`
	// MaxLine (ascii) is the longest line accepted; longer ones are garbage.
	MaxLine int `toml:"max_line" json:"max_line"`
	// DecimalSeparator (ascii) is "auto", "." or "," (see SeparatorAuto):
	// a number the setting cannot read whole is refused, never read as
	// another number.
	DecimalSeparator string `toml:"decimal_separator" json:"decimal_separator"`
	// ObjectLabels (ascii) are the words, separated by spaces or commas,
	// that label the forehead value on a line with several ("Object =
	// 36.6"); AmbientLabels those of the sensor's ambient value, never taken
	// for a forehead. Empty: the defaults (DefaultObjectLabels,
	// DefaultAmbientLabels).
	ObjectLabels  string `toml:"object_labels" json:"object_labels,omitempty"`
	AmbientLabels string `toml:"ambient_labels" json:"ambient_labels,omitempty"`
	// ASCIIScale (ascii) multiplies each number as printed into °C, for
	// modules that print whole tenths ("379": 0.1); 1 reads degrees as
	// printed. With a scale other than 1 a number printed with a decimal
	// separator is refused.
	ASCIIScale float64 `toml:"ascii_scale" json:"ascii_scale"`

	// GY906Query (gy906) polls with A5 15 BA every PollInterval instead of
	// switching the module to continuous output with A5 45 EA.
	GY906Query bool `toml:"gy906_query" json:"gy906_query"`

	// Slave (modbus) is the slave address, 1..247.
	Slave byte `toml:"slave" json:"slave"`
	// Function (modbus) is 3 (holding registers) or 4 (input registers).
	Function byte `toml:"function" json:"function"`
	// Register (modbus) is the zero-based address of the first register.
	Register uint16 `toml:"register" json:"register"`
	// Words (modbus) is 1 (16-bit value) or 2 (32-bit over two registers).
	Words int `toml:"words" json:"words"`
	// WordSwap (modbus, 2 words) puts the low word first.
	WordSwap bool `toml:"word_swap" json:"word_swap"`
	// Float (modbus, 2 words) reads an IEEE 754 float32 instead of an
	// integer; Scale still applies (set it to 1).
	Float bool `toml:"float" json:"float"`
	// Scale (modbus) multiplies the raw register value into °C (0.1 for
	// tenths of a degree).
	Scale float64 `toml:"scale" json:"scale"`
	// Signed (modbus) reads the integer as two's complement.
	Signed bool `toml:"signed" json:"signed"`
	// PollInterval (modbus, gy906 query) is the time between requests.
	PollInterval time.Duration `toml:"poll_interval" json:"poll_interval"`
	// ResponseTimeout (modbus) is how long to wait for a response.
	ResponseTimeout time.Duration `toml:"response_timeout" json:"response_timeout"`
	// Retries (modbus) is how often a request is repeated after a timeout,
	// a CRC error or a busy exception before the poll counts as failed.
	Retries int `toml:"retries" json:"retries"`

	// Offset is a calibration added to every value, in °C.
	Offset float64 `toml:"offset" json:"offset"`
	// SettleSamples consecutive plausible samples within SettleTolerance of
	// each other make a plateau; its median is the reported temperature.
	SettleSamples   int     `toml:"settle_samples" json:"settle_samples"`
	SettleTolerance float64 `toml:"settle_tolerance" json:"settle_tolerance"`

	// StaleAfter is how long without any sample before the status turns
	// stale (and a gy906 module is asked again for continuous output).
	StaleAfter time.Duration `toml:"stale_after" json:"stale_after"`
	// ReconnectMin and ReconnectMax bound the reconnection backoff, which
	// doubles after each failure and starts again once data flows.
	ReconnectMin time.Duration `toml:"reconnect_min" json:"reconnect_min"`
	ReconnectMax time.Duration `toml:"reconnect_max" json:"reconnect_max"`
	// Buffer is the capacity of the Readings channel; when the consumer
	// falls behind the oldest reading is dropped.
	Buffer int `toml:"buffer" json:"buffer"`
}

// DefaultConfig is an ASCII sensor on /dev/ttyUSB0 at 9600 8N1 with the
// default policy's plausible range (see Sensor.FollowPlausible).
func DefaultConfig() Config {
	return Config{
		Port:             "/dev/ttyUSB0",
		Protocol:         ProtocolASCII,
		Baud:             9600,
		Parity:           "N",
		StopBits:         1,
		ReadTimeout:      100 * time.Millisecond,
		MaxLine:          256,
		DecimalSeparator: SeparatorAuto,
		ASCIIScale:       1,
		Slave:            1,
		Function:         modbus.FuncReadHoldingRegisters,
		Register:         0,
		Words:            1,
		Scale:            0.1,
		Signed:           false,
		PollInterval:     200 * time.Millisecond,
		ResponseTimeout:  500 * time.Millisecond,
		Retries:          2,
		SettleSamples:    5,
		SettleTolerance:  0.3,
		StaleAfter:       5 * time.Second,
		ReconnectMin:     200 * time.Millisecond,
		ReconnectMax:     5 * time.Second,
		Buffer:           16,
	}
}

// ErrConfig marks configuration errors: Run returns them at once instead
// of retrying.
var ErrConfig = errors.New("thermometer: invalid configuration")

// Validate reports every setting that cannot work, wrapped in ErrConfig.
func (c Config) Validate() error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if c.Port == "" {
		bad("port is empty")
	}
	switch c.Protocol {
	case ProtocolASCII, ProtocolGY906, ProtocolModbus:
	default:
		bad("protocol %q is not ascii, gy906 or modbus", c.Protocol)
	}
	if !serialport.Bauds[c.Baud] {
		bad("baud %d is not a standard rate", c.Baud)
	}
	if _, err := serialport.ParseParity(c.Parity); err != nil {
		errs = append(errs, err)
	}
	if c.StopBits != 1 && c.StopBits != 2 {
		bad("stop bits %d is not 1 or 2", c.StopBits)
	}
	if c.ReadTimeout < 100*time.Millisecond || c.ReadTimeout > 25500*time.Millisecond {
		bad("read timeout %s outside 100ms..25.5s (tarm/serial works in 100 ms steps; 0 would hang Close)", c.ReadTimeout)
	}
	if c.Protocol == ProtocolASCII {
		if _, err := NewLineParser(c.asciiOptions()); err != nil {
			errs = append(errs, err)
		}
		if c.MaxLine < 8 || c.MaxLine > 4096 {
			bad("max line %d outside 8..4096", c.MaxLine)
		}
	}
	if c.Protocol == ProtocolModbus {
		if c.Words != 1 && c.Words != 2 {
			bad("words %d is not 1 or 2", c.Words)
		}
		if err := modbus.ValidRead(c.Slave, c.Function, c.Register, uint16(max(c.Words, 1))); err != nil {
			errs = append(errs, err)
		}
		if c.Float && c.Words != 2 {
			bad("float needs words = 2")
		}
		if c.Scale == 0 || math.IsNaN(c.Scale) || math.IsInf(c.Scale, 0) {
			bad("scale %v must be a non-zero number", c.Scale)
		}
		if c.ResponseTimeout < 10*time.Millisecond {
			bad("response timeout %s below 10ms", c.ResponseTimeout)
		}
		if c.Retries < 0 || c.Retries > 10 {
			bad("retries %d outside 0..10", c.Retries)
		}
	}
	if (c.Protocol == ProtocolModbus || c.Protocol == ProtocolGY906 && c.GY906Query) && c.PollInterval < 10*time.Millisecond {
		bad("poll interval %s below 10ms", c.PollInterval)
	}
	if math.IsNaN(c.Offset) || math.Abs(c.Offset) > 10 {
		bad("calibration offset %v outside -10..10 °C", c.Offset)
	}
	if c.SettleSamples < 1 || c.SettleSamples > 100 {
		bad("settle samples %d outside 1..100", c.SettleSamples)
	}
	if !(c.SettleTolerance >= 0 && c.SettleTolerance <= 2) {
		bad("settle tolerance %v outside 0..2 °C", c.SettleTolerance)
	}
	if c.StaleAfter <= 0 {
		bad("stale after %s must be positive", c.StaleAfter)
	}
	if c.ReconnectMin <= 0 || c.ReconnectMax < c.ReconnectMin {
		bad("reconnect backoff %s..%s must be positive and ordered", c.ReconnectMin, c.ReconnectMax)
	}
	if c.Buffer < 1 {
		bad("buffer %d must be at least 1", c.Buffer)
	}
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("%w: %w", ErrConfig, errors.Join(errs...))
}

// serialConfig is the line the port opens with.
func (c Config) serialConfig() serialport.Config {
	return serialport.Config{Path: c.Port, Baud: c.Baud, Parity: c.Parity, StopBits: c.StopBits, ReadTimeout: c.ReadTimeout}
}

// asciiOptions are the line parser's settings; empty label lists mean the
// defaults.
func (c Config) asciiOptions() ASCIIOptions {
	o := ASCIIOptions{Pattern: c.Pattern, DecimalSeparator: c.DecimalSeparator, Scale: c.ASCIIScale}
	words := func(s string) []string {
		return strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == ',' || r == '\t' })
	}
	if w := words(c.ObjectLabels); len(w) > 0 {
		o.ObjectLabels = w
	}
	if w := words(c.AmbientLabels); len(w) > 0 {
		o.AmbientLabels = w
	}
	return o
}

// compilePattern compiles an ASCII pattern and checks its named group.
func compilePattern(p string) (*regexp.Regexp, error) {
	re, err := regexp.Compile(p)
	if err != nil {
		return nil, fmt.Errorf("pattern: %w", err)
	}
	if re.SubexpIndex("celsius") < 0 {
		return nil, fmt.Errorf("pattern %q has no group named celsius", p)
	}
	return re, nil
}
