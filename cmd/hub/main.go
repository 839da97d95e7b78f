// Command hub is the Checkpoint sync hub: it serves terminals the signed
// trust list, policy and revocations, ingests their pass records into
// PostgreSQL, and gives operators the admin and investigation commands.
//
//	hub serve    --db URL [--listen :8080] [--tls-cert F --tls-key F]
//	hub migrate  --db URL
//	hub device register|revoke ...
//	hub roots add ...
//	hub trustlist publish ...
//	hub revocations add|snapshot|prune|next|publish|withdraw|export ...
//	hub policy publish ...
//	hub query site|code ...
//
// Every command takes --db (default $HUB_DB).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// beHubEnv makes a test binary act as the hub binary (hub loadgen starts
// os.Executable() as its hub).
const beHubEnv = "CHECKPOINT_BE_HUB"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

var errUsage = errors.New("usage")

type cmdFunc func(ctx context.Context, args []string, stdout, stderr io.Writer) error

func commands() map[string]cmdFunc {
	return map[string]cmdFunc{
		"serve":                serve,
		"migrate":              migrate,
		"loadgen":              loadgen,
		"partitions":           partitions,
		"device register":      deviceRegister,
		"device revoke":        deviceRevoke,
		"device list":          deviceList,
		"trustlist publish":    trustlistPublish,
		"revocations add":      revocationsAdd,
		"revocations snapshot": revocationsSnapshot,
		"revocations prune":    revocationsPrune,
		"revocations next":     revocationsNext,     // signed.go
		"revocations publish":  revocationsPublish,  // signed.go
		"revocations withdraw": revocationsWithdraw, // signed.go
		"revocations export":   revocationsExport,   // signed.go
		"roots add":            rootsAdd,
		"policy publish":       policyPublishOrSigned,
		"rules publish":        rulesPublish, // rules.go
		"query site":           querySite,
		"query code":           queryCode,
	}
}

const usageText = `usage: hub <command> [flags]

  serve                  run the HTTP API (migrations applied at start)
  migrate                apply the schema migrations and exit
  partitions             create record partitions ahead, drop those past --retention
  loadgen                simulate a fleet of terminals against a hub; prints the figures
  device register        register a terminal; prints its bearer token once
  device revoke          refuse a terminal from now on
  device list            CSV of devices: id, site, registered, revoked, last push
  roots add              configure a root every published document must verify against
  trustlist publish      publish a signed trust list (verified against the roots)
  revocations add        sign and publish a delta of revoked codes or hashes
  revocations snapshot   sign and publish the whole revocation set (--new-dataset after a restore)
  revocations prune      delete the deltas the newest snapshot covers
  revocations next       print the numbers and dataset a document signed offline must carry
  revocations publish    upload a delta, withdrawal or snapshot hctool signed (--file)
  revocations withdraw   sign and publish a withdrawal of revoked codes or hashes
  revocations export     print the revocation set (a hash file to sign a snapshot from)
  policy publish         sign and publish a checkpoint policy (JSON), or --signed FILE from hctool sign-policy
  rules publish          publish a signed site rule set (verified against the configured roots, its tests run)
  query site             CSV of records at a site between --from and --to
  query code             CSV of records of a code id between --from and --to

Run "hub <command> -h" for its flags. --db defaults to $HUB_DB.
`

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stderr, usageText)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cmds := commands()
	name, rest := args[0], args[1:]
	if len(args) > 1 {
		if _, ok := cmds[args[0]+" "+args[1]]; ok {
			name, rest = args[0]+" "+args[1], args[2:]
		}
	}
	f, ok := cmds[name]
	if !ok {
		fmt.Fprintf(stderr, "hub: unknown command %q (try hub --help)\n", name)
		return 2
	}
	err := f(ctx, rest, stdout, stderr)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	}
	fmt.Fprintf(stderr, "hub %s: %v\n", name, err)
	return 1
}

func newFlags(name string, stderr io.Writer) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet("hub "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	db := fs.String("db", os.Getenv("HUB_DB"), "PostgreSQL URL (default $HUB_DB)")
	return fs, db
}

func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "unexpected arguments: %q\n", fs.Args())
		return errUsage
	}
	return nil
}
