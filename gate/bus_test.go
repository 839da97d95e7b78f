package gate_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
	"github.com/checkpoint-terminal/checkpoint/gate"
	"github.com/checkpoint-terminal/checkpoint/internal/modbusref"
	"github.com/checkpoint-terminal/checkpoint/thermometer"
)

// The thermometer and the gate relay on one RS-485 line (one combined
// module here, libmodbus with registers and coils): their masters take
// turns on the line, so the sensor polling every 10 ms loses no response
// while the gate pulses, and every coil write is confirmed.
func TestThermometerAndGateShareOneBus(t *testing.T) {
	requireLibmodbus(t)
	line, err := modbusref.NewLine()
	if err != nil {
		t.Fatal(err)
	}
	defer line.Close()
	slave, err := modbusref.StartSlave(modbusref.SlaveConfig{LineConfig: modbusref.LineConfig{Device: line.B},
		Slave: 5, HoldingStart: 0, HoldingLen: 1, CoilLen: 8})
	if err != nil {
		t.Fatal(err)
	}
	defer slave.Close()
	if err := slave.SetHolding(0, 379); err != nil {
		t.Fatal(err)
	}
	tc := thermometer.DefaultConfig()
	tc.Port, tc.Protocol, tc.Slave, tc.Register, tc.Scale = line.A, thermometer.ProtocolModbus, 5, 0, 0.1
	tc.PollInterval, tc.ResponseTimeout, tc.Retries = 10*time.Millisecond, 300*time.Millisecond, 0
	s, err := thermometer.New(tc, checkpoint.SystemClock{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("sensor Run: %v", err)
		}
	}()
	waitFor(t, "the sensor's first samples", func() bool { return s.Status().Counters.Samples >= 3 })

	gc := gate.DefaultConfig()
	gc.Driver, gc.Port, gc.Slave, gc.Coil, gc.Pulse, gc.Retries = gate.DriverModbus, line.A, 5, 3, 60*time.Millisecond, 0
	g, err := gate.New(gc, nil)
	if err != nil {
		t.Fatal(err)
	}
	before := s.Status().Counters.Samples
	for i := range 10 {
		if err := g.Pass(context.Background()); err != nil {
			t.Fatalf("pass %d: %v", i, err)
		}
		waitFor(t, "the pulse to end", func() bool { return !g.Status().Open })
	}
	if err := g.Close(); err != nil {
		t.Fatal(err)
	}
	c := s.Status().Counters
	if c.Samples-before < 10 || c.Timeouts+c.CRCErrors+c.Garbage != 0 {
		t.Fatalf("sensor counters while the gate pulsed: %+v", c)
	}
	if n, _ := slave.CoilWrites(); n < 21 || coil(t, slave, 3) {
		t.Fatalf("%d coil writes, coil left %v", n, coil(t, slave, 3))
	}
	if l, ok := s.Latest(); ok && l.Celsius != 37.9 {
		t.Fatalf("sensor read %v", l.Celsius)
	}
}
