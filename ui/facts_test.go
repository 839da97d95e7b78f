package ui

import (
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
)

// The verdict lists a code's test and vaccination briefly, in both
// languages, and the rule-set reason texts exist in both.
func TestFactLinesInBothLanguages(t *testing.T) {
	t.Setenv("LC_ALL", "")
	t.Setenv("LANGUAGE", "")
	log := slog.New(slog.DiscardHandler)
	sys := snapshotLocaleEnv()
	defer applyLanguage(LangSystem, sys, log)
	now := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	code := &checkpoint.Code{Color: checkpoint.ColorGreen, Region: "110000",
		Test:        &checkpoint.TestFact{SampledAt: now.Add(-26*time.Hour - 10*time.Minute), Result: checkpoint.TestNegative, Type: checkpoint.TestNucleicAcid},
		Vaccination: &checkpoint.VaccinationFact{Doses: 3}}
	v := checkpoint.Verdict{Outcome: checkpoint.OutcomePass, Reason: checkpoint.ReasonGreen, Code: code, DecidedAt: now}
	for l, want := range map[string][]string{
		LangChinese: {"核酸 阴性 · 26 小时前", "疫苗 3 剂"},
		LangEnglish: {"Nucleic-acid test negative · 26 h ago", "Vaccine: 3 doses"},
	} {
		applyLanguage(l, sys, log)
		got := strings.Join(detailLines(v), "\n")
		for _, w := range want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: details lack %q:\n%s", l, w, got)
			}
		}
		old := *code
		old.Test = &checkpoint.TestFact{SampledAt: now.AddDate(0, 0, -5), Result: checkpoint.TestPositive, Type: checkpoint.TestAntigen}
		old.Vaccination = &checkpoint.VaccinationFact{Doses: 1, SeriesDoses: 2}
		lines := factLines(&old, now)
		if len(lines) != 2 || strings.Contains(strings.Join(lines, ""), "{{") || strings.Contains(strings.Join(lines, ""), "fact.") {
			t.Errorf("%s: %q", l, lines)
		}
		for _, r := range []string{"rule_error", "no_rule", "no_negative_test_48h", "vaccination_required", "green_outdoor", "dcc_series_incomplete", "fever_clinic"} {
			vr := checkpoint.Verdict{Reason: checkpoint.Reason(r), MessageKey: "reason." + r}
			if got := reasonText(vr); got == "reason."+r || strings.Contains(got, r) || hasHan(got) != (l == LangChinese) {
				t.Errorf("%s: reason %s reads %q", l, r, got)
			}
		}
		if got := tr("rules.lang"); got != map[string]string{LangEnglish: "en", LangChinese: "zh-CN"}[l] {
			t.Errorf("%s: rules.lang %q", l, got)
		}
	}
}

// A site rule's reason without a text of the UI's own shows the rule's
// description in the UI language.
func TestRuleReasonFallsBackToTheRuleText(t *testing.T) {
	t.Setenv("LC_ALL", "")
	t.Setenv("LANGUAGE", "")
	log := slog.New(slog.DiscardHandler)
	sys := snapshotLocaleEnv()
	defer applyLanguage(LangSystem, sys, log)
	v := checkpoint.Verdict{Outcome: checkpoint.OutcomeDeny, Reason: "no_test_24h", MessageKey: "reason.no_test_24h", RuleSet: "s@1", Rule: "R",
		RuleText: &checkpoint.BilingualText{ZH: "须持24小时内核酸阴性证明", EN: "A negative test within 24 h is required"}}
	for l, want := range map[string]string{LangChinese: "须持24小时内核酸阴性证明", LangEnglish: "A negative test within 24 h is required"} {
		applyLanguage(l, sys, log)
		if got := reasonText(v); got != want {
			t.Errorf("%s: %q, want %q", l, got, want)
		}
		// A reason the bundle knows keeps the bundle's text.
		k := v
		k.Reason, k.MessageKey = "vaccination_required", "reason.vaccination_required"
		if got := reasonText(k); got == v.RuleText.EN || got == v.RuleText.ZH || strings.HasPrefix(got, "reason.") {
			t.Errorf("%s: known rule reason reads %q", l, got)
		}
	}
}
