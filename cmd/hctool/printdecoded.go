package main

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"

	"github.com/checkpoint-terminal/checkpoint/healthcode"
)

// printDecoded prints what a code claims (before any check), every text
// through printable.
func printDecoded(w io.Writer, d *healthcode.Decoded) {
	fmt.Fprintf(w, "format:      %s (%s, kid %s)\n", d.Format, d.Algorithm, hex.EncodeToString(d.Kid))
	fmt.Fprintf(w, "issuer:      %s\n", printable(d.Issuer))
	fmt.Fprintf(w, "issued at:   %s\n", fmtTime(d.IssuedAt))
	fmt.Fprintf(w, "expires at:  %s\n", fmtTime(d.ExpiresAt))
	if c := d.Claims; c != nil {
		fmt.Fprintf(w, "code id:     %s\n", c.ID)
		fmt.Fprintf(w, "colour:      %s", c.Color)
		if !c.ColorSince.IsZero() {
			fmt.Fprintf(w, " since %s", fmtTime(c.ColorSince))
		}
		fmt.Fprintf(w, "\nkind:        %s\n", c.Kind)
		fmt.Fprintf(w, "holder:      %s  ID …%s  born %d\n", printable(c.HolderMasked), printable(c.IDLast4), c.BirthYear)
		if c.Proxy {
			fmt.Fprintf(w, "proxy:       shown on behalf of the holder (%s)\n", printable(c.Relation))
		}
		printFacts(w, c)
	}
	if d.DCC != nil {
		b, err := json.MarshalIndent(d.DCC, "             ", "  ")
		if err == nil {
			fmt.Fprintf(w, "certificate: %s\n", jsonPrintable(b))
		}
	}
}
