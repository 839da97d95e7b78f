package thermometer

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/checkpoint-terminal/checkpoint/thermometer/gy906"
	"github.com/checkpoint-terminal/checkpoint/thermometer/modbus"
)

// ErrNoResponse means a Modbus request got no valid response in time.
var ErrNoResponse = errors.New("modbus: no valid response")

// session is one open port's life.
type session struct {
	s           *Sensor
	p           *port
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
		if err := x.p.write(cmd); err != nil {
			return err
		}
		lastCmd = time.Now()
	}
	for ctx.Err() == nil {
		n, err := x.p.read(buf)
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
				if err := x.p.write(cmd); err != nil {
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
	req, err := modbus.ReadRequest(cfg.Slave, cfg.Function, cfg.Register, uint16(cfg.Words))
	if err != nil {
		return fmt.Errorf("%w: %w", ErrConfig, err)
	}
	for ctx.Err() == nil {
		start := time.Now()
		regs, err := x.transact(ctx, req)
		switch {
		case err == nil:
			if v, ok := decodeRegisters(cfg, regs); ok {
				x.sample(v)
			} else {
				x.s.count(func(c *Counters) { c.Garbage++ })
			}
		case errors.Is(err, ErrGone) || isPortError(err):
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

// portError marks errors of the port itself (as opposed to the protocol).
type portError struct{ err error }

func (e portError) Error() string { return e.err.Error() }
func (e portError) Unwrap() error { return e.err }

func isPortError(err error) bool {
	var pe portError
	return errors.As(err, &pe)
}

// transact sends req and waits for its response, repeating after a
// timeout, a CRC error or a busy/acknowledge exception up to Retries times.
// Before each attempt the input is flushed (a late answer to an earlier
// request must not be taken for this one) and the line kept silent for
// t3.5. Bytes of a response may arrive in any chunking and with gaps longer
// than t1.5 (USB adapters deliver in bursts): the frame is complete when its
// length (from the function and byte count) has arrived and the CRC checks.
func (x *session) transact(ctx context.Context, req []byte) ([]uint16, error) {
	cfg := x.s.cfg
	gap := modbus.FrameGap(cfg.Baud)
	var last error
	for attempt := 0; attempt <= cfg.Retries && ctx.Err() == nil; attempt++ {
		if attempt > 0 {
			time.Sleep(gap)
		}
		if err := x.p.flush(); err != nil {
			return nil, portError{err}
		}
		if err := x.p.write(req); err != nil {
			return nil, portError{err}
		}
		regs, err := x.receive(ctx)
		if err == nil {
			return regs, nil
		}
		if isPortError(err) {
			return nil, err
		}
		last = err
		var ex *modbus.ExceptionError
		if errors.As(err, &ex) {
			x.s.count(func(c *Counters) { c.Exceptions++ })
			if ex.Code != modbus.ExServerDeviceBusy && ex.Code != modbus.ExAcknowledge {
				return nil, err
			}
			continue
		}
		x.s.count(func(c *Counters) { c.Timeouts++ })
	}
	return nil, last
}

// receive collects bytes until the awaited response is complete or the
// response timeout passes.
func (x *session) receive(ctx context.Context) ([]uint16, error) {
	cfg := x.s.cfg
	deadline := time.Now().Add(cfg.ResponseTimeout)
	var (
		acc  []byte
		buf  = make([]byte, modbus.MaxADU)
		crcs int
	)
	for {
		n, err := x.p.read(buf)
		if err != nil {
			return nil, portError{err}
		}
		if n > 0 {
			acc = append(acc, buf[:n]...)
			sc := modbus.ScanResponse(cfg.Slave, cfg.Function, uint16(cfg.Words), acc)
			if sc.Discarded > 0 || sc.CRCErrors > 0 {
				crcs += sc.CRCErrors
				x.s.count(func(c *Counters) {
					c.Garbage += uint64(sc.Discarded)
					c.CRCErrors += uint64(sc.CRCErrors)
				})
			}
			if sc.Done {
				if sc.Err != nil {
					return nil, sc.Err
				}
				return sc.Regs, nil
			}
			acc = append(acc[:0], sc.Rest...)
			if len(acc) > 2*modbus.MaxADU {
				acc = acc[len(acc)-modbus.MaxADU:]
			}
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if n == 0 && crcs > 0 {
			// The damaged response was all the slave had to say: the line
			// went quiet for a whole read timeout, far beyond t3.5. Retry
			// now rather than waiting out the response timeout.
			return nil, fmt.Errorf("%w: %w", ErrNoResponse, modbus.ErrCRC)
		}
		if time.Now().After(deadline) {
			if crcs > 0 {
				return nil, fmt.Errorf("%w within %s: %w", ErrNoResponse, cfg.ResponseTimeout, modbus.ErrCRC)
			}
			return nil, fmt.Errorf("%w within %s", ErrNoResponse, cfg.ResponseTimeout)
		}
	}
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
