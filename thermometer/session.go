package thermometer

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/checkpoint-terminal/checkpoint/internal/serialport"
	"github.com/checkpoint-terminal/checkpoint/modbus"
	"github.com/checkpoint-terminal/checkpoint/thermometer/gy906"
)

// ErrNoResponse means a Modbus request got no valid response in time.
var ErrNoResponse = modbus.ErrNoResponse

// session is one open port's life.
type session struct {
	s           *Sensor
	p           *serialport.Port
	connectedAt time.Time
	samples     int
}

func (x *session) sample(v float64) {
	x.samples++
	x.s.sample(v)
}

// stream reads ASCII lines or GY-906 frames until the port fails or ctx
// ends.
func (x *session) stream(ctx context.Context) error {
	cfg := x.s.cfg
	var (
		lines    = lineSplitter{max: cfg.MaxLine}
		dec      gy906.Decoder
		buf      = make([]byte, 512)
		gy       = cfg.Protocol == ProtocolGY906
		lastCmd  time.Time
		wasStale bool
	)
	if gy {
		cmd := gy906.CmdContinuous
		if cfg.GY906Query {
			cmd = gy906.CmdQuery
		}
		if err := x.p.Write(cmd); err != nil {
			return err
		}
		lastCmd = time.Now()
	}
	for ctx.Err() == nil {
		n, err := x.p.Read(buf)
		if err != nil {
			return err
		}
		if n > 0 {
			if gy {
				x.feedGY(&dec, buf[:n])
			} else {
				x.feedASCII(&lines, buf[:n])
			}
		}
		stale := x.s.checkStale(x.connectedAt)
		if gy {
			// Query mode polls; continuous mode asks again when the module
			// went quiet (it may have been power-cycled behind the adapter).
			due := cfg.GY906Query && time.Since(lastCmd) >= cfg.PollInterval ||
				!cfg.GY906Query && stale && (!wasStale || time.Since(lastCmd) >= cfg.StaleAfter)
			if due {
				cmd := gy906.CmdContinuous
				if cfg.GY906Query {
					cmd = gy906.CmdQuery
				}
				if err := x.p.Write(cmd); err != nil {
					return err
				}
				lastCmd = time.Now()
			}
		}
		wasStale = stale
	}
	return ctx.Err()
}

func (x *session) feedASCII(l *lineSplitter, b []byte) {
	over := l.feed(b, func(line []byte) {
		v, err := x.s.parser.Parse(line)
		switch {
		case err == nil:
			x.sample(v)
		case errors.Is(err, ErrAmbientOnly):
			// Not a forehead sample: settling goes on across it.
			x.s.count(func(c *Counters) { c.AmbientLines++ })
		default:
			refused := fmt.Sprintf("%v: %s", err, clip(line))
			x.s.mu.Lock()
			if errors.Is(err, ErrAmbiguous) {
				x.s.status.Counters.Ambiguous++
			} else {
				x.s.status.Counters.Garbage++
			}
			x.s.status.LastRefused = refused
			x.s.mu.Unlock()
			x.s.log.Debug("ascii line refused", "why", refused)
		}
	})
	if over > 0 {
		x.s.count(func(c *Counters) { c.Garbage += uint64(over) })
	}
}

func (x *session) feedGY(d *gy906.Decoder, b []byte) {
	g0, c0 := d.Garbage, d.ChecksumErrors
	frames := d.Feed(b)
	if d.Garbage != g0 || d.ChecksumErrors != c0 {
		x.s.count(func(c *Counters) {
			c.Garbage += d.Garbage - g0
			c.ChecksumErrors += d.ChecksumErrors - c0
		})
	}
	for _, f := range frames {
		t, ok := f.Temperatures()
		if !ok {
			x.s.count(func(c *Counters) { c.Garbage++ })
			continue
		}
		x.sample(t.Object)
	}
}

// modbus polls the register every PollInterval until the port fails or ctx
// ends. Timeouts and exceptions are counted and shown in the status; only
// port errors end the session.
func (x *session) modbus(ctx context.Context) error {
	cfg := x.s.cfg
	gap := modbus.FrameGap(cfg.Baud)
	if err := modbus.ValidRead(cfg.Slave, cfg.Function, cfg.Register, uint16(cfg.Words)); err != nil {
		return fmt.Errorf("%w: %w", ErrConfig, err)
	}
	m := &modbus.Master{Port: x.p, Baud: cfg.Baud, ResponseTimeout: cfg.ResponseTimeout, Retries: cfg.Retries, Bus: modbus.LineLock(cfg.Port),
		Observe: func(c modbus.Counts) {
			x.s.count(func(k *Counters) {
				k.Garbage += uint64(c.Discarded)
				k.CRCErrors += uint64(c.CRCErrors)
				k.Exceptions += uint64(c.Exceptions)
				k.Timeouts += uint64(c.Timeouts)
			})
		}}
	for ctx.Err() == nil {
		start := time.Now()
		regs, err := m.ReadRegisters(ctx, cfg.Slave, cfg.Function, cfg.Register, uint16(cfg.Words))
		switch {
		case err == nil:
			if v, ok := decodeRegisters(cfg, regs); ok {
				x.sample(v)
			} else {
				x.s.count(func(c *Counters) { c.Garbage++ })
			}
		case errors.Is(err, ErrGone) || modbus.IsPortError(err):
			return err
		default:
			if ctx.Err() == nil {
				x.s.noteError(err)
			}
		}
		x.s.checkStale(x.connectedAt)
		wait := max(cfg.PollInterval-time.Since(start), gap)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
		case <-t.C:
		}
	}
	return ctx.Err()
}

// decodeRegisters turns the registers into °C per the config.
func decodeRegisters(cfg Config, regs []uint16) (float64, bool) {
	if len(regs) != cfg.Words {
		return 0, false
	}
	var v float64
	if cfg.Words == 1 {
		if cfg.Signed {
			v = float64(int16(regs[0]))
		} else {
			v = float64(regs[0])
		}
	} else {
		hi, lo := regs[0], regs[1]
		if cfg.WordSwap {
			hi, lo = lo, hi
		}
		u := uint32(hi)<<16 | uint32(lo)
		switch {
		case cfg.Float:
			v = float64(math.Float32frombits(u))
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return 0, false
			}
		case cfg.Signed:
			v = float64(int32(u))
		default:
			v = float64(u)
		}
	}
	return v * cfg.Scale, true
}
