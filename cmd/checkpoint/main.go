// Command checkpoint is the health-code checkpoint terminal.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/widget"
	"github.com/makiuchi-d/gozxing"
	"github.com/tarm/serial"
	bolt "go.etcd.io/bbolt"
	"gocv.io/x/gocv"
)

func main() {
	selfcheck := flag.Bool("selfcheck", false, "print the versions of the native libraries and exit")
	flag.Parse()
	if *selfcheck {
		if err := runSelfcheck(); err != nil {
			fmt.Fprintln(os.Stderr, "checkpoint:", err)
			os.Exit(1)
		}
		return
	}
	a := app.NewWithID("org.checkpoint.terminal")
	w := a.NewWindow("Checkpoint")
	w.SetContent(widget.NewLabel("Ready to scan"))
	w.Resize(fyne.NewSize(800, 480))
	w.ShowAndRun()
}

// runSelfcheck proves that every native dependency links and loads.
func runSelfcheck() error {
	dir, err := os.MkdirTemp("", "checkpoint-selfcheck")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	db, err := bolt.Open(filepath.Join(dir, "selfcheck.db"), 0o600, nil)
	if err != nil {
		return fmt.Errorf("opening bbolt: %w", err)
	}
	defer db.Close()
	m := gocv.NewMatWithSize(4, 4, gocv.MatTypeCV8U)
	defer m.Close()
	_ = gozxing.BarcodeFormat_QR_CODE
	_ = serial.Config{Name: "/dev/null", Baud: 9600}
	fmt.Printf("opencv %s, gocv %s, bbolt ok\n", gocv.OpenCVVersion(), gocv.Version())
	return nil
}
