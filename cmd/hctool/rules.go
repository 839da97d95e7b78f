package main

import (
	"context"
	"crypto"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/checkpoint-terminal/checkpoint/healthcode"
	"github.com/checkpoint-terminal/checkpoint/rules"
)

func init() {
	register(command{
		name:    "rules",
		summary: "site rule sets: sign (check, test, sign), test (run a set's own cases), explain (which rule fires for a code)",
		run:     runRules,
	})
}

func runRules(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: hctool rules sign|test|explain [flags]")
		return errUsage
	}
	switch args[0] {
	case "sign":
		return runRulesSign(args[1:], stdout, stderr)
	case "test":
		return runRulesTest(args[1:], stdout, stderr)
	case "explain":
		return runRulesExplain(args[1:], stdout, stderr)
	}
	fmt.Fprintf(stderr, "hctool rules: unknown sub-command %q: want sign, test or explain\n", args[0])
	return errUsage
}

func runRulesSign(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("rules sign", "--root ROOT.key --out SET.cose SET.json", stderr)
	root := fs.String("root", "", "root private key (PEM) to sign with; required")
	out := fs.String("out", "", "signed rule set to write; required")
	force := fs.Bool("force", false, "overwrite --out")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *root == "" || *out == "" || fs.NArg() != 1 {
		fs.Usage()
		return errUsage
	}
	key, err := healthcode.ReadPrivateKey(*root)
	if err != nil {
		return err
	}
	set, err := readRuleSet(fs.Arg(0), nil)
	if err != nil {
		return err
	}
	signed, err := rules.Sign(set, key)
	if err != nil {
		return err
	}
	if err := writeNew(*out, signed, 0o644, *force); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "signed %s: %d rules, %d test cases pass, %d bytes\n", set.Name(), len(set.Rules), len(set.Tests), len(signed))
	return nil
}

func runRulesTest(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("rules test", "[--root-pub ROOT.pub] SET.json|SET.cose", stderr)
	var rootPubs multiFlag
	fs.Var(&rootPubs, "root-pub", "pinned root public key (PEM) a signed set must verify against; repeatable")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errUsage
	}
	var roots []crypto.PublicKey
	if len(rootPubs) > 0 {
		var err error
		if roots, err = readRootPubs(rootPubs); err != nil {
			return err
		}
	}
	set, err := readRuleSet(fs.Arg(0), roots)
	if err != nil {
		return err
	}
	fails, _ := set.Test()
	failed := map[string]rules.TestFailure{}
	for _, f := range fails {
		failed[f.Name] = f
	}
	for _, tc := range set.Tests {
		if f, bad := failed[tc.Name]; bad {
			fmt.Fprintf(stdout, "FAIL  %s\n", f)
		} else {
			fmt.Fprintf(stdout, "ok    %s: %s/%s\n", tc.Name, tc.Expect.Result, tc.Expect.Reason)
		}
	}
	fmt.Fprintf(stdout, "%s: %d/%d test cases pass\n", set.Name(), len(set.Tests)-len(fails), len(set.Tests))
	if len(fails) > 0 {
		return fmt.Errorf("%d test cases of %s fail", len(fails), set.Name())
	}
	return nil
}

// readRuleSet reads a rule set: JSON as written (parsed, not tested), or a
// signed set (.cose; verified against roots, which are then required).
func readRuleSet(path string, roots []crypto.PublicKey) (*rules.Set, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if s := strings.TrimSpace(string(b)); strings.HasPrefix(s, "{") {
		return rules.Parse(b)
	}
	if len(roots) == 0 {
		return nil, fmt.Errorf("%s is not JSON: a signed set needs --root-pub", path)
	}
	payload, err := healthcode.OpenDocument(b, roots)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return rules.Parse(payload) // tests run by the caller, so failures are listed
}
