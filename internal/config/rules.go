package config

import "fmt"

// Rules places the terminal for site rule sets (see package rules).
type Rules struct {
	// Region is the terminal's GB/T 2260 six-digit division code; a rule
	// set scoped to regions applies only where this falls inside one of
	// them. Empty: region-scoped sets never apply here.
	Region string `toml:"region"`
	// File is a signed rule set installed at start when newer than the
	// stored ones (offline seeding, like trust.trust_list).
	File string `toml:"file"`
}

// Validate checks the region's form.
func (r Rules) Validate() error {
	if r.Region == "" {
		return nil
	}
	if len(r.Region) != 6 {
		return fmt.Errorf("rules.region %q: want a six-digit GB/T 2260 division code", r.Region)
	}
	for _, c := range r.Region {
		if c < '0' || c > '9' {
			return fmt.Errorf("rules.region %q: want a six-digit GB/T 2260 division code", r.Region)
		}
	}
	return nil
}
