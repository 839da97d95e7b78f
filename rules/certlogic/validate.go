package certlogic

import (
	"fmt"
	"regexp"
)

// Issue is one reason an expression is not valid CertLogic.
type Issue struct {
	Expr    any    // the offending sub-expression
	Message string // what is wrong with it
}

func (i Issue) String() string { return i.Message }

var varPath = regexp.MustCompile(`^[^.]+(\.[^.]+)*$`)

// Validate checks the form of an expression without evaluating it, as the
// CertLogic validator does: literals are strings, integers, booleans and
// arrays of expressions; an object has exactly one key, a known operation
// with an array of the right number of operands (var: a path string);
// plusTime's amount is an integer literal and its unit one of year, month,
// day, hour; extractFromUVCI's index an integer literal. No issues means
// valid.
func Validate(expr any) []Issue {
	return validate(expr, 0)
}

func validate(expr any, depth int) []Issue {
	bad := func(format string, args ...any) []Issue {
		return []Issue{{Expr: expr, Message: fmt.Sprintf(format, args...)}}
	}
	if depth > maxDepth {
		return bad("expression nested deeper than %d", maxDepth)
	}
	switch e := expr.(type) {
	case string, bool:
		return nil
	case int:
		return nil
	case float64:
		if !isInt(e) {
			return bad("%v is a non-integer number", e)
		}
		return nil
	case []any:
		var out []Issue
		for _, item := range e {
			out = append(out, validate(item, depth+1)...)
		}
		return out
	case map[string]any:
		if len(e) != 1 {
			return bad("expression object must have exactly one key, but it has %d", len(e))
		}
		for op, values := range e {
			return validateOp(expr, op, values, depth)
		}
	}
	return bad("invalid CertLogic expression")
}

func validateOp(expr any, op string, values any, depth int) []Issue {
	var out []Issue
	add := func(format string, args ...any) {
		out = append(out, Issue{Expr: expr, Message: fmt.Sprintf(format, args...)})
	}
	sub := func(items []any) {
		for _, it := range items {
			out = append(out, validate(it, depth+1)...)
		}
	}
	if op == "var" {
		path, ok := values.(string)
		if !ok {
			add(`not of the form { "var": "<path>" }`)
		} else if path != "" && !varPath.MatchString(path) {
			add("data access path doesn't have a valid format: %s", path)
		}
		return out
	}
	args, ok := values.([]any)
	if !ok {
		add(`operation not of the form { "<operator>": [ <values...> ] }`)
		return out
	}
	upTo := func(n int) []any {
		if len(args) < n {
			return args
		}
		return args[:n]
	}
	switch {
	case op == "if":
		if len(args) != 3 {
			add(`an "if"-operation must have exactly 3 values/operands, but it has %d`, len(args))
		}
		sub(upTo(3))
	case op == "and":
		if len(args) < 2 {
			add(`an "and" operation must have at least 2 operands, but it has %d`, len(args))
		}
		sub(args)
	case op == "<" || op == ">" || op == "<=" || op == ">=" || op == "after" || op == "before" || op == "not-after" || op == "not-before":
		if len(args) < 2 || len(args) > 3 {
			add(`an operation with operator %q must have 2 or 3 operands, but it has %d`, op, len(args))
		}
		sub(upTo(3))
	case infix[op]:
		if len(args) != 2 {
			add(`an operation with operator %q must have 2 operands, but it has %d`, op, len(args))
		}
		sub(upTo(2))
	case op == "!":
		if len(args) != 1 {
			add(`a !-operation (logical not/negation) must have exactly 1 operand, but it has %d`, len(args))
		} else {
			sub(args)
		}
	case op == "dccDateOfBirth":
		if len(args) != 1 {
			add(`a "dccDateOfBirth"-operation must have exactly 1 operand, but it has %d`, len(args))
		}
		sub(upTo(1))
	case op == "plusTime":
		if len(args) != 3 {
			add(`a "plusTime"-operation must have exactly 3 values/operands, but it has %d`, len(args))
		}
		sub(upTo(1))
		if len(args) > 1 {
			if f, ok := args[1].(float64); !ok || !isInt(f) {
				add(`"amount" argument (#2) of "plusTime" must be an integer, but it is: %s`, show(args[1]))
			}
		}
		if len(args) > 2 {
			if u, ok := args[2].(string); !ok || !validUnit(u) {
				add(`"unit" argument (#3) of "plusTime" must be a string equal to one of year, month, day, hour, but it is: %s`, show(args[2]))
			}
		}
	case op == "reduce":
		if len(args) != 3 {
			add(`a "reduce"-operation must have exactly 3 values/operands, but it has %d`, len(args))
		}
		sub(upTo(3))
	case op == "extractFromUVCI":
		if len(args) != 2 {
			add(`an "extractFromUVCI"-operation must have exactly 2 values/operands, but it has %d`, len(args))
		}
		sub(upTo(1))
		if len(args) > 1 {
			if f, ok := args[1].(float64); !ok || !isInt(f) {
				add(`"index" argument (#2) of "extractFromUVCI" must be an integer, but it is: %s`, show(args[1]))
			}
		}
	default:
		add("unrecognised operator: %q", op)
	}
	return out
}
