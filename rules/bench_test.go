package rules

import (
	"os"
	"testing"

	"github.com/checkpoint-terminal/checkpoint"
	"github.com/checkpoint-terminal/checkpoint/internal/decidecases"
)

// BenchmarkDecide compares one verdict by the built-in Decide (the floor)
// with the same verdict through the rules engine: the built-in set, and
// the 48 h test example (date arithmetic on every green code).
func BenchmarkDecide(b *testing.B) {
	p := greenPresentation()
	r := decidecases.Reading("normal")
	pol := checkpoint.DefaultPolicy()
	b.Run("builtin-Decide", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			checkpoint.Decide(p, r, pol, t0)
		}
	})
	e := NewEngine(nil)
	e.Use(Default())
	b.Run("rules-default-set", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			e.Decide(p, r, pol, t0)
		}
	})
	raw, err := os.ReadFile("examples/green-test-48h.json")
	if err != nil {
		b.Fatal(err)
	}
	s, err := Parse(raw)
	if err != nil {
		b.Fatal(err)
	}
	e48 := NewEngine(nil)
	e48.Use(s)
	pt := greenPresentation()
	pt.Code.Test = &checkpoint.TestFact{SampledAt: t0.Add(-26 * 3600e9), Result: checkpoint.TestNegative, Type: checkpoint.TestNucleicAcid}
	b.Run("rules-test-48h-set", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if v := e48.Decide(pt, r, pol, t0); v.Outcome != checkpoint.OutcomePass {
				b.Fatalf("%s/%s", v.Outcome, v.Reason)
			}
		}
	})
}
