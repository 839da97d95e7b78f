package thermometer

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ErrNoValue means an ASCII line held no temperature the pattern accepts.
var ErrNoValue = errors.New("no temperature in line")

// LineParser reads a temperature from one ASCII line.
type LineParser struct {
	re      *regexp.Regexp
	celsius int
	unit    int
}

// NewLineParser compiles pattern (empty: DefaultPattern), which must have a
// group named "celsius"; a group named "unit" that matches something ending
// in F marks Fahrenheit.
func NewLineParser(pattern string) (*LineParser, error) {
	re, err := compilePattern(pattern)
	if err != nil {
		return nil, err
	}
	return &LineParser{re: re, celsius: re.SubexpIndex("celsius"), unit: re.SubexpIndex("unit")}, nil
}

// Parse returns the temperature in °C on line, or an error wrapping
// ErrNoValue. Values beyond ±1000 are refused as noise.
func (p *LineParser) Parse(line []byte) (float64, error) {
	if !utf8.Valid(line) {
		return 0, fmt.Errorf("%w: not UTF-8", ErrNoValue)
	}
	m := p.re.FindSubmatchIndex(line)
	if m == nil || m[2*p.celsius] < 0 {
		return 0, ErrNoValue
	}
	s := string(line[m[2*p.celsius]:m[2*p.celsius+1]])
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("%w: %q is not a number", ErrNoValue, s)
	}
	if p.unit >= 0 && m[2*p.unit] >= 0 {
		u := strings.ToUpper(strings.TrimSpace(string(line[m[2*p.unit]:m[2*p.unit+1]])))
		if strings.HasSuffix(u, "F") {
			v = (v - 32) * 5 / 9
		}
	}
	if math.Abs(v) > 1000 {
		return 0, fmt.Errorf("%w: %v is out of any sensor's range", ErrNoValue, v)
	}
	return v, nil
}

// lineSplitter cuts a byte stream into lines at CR, LF or both. A line
// longer than max is dropped whole and counted as an overflow.
type lineSplitter struct {
	buf      []byte
	max      int
	overflow bool
}

// feed appends p and calls line for each complete, non-empty line; it
// returns how many over-long lines were dropped.
func (l *lineSplitter) feed(p []byte, line func([]byte)) (overflows int) {
	for _, c := range p {
		if c == '\n' || c == '\r' {
			if l.overflow {
				overflows++
			} else if len(l.buf) > 0 {
				line(l.buf)
			}
			l.buf, l.overflow = l.buf[:0], false
			continue
		}
		if l.overflow {
			continue
		}
		if len(l.buf) >= l.max {
			l.overflow = true
			l.buf = l.buf[:0]
			continue
		}
		l.buf = append(l.buf, c)
	}
	return overflows
}
