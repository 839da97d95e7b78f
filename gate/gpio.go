package gate

import (
	"context"
	"fmt"
	"os"
	"strings"
	"unsafe"

	"golang.org/x/sys/unix"
)

// GPIO v2 line flags from <linux/gpio.h> (golang.org/x/sys has the structs
// and ioctl numbers but not these).
const (
	gpioLineFlagActiveLow = 1 << 1
	gpioLineFlagOutput    = 1 << 3
)

// gpioLine is one output line requested through the GPIO character device
// (the v2 uAPI, Linux 5.10+). The kernel keeps the request while the file
// is open; the line starts inactive (relay released).
type gpioLine struct {
	cfg  Config
	chip *os.File
	line *os.File
}

// chipPath turns "gpiochip0" into "/dev/gpiochip0"; a path stays as it is.
func chipPath(chip string) string {
	if strings.HasPrefix(chip, "/") {
		return chip
	}
	return "/dev/" + chip
}

// lineRequest is the GPIO_V2_GET_LINE_IOCTL request for cfg: one output
// line, active low when asked, initially inactive.
func lineRequest(cfg Config) unix.GPIOV2LineRequest {
	var req unix.GPIOV2LineRequest
	req.Offsets[0] = uint32(cfg.Line)
	req.Num_lines = 1
	copy(req.Consumer[:len(req.Consumer)-1], "checkpoint-gate")
	req.Config.Flags = gpioLineFlagOutput
	if cfg.ActiveLow {
		req.Config.Flags |= gpioLineFlagActiveLow
	}
	req.Config.Num_attrs = 1
	req.Config.Attrs[0].Attr.Id = unix.GPIO_V2_LINE_ATTR_ID_OUTPUT_VALUES
	req.Config.Attrs[0].Attr.Flags = 0 // the values union: line 0 inactive
	req.Config.Attrs[0].Mask = 1
	return req
}

func ioctl(fd uintptr, req uint, arg unsafe.Pointer) error {
	if _, _, e := unix.Syscall(unix.SYS_IOCTL, fd, uintptr(req), uintptr(arg)); e != 0 {
		return e
	}
	return nil
}

func openGPIO(cfg Config) (*gpioLine, error) {
	path := chipPath(cfg.Chip)
	chip, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return nil, fmt.Errorf("gate: opening GPIO chip: %w", err)
	}
	req := lineRequest(cfg)
	if err := ioctl(chip.Fd(), unix.GPIO_V2_GET_LINE_IOCTL, unsafe.Pointer(&req)); err != nil {
		chip.Close()
		return nil, fmt.Errorf("gate: requesting line %d of %s as an output: %w", cfg.Line, path, err)
	}
	return &gpioLine{cfg: cfg, chip: chip, line: os.NewFile(uintptr(req.Fd), fmt.Sprintf("%s line %d", path, cfg.Line))}, nil
}

// Set drives the line and reads it back: nil only when the kernel reports
// the value set.
func (g *gpioLine) Set(ctx context.Context, on bool) error {
	v := unix.GPIOV2LineValues{Mask: 1}
	if on {
		v.Bits = 1
	}
	if err := ioctl(g.line.Fd(), unix.GPIO_V2_LINE_SET_VALUES_IOCTL, unsafe.Pointer(&v)); err != nil {
		return fmt.Errorf("setting %s: %w", g.line.Name(), err)
	}
	back := unix.GPIOV2LineValues{Mask: 1}
	if err := ioctl(g.line.Fd(), unix.GPIO_V2_LINE_GET_VALUES_IOCTL, unsafe.Pointer(&back)); err != nil {
		return fmt.Errorf("reading back %s: %w", g.line.Name(), err)
	}
	if back.Bits&1 != v.Bits {
		return fmt.Errorf("%s reads %d after writing %d", g.line.Name(), back.Bits&1, v.Bits)
	}
	return nil
}

func (g *gpioLine) Confirms() bool { return true }

func (g *gpioLine) Close() error {
	err := g.line.Close()
	if e := g.chip.Close(); err == nil {
		err = e
	}
	return err
}
