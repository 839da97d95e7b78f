package thermometer

import (
	"os"
	"path/filepath"
	"sort"
)

// SerialPort is a serial device node as ListPorts finds it.
type SerialPort struct {
	// ByID is the stable name under /dev/serial/by-id (USB adapters only):
	// the one to put in thermometer.port, since ttyUSB numbers change with
	// plugging order. Empty for on-board UARTs.
	ByID string
	// Path is the node it points to (/dev/ttyUSB0).
	Path string
}

// ListPorts lists the serial ports under dev (normally "/dev"): every
// /dev/serial/by-id link with its target, then USB and on-board UART nodes
// (ttyUSB*, ttyACM*, ttyAMA*, serial0/1) no link names. The legacy ttyS*
// nodes, present on every PC whether wired or not, are left out.
func ListPorts(dev string) []SerialPort {
	var out []SerialPort
	named := map[string]bool{}
	links, _ := filepath.Glob(filepath.Join(dev, "serial", "by-id", "*"))
	sort.Strings(links)
	for _, l := range links {
		target, err := filepath.EvalSymlinks(l)
		if err != nil {
			target = ""
		}
		out = append(out, SerialPort{ByID: l, Path: target})
		named[target] = true
	}
	var nodes []string
	for _, pat := range []string{"ttyUSB*", "ttyACM*", "ttyAMA*", "serial[0-9]"} {
		m, _ := filepath.Glob(filepath.Join(dev, pat))
		nodes = append(nodes, m...)
	}
	sort.Strings(nodes)
	for _, n := range nodes {
		if r, err := filepath.EvalSymlinks(n); err == nil && named[r] {
			continue
		}
		if _, err := os.Stat(n); err != nil {
			continue
		}
		out = append(out, SerialPort{Path: n})
	}
	return out
}
