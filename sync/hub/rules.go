package hub

import (
	"context"
	"fmt"
	"time"

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
	if !set.ValidUntil.IsZero() && !a.now().Before(set.ValidUntil) {
		return nil, fmt.Errorf("publishing rule set %s: %w (valid_until %s)", set.Name(), ErrExpiredDocument, set.ValidUntil.UTC().Format(time.RFC3339))
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
