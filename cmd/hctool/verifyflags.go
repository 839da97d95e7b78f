package main

import (
	"flag"
	"fmt"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
	"github.com/checkpoint-terminal/checkpoint/healthcode"
)

// verifyFlags are the verification settings hctool verify and hctool
// scanner share, so that both give one code the same verdict.
type verifyFlags struct {
	skew, testHours, vaccWait, maxDynAge *time.Duration
	oneDose                              *bool
	tz                                   *string
}

func addVerifyFlags(fs *flag.FlagSet) verifyFlags {
	return verifyFlags{
		skew:      fs.Duration("skew", 2*time.Minute, "clock skew tolerance"),
		testHours: fs.Duration("dcc-test-validity", 72*time.Hour, "DCC: how long a negative test counts"),
		vaccWait:  fs.Duration("dcc-vaccination-wait", 14*24*time.Hour, "DCC: how long after the last dose a completed primary series counts (boosters count at once)"),
		oneDose:   fs.Bool("dcc-one-dose-after-recovery", false, "DCC: a 1/1 vaccination with a two-dose product counts at once"),
		maxDynAge: fs.Duration("max-dynamic-age", 5*time.Minute, "the terminal policy's max_dynamic_age: a dynamic code older than this, or living (exp - iat) longer, is refused; 0 skips the policy"),
		tz:        fs.String("tz", "Local", "time zone whose calendar days DCC date-only fields name (IANA name, UTC or Local)"),
	}
}

// verifier verifies a code as the flags say at now(), then applies the
// terminal policy's rules on verified codes, as Decide applies them (the
// replay rule needs a terminal's history and is not here).
func (f verifyFlags) verifier(tl checkpoint.TrustStore, revs checkpoint.RevocationChecker, now func() time.Time) (func(string) (checkpoint.Code, error), error) {
	loc, err := time.LoadLocation(*f.tz)
	if err != nil {
		return nil, fmt.Errorf("--tz: %w", err)
	}
	opts := healthcode.Options{ClockSkew: healthcode.FixedSkew(*f.skew), Location: loc,
		DCC: healthcode.DCCPolicy{TestValidity: *f.testHours, VaccinationWait: *f.vaccWait, OneDoseAfterRecovery: *f.oneDose}}
	if *f.vaccWait == 0 {
		opts.DCC.VaccinationWait = -1
	}
	v := healthcode.NewVerifier(tl, revs, checkpoint.ClockFunc(now), opts)
	return func(text string) (checkpoint.Code, error) {
		code, err := v.Verify(text)
		if err == nil && *f.maxDynAge > 0 {
			pol := checkpoint.DefaultPolicy()
			pol.MaxDynamicAge, pol.ClockSkew, pol.RequireTemperature = *f.maxDynAge, max(*f.skew, 0), false
			t := now()
			if d := checkpoint.Decide(checkpoint.Presentation{Code: &code, CapturedAt: t}, nil, pol, t); d.Failure != checkpoint.FailNone {
				err = checkpoint.Failf(d.Failure, "terminal policy: %s", d.Reason)
			}
		}
		return code, err
	}, nil
}
