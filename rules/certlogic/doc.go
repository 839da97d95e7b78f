// Package certlogic evaluates CertLogic expressions: the restricted JsonLogic
// with date-time operations that the EU Digital COVID Certificate business
// rules are written in (specification version 1.3.3, dgc-business-rules).
//
// Expressions and data are plain JSON values as encoding/json decodes them
// into `any` (nil, bool, float64, string, []any, map[string]any). Integers
// are float64 values with no fractional part, as in JavaScript. Evaluation
// adds one value kind: a DateTime, made only by plusTime and dccDateOfBirth.
//
// Why not a JsonLogic library: the Go JsonLogic libraries (diegoholiveira,
// HuanTeng, IBM) follow JsonLogic's semantics, which CertLogic deliberately
// narrows: values that are neither truthy nor falsy must be errors, `in`
// needs an array, `+` and comparisons need integers, `if` takes exactly
// three operands, `var` has no default, and objects must have exactly one
// key. Registering CertLogic's operations on top would have meant replacing
// every built-in operation and adding a validator in front, and the most
// used one keeps its operators in package-global state. The evaluator here
// is small (one switch over ten operations) and is checked against the
// specification's own test suite.
package certlogic
