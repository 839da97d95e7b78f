package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/checkpoint-terminal/checkpoint"
	"github.com/checkpoint-terminal/checkpoint/healthcode"
)

func TestPrintableEscapesWhatATerminalWouldObey(t *testing.T) {
	rows := []struct{ name, in, want string }{
		{"plain text is unchanged", "张* ID …123X", "张* ID …123X"},
		{"newline", "A*\nPASS", `A*\nPASS`},
		{"carriage return", "A*\rPASS", `A*\rPASS`},
		{"escape sequence", "\x1b[2J", `\x1b[2J`},
		{"RTL override", "\u202eSSAP", `\u202eSSAP`},
		{"isolates", "\u2066a\u2069", `\u2066a\u2069`},
		{"zero-width space", "P\u200bASS", `P\u200bASS`},
		{"C1 next line", "a\u0085b", `a\u0085b`},
		{"tag character", "a\U000e0041", `a\U000e0041`},
		{"invalid UTF-8", "a\xffb", `a\xffb`},
	}
	for _, r := range rows {
		if got := printable(r.in); got != r.want {
			t.Errorf("%s: printable(%q) = %q, want %q", r.name, r.in, got, r.want)
		}
	}
}

func TestJSONPrintableKeepsTheValue(t *testing.T) {
	in := map[string]any{"fnt": "\u202eSSAP\u0085\x7f", "tag": "a\U000e0041", "gnt": "ERIKA"}
	b, _ := json.MarshalIndent(in, "", "  ")
	out := jsonPrintable(b)
	if !isPrintable(strings.NewReplacer("\n", "", "\t", "").Replace(string(out))) {
		t.Fatalf("still unprintable: %q", out)
	}
	var back map[string]any
	if err := json.Unmarshal(out, &back); err != nil {
		t.Fatalf("not JSON any more: %v\n%s", err, out)
	}
	for k, v := range in {
		if back[k] != v {
			t.Errorf("%s: %q, want %q", k, back[k], v)
		}
	}
}

func TestPrintDecodedEscapesClaims(t *testing.T) {
	var sb strings.Builder
	printDecoded(&sb, &healthcode.Decoded{
		Format: checkpoint.FormatHealthCode, Issuer: "110000:BJHC\nverdict:     VALID",
		Claims: &healthcode.Claims{HolderMasked: "\u202eSSAP*", IDLast4: "1\r23", Proxy: true, Relation: "m\x1b[2J"},
		DCC:    map[string]any{"nam": map[string]any{"fnt": "A\u202e"}},
	})
	out := sb.String()
	if strings.Count(out, "\n") != 14 {
		t.Errorf("printed %d lines, want 14 (a claim added lines):\n%s", strings.Count(out, "\n"), out)
	}
	for _, bad := range []string{"\u202e", "\x1b", "\r", "\nverdict"} {
		if strings.Contains(out, bad) {
			t.Errorf("output holds %q:\n%s", bad, out)
		}
	}
	for _, want := range []string{`\u202eSSAP*`, `BJHC\nverdict`, `m\x1b[2J`, `A\u202e`} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}
