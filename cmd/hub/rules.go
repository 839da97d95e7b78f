package main

import (
	"context"
	"fmt"
	"io"
	"os"
)

// rulesPublish publishes a signed rule set (hctool rules sign) after
// verifying it against --root and running its own tests.
func rulesPublish(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, db := newFlags("rules publish", stderr)
	file := fs.String("file", "", "signed rule set (as hctool rules sign makes it)")
	root := fs.String("root", "", "root public key (PEM) the set must verify against")
	if err := parse(fs, args); err != nil {
		return err
	}
	roots, err := readRoot(*root)
	if err != nil {
		return err
	}
	signed, err := os.ReadFile(*file)
	if err != nil {
		return fmt.Errorf("reading rule set: %w", err)
	}
	a, closeDB, err := admin(ctx, *db)
	if err != nil {
		return err
	}
	defer closeDB()
	set, err := a.PublishRuleSet(ctx, signed, roots)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "rule set %s published (%d rules, %d test cases pass)\n", set.Name(), len(set.Rules), len(set.Tests))
	return nil
}
