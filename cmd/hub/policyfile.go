package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
)

// policyFields maps each JSON key of checkpoint.Policy to its field index.
func policyFields() map[string]int {
	m := map[string]int{}
	t := reflect.TypeOf(checkpoint.Policy{})
	for i := 0; i < t.NumField(); i++ {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			m[name] = i
		}
	}
	return m
}

var durationType = reflect.TypeOf(time.Duration(0))

// decodePolicyFile reads a policy file strictly: a JSON object whose keys
// are checkpoint.Policy's JSON names (an unknown key is an error that
// lists the known ones, so a typo never becomes a signed fleet-wide
// default), durations as Go duration strings ("10s", "72h"; a bare number
// would be nanoseconds and is refused), each key at most once. Keys the
// file omits keep their value in base. The result is validated.
func decodePolicyFile(b []byte, base checkpoint.Policy) (checkpoint.Policy, error) {
	var raw map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&raw); err != nil {
		return base, fmt.Errorf("policy file is not a JSON object: %w", err)
	}
	if dec.More() {
		return base, errors.New("policy file holds more than one JSON value")
	}
	if err := noDuplicateKeys(b); err != nil {
		return base, err
	}
	fields := policyFields()
	var unknown []string
	for k := range raw {
		if _, ok := fields[k]; !ok {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		known := make([]string, 0, len(fields))
		for k := range fields {
			known = append(known, k)
		}
		sort.Strings(known)
		return base, fmt.Errorf("unknown policy key(s) %s (known: %s); nothing published",
			strings.Join(unknown, ", "), strings.Join(known, ", "))
	}
	p := base
	v := reflect.ValueOf(&p).Elem()
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		f := v.Field(fields[k])
		if f.Type() == durationType {
			var s string
			if err := json.Unmarshal(raw[k], &s); err != nil {
				return base, fmt.Errorf("policy key %s: give a duration as a string such as \"10s\" or \"72h\", not %s", k, raw[k])
			}
			d, err := time.ParseDuration(s)
			if err != nil {
				return base, fmt.Errorf("policy key %s: %w", k, err)
			}
			f.SetInt(int64(d))
			continue
		}
		dst := reflect.New(f.Type())
		if err := json.Unmarshal(raw[k], dst.Interface()); err != nil {
			return base, fmt.Errorf("policy key %s: want a %s, got %s", k, f.Type(), raw[k])
		}
		f.Set(dst.Elem())
	}
	if err := p.Validate(); err != nil {
		return base, fmt.Errorf("policy: %w", err)
	}
	return p, nil
}

// noDuplicateKeys refuses an object that names a key twice (encoding/json
// would silently keep the last).
func noDuplicateKeys(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	if _, err := dec.Token(); err != nil { // {
		return err
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		k, _ := tok.(string)
		if seen[k] {
			return fmt.Errorf("policy key %s appears twice", k)
		}
		seen[k] = true
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return err
		}
	}
	return nil
}
