package rules

import (
	_ "embed"
	"fmt"
)

//go:embed default.json
var defaultJSON []byte

// DefaultJSON is the built-in policy written as a rule set (the stages of
// checkpoint.Decide after the code's verification and times: colour, then
// temperature). A test proves it decides every case of Decide's tables
// alike; it is also the template for writing a site's own set.
func DefaultJSON() []byte { return append([]byte(nil), defaultJSON...) }

// Default parses DefaultJSON.
func Default() *Set {
	s, err := Parse(defaultJSON)
	if err != nil {
		panic(fmt.Sprintf("built-in rule set: %v", err)) // embedded; a test keeps it valid
	}
	return s
}
