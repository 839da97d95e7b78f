package certlogic

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// ErrEvaluation is wrapped by every error Evaluate returns: an invalid
// expression, or an operation applied to values of the wrong type (the
// specification says the evaluator then throws; a rule engine should count
// the rule as failed).
var ErrEvaluation = errors.New("certlogic")

func errf(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrEvaluation}, args...)...)
}

// infix lists the operations written { "<op>": [a, b, ...] } with two (or
// for comparisons three) operands.
var infix = map[string]bool{
	"===": true, "and": true, ">": true, "<": true, ">=": true, "<=": true,
	"in": true, "+": true, "after": true, "before": true, "not-after": true, "not-before": true,
}

// Evaluate returns the value of a CertLogic expression over a data context.
// Errors wrap ErrEvaluation. Evaluation is bounded by the expression's size
// and depth (reduce iterates over data, never loops unboundedly).
func Evaluate(expr, data any) (any, error) {
	return eval(expr, data, 0)
}

// maxDepth bounds recursion so that a hostile, deeply nested expression is
// an error rather than a stack overflow.
const maxDepth = 200

func eval(expr, data any, depth int) (any, error) {
	if depth > maxDepth {
		return nil, errf("expression nested deeper than %d", maxDepth)
	}
	switch e := expr.(type) {
	case string, bool:
		return e, nil
	case float64:
		if !isInt(e) {
			return nil, errf("%v is a non-integer number", e)
		}
		return e, nil
	case int:
		return float64(e), nil
	case nil:
		return nil, errf("invalid CertLogic expression: null")
	case []any:
		out := make([]any, len(e))
		for i, item := range e {
			v, err := eval(item, data, depth+1)
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	case map[string]any:
		if len(e) != 1 {
			return nil, errf("expression object must have exactly one key, but it has %d", len(e))
		}
		for op, values := range e {
			return evalOp(op, values, data, depth)
		}
	}
	return nil, errf("invalid CertLogic expression of type %T", expr)
}

func evalOp(op string, values, data any, depth int) (any, error) {
	if op == "var" {
		return evalVar(values, data)
	}
	args, ok := values.([]any)
	if !ok || len(args) == 0 {
		return nil, errf(`operation not of the form { "<operator>": [ <values...> ] }`)
	}
	switch {
	case op == "if":
		if len(args) != 3 {
			return nil, errf(`an "if"-operation must have exactly 3 operands, but it has %d`, len(args))
		}
		guard, err := eval(args[0], data, depth+1)
		if err != nil {
			return nil, err
		}
		switch {
		case IsTruthy(guard):
			return eval(args[1], data, depth+1)
		case IsFalsy(guard):
			return eval(args[2], data, depth+1)
		}
		return nil, errf("if-guard evaluates to something neither truthy, nor falsy: %s", show(guard))
	case infix[op]:
		return evalInfix(op, args, data, depth)
	case op == "!":
		if len(args) != 1 {
			return nil, errf("a !-operation must have exactly 1 operand, but it has %d", len(args))
		}
		v, err := eval(args[0], data, depth+1)
		if err != nil {
			return nil, err
		}
		switch {
		case IsFalsy(v):
			return true, nil
		case IsTruthy(v):
			return false, nil
		}
		return nil, errf("operand of ! evaluates to something neither truthy, nor falsy: %s", show(v))
	case op == "plusTime":
		return evalPlusTime(args, data, depth)
	case op == "dccDateOfBirth":
		if len(args) != 1 {
			return nil, errf(`a "dccDateOfBirth"-operation must have exactly 1 operand, but it has %d`, len(args))
		}
		v, err := eval(args[0], data, depth+1)
		if err != nil {
			return nil, err
		}
		s, ok := v.(string)
		if !ok {
			return nil, errf(`operand of "dccDateOfBirth" must be a string, but it is: %s`, show(v))
		}
		return DateOfBirth(s)
	case op == "reduce":
		return evalReduce(args, data, depth)
	case op == "extractFromUVCI":
		return evalExtract(args, data, depth)
	}
	return nil, errf("unrecognised operator: %q", op)
}

func evalVar(values, data any) (any, error) {
	path, ok := values.(string)
	if !ok {
		return nil, errf(`not of the form { "var": "<path>" }`)
	}
	if path == "" {
		return data, nil
	}
	cur := data
	for _, frag := range strings.Split(path, ".") {
		switch c := cur.(type) {
		case map[string]any:
			v, ok := c[frag]
			if !ok {
				return nil, nil
			}
			cur = v
		case []any:
			i, err := strconv.Atoi(frag)
			if err != nil || i < 0 || i >= len(c) {
				return nil, nil
			}
			cur = c[i]
		default:
			return nil, nil
		}
	}
	return cur, nil
}

func evalInfix(op string, args []any, data any, depth int) (any, error) {
	switch op {
	case "and":
		if len(args) < 2 {
			return nil, errf(`an "and" operation must have at least 2 operands, but it has %d`, len(args))
		}
		var acc any = true
		for _, a := range args {
			switch {
			case IsFalsy(acc):
				return acc, nil
			case !IsTruthy(acc):
				return nil, errf(`all operands of an "and" operation must be either truthy or falsy, got %s`, show(acc))
			}
			v, err := eval(a, data, depth+1)
			if err != nil {
				return nil, err
			}
			acc = v
		}
		return acc, nil
	case "<", ">", "<=", ">=", "after", "before", "not-after", "not-before":
		if len(args) < 2 || len(args) > 3 {
			return nil, errf("an operation with operator %q must have 2 or 3 operands, but it has %d", op, len(args))
		}
	default:
		if len(args) != 2 {
			return nil, errf("an operation with operator %q must have 2 operands, but it has %d", op, len(args))
		}
	}
	vals := make([]any, len(args))
	for i, a := range args {
		v, err := eval(a, data, depth+1)
		if err != nil {
			return nil, err
		}
		vals[i] = v
	}
	switch op {
	case "===":
		return strictEqual(vals[0], vals[1]), nil
	case "in":
		list, ok := vals[1].([]any)
		if !ok {
			return nil, errf(`right-hand side of an "in" operation must be an array, but it is: %s`, show(vals[1]))
		}
		for _, item := range list {
			if strictEqual(vals[0], item) {
				return true, nil
			}
		}
		return false, nil
	case "+":
		l, lok := vals[0].(float64)
		r, rok := vals[1].(float64)
		if !lok || !rok || !isInt(l) || !isInt(r) {
			return nil, errf("operands of + must both be integers, but they are: %s, %s", show(vals[0]), show(vals[1]))
		}
		return l + r, nil
	case "<", ">", "<=", ">=":
		nums := make([]float64, len(vals))
		for i, v := range vals {
			f, ok := v.(float64)
			if !ok || !isInt(f) {
				return nil, errf("all operands of a comparison operation must be of integer type, got %s", show(v))
			}
			nums[i] = f
		}
		return compareChain(op, nums), nil
	}
	// after, before, not-after, not-before: the date-time equivalents of >, <, <=, >=.
	nums := make([]float64, len(vals))
	for i, v := range vals {
		d, ok := v.(DateTime)
		if !ok {
			return nil, errf("all operands of a date-time comparison must be date-times, got %s", show(v))
		}
		nums[i] = float64(d.UnixMilli())
	}
	return compareChain(map[string]string{"after": ">", "before": "<", "not-after": "<=", "not-before": ">="}[op], nums), nil
}

func compareChain(op string, n []float64) bool {
	cmp := func(l, r float64) bool {
		switch op {
		case "<":
			return l < r
		case ">":
			return l > r
		case "<=":
			return l <= r
		}
		return l >= r
	}
	if len(n) == 3 {
		return cmp(n[0], n[1]) && cmp(n[1], n[2])
	}
	return cmp(n[0], n[1])
}

func evalPlusTime(args []any, data any, depth int) (any, error) {
	if len(args) != 3 {
		return nil, errf(`a "plusTime"-operation must have exactly 3 operands, but it has %d`, len(args))
	}
	amount, ok := args[1].(float64)
	if !ok || !isInt(amount) {
		return nil, errf(`"amount" argument (#2) of "plusTime" must be an integer, but it is: %s`, show(args[1]))
	}
	unit, ok := args[2].(string)
	if !ok || !validUnit(unit) {
		return nil, errf(`"unit" argument (#3) of "plusTime" must be one of year, month, day, hour, but it is: %s`, show(args[2]))
	}
	v, err := eval(args[0], data, depth+1)
	if err != nil {
		return nil, err
	}
	s, ok := v.(string)
	if !ok {
		return nil, errf(`date argument of "plusTime" must be a string, but it is: %s`, show(v))
	}
	d, err := ParseDateTime(s)
	if err != nil {
		return nil, err
	}
	return d.Plus(int(amount), unit), nil
}

func evalReduce(args []any, data any, depth int) (any, error) {
	if len(args) != 3 {
		return nil, errf(`a "reduce"-operation must have exactly 3 operands, but it has %d`, len(args))
	}
	operand, err := eval(args[0], data, depth+1)
	if err != nil {
		return nil, err
	}
	acc, err := eval(args[2], data, depth+1)
	if err != nil {
		return nil, err
	}
	if operand == nil {
		return acc, nil
	}
	list, ok := operand.([]any)
	if !ok {
		return nil, errf("operand of reduce evaluated to a non-null non-array: %s", show(operand))
	}
	for _, cur := range list {
		acc, err = eval(args[1], map[string]any{"accumulator": acc, "current": cur}, depth+1)
		if err != nil {
			return nil, err
		}
	}
	return acc, nil
}

func evalExtract(args []any, data any, depth int) (any, error) {
	if len(args) != 2 {
		return nil, errf(`an "extractFromUVCI"-operation must have exactly 2 operands, but it has %d`, len(args))
	}
	v, err := eval(args[0], data, depth+1)
	if err != nil {
		return nil, err
	}
	idx, ok := args[1].(float64)
	if !ok || !isInt(idx) {
		return nil, errf(`"index" argument (#2) of "extractFromUVCI" must be an integer, but it is: %s`, show(args[1]))
	}
	if v == nil {
		return nil, nil
	}
	s, ok := v.(string)
	if !ok {
		return nil, errf(`"UVCI" argument (#1) of "extractFromUVCI" must be a string or null, but it is: %s`, show(v))
	}
	return ExtractFromUVCI(s, int(idx)), nil
}

// ExtractFromUVCI returns fragment index (0-based) of a UCI split on '/',
// '#' and ':', after dropping an optional "URN:UVCI:" prefix; nil when there
// is no such fragment.
func ExtractFromUVCI(uvci string, index int) any {
	if index < 0 {
		return nil
	}
	uvci = strings.TrimPrefix(uvci, "URN:UVCI:")
	frags := splitAny(uvci, "/#:")
	if index >= len(frags) {
		return nil
	}
	return frags[index]
}

// splitAny splits s at every rune of seps, keeping empty fragments.
func splitAny(s, seps string) []string {
	var out []string
	start := 0
	for i, r := range s {
		if strings.ContainsRune(seps, r) {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

func validUnit(u string) bool {
	return u == "year" || u == "month" || u == "day" || u == "hour"
}

func isInt(f float64) bool {
	return !math.IsInf(f, 0) && !math.IsNaN(f) && f == math.Trunc(f)
}

// IsFalsy reports whether v is falsy in CertLogic: false, null, "", 0, []
// and {}. Values that are neither falsy nor truthy (non-integer numbers,
// date-times) exist, and an operation that needs a truth value refuses them.
func IsFalsy(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case bool:
		return !x
	case string:
		return x == ""
	case float64:
		return x == 0
	case []any:
		return len(x) == 0
	case map[string]any:
		return len(x) == 0
	}
	return false
}

// IsTruthy reports whether v is truthy in CertLogic: true, a non-empty
// string, a non-zero integer, a non-empty array or object.
func IsTruthy(v any) bool {
	switch x := v.(type) {
	case bool:
		return x
	case string:
		return x != ""
	case float64:
		return x != 0 && isInt(x)
	case []any:
		return len(x) > 0
	case map[string]any:
		return len(x) > 0
	}
	return false
}

// strictEqual is JavaScript's ===: equal primitives of the same type;
// arrays, objects and date-times are distinct values.
func strictEqual(a, b any) bool {
	switch x := a.(type) {
	case nil:
		return b == nil
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case string:
		y, ok := b.(string)
		return ok && x == y
	case float64:
		y, ok := b.(float64)
		return ok && x == y
	}
	return false
}

func show(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return strconv.Quote(x)
	case DateTime:
		return x.String()
	case []any:
		return fmt.Sprintf("array of %d", len(x))
	case map[string]any:
		return fmt.Sprintf("object of %d keys", len(x))
	}
	return fmt.Sprint(v)
}
