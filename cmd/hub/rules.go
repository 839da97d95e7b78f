package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/checkpoint-terminal/checkpoint/sync/hub"
)

// rulesPublish publishes a signed rule set (hctool rules sign) after
// verifying it against the hub's configured roots (hub roots add) and
// running its own tests.
func rulesPublish(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, db := newFlags("rules publish", stderr)
	file := fs.String("file", "", "signed rule set (as hctool rules sign makes it)")
	force := fs.Bool("force", false, "publish even when the version jumps more than a year of seconds ahead")
	if err := parse(fs, args); err != nil {
		return err
	}
	signed, err := os.ReadFile(*file)
	if err != nil {
		return fmt.Errorf("reading rule set: %w", err)
	}
	return withAdmin(ctx, *db, func(a *hub.Admin) error {
		a.Force = *force
		set, err := a.PublishRuleSet(ctx, signed)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "rule set %s published (%d rules, %d test cases pass)\n", set.Name(), len(set.Rules), len(set.Tests))
		return nil
	})
}
