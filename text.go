package checkpoint

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxClaimRunes is the most characters of one text claim (a masked name, a
// relation, a note) the terminal keeps for display and logs; the EU DCC
// schema allows 80 characters for a name, ours far fewer.
const MaxClaimRunes = 80

// maxCombining is how many combining marks may follow one base character;
// real scripts (Vietnamese, Devanagari) need two or three, a stack of
// hundreds is an attack on the line height.
const maxCombining = 3

// CleanText returns s made safe to show on one line of the guard's screen
// or to write into a log, whatever a stranger's code put into it:
//
//   - invalid UTF-8 becomes U+FFFD;
//   - control characters (C0, DEL, C1), CR, LF, tab and the line and
//     paragraph separators U+2028/U+2029 become a space, so no text can
//     start a new line that reads like a verdict;
//   - format characters (Unicode category Cf) are removed: the
//     bidirectional embeddings, overrides and isolates U+202A–U+202E and
//     U+2066–U+2069, the marks U+200E/U+200F/U+061C, zero-width space,
//     joiners and word joiner U+200B–U+200D/U+2060, the BOM U+FEFF, soft
//     hyphen and tag characters, so no text can reorder or hide what the
//     guard reads;
//   - private-use and unassigned code points become U+FFFD;
//   - more than three combining marks on one character are dropped;
//   - runs of spaces become one space and the ends are trimmed;
//   - text longer than maxRunes characters is cut to maxRunes-1 and ends
//     with "…" (maxRunes <= 0 means MaxClaimRunes).
//
// CleanText is idempotent: CleanText(CleanText(s, n), n) == CleanText(s, n).
func CleanText(s string, maxRunes int) string {
	if maxRunes <= 0 {
		maxRunes = MaxClaimRunes
	}
	var b strings.Builder
	b.Grow(min(len(s), 4*maxRunes+8))
	n := 0         // runes written
	marks := 0     // combining marks since the last base character
	space := false // a space is pending (written only before the next rune)
	cut := false
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == utf8.RuneError && size <= 1:
			r = unicode.ReplacementChar
		case unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || unicode.IsSpace(r) || unicode.Is(unicode.Zs, r):
			space = n > 0
			marks = 0
			continue
		case unicode.Is(unicode.Cf, r):
			continue
		case unicode.Is(unicode.Co, r) || !unicode.In(r, unicode.L, unicode.M, unicode.N, unicode.P, unicode.S):
			r = unicode.ReplacementChar
		}
		if unicode.In(r, unicode.Mn, unicode.Me) {
			if n == 0 || marks >= maxCombining {
				continue
			}
			marks++
		} else {
			marks = 0
		}
		need := 1
		if space {
			need = 2
		}
		if n+need > maxRunes-1 && (n+need > maxRunes || i < len(s) && restHasText(s[i:])) {
			cut = true
			break
		}
		if space {
			b.WriteByte(' ')
			n++
			space = false
		}
		b.WriteRune(r)
		n++
	}
	if cut {
		b.WriteRune('…')
	}
	return b.String()
}

// restHasText reports whether s holds anything CleanText would keep.
func restHasText(s string) bool {
	for _, r := range s {
		if !(unicode.IsControl(r) || unicode.IsSpace(r) || unicode.Is(unicode.Zs, r) ||
			r == '\u2028' || r == '\u2029' || unicode.Is(unicode.Cf, r)) {
			return true
		}
	}
	return false
}

// IsCleanText reports whether s is already what CleanText(s, maxRunes)
// makes of it: issuers refuse claims that are not.
func IsCleanText(s string, maxRunes int) bool { return CleanText(s, maxRunes) == s }
