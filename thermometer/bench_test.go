package thermometer

import (
	"context"
	"testing"

	"github.com/checkpoint-terminal/checkpoint/internal/serialport"
	"github.com/checkpoint-terminal/checkpoint/modbus"
	"github.com/checkpoint-terminal/checkpoint/thermometer/gy906"
	"github.com/checkpoint-terminal/checkpoint/thermometer/sim"
)

func BenchmarkGY906Decode(b *testing.B) {
	frame := gy906.Encode(gy906.Temperatures{Object: 36.6, Ambient: 24})
	stream := make([]byte, 0, 64*len(frame))
	for range 64 {
		stream = append(stream, frame...)
	}
	b.SetBytes(int64(len(stream)))
	b.ReportAllocs()
	var d gy906.Decoder
	for b.Loop() {
		if len(d.Feed(stream)) != 64 {
			b.Fatal("lost frames")
		}
	}
}

func BenchmarkASCIIParse(b *testing.B) {
	p, err := NewLineParser(ASCIIOptions{})
	if err != nil {
		b.Fatal(err)
	}
	line := []byte("Object: 36.62 Ambient: 24.05")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.Parse(line); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkModbusScan(b *testing.B) {
	resp := modbus.ReadResponse(1, 3, []uint16{366})
	b.ReportAllocs()
	for b.Loop() {
		if !modbus.ScanResponse(1, 3, 1, resp).Done {
			b.Fatal("not found")
		}
	}
}

// BenchmarkModbusPollOverPTY measures one Modbus request/response round
// trip through tarm/serial and a pseudo-terminal to the simulated slave:
// the floor of the poll period.
func BenchmarkModbusPollOverPTY(b *testing.B) {
	sm, err := sim.New(context.Background(), sim.Options{Protocol: "modbus", Samples: []float64{36.6}})
	if err != nil {
		b.Fatal(err)
	}
	defer sm.Close()
	cfg := DefaultConfig()
	cfg.Port, cfg.Protocol = sm.Path(), ProtocolModbus
	if err := cfg.Validate(); err != nil {
		b.Fatal(err)
	}
	p, err := serialport.Open(cfg.serialConfig())
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	m := &modbus.Master{Port: p, Baud: cfg.Baud, ResponseTimeout: cfg.ResponseTimeout, Retries: cfg.Retries}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.ReadRegisters(ctx, cfg.Slave, cfg.Function, cfg.Register, 1); err != nil {
			b.Fatal(err)
		}
	}
}
