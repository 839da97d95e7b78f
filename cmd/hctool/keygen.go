package main

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/checkpoint-terminal/checkpoint/healthcode"
)

func init() {
	register(command{
		name:    "keygen",
		summary: "generate an ES256 (P-256) or SM2 signing key: PKCS#8 private and PKIX public PEM",
		run:     runKeygen,
	})
}

func runKeygen(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("keygen", "--out FILE.key [flags]", stderr)
	alg := fs.String("alg", "ES256", "algorithm: ES256 (P-256) or SM2 (SM2 with SM3)")
	out := fs.String("out", "", "private key file to write (PKCS#8 PEM, mode 0600); required")
	pubOut := fs.String("pub", "", "public key file to write (PKIX PEM); default: --out with .pub instead of .key")
	force := fs.Bool("force", false, "overwrite existing files")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *out == "" || fs.NArg() != 0 {
		fs.Usage()
		return errUsage
	}
	if *pubOut == "" {
		*pubOut = strings.TrimSuffix(*out, ".key") + ".pub"
		if *pubOut == *out {
			*pubOut = *out + ".pub"
		}
	}
	key, err := healthcode.GenerateKey(healthcode.Algorithm(strings.ToUpper(*alg)))
	if err != nil {
		return err
	}
	priv, err := healthcode.MarshalPrivateKeyPEM(key)
	if err != nil {
		return err
	}
	pub, err := healthcode.MarshalPublicKeyPEM(key.Public())
	if err != nil {
		return err
	}
	kid, err := healthcode.KeyID(key.Public())
	if err != nil {
		return err
	}
	if err := writeNew(*out, priv, 0o600, *force); err != nil {
		return err
	}
	if err := writeNew(*pubOut, pub, 0o644, *force); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "private key: %s\npublic key:  %s\nalgorithm:   %s\nkid:         %s\n", *out, *pubOut, strings.ToUpper(*alg), hex.EncodeToString(kid))
	return nil
}

// writeNew writes a file, refusing to replace one unless force is set.
func writeNew(path string, data []byte, perm os.FileMode, force bool) error {
	flags := os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	if !force {
		flags |= os.O_EXCL
	}
	f, err := os.OpenFile(path, flags, perm)
	if errors.Is(err, os.ErrExist) {
		return fmt.Errorf("%s exists (use --force to overwrite)", path)
	}
	if err != nil {
		return err
	}
	// O_TRUNC on an existing file (--force) keeps its old mode: a key
	// overwritten in a 0644 file would stay readable to everyone.
	if err := f.Chmod(perm); err != nil {
		f.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}
