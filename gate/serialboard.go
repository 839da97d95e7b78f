package gate

import (
	"context"
	"fmt"

	"github.com/checkpoint-terminal/checkpoint/internal/serialport"
)

// BoardCommand is the 4-byte command of the common USB serial relay boards
// (LCUS-1/2/4/8, CH340 based): A0, the channel (1..8), the state (1 on, 0
// off) and the sum of the first three bytes, modulo 256. "Channel 1 on" is
// A0 01 01 A2; "channel 1 off" is A0 01 00 A1.
func BoardCommand(channel int, on bool) [4]byte {
	st := byte(0)
	if on {
		st = 1
	}
	c := byte(channel)
	return [4]byte{0xA0, c, st, 0xA0 + c + st}
}

// serialBoard is one channel of a USB serial relay board. The boards never
// answer, so Set returns nil once the command was written whole.
type serialBoard struct {
	cfg  Config
	port *serialport.Port
}

func openSerialBoard(cfg Config) (*serialBoard, error) {
	p, err := serialport.Open(cfg.line())
	if err != nil {
		return nil, fmt.Errorf("gate: %w", err)
	}
	return &serialBoard{cfg: cfg, port: p}, nil
}

func (b *serialBoard) Set(ctx context.Context, on bool) error {
	cmd := BoardCommand(b.cfg.Channel, on)
	if err := b.port.Write(cmd[:]); err != nil {
		return fmt.Errorf("relay board channel %d on %s: %w", b.cfg.Channel, b.cfg.Port, err)
	}
	return nil
}

func (b *serialBoard) Confirms() bool { return false }
func (b *serialBoard) Close() error   { return b.port.Close() }
