package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/checkpoint-terminal/checkpoint/scanner/qr"
)

func init() {
	register(command{
		name:    "decode",
		summary: "decode the QR code in each image file with the terminal's own decoder",
		run:     runDecode,
	})
}

// runDecode prints, per image, the file name, a tab, and the decoded text
// as a JSON string, or "-" when no code was found. It uses exactly the
// terminal's decoder: the whole cascade of qr.Decoder.DecodeStill, the same
// path as hctool verify --image.
func runDecode(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("decode", "[flags] FILE...", stderr)
	all := fs.Bool("all", false, "print every code found in an image (tab-separated, largest first), not only the largest")
	stage := fs.Bool("stage", false, "append a column naming the cascade step that decoded the code")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return errUsage
	}
	dec, err := qr.NewDecoder(qr.DefaultOptions())
	if err != nil {
		return err
	}
	defer dec.Close()
	failed := 0
	for _, path := range fs.Args() {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		g, err := qr.ReadFile(path)
		if err != nil {
			fmt.Fprintf(stderr, "hctool decode: %v\n", err)
			failed++
			continue
		}
		rs, err := dec.DecodeStill(g)
		if err != nil && len(rs) == 0 {
			fmt.Fprintf(stderr, "hctool decode: %s: %v\n", path, err)
		}
		line := path
		if len(rs) == 0 {
			line += "\t-"
		}
		for i, r := range rs {
			if i > 0 && !*all {
				break
			}
			text, _ := json.Marshal(r.Text) // a string always marshals
			line += "\t" + string(jsonPrintable(text))
			if *stage {
				line += "\t" + r.Stage
			}
		}
		fmt.Fprintln(stdout, line)
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d files could not be read as images", failed, fs.NArg())
	}
	return nil
}
