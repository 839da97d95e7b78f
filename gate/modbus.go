package gate

import (
	"context"
	"fmt"

	"github.com/checkpoint-terminal/checkpoint/internal/serialport"
	"github.com/checkpoint-terminal/checkpoint/modbus"
)

// modbusRelay is a coil of a Modbus RTU relay module.
type modbusRelay struct {
	cfg  Config
	port *serialport.Port
	m    *modbus.Master
}

func openModbus(cfg Config) (*modbusRelay, error) {
	// Opening flushes the line: not while another master on it waits for
	// an answer.
	bus := modbus.LineLock(cfg.Port)
	bus.Lock()
	p, err := serialport.Open(cfg.line())
	bus.Unlock()
	if err != nil {
		return nil, fmt.Errorf("gate: %w", err)
	}
	return &modbusRelay{cfg: cfg, port: p, m: &modbus.Master{Port: p, Baud: cfg.Baud, ResponseTimeout: cfg.ResponseTimeout, Retries: cfg.Retries,
		Bus: bus}}, nil
}

// Set writes the coil with function 5 (or 15) and returns nil only when
// the module echoed the write.
func (r *modbusRelay) Set(ctx context.Context, on bool) error {
	var err error
	if r.cfg.Function == modbus.FuncWriteMultipleCoils {
		err = r.m.WriteCoils(ctx, r.cfg.Slave, r.cfg.Coil, []bool{on})
	} else {
		err = r.m.WriteCoil(ctx, r.cfg.Slave, r.cfg.Coil, on)
	}
	if err != nil {
		return fmt.Errorf("modbus coil %d of slave %d on %s: %w", r.cfg.Coil, r.cfg.Slave, r.cfg.Port, err)
	}
	return nil
}

func (r *modbusRelay) Confirms() bool { return true }
func (r *modbusRelay) Close() error   { return r.port.Close() }
