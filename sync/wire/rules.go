package wire

// PathRules serves the newest published rule set (package rules), signed
// by a root as COSE_Sign1, with an ETag like the trust list and policy.
const PathRules = "/v1/rules"
