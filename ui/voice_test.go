package ui

import (
	"testing"

	"github.com/checkpoint-terminal/checkpoint"
)

func TestVerdictIsSpokenUnlessMuted(t *testing.T) {
	v := &voiceLog{}
	h := newHarness(t, func(_ *Config, d *Deps) { d.Sound = v })
	h.term.ShowVerdict(checkpoint.Verdict{Outcome: checkpoint.OutcomeDeny, Reason: checkpoint.ReasonRed})
	if len(v.spoken) != 1 || v.spoken[0] != checkpoint.OutcomeDeny.String()+"/"+LangEnglish || len(v.played) != 0 {
		t.Fatalf("spoken %q, played %v", v.spoken, v.played)
	}
	h.term.settings.Mute = true
	h.term.ShowVerdict(checkpoint.Verdict{Outcome: checkpoint.OutcomePass, Reason: checkpoint.ReasonGreen})
	if len(v.spoken) != 1 {
		t.Fatalf("muted, yet spoken %q", v.spoken)
	}
}
