package wire

// PathRules serves the newest published rule set (package rules) whose
// scope takes in the asking terminal: its device id, the site it was
// registered to, and the region it names with QueryRegion (its GB/T 2260
// code, matched by prefix as rules.Scope does). Signed by a root as
// COSE_Sign1, with an ETag like the trust list and policy; 404 when no
// published set applies to the terminal.
const PathRules = "/v1/rules"

// QueryRegion is the query parameter of PathRules naming the terminal's
// region ([rules] region).
const QueryRegion = "region"
