package gate

import (
	"testing"

	"golang.org/x/sys/unix"
)

// The request the kernel gets (without a gpiochip on the test machine, the
// struct is what can be checked): one output line at the offset, active
// low when asked, initially inactive.
func TestLineRequest(t *testing.T) {
	req := lineRequest(Config{Line: 17, ActiveLow: true})
	if req.Num_lines != 1 || req.Offsets[0] != 17 {
		t.Fatalf("lines %d offset %d", req.Num_lines, req.Offsets[0])
	}
	if req.Config.Flags != gpioLineFlagOutput|gpioLineFlagActiveLow {
		t.Fatalf("flags %#x", req.Config.Flags)
	}
	a := req.Config.Attrs[0]
	if req.Config.Num_attrs != 1 || a.Attr.Id != unix.GPIO_V2_LINE_ATTR_ID_OUTPUT_VALUES || a.Attr.Flags != 0 || a.Mask != 1 {
		t.Fatalf("initial value attribute %+v", a)
	}
	if string(req.Consumer[:15]) != "checkpoint-gate" || req.Consumer[31] != 0 {
		t.Fatalf("consumer %q", req.Consumer)
	}
	if chipPath("gpiochip2") != "/dev/gpiochip2" || chipPath("/dev/gpiochip0") != "/dev/gpiochip0" {
		t.Fatal("chip paths")
	}
}
