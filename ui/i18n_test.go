package ui

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"github.com/go-text/typesetting/font"

	"github.com/checkpoint-terminal/checkpoint"
	"github.com/checkpoint-terminal/checkpoint/assets"
)

func hasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

func readTranslations(t *testing.T) map[string]map[string]string {
	t.Helper()
	out := map[string]map[string]string{}
	for _, name := range []string{"checkpoint.en.json", "checkpoint.zh_Hans.json"} {
		b, err := assets.Translations.ReadFile(assets.TranslationsDir + "/" + name)
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out[name] = m
	}
	return out
}

func TestTranslationFilesHaveTheSameKeys(t *testing.T) {
	tr := readTranslations(t)
	en, zh := tr["checkpoint.en.json"], tr["checkpoint.zh_Hans.json"]
	for k := range en {
		if _, ok := zh[k]; !ok {
			t.Errorf("%s has no Chinese text", k)
		}
	}
	for k := range zh {
		if _, ok := en[k]; !ok {
			t.Errorf("%s has no English text", k)
		}
	}
}

func TestEveryReasonHasTextInBothLanguages(t *testing.T) {
	t.Setenv("LC_ALL", "")
	t.Setenv("LANGUAGE", "")
	log := slog.New(slog.DiscardHandler)
	sys := snapshotLocaleEnv()
	defer applyLanguage(LangSystem, sys, log)
	fever := 37.8
	want := map[string]map[checkpoint.Reason]string{
		LangEnglish: {
			checkpoint.ReasonYellow: "Yellow code: 14 days of home isolation and medical observation",
			checkpoint.ReasonRed:    "Red code: go to a designated hospital, or 14 days of centralised isolation",
			checkpoint.ReasonFever:  "Fever 37.8 °C: recheck",
		},
		LangChinese: {
			checkpoint.ReasonYellow: "黄码：居家隔离医学观察14天",
			checkpoint.ReasonRed:    "红码：请前往定点医院就诊，或集中隔离14天",
			checkpoint.ReasonFever:  "体温 37.8 °C 偏高：请复测",
		},
	}
	reasons := knownReasons()
	if len(reasons) != 10+len(checkpoint.Failures()) {
		t.Fatalf("%d reasons, want the 10 verdict reasons and %d failures", len(reasons), len(checkpoint.Failures()))
	}
	for _, l := range []string{LangEnglish, LangChinese} {
		applyLanguage(l, sys, log)
		seen := map[string]checkpoint.Reason{}
		for _, r := range reasons {
			v := checkpoint.Verdict{Reason: r, MessageKey: r.MessageKey(), Temperature: &fever}
			got := reasonText(v)
			if got == "" || got == r.MessageKey() || strings.Contains(got, "{{") {
				t.Errorf("%s: %s has no text (%q)", l, r, got)
			}
			if hasHan(got) != (l == LangChinese) {
				t.Errorf("%s: %s reads %q: wrong language", l, r, got)
			}
			if other, dup := seen[got]; dup {
				t.Errorf("%s: %s and %s read the same: %q", l, r, other, got)
			}
			seen[got] = r
			if w, ok := want[l][r]; ok && got != w {
				t.Errorf("%s: %s reads %q, want %q", l, r, got, w)
			}
		}
		for _, o := range []checkpoint.Outcome{checkpoint.OutcomeNone, checkpoint.OutcomePass, checkpoint.OutcomeDeny, checkpoint.OutcomeRecheck, checkpoint.OutcomeMeasure} {
			if got := outcomeText(o); hasHan(got) != (l == LangChinese) {
				t.Errorf("%s: outcome %s reads %q", l, o, got)
			}
		}
	}
}

func TestSystemLocaleIsFollowedByDefault(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	t.Setenv("LANGUAGE", "")
	t.Setenv("LC_ALL", "zh_CN.UTF-8")
	applyLanguage(LangSystem, snapshotLocaleEnv(), log)
	if got := lang.X("outcome.pass", "outcome.pass"); got != "通过" {
		t.Fatalf("system locale zh_CN: pass reads %q, want 通过", got)
	}
	// An explicit English choice overrides the Chinese system, and the
	// system setting comes back when the choice is cleared.
	sys := snapshotLocaleEnv()
	applyLanguage(LangEnglish, sys, log)
	if got := lang.X("outcome.pass", "outcome.pass"); got != "PASS" {
		t.Fatalf("explicit English: pass reads %q", got)
	}
	applyLanguage(LangSystem, sys, log)
	if got, _ := os.LookupEnv("LC_ALL"); got != "zh_CN.UTF-8" {
		t.Fatalf("LC_ALL not restored: %q", got)
	}
	if got := lang.X("outcome.pass", "outcome.pass"); got != "通过" {
		t.Fatalf("back to the system locale: pass reads %q", got)
	}
	t.Setenv("LC_ALL", "en_US.UTF-8")
	applyLanguage(LangSystem, snapshotLocaleEnv(), log)
}

// TestChineseTextIsCoveredByTheFonts proves that no translated character
// renders as a box: each is in the bundled CJK font or in fyne's own font
// (which the renderer falls back to per glyph).
func TestChineseTextIsCoveredByTheFonts(t *testing.T) {
	cjk, err := font.ParseTTF(bytes.NewReader(assets.CJKFont))
	if err != nil {
		t.Fatalf("parsing the bundled font: %v", err)
	}
	latin, err := font.ParseTTF(bytes.NewReader(theme.DefaultTextFont().Content()))
	if err != nil {
		t.Fatalf("parsing fyne's font: %v", err)
	}
	text := ""
	for _, v := range readTranslations(t)["checkpoint.zh_Hans.json"] {
		text += v
	}
	text += "中文（简体）张李王陈刘赵*母亲" // language picker and demo names
	missing := map[rune]bool{}
	han := 0
	for _, r := range text {
		if unicode.Is(unicode.Han, r) {
			han++
		}
		if _, ok := cjk.NominalGlyph(r); ok {
			continue
		}
		if _, ok := latin.NominalGlyph(r); ok {
			continue
		}
		missing[r] = true
	}
	if han < 500 {
		t.Fatalf("only %d Han characters checked", han)
	}
	for r := range missing {
		t.Errorf("%q (U+%04X) is in no font: it would render as a box", r, r)
	}
}

func TestThemeUsesTheCJKFontForText(t *testing.T) {
	cjk := fyne.NewStaticResource("cjk.ttf", []byte("x"))
	th := kioskTheme{cjk: cjk}
	if th.Font(fyne.TextStyle{}) != cjk || th.Font(fyne.TextStyle{Bold: true}) != cjk {
		t.Fatal("regular and bold text do not use the CJK font")
	}
	if th.Font(fyne.TextStyle{Monospace: true}) == cjk {
		t.Fatal("monospace text uses the CJK font")
	}
	if (kioskTheme{}).Font(fyne.TextStyle{}) != theme.DefaultTheme().Font(fyne.TextStyle{}) {
		t.Fatal("without a CJK font the theme does not use fyne's font")
	}
}

func TestFontLoadingFallsBackToTheBundledFont(t *testing.T) {
	dir := t.TempDir()
	ttc := filepath.Join(dir, "NotoSansCJK.ttc")
	if err := os.WriteFile(ttc, append([]byte("ttcf"), make([]byte, 64)...), 0o600); err != nil {
		t.Fatal(err)
	}
	ttf := filepath.Join(dir, "Other.ttf")
	if err := os.WriteFile(ttf, theme.DefaultTextFont().Content(), 0o600); err != nil {
		t.Fatal(err)
	}
	rows := []struct {
		name, path, want, warns string
	}{
		{"no path: bundled", "", assets.CJKFontName, ""},
		{"a font collection is refused", ttc, assets.CJKFontName, "font collections (.ttc) are not supported"},
		{"a missing file", filepath.Join(dir, "nope.ttf"), assets.CJKFontName, "no such file"},
		{"a single TrueType font is used", ttf, "Other.ttf", ""},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			var buf bytes.Buffer
			res := loadFont(r.path, slog.New(slog.NewTextHandler(&buf, nil)))
			if res.Name() != r.want {
				t.Fatalf("loaded %s, want %s", res.Name(), r.want)
			}
			if r.warns == "" && buf.Len() > 0 {
				t.Fatalf("unexpected warning: %s", buf.String())
			}
			if r.warns != "" && !strings.Contains(buf.String(), r.warns) {
				t.Fatalf("warning %q lacks %q", buf.String(), r.warns)
			}
		})
	}
}

func TestNormalizeLanguage(t *testing.T) {
	for in, want := range map[string]string{
		"": LangSystem, "system": LangSystem, "en": LangEnglish, "en_US.UTF-8": LangEnglish, "EN-gb": LangEnglish,
		"zh": LangChinese, "zh-CN": LangChinese, "zh_CN.UTF-8": LangChinese, "zh-Hans": LangChinese,
	} {
		if got, err := NormalizeLanguage(in); err != nil || got != want {
			t.Errorf("%q: %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"fr", "zh-TW", "klingon"} {
		if _, err := NormalizeLanguage(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestRegionNames(t *testing.T) {
	t.Setenv("LC_ALL", "")
	t.Setenv("LANGUAGE", "")
	log := slog.New(slog.DiscardHandler)
	sys := snapshotLocaleEnv()
	defer applyLanguage(LangSystem, sys, log)
	applyLanguage(LangEnglish, sys, log)
	for in, want := range map[string]string{
		"110000": "Beijing 110000", "440300": "Guangdong 440300", "820000": "Macao 820000",
		"990000": "990000", "DE": "DE", "11000x": "11000x", "": "",
	} {
		if got := regionText(in); got != want {
			t.Errorf("%q reads %q, want %q", in, got, want)
		}
	}
	applyLanguage(LangChinese, sys, log)
	if got := regionText("310115"); got != "上海市 310115" {
		t.Errorf("Shanghai in Chinese reads %q", got)
	}
	for _, p := range strings.Fields(provinces) {
		if got := tr("region." + p); got == "region."+p || !hasHan(got) {
			t.Errorf("province %s has no Chinese name: %q", p, got)
		}
	}
}

// TestCJKFontHasTheSpace guards the font subset: fyne shapes a space inside
// a Chinese run with the run's font and does not fall back for it, so a
// CJK font without U+0020 draws every such space as a missing glyph (seen
// in screenshots of "同步于 11-23" before the subset kept ASCII).
func TestCJKFontHasTheSpace(t *testing.T) {
	cjk, err := font.ParseTTF(bytes.NewReader(assets.CJKFont))
	if err != nil {
		t.Fatalf("parsing the bundled font: %v", err)
	}
	if _, ok := cjk.NominalGlyph(' '); !ok {
		t.Error("the bundled CJK font has no glyph for the space")
	}
}

// TestAwaitingTemperatureText: while a green code waits for its holder's
// temperature the guard reads "step up to the thermometer", not the final
// "measure by hand".
func TestAwaitingTemperatureText(t *testing.T) {
	t.Setenv("LC_ALL", "")
	t.Setenv("LANGUAGE", "")
	log := slog.New(slog.DiscardHandler)
	sys := snapshotLocaleEnv()
	defer applyLanguage(LangSystem, sys, log)
	for l, want := range map[string]string{LangEnglish: "Step up to the thermometer", LangChinese: "请测体温"} {
		applyLanguage(l, sys, log)
		v := checkpoint.Verdict{Outcome: checkpoint.OutcomeMeasure, Reason: checkpoint.ReasonNoTemperature, MessageKey: keyAwaitingTemperature}
		if got := reasonText(v); got != want {
			t.Errorf("%s: %q, want %q", l, got, want)
		}
		v.MessageKey = checkpoint.ReasonNoTemperature.MessageKey()
		if got := reasonText(v); got == want {
			t.Errorf("%s: the final verdict also reads %q", l, got)
		}
	}
}
