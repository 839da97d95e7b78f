package main

import (
	"bufio"
	"context"
	"crypto"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
	"github.com/checkpoint-terminal/checkpoint/healthcode"
	"github.com/checkpoint-terminal/checkpoint/sync/hub"
)

func admin(ctx context.Context, db string) (*hub.Admin, func(), error) {
	pool, err := connect(ctx, db, 2)
	if err != nil {
		return nil, nil, err
	}
	if err := hub.Migrate(ctx, pool); err != nil {
		pool.Close()
		return nil, nil, err
	}
	return &hub.Admin{Pool: pool}, pool.Close, nil
}

func deviceRegister(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, db := newFlags("device register", stderr)
	id := fs.String("id", "", "device (terminal) id, as the terminal's records carry it")
	site := fs.String("site", "", "site the device stands at (informational)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *id == "" {
		return errors.New("--id is required")
	}
	a, closeDB, err := admin(ctx, *db)
	if err != nil {
		return err
	}
	defer closeDB()
	token, err := a.RegisterDevice(ctx, *id, *site)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, token)
	fmt.Fprintf(stderr, "device %s registered; give it the token above (it is not shown again)\n", *id)
	return nil
}

func deviceRevoke(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, db := newFlags("device revoke", stderr)
	id := fs.String("id", "", "device id")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *id == "" {
		return errors.New("--id is required")
	}
	a, closeDB, err := admin(ctx, *db)
	if err != nil {
		return err
	}
	defer closeDB()
	if err := a.RevokeDevice(ctx, *id); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "device %s revoked\n", *id)
	return nil
}

func deviceList(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, db := newFlags("device list", stderr)
	if err := parse(fs, args); err != nil {
		return err
	}
	a, closeDB, err := admin(ctx, *db)
	if err != nil {
		return err
	}
	defer closeDB()
	ds, err := a.Devices(ctx)
	if err != nil {
		return err
	}
	w := csv.NewWriter(stdout)
	w.Write([]string{"id", "site", "registered", "revoked", "last_seen"}) //nolint:errcheck // checked at Flush
	ts := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.UTC().Format(time.RFC3339)
	}
	for _, d := range ds {
		w.Write([]string{d.ID, d.Site, d.Created.UTC().Format(time.RFC3339), ts(d.Revoked), ts(d.LastSeen)}) //nolint:errcheck
	}
	w.Flush()
	return w.Error()
}

func readRoot(path string) ([]crypto.PublicKey, error) {
	if path == "" {
		return nil, errors.New("--root is required")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading root key: %w", err)
	}
	k, err := healthcode.ParsePublicKeyPEM(b)
	if err != nil {
		return nil, fmt.Errorf("reading root key %s: %w", path, err)
	}
	return []crypto.PublicKey{k}, nil
}

func readSigner(path string) (hub.Sign, error) {
	if path == "" {
		return nil, errors.New("--key (the root private key, PEM) is required")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading signing key: %w", err)
	}
	k, err := healthcode.ParsePrivateKeyPEM(b)
	if err != nil {
		return nil, fmt.Errorf("reading signing key %s: %w", path, err)
	}
	return func(p []byte) ([]byte, error) { return healthcode.SignDocument(p, k) }, nil
}

func trustlistPublish(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, db := newFlags("trustlist publish", stderr)
	file := fs.String("file", "", "signed trust list (as hctool makes it)")
	root := fs.String("root", "", "root public key (PEM) the list must verify against")
	if err := parse(fs, args); err != nil {
		return err
	}
	roots, err := readRoot(*root)
	if err != nil {
		return err
	}
	signed, err := os.ReadFile(*file)
	if err != nil {
		return fmt.Errorf("reading trust list: %w", err)
	}
	l, err := healthcode.ParseTrustList(signed, roots, time.Now())
	if err != nil {
		return fmt.Errorf("verifying trust list %s: %w", *file, err)
	}
	a, closeDB, err := admin(ctx, *db)
	if err != nil {
		return err
	}
	defer closeDB()
	if err := a.PublishTrustList(ctx, l.Version(), signed); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "trust list version %d published (%d keys, expires %s)\n", l.Version(), l.Len(), l.ExpiresAt().Format(time.RFC3339))
	return nil
}

// readHashes collects hashes from --code, --codes-file and --hashes-file.
func readHashes(codes, codesFile, hashesFile string) ([]checkpoint.RevocationHash, error) {
	var hs []checkpoint.RevocationHash
	addCode := func(id string) error {
		h, err := healthcode.RevocationHashForCodeID(id)
		if err != nil {
			return fmt.Errorf("code id %q: %w", id, err)
		}
		hs = append(hs, h)
		return nil
	}
	for _, id := range strings.Split(codes, ",") {
		if id = strings.TrimSpace(id); id != "" {
			if err := addCode(id); err != nil {
				return nil, err
			}
		}
	}
	eachLine := func(path string, f func(string) error) error {
		if path == "" {
			return nil
		}
		fh, err := os.Open(path)
		if err != nil {
			return fmt.Errorf("reading %s: %w", path, err)
		}
		defer fh.Close()
		sc := bufio.NewScanner(fh)
		for n := 1; sc.Scan(); n++ {
			line := strings.TrimSpace(sc.Text())
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			if err := f(line); err != nil {
				return fmt.Errorf("%s:%d: %w", path, n, err)
			}
		}
		return sc.Err()
	}
	if err := eachLine(codesFile, addCode); err != nil {
		return nil, err
	}
	err := eachLine(hashesFile, func(s string) error {
		b, err := hex.DecodeString(s)
		if err != nil || len(b) != 16 {
			return fmt.Errorf("%q is not 32 hex digits", s)
		}
		var h checkpoint.RevocationHash
		copy(h[:], b)
		hs = append(hs, h)
		return nil
	})
	return hs, err
}

func revocationsAdd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, db := newFlags("revocations add", stderr)
	key := fs.String("key", "", "root private key (PEM) that signs the batch")
	codes := fs.String("code", "", "comma-separated code ids to revoke")
	codesFile := fs.String("codes-file", "", "file of code ids, one per line")
	hashesFile := fs.String("hashes-file", "", "file of revocation hashes (32 hex digits), one per line")
	if err := parse(fs, args); err != nil {
		return err
	}
	sign, err := readSigner(*key)
	if err != nil {
		return err
	}
	hs, err := readHashes(*codes, *codesFile, *hashesFile)
	if err != nil {
		return err
	}
	if len(hs) == 0 {
		return errors.New("nothing to revoke: give --code, --codes-file or --hashes-file")
	}
	a, closeDB, err := admin(ctx, *db)
	if err != nil {
		return err
	}
	defer closeDB()
	seq, added, err := a.AddRevocations(ctx, hs, sign)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "revocation batch %d: %d new of %d given\n", seq, added, len(hs))
	return nil
}

func revocationsSnapshot(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, db := newFlags("revocations snapshot", stderr)
	key := fs.String("key", "", "root private key (PEM) that signs the snapshot")
	if err := parse(fs, args); err != nil {
		return err
	}
	sign, err := readSigner(*key)
	if err != nil {
		return err
	}
	a, closeDB, err := admin(ctx, *db)
	if err != nil {
		return err
	}
	defer closeDB()
	seq, n, err := a.PublishSnapshot(ctx, sign)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "revocation snapshot at batch %d: %d hashes\n", seq, n)
	return nil
}

func policyPublish(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, db := newFlags("policy publish", stderr)
	key := fs.String("key", "", "root private key (PEM) that signs the policy")
	file := fs.String("file", "", `policy as a JSON object of checkpoint.Policy keys, durations as strings ("10s"); keys it omits keep the default; unknown keys are refused; empty: the default policy`)
	version := fs.Uint64("version", 0, "policy version (0: one more than the newest)")
	dryRun := fs.Bool("dry-run", false, "check the file and show the difference to the policy in force, but sign and publish nothing")
	if err := parse(fs, args); err != nil {
		return err
	}
	k, err := readSigningKey(*key)
	if err != nil {
		return err
	}
	p := checkpoint.DefaultPolicy()
	if *file != "" {
		b, err := os.ReadFile(*file)
		if err != nil {
			return fmt.Errorf("reading policy: %w", err)
		}
		if p, err = decodePolicyFile(b, p); err != nil {
			return fmt.Errorf("%s: %w", *file, err)
		}
	}
	a, closeDB, err := admin(ctx, *db)
	if err != nil {
		return err
	}
	defer closeDB()
	cur, ok, err := policyInForce(ctx, a, k.Public())
	switch {
	case err != nil:
		fmt.Fprintf(stdout, "cannot show the difference: %v\n", err)
	case !ok:
		fmt.Fprintln(stdout, "no policy published yet; changes from the built-in default:")
		cur.Policy = checkpoint.DefaultPolicy()
	default:
		fmt.Fprintf(stdout, "changes from policy version %d in force:\n", cur.Version)
	}
	if err == nil {
		diff := policyDiff(cur.Policy, p)
		if len(diff) == 0 {
			fmt.Fprintln(stdout, "  (none)")
		}
		for _, l := range diff {
			fmt.Fprintln(stdout, "  "+l)
		}
	}
	if *dryRun {
		fmt.Fprintln(stdout, "dry run: nothing signed or published")
		return nil
	}
	sign := func(b []byte) ([]byte, error) { return healthcode.SignDocument(b, k) }
	v, err := a.PublishPolicy(ctx, *version, p, sign)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "policy version %d published\n", v)
	return nil
}

func timeFlag(name, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("--%s: want RFC 3339 (2026-11-23T08:00:00Z): %w", name, err)
	}
	return t, nil
}

func query(ctx context.Context, name, what string, args []string, stdout, stderr io.Writer, q func(*hub.Admin, string, time.Time, time.Time) (int, error)) error {
	fs, db := newFlags(name, stderr)
	key := fs.String(what, "", what+" to look for")
	from := fs.String("from", "", "start time, RFC 3339 (default: the beginning)")
	to := fs.String("to", "", "end time (exclusive), RFC 3339 (default: no end)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *key == "" {
		return fmt.Errorf("--%s is required", what)
	}
	t1, err := timeFlag("from", *from)
	if err != nil {
		return err
	}
	t2, err := timeFlag("to", *to)
	if err != nil {
		return err
	}
	a, closeDB, err := admin(ctx, *db)
	if err != nil {
		return err
	}
	defer closeDB()
	n, err := q(a, *key, t1, t2)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "%d records\n", n)
	return nil
}

func querySite(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return query(ctx, "query site", "site", args, stdout, stderr, func(a *hub.Admin, k string, t1, t2 time.Time) (int, error) {
		return a.QuerySite(ctx, stdout, k, t1, t2)
	})
}

func queryCode(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return query(ctx, "query code", "code", args, stdout, stderr, func(a *hub.Admin, k string, t1, t2 time.Time) (int, error) {
		return a.QueryCode(ctx, stdout, k, t1, t2)
	})
}
