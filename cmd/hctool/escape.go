package main

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// printable returns s with every character a terminal would not print as
// itself written as a Go escape: control characters (\n, \x1b, \u0085),
// bidirectional overrides and isolates (\u202e, \u2066), zero-width
// characters (\u200b) and invalid UTF-8 bytes (\xff). Everything hctool
// prints from a code or list goes through it (or jsonPrintable), so a
// stranger's claim cannot add a line, move the cursor or reorder the text.
func printable(s string) string {
	if isPrintable(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case strconv.IsPrint(r):
			b.WriteRune(r)
		default:
			q := strconv.QuoteRuneToASCII(r) // 'x' quoted, with \n, \u202e, \U000e0001
			b.WriteString(q[1 : len(q)-1])
		}
		i += size
	}
	return b.String()
}

func isPrintable(s string) bool {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size <= 1) || !strconv.IsPrint(r) {
			return false
		}
		i += size
	}
	return true
}

// jsonPrintable rewrites JSON from encoding/json so that every character a
// terminal would not print as itself is a \uXXXX escape: encoding/json
// escapes C0 controls and U+2028/U+2029 but leaves DEL, C1 controls, bidi
// overrides and zero-width characters as they are. The result is the same
// JSON value.
func jsonPrintable(js []byte) []byte {
	s := string(js)
	if isPrintable(strings.NewReplacer("\n", "", "\t", "").Replace(s)) {
		return js
	}
	var b strings.Builder
	for _, r := range s { // encoding/json output is valid UTF-8
		if r == '\n' || r == '\t' || strconv.IsPrint(r) {
			b.WriteRune(r)
			continue
		}
		if r > 0xffff {
			r1, r2 := utf16.EncodeRune(r)
			fmt.Fprintf(&b, `\u%04x\u%04x`, r1, r2)
			continue
		}
		fmt.Fprintf(&b, `\u%04x`, r)
	}
	return []byte(b.String())
}
