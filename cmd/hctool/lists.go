package main

import (
	"crypto"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/checkpoint-terminal/checkpoint/healthcode"
)

// Reading and printing signed trust lists, shared by trustlist --show,
// verify and scan.

func readRootPubs(paths []string) ([]crypto.PublicKey, error) {
	if len(paths) == 0 {
		return nil, fmt.Errorf("no --root-pub given: a trust list is only read against pinned roots")
	}
	return healthcode.ReadPublicKeys(paths...)
}

func loadTrustList(path string, roots []crypto.PublicKey, now time.Time) (*healthcode.TrustList, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return healthcode.ParseTrustList(b, roots, now)
}

func printTrustList(w io.Writer, tl *healthcode.TrustList) {
	fmt.Fprintf(w, "trust list version %d, issued %s, expires %s, %d key(s)\n", tl.Version(),
		tl.IssuedAt().Format(time.RFC3339), tl.ExpiresAt().Format(time.RFC3339), tl.Len())
	for _, k := range tl.Entries() {
		kinds := "all kinds"
		if len(k.Kinds) > 0 {
			var s []string
			for _, x := range k.Kinds {
				s = append(s, x.String())
			}
			kinds = strings.Join(s, "+")
		}
		validity := ""
		if !k.ValidFrom.IsZero() || !k.ValidTo.IsZero() {
			validity = fmt.Sprintf(" valid %s..%s", fmtTime(k.ValidFrom), fmtTime(k.ValidTo))
		}
		fmt.Fprintf(w, "  %-3s kid %s %-7s %s %s%s\n", k.Format, hex.EncodeToString(k.Kid), healthcode.AlgorithmName(k.Algorithm), printable(k.Issuer), kinds, validity)
	}
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}
