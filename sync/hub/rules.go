package hub

import (
	"context"
	"fmt"

	"github.com/checkpoint-terminal/checkpoint"
	"github.com/checkpoint-terminal/checkpoint/rules"
)

// PublishRuleSet publishes a signed rule set after checking it as a
// terminal will: signed by one of the configured roots (hub roots add), well-formed, its own tests
// passing (rules.Open). Versions only go up (ErrExists; ErrVersionJump
// past MaxVersionJump without Force). It
// returns the published set.
func (a *Admin) PublishRuleSet(ctx context.Context, signed []byte) (*rules.Set, error) {
	roots, err := a.Roots(ctx)
	if err != nil {
		return nil, fmt.Errorf("publishing rule set: %w", err)
	}
	set, err := rules.Open(signed, roots)
	if err != nil {
		return nil, fmt.Errorf("publishing rule set: %w", err)
	}
	var cur int64
	if err := a.Pool.QueryRow(ctx, "SELECT coalesce(max(version), 0) FROM rule_sets").Scan(&cur); err != nil {
		return nil, fmt.Errorf("publishing rule set: %w", err)
	}
	if err := a.guardVersion("rule set "+set.ID, set.Version, uint64(cur)); err != nil {
		return nil, err
	}
	_, err = a.Pool.Exec(ctx, "INSERT INTO rule_sets (version, set_id, signed) VALUES ($1, $2, $3)", int64(set.Version), set.ID, signed)
	if isUnique(err) {
		return nil, fmt.Errorf("publishing rule set %s: %w", set.Name(), ErrExists)
	}
	if err != nil {
		return nil, fmt.Errorf("publishing rule set %s: %w", set.Name(), err)
	}
	return set, nil
}

// ingestRuleNames stores which rule set and rule decided each record that
// names one (records decided by the built-in policy keep the empty
// default) and whether its gate opened. Repeating it for a record already
// stored writes the same values, so a retried push stays idempotent.
func (s *Server) ingestRuleNames(ctx context.Context, recs []checkpoint.Record) error {
	var ids, sets, names []string
	var gates []bool
	for _, r := range recs {
		if r.RuleSet != "" || r.Rule != "" || r.GateOpened {
			ids, sets, names, gates = append(ids, r.ID), append(sets, r.RuleSet), append(names, r.Rule), append(gates, r.GateOpened)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	_, err := s.pool.Exec(ctx, `UPDATE records SET rule_set = u.rule_set, rule = u.rule, gate_opened = u.gate_opened
		FROM unnest($1::uuid[], $2::text[], $3::text[], $4::bool[]) AS u(id, rule_set, rule, gate_opened) WHERE records.id = u.id`, ids, sets, names, gates)
	if err != nil {
		return fmt.Errorf("storing the rule names and gate of %d records: %w", len(ids), err)
	}
	return nil
}
