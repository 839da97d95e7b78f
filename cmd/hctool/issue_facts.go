package main

import (
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
	"github.com/checkpoint-terminal/checkpoint/healthcode"
)

// factFlags are hctool issue's flags for the optional HCN1 1.1 claims.
type factFlags struct {
	testSampled, testResult, testType *string
	doses, series                     *int
	lastDose                          *string
}

func addFactFlags(fs *flag.FlagSet) *factFlags {
	return &factFlags{
		testSampled: fs.String("test-sampled", "", "latest test: sampling time, RFC 3339 or an age before the issue time such as 26h (enables the test claim)"),
		testResult:  fs.String("test-result", "negative", "latest test: negative or positive"),
		testType:    fs.String("test-type", "nucleic_acid", "latest test: nucleic_acid or antigen"),
		doses:       fs.Int("vacc-doses", -1, "vaccination: doses received (enables the vaccination claim)"),
		series:      fs.Int("vacc-series", 0, "vaccination: doses of a complete series (0: not stated)"),
		lastDose:    fs.String("vacc-last", "", "vaccination: date of the last dose, YYYY-MM-DD (required with doses > 0)"),
	}
}

// apply sets c.Test and c.Vaccination from the flags; c.IssuedAt is set.
func (f *factFlags) apply(c *healthcode.Claims) error {
	if *f.testSampled != "" {
		at, err := time.Parse(time.RFC3339, *f.testSampled)
		if err != nil {
			age, derr := time.ParseDuration(strings.TrimPrefix(*f.testSampled, "-"))
			if derr != nil {
				return fmt.Errorf("--test-sampled %q: want RFC 3339 or an age like 26h", *f.testSampled)
			}
			at = c.IssuedAt.Add(-age)
		}
		c.Test = &checkpoint.TestFact{SampledAt: at, Result: checkpoint.TestResult(*f.testResult), Type: checkpoint.TestType(*f.testType)}
	}
	if *f.doses >= 0 {
		v := &checkpoint.VaccinationFact{Doses: *f.doses, SeriesDoses: *f.series}
		if *f.lastDose != "" {
			d, err := time.Parse("2006-01-02", *f.lastDose)
			if err != nil {
				return fmt.Errorf("--vacc-last: %w", err)
			}
			v.LastDose = d
		}
		c.Vaccination = v
	}
	return nil
}

// printFacts prints the optional HCN1 1.1 claims (hctool verify, decode).
func printFacts(w io.Writer, c *healthcode.Claims) {
	if t := c.Test; t != nil {
		fmt.Fprintf(w, "test:        %s %s, sampled %s\n", t.Type, t.Result, fmtTime(t.SampledAt))
	}
	if v := c.Vaccination; v != nil {
		fmt.Fprintf(w, "vaccination: %d dose(s)", v.Doses)
		if v.SeriesDoses > 0 {
			fmt.Fprintf(w, " of %d", v.SeriesDoses)
		}
		if !v.LastDose.IsZero() {
			fmt.Fprintf(w, ", last %s", v.LastDose.Format("2006-01-02"))
		}
		fmt.Fprintln(w)
	}
}
