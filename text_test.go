package checkpoint

import (
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"
)

func TestCleanTextRemovesWhatCouldForgeALine(t *testing.T) {
	long := strings.Repeat("张", 3000)
	rows := []struct {
		name, in string
		max      int
		want     string
	}{
		{"plain masked name is kept", "张*", 0, "张*"},
		{"latin name with accents is kept", "Müller Ñúñez", 0, "Müller Ñúñez"},
		{"newline that would add a PASS line becomes a space", "A*\nPASS", 0, "A* PASS"},
		{"CR LF and tabs become one space", "A*\r\n\t\tPASS", 0, "A* PASS"},
		{"RTL override is removed", "A*\u202eSSAP", 0, "A*SSAP"},
		{"every bidi embedding and override is removed", "\u202aa\u202bb\u202cc\u202dd\u202ee", 0, "abcde"},
		{"bidi isolates are removed", "\u2066a\u2067b\u2068c\u2069", 0, "abc"},
		{"bidi marks are removed", "a\u200eb\u200fc\u061cd", 0, "abcd"},
		{"zero-width characters are removed", "P\u200bA\u200cS\u200dS\u2060\ufeff", 0, "PASS"},
		{"line and paragraph separators become spaces", "a\u2028b\u2029c", 0, "a b c"},
		{"C1 controls and escape become spaces", "a\x1b[31mb\u0085c", 0, "a [31mb c"},
		{"NUL becomes a space", "a\x00b", 0, "a b"},
		{"leading and trailing spaces are trimmed", "  \n a \t", 0, "a"},
		{"ideographic space counts as space", "张\u3000*", 0, "张 *"},
		{"invalid UTF-8 becomes the replacement character", "a\xffb", 0, "a\ufffdb"},
		{"private-use character becomes the replacement character", "a\ue000b", 0, "a\ufffdb"},
		{"combining stack is cut to three marks", "e" + strings.Repeat("\u0301", 50), 0, "e\u0301\u0301\u0301"},
		{"leading combining marks are dropped", "\u0301\u0301a", 0, "a"},
		{"3000 characters are cut with an ellipsis", long, 0, strings.Repeat("张", MaxClaimRunes-1) + "…"},
		{"exactly the cap is kept whole", strings.Repeat("a", 10), 10, strings.Repeat("a", 10)},
		{"one over the cap is cut", strings.Repeat("a", 11), 10, strings.Repeat("a", 9) + "…"},
		{"cap followed by only spaces is kept whole", strings.Repeat("a", 10) + " \n\u202e", 10, strings.Repeat("a", 10)},
		{"empty stays empty", "", 0, ""},
		{"only controls become empty", "\n\r\u202e\u200b", 0, ""},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			if got := CleanText(r.in, r.max); got != r.want {
				t.Errorf("CleanText(%q, %d) = %q, want %q", r.in, r.max, got, r.want)
			}
			if !IsCleanText(r.want, r.max) {
				t.Errorf("IsCleanText(%q) = false, want true", r.want)
			}
		})
	}
}

func FuzzCleanText(f *testing.F) {
	for _, s := range []string{"张*", "A*\nPASS", "A*\u202eSSAP", "a\xff", strings.Repeat("e\u0301", 100), "\u2066x\u2069"} {
		f.Add(s, 0)
		f.Add(s, 5)
	}
	f.Fuzz(func(t *testing.T, s string, max int) {
		max %= 200
		got := CleanText(s, max)
		limit := max
		if limit <= 0 {
			limit = MaxClaimRunes
		}
		if !utf8.ValidString(got) {
			t.Fatalf("CleanText(%q) = %q is not UTF-8", s, got)
		}
		if n := utf8.RuneCountInString(got); n > limit {
			t.Fatalf("CleanText(%q, %d) has %d runes", s, max, n)
		}
		for _, r := range got {
			if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == '\n' || r == '\u2028' || r == '\u2029' {
				t.Fatalf("CleanText(%q) = %q keeps %U", s, got, r)
			}
		}
		if again := CleanText(got, max); again != got {
			t.Fatalf("not idempotent: %q -> %q -> %q", s, got, again)
		}
	})
}

func TestTrustListStateIsOneRule(t *testing.T) {
	exp := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	rows := []struct {
		name  string
		now   time.Time
		grace time.Duration
		want  ListLife
	}{
		{"a second before expiry", exp.Add(-time.Second), 24 * time.Hour, ListValid},
		{"at expiry, with grace", exp, 24 * time.Hour, ListExpiredInGrace},
		{"23 h past expiry", exp.Add(23 * time.Hour), 24 * time.Hour, ListExpiredInGrace},
		{"at the end of the grace", exp.Add(24 * time.Hour), 24 * time.Hour, ListExpired},
		{"at expiry, no grace", exp, 0, ListExpired},
		{"no list", time.Time{}, time.Hour, ListExpired},
	}
	for _, r := range rows {
		e := exp
		if r.name == "no list" {
			e = time.Time{}
		}
		if got := TrustListState(e, r.now, r.grace); got != r.want {
			t.Errorf("%s: %v, want %v", r.name, got, r.want)
		}
	}
}

func TestRecordOfARefusedGenuineCodeKeepsItsID(t *testing.T) {
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	c := &Code{Format: FormatHealthCode, Issuer: "110000:BJHC", ID: "a1b2c3d4e5f60718", Color: ColorGreen, Kind: KindDynamic,
		IssuedAt: now.Add(-time.Minute), ExpiresAt: now.Add(time.Minute)}
	v := Decide(Presentation{Code: c, Failure: FailRevoked, CapturedAt: now}, nil, DefaultPolicy(), now)
	if v.Outcome != OutcomeDeny || v.Reason != ReasonForFailure(FailRevoked) {
		t.Fatalf("revoked code: %v %v, want a deny for revocation", v.Outcome, v.Reason)
	}
	if r := NewRecord(v, "T1", "S1"); r.CodeID != c.ID {
		t.Errorf("record code id %q, want %q", r.CodeID, c.ID)
	}
}
