// Package sim is a simulated infrared thermometer on a pseudo-terminal. It
// speaks the three protocols package thermometer reads (ASCII lines,
// GY-MCU90614 frames, Modbus RTU as a slave) on the master side of a pty
// pair; the terminal opens the slave side as its serial port, through the
// real tarm/serial path. The demo mode and the tests use it.
//
// The device path handed out is a symbolic link (like a udev
// /dev/serial/by-id link) that stays the same across Unplug and Replug, so
// a reader configured with it finds the device again.
package sim

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/checkpoint-terminal/checkpoint/modbus"
	"github.com/checkpoint-terminal/checkpoint/thermometer/gy906"
)

// Options configure a simulator. The zero value of each field means its
// default.
type Options struct {
	// Protocol is "ascii", "gy906" or "modbus".
	Protocol string
	// Script is the people who step up, in order; nil means random people
	// forever.
	Script []Person
	// Loop repeats Script (or Samples) from the start once it ends;
	// otherwise the sensor sees ambient forever after (or the last sample
	// repeats).
	Loop bool
	// Samples, when set, are played back exactly, one per frame sent (ascii,
	// gy906) or per request answered (modbus), instead of a timeline.
	Samples []float64
	// Ambient is the temperature with nobody in front, default 24 °C.
	Ambient float64
	// Noise is the ± amplitude of the noise on plateaus, default 0.05 °C;
	// negative means none.
	Noise float64
	// Interval is the time between frames in continuous output, default
	// 100 ms.
	Interval time.Duration
	// Gap is how long nobody stands in front between people, default 1.5 s;
	// Rise and Fall how long a reading takes to climb and drop, default
	// 600 ms and 300 ms.
	Gap, Rise, Fall time.Duration
	// Seed seeds the random people and noise; 0 picks one.
	Seed uint64

	// ASCIIFormat formats one line from the object and ambient temperatures
	// (fmt verbs, %[1] object, %[2] ambient). Default
	// "Object: %.2f Ambient: %.2f\r\n".
	ASCIIFormat string
	// GY906Streaming makes the module stream from the start, without
	// waiting for A5 45 EA.
	GY906Streaming bool

	// Slave is the Modbus slave address, default 1. Register is the first of
	// the registers holding the object temperature (then the ambient
	// temperature); Words 1 or 2 per value; Scale, Signed, WordSwap, Float
	// as in thermometer.Config (default scale 0.1, signed).
	Slave    byte
	Register uint16
	Words    int
	Scale    float64
	Unsigned bool
	WordSwap bool
	Float    bool

	// Link is where the stable device link is made; default a new
	// temporary directory (removed on Close) holding "ttySIM0".
	Link string
	// Log receives the simulator's own events; nil discards.
	Log *slog.Logger
	// Faults are in effect from the start (Silent: wait for SetFaults
	// before saying anything).
	Faults Faults
}

// Faults make the simulated device misbehave; set them with SetFaults.
type Faults struct {
	// CorruptEvery damages every Nth frame: a wrong GY-906 sum, a wrong
	// Modbus CRC, a garbled ASCII line. 0 means never.
	CorruptEvery int
	// Exception makes the Modbus slave answer every request with this
	// exception code.
	Exception byte
	// Silent makes the device say nothing at all (stale sensor, Modbus
	// timeouts) while the port stays open.
	Silent bool
	// Noise is written before every frame, line or response (line noise
	// the reader must resynchronise past).
	Noise []byte
	// SplitDelay writes each Modbus response in two halves this far apart,
	// as a USB adapter delivering in bursts does (a gap far beyond t1.5).
	SplitDelay time.Duration
}

// Stats count what the simulated device did.
type Stats struct {
	Frames     int // frames or lines written (including corrupted ones)
	Corrupted  int // frames deliberately damaged
	Requests   int // Modbus requests addressed to this slave with a good CRC
	Exceptions int // Modbus exception responses sent
	Ignored    int // Modbus frames ignored (bad CRC, other slave, broadcast)
	Commands   int // GY-906 commands received
	Plugs      int // times the device was plugged in (1 after New)
}

// Sim is a running simulated sensor.
type Sim struct {
	opts    Options
	log     *slog.Logger
	link    string
	tempDir string

	mu     sync.Mutex
	gen    *generator
	faults Faults
	stats  Stats
	pty    *PTY
	stream bool // gy906: continuous output on
	wg     sync.WaitGroup
	closed bool
	ctx    context.Context
	cancel context.CancelFunc
}

// New starts a simulator and plugs it in. It runs until Close or until ctx
// ends.
func New(ctx context.Context, o Options) (*Sim, error) {
	switch o.Protocol {
	case "ascii", "gy906", "modbus":
	default:
		return nil, fmt.Errorf("simulator: protocol %q is not ascii, gy906 or modbus", o.Protocol)
	}
	o = withDefaults(o)
	if err := modbus.ValidRead(o.Slave, modbus.FuncReadHoldingRegisters, o.Register, uint16(2*o.Words)); o.Protocol == "modbus" && err != nil {
		return nil, fmt.Errorf("simulator: register map: %w", err)
	}
	seed := o.Seed
	if seed == 0 {
		seed = rand.Uint64()
	}
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	s := &Sim{
		opts: o,
		log:  o.Log,
		gen: &generator{
			ambient: o.Ambient, noise: max(o.Noise, 0),
			gap: o.Gap, rise: o.Rise, fall: o.Fall,
			script: o.Script, loop: o.Loop, random: o.Script == nil,
			samples: o.Samples, rng: rng,
		},
		stream: o.GY906Streaming,
		faults: o.Faults,
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.link = o.Link
	if s.link == "" {
		dir, err := os.MkdirTemp("", "thermosim-")
		if err != nil {
			return nil, fmt.Errorf("simulator: making link directory: %w", err)
		}
		s.tempDir, s.link = dir, filepath.Join(dir, "ttySIM0")
	}
	s.ctx, s.cancel = context.WithCancel(ctx)
	if err := s.Replug(); err != nil {
		s.cancel()
		if s.tempDir != "" {
			os.RemoveAll(s.tempDir)
		}
		return nil, err
	}
	go func() {
		<-s.ctx.Done()
		s.Close()
	}()
	return s, nil
}

func withDefaults(o Options) Options {
	if o.Ambient == 0 {
		o.Ambient = 24
	}
	if o.Noise == 0 {
		o.Noise = 0.05
	}
	if o.Interval <= 0 {
		o.Interval = 100 * time.Millisecond
	}
	if o.Gap <= 0 {
		o.Gap = 1500 * time.Millisecond
	}
	if o.Rise <= 0 {
		o.Rise = 600 * time.Millisecond
	}
	if o.Fall <= 0 {
		o.Fall = 300 * time.Millisecond
	}
	if o.ASCIIFormat == "" {
		o.ASCIIFormat = "Object: %.2f Ambient: %.2f\r\n"
	}
	if o.Slave == 0 {
		o.Slave = 1
	}
	if o.Words == 0 {
		o.Words = 1
	}
	if o.Scale == 0 {
		o.Scale = 0.1
		if o.Float {
			o.Scale = 1
		}
	}
	return o
}

// Start is the short form the demo mode uses: a simulator for protocol
// with script (nil: random people), its device path, and a stop function.
func Start(ctx context.Context, protocol string, script []Person) (devicePath string, stop func(), err error) {
	s, err := New(ctx, Options{Protocol: protocol, Script: script, Loop: script != nil})
	if err != nil {
		return "", nil, err
	}
	return s.Path(), func() { s.Close() }, nil
}

// Path is the stable device path (a symbolic link to the current pty).
func (s *Sim) Path() string { return s.link }

// Options returns the options in effect (defaults filled in).
func (s *Sim) Options() Options { return s.opts }

// SlaveName is the /dev/pts node currently behind Path, "" while unplugged.
func (s *Sim) SlaveName() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pty == nil {
		return ""
	}
	return s.pty.SlaveName
}

// Stats returns the counters.
func (s *Sim) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}

// SetFaults changes how the device misbehaves from now on.
func (s *Sim) SetFaults(f Faults) {
	s.mu.Lock()
	s.faults = f
	s.mu.Unlock()
}

// Unplug closes the master side and removes the link, as pulling the USB
// adapter does: the terminal's port hangs up and the path vanishes.
func (s *Sim) Unplug() error {
	s.mu.Lock()
	p := s.pty
	s.pty = nil
	s.mu.Unlock()
	if p == nil {
		return nil
	}
	err := p.Close()
	s.wg.Wait()
	if rerr := os.Remove(s.link); rerr != nil && !errors.Is(rerr, os.ErrNotExist) && err == nil {
		err = rerr
	}
	s.log.Info("simulator unplugged", "path", s.link)
	if err != nil {
		return fmt.Errorf("simulator: unplugging: %w", err)
	}
	return nil
}

// Replug allocates a new pty pair and points the link at it, as plugging
// the adapter back in does (the /dev/pts number may change; the link does
// not).
func (s *Sim) Replug() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return errors.New("simulator: closed")
	}
	if s.pty != nil {
		s.mu.Unlock()
		return nil
	}
	s.mu.Unlock()
	p, err := OpenPTY()
	if err != nil {
		return fmt.Errorf("simulator: %w", err)
	}
	tmp := s.link + ".new"
	os.Remove(tmp)
	if err := os.Symlink(p.SlaveName, tmp); err != nil {
		p.Close()
		return fmt.Errorf("simulator: linking %s: %w", s.link, err)
	}
	if err := os.Rename(tmp, s.link); err != nil {
		p.Close()
		os.Remove(tmp)
		return fmt.Errorf("simulator: linking %s: %w", s.link, err)
	}
	s.mu.Lock()
	s.pty = p
	s.stats.Plugs++
	s.mu.Unlock()
	s.wg.Add(2)
	go s.reader(p)
	go s.writer(p)
	s.log.Info("simulator plugged in", "path", s.link, "pty", p.SlaveName, "protocol", s.opts.Protocol)
	return nil
}

// Inject writes raw bytes onto the line now (noise, partial frames).
func (s *Sim) Inject(b []byte) error {
	s.mu.Lock()
	p := s.pty
	s.mu.Unlock()
	if p == nil {
		return errors.New("simulator: unplugged")
	}
	if err := writeAll(p, b); err != nil {
		return fmt.Errorf("simulator: injecting: %w", err)
	}
	return nil
}

// Close unplugs the device and removes the temporary link directory.
func (s *Sim) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	err := s.Unplug()
	s.cancel()
	if s.tempDir != "" {
		os.RemoveAll(s.tempDir)
	}
	return err
}

func writeAll(p *PTY, b []byte) error {
	if err := p.Master.SetWriteDeadline(time.Now().Add(time.Second)); err != nil {
		return err
	}
	_, err := p.Master.Write(b)
	return err
}

// corrupt reports whether the next frame is to be damaged, counting it.
func (s *Sim) nextFrame() (corrupt bool) {
	s.stats.Frames++
	if n := s.faults.CorruptEvery; n > 0 && s.stats.Frames%n == 0 {
		s.stats.Corrupted++
		return true
	}
	return false
}

// writer sends continuous output (ascii always, gy906 once asked).
func (s *Sim) writer(p *PTY) {
	defer s.wg.Done()
	if s.opts.Protocol == "modbus" {
		return
	}
	t := time.NewTicker(s.opts.Interval)
	defer t.Stop()
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-t.C:
		}
		s.mu.Lock()
		if s.pty != p {
			s.mu.Unlock()
			return
		}
		if s.faults.Silent || (s.opts.Protocol == "gy906" && !s.stream) {
			s.mu.Unlock()
			continue
		}
		frame := s.frameLocked(time.Now())
		s.mu.Unlock()
		if err := writeAll(p, frame); err != nil {
			if errors.Is(err, os.ErrDeadlineExceeded) {
				continue // nobody reads: the line drops the frame
			}
			return
		}
	}
}

// frameLocked builds the next ascii line or gy906 frame.
func (s *Sim) frameLocked(now time.Time) []byte {
	obj := s.gen.value(now)
	amb := s.opts.Ambient + s.gen.jitter()
	bad := s.nextFrame()
	f := append([]byte(nil), s.faults.Noise...)
	switch {
	case s.opts.Protocol == "gy906":
		f = append(f, gy906.Encode(gy906.Temperatures{Object: obj, Ambient: amb})...)
		if bad {
			f[len(f)-1] ^= 0x5A
		}
	case bad:
		f = append(f, "Obj#ct: ?#.%! Amb\r\n"...)
	default:
		f = fmt.Appendf(f, s.opts.ASCIIFormat, obj, amb)
	}
	return f
}

// reader handles what the terminal sends: GY-906 commands, Modbus
// requests; ASCII input is drained and ignored.
func (s *Sim) reader(p *PTY) {
	defer s.wg.Done()
	buf := make([]byte, 512)
	var acc []byte
	const silence = 10 * time.Millisecond
	for {
		var dl time.Time
		if len(acc) > 0 {
			dl = time.Now().Add(silence)
		}
		if err := p.Master.SetReadDeadline(dl); err != nil {
			return
		}
		n, err := p.Master.Read(buf)
		if n > 0 {
			acc = append(acc, buf[:n]...)
		}
		timedOut := errors.Is(err, os.ErrDeadlineExceeded)
		if err != nil && !timedOut {
			return // unplugged or closed
		}
		switch s.opts.Protocol {
		case "ascii":
			acc = acc[:0]
		case "gy906":
			acc = s.commands(p, acc)
		case "modbus":
			// A frame ends at a silence of t3.5 (here 10 ms); an 8-byte
			// frame with a good CRC is answered at once.
			if timedOut || len(acc) == modbus.RequestLen && modbus.CheckCRC(acc) {
				s.request(p, acc)
				acc = acc[:0]
			} else if len(acc) > modbus.MaxADU {
				s.mu.Lock()
				s.stats.Ignored++
				s.mu.Unlock()
				acc = acc[:0]
			}
		}
	}
}

// commands consumes GY-906 commands (A5 cmd sum) from acc.
func (s *Sim) commands(p *PTY, acc []byte) []byte {
	for len(acc) >= 3 {
		if acc[0] != 0xA5 || acc[0]+acc[1] != acc[2] {
			acc = acc[1:]
			continue
		}
		cmd := acc[1]
		acc = acc[3:]
		s.mu.Lock()
		s.stats.Commands++
		var frame []byte
		switch cmd {
		case 0x45:
			s.stream = true
		case 0x15:
			if !s.faults.Silent {
				frame = s.frameLocked(time.Now())
			}
		}
		s.mu.Unlock()
		if frame != nil {
			writeAll(p, frame)
		}
	}
	return acc
}

// request answers one Modbus frame as a slave would.
func (s *Sim) request(p *PTY, frame []byte) {
	o := s.opts
	req, err := modbus.ParseRequest(frame)
	if err != nil && len(frame) >= 4 && modbus.CheckCRC(frame) && frame[1] >= 1 && frame[1] <= 127 &&
		frame[1] != modbus.FuncReadHoldingRegisters && frame[1] != modbus.FuncReadInputRegisters {
		// A well-formed request of another length (0x10 write multiple,
		// 0x11 report server ID, ...): a function this slave does not
		// implement, which the specification answers with exception 1.
		// (Function codes are 1..127; anything else is line noise.)
		req, err = modbus.Request{Slave: frame[0], Function: frame[1]}, nil
	}
	s.mu.Lock()
	if err != nil || req.Slave != o.Slave {
		s.stats.Ignored++ // bad CRC, other slave, broadcast: silence
		s.mu.Unlock()
		return
	}
	s.stats.Requests++
	if s.faults.Silent {
		s.mu.Unlock()
		return
	}
	var resp []byte
	switch {
	case s.faults.Exception != 0:
		resp = modbus.ExceptionResponse(o.Slave, req.Function, s.faults.Exception)
	case req.Function != modbus.FuncReadHoldingRegisters && req.Function != modbus.FuncReadInputRegisters:
		resp = modbus.ExceptionResponse(o.Slave, req.Function, modbus.ExIllegalFunction)
	case req.Quantity < 1 || req.Quantity > modbus.MaxReadQuantity:
		resp = modbus.ExceptionResponse(o.Slave, req.Function, modbus.ExIllegalDataValue)
	case req.Start < o.Register || int(req.Start)+int(req.Quantity) > int(o.Register)+2*o.Words:
		resp = modbus.ExceptionResponse(o.Slave, req.Function, modbus.ExIllegalDataAddress)
	default:
		obj := s.gen.value(time.Now())
		amb := o.Ambient + s.gen.jitter()
		bank := append(s.encode(obj), s.encode(amb)...)
		off := int(req.Start - o.Register)
		resp = modbus.ReadResponse(o.Slave, req.Function, bank[off:off+int(req.Quantity)])
	}
	if resp[1]&0x80 != 0 {
		s.stats.Exceptions++
	}
	if s.nextFrame() {
		resp[len(resp)-1] ^= 0xFF
	}
	resp = append(append([]byte(nil), s.faults.Noise...), resp...)
	split := s.faults.SplitDelay
	s.mu.Unlock()
	if split > 0 {
		half := len(resp) / 2
		if writeAll(p, resp[:half]) != nil {
			return
		}
		time.Sleep(split)
		resp = resp[half:]
	}
	writeAll(p, resp)
}

// encode turns °C into register words per the options.
func (s *Sim) encode(c float64) []uint16 {
	o := s.opts
	if o.Words == 1 {
		v := math.Round(c / o.Scale)
		if o.Unsigned {
			return []uint16{uint16(clamp(v, 0, math.MaxUint16))}
		}
		return []uint16{uint16(int16(clamp(v, math.MinInt16, math.MaxInt16)))}
	}
	var u uint32
	switch {
	case o.Float:
		u = math.Float32bits(float32(c / o.Scale))
	case o.Unsigned:
		u = uint32(clamp(math.Round(c/o.Scale), 0, math.MaxUint32))
	default:
		u = uint32(int32(clamp(math.Round(c/o.Scale), math.MinInt32, math.MaxInt32)))
	}
	hi, lo := uint16(u>>16), uint16(u)
	if o.WordSwap {
		hi, lo = lo, hi
	}
	return []uint16{hi, lo}
}

func clamp(v, lo, hi float64) float64 { return math.Max(lo, math.Min(hi, v)) }
