package main

import (
	"context"
	"crypto"
	"errors"
	"fmt"
	"io"
	"reflect"
	"sort"

	"github.com/jackc/pgx/v5"

	"github.com/checkpoint-terminal/checkpoint"
	"github.com/checkpoint-terminal/checkpoint/healthcode"
	"github.com/checkpoint-terminal/checkpoint/sync/hub"
	"github.com/checkpoint-terminal/checkpoint/sync/wire"
)

// showPolicyDiff prints what publishing p changes from the policy in force
// (or from the built-in default when none is published yet).
func showPolicyDiff(ctx context.Context, w io.Writer, a *hub.Admin, pub crypto.PublicKey, p checkpoint.Policy) {
	cur, ok, err := policyInForce(ctx, a, pub)
	switch {
	case err != nil:
		fmt.Fprintf(w, "cannot show the difference: %v\n", err)
		return
	case !ok:
		fmt.Fprintln(w, "no policy published yet; changes from the built-in default:")
		cur.Policy = checkpoint.DefaultPolicy()
	default:
		fmt.Fprintf(w, "changes from policy version %d in force:\n", cur.Version)
	}
	diff := policyDiff(cur.Policy, p)
	if len(diff) == 0 {
		fmt.Fprintln(w, "  (none)")
	}
	for _, l := range diff {
		fmt.Fprintln(w, "  "+l)
	}
}

// policyDiff lists, one line per key, what changes from old to new.
func policyDiff(old, new checkpoint.Policy) []string {
	var out []string
	ov, nv := reflect.ValueOf(old), reflect.ValueOf(new)
	fields := policyFields()
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return fields[keys[i]] < fields[keys[j]] })
	for _, k := range keys {
		a, b := ov.Field(fields[k]).Interface(), nv.Field(fields[k]).Interface()
		if !reflect.DeepEqual(a, b) {
			out = append(out, fmt.Sprintf("%s: %v -> %v", k, a, b))
		}
	}
	return out
}

// policyInForce is the newest published policy, opened with pub (the
// public half of the signing key). ok is false when none is published.
func policyInForce(ctx context.Context, a *hub.Admin, pub crypto.PublicKey) (doc wire.PolicyDoc, ok bool, err error) {
	var signed []byte
	err = a.Pool.QueryRow(ctx, "SELECT signed FROM policies ORDER BY version DESC LIMIT 1").Scan(&signed)
	if errors.Is(err, pgx.ErrNoRows) {
		return doc, false, nil
	}
	if err != nil {
		return doc, false, fmt.Errorf("reading the policy in force: %w", err)
	}
	payload, err := healthcode.OpenDocument(signed, []crypto.PublicKey{pub})
	if err != nil {
		return doc, false, fmt.Errorf("the policy in force does not verify with this key: %w", err)
	}
	doc, err = wire.ReparsePolicyDoc(payload) // shown even when it has expired
	return doc, err == nil, err
}
