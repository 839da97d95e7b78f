package ui

import (
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/checkpoint-terminal/checkpoint"
)

// The test-code screen shows which site rule decided, in the UI language.
func TestTestCodeShowsTheRuleExplanation(t *testing.T) {
	var langs []string
	h := newHarness(t, func(_ *Config, d *Deps) {
		d.TestCode = func(text string) checkpoint.Verdict {
			return checkpoint.Decide(checkpoint.Presentation{Failure: checkpoint.FailUnknownFormat}, nil, checkpoint.DefaultPolicy(), time.Now())
		}
		d.ExplainCode = func(text, lang string) string {
			langs = append(langs, lang)
			return "Rule set vaccination-2@3 => VACCINATION-2 [fired]"
		}
	})
	h.term.showOperator(TabTest)
	o := h.term.op
	o.testEntry.SetText("HC1:whatever")
	test.Tap(o.testBtn)
	h.shows("Rule set vaccination-2@3 => VACCINATION-2 [fired]")
	if len(langs) != 1 || (langs[0] != "en" && langs[0] != "zh-CN") {
		t.Fatalf("asked in languages %q", langs)
	}
}
