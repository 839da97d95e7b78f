package checkpoint

import (
	"errors"
	"time"
)

// Record is what the terminal stores and uploads for each verdict: enough
// for an epidemiological investigation ("who passed checkpoint X between T1
// and T2", "where was code C seen") and nothing more. It never holds a name,
// a masked name or an identity number.
type Record struct {
	// ID is unique across all terminals (a UUIDv7, time-ordered); the store
	// assigns it when empty.
	ID         string    `json:"id"`
	Time       time.Time `json:"time"`
	TerminalID string    `json:"terminal_id"`
	SiteID     string    `json:"site_id"`
	// CodeID is the pseudonymous code id; empty when the code never verified.
	CodeID  string   `json:"code_id,omitempty"`
	Format  Format   `json:"format,omitempty"`
	Issuer  string   `json:"issuer,omitempty"`
	Color   Color    `json:"color"`
	Proxy   bool     `json:"proxy,omitempty"`
	Celsius *float64 `json:"celsius,omitempty"`
	Outcome Outcome  `json:"outcome"`
	Reason  Reason   `json:"reason"`
	// RuleSet and Rule name the site rule that decided (Verdict.RuleSet).
	RuleSet string `json:"rule_set,omitempty"`
	Rule    string `json:"rule,omitempty"`
	// GateOpened is true when a gate relay confirmed opening for this
	// verdict (only ever on a PASS).
	GateOpened bool `json:"gate_opened,omitempty"`
}

// NewRecord makes the record of a verdict at a terminal. The holder's masked
// name is deliberately not copied.
func NewRecord(v Verdict, terminalID, siteID string) Record {
	r := Record{
		Time:       v.DecidedAt,
		TerminalID: terminalID,
		SiteID:     siteID,
		Outcome:    v.Outcome,
		Reason:     v.Reason,
		RuleSet:    v.RuleSet,
		Rule:       v.Rule,
	}
	if v.Temperature != nil {
		c := *v.Temperature
		r.Celsius = &c
	}
	if v.Code != nil {
		r.CodeID, r.Format, r.Issuer, r.Color, r.Proxy = v.Code.ID, v.Code.Format, v.Code.Issuer, v.Code.Color, v.Code.Proxy
	}
	return r
}

// Validate reports what makes a record unfit to store.
func (r Record) Validate() error {
	var errs []error
	if r.Time.IsZero() {
		errs = append(errs, errors.New("record has no time"))
	}
	if r.TerminalID == "" {
		errs = append(errs, errors.New("record has no terminal id"))
	}
	if r.Outcome == OutcomeNone {
		errs = append(errs, errors.New("record has no outcome"))
	}
	if r.Reason == "" {
		errs = append(errs, errors.New("record has no reason"))
	}
	return errors.Join(errs...)
}
