package main

import (
	"context"
	"crypto"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
	"github.com/checkpoint-terminal/checkpoint/healthcode"
)

func init() {
	register(command{
		name:    "trustlist",
		summary: "build and sign a trust list of issuer keys and DCC signer certificates, or show one",
		run:     runTrustlist,
	})
}

func runTrustlist(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("trustlist", "--root ROOT.key --out LIST.cose (--key ... | --dsc ...)...  |  --show LIST.cose --root-pub ROOT.pub", stderr)
	root := fs.String("root", "", "root private key that signs the list (PEM)")
	out := fs.String("out", "", "file to write the signed list to")
	version := fs.Uint64("version", uint64(time.Now().Unix()), "list version (monotonic; default: the current Unix time)")
	valid := fs.Duration("valid", 30*24*time.Hour, "how long the list is valid from now")
	var keys, dscs, rootPubs multiFlag
	fs.Var(&keys, "key", "issuer key `PUB.pem:DIVISION:ISSUER[:KINDS]` (KINDS: dynamic, card or dynamic+card; default all); repeatable")
	fs.Var(&dscs, "dsc", "DCC document signer certificate `CERT[:COUNTRY]` (DER or PEM); repeatable")
	show := fs.String("show", "", "print the entries of this signed list instead of building one (needs --root-pub)")
	fs.Var(&rootPubs, "root-pub", "pinned root public key (PEM) to check --show against; repeatable")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		fs.Usage()
		return errUsage
	}
	if *show != "" {
		roots, err := readRootPubs(rootPubs)
		if err != nil {
			return err
		}
		tl, err := loadTrustList(*show, roots, time.Now())
		if err != nil {
			return err
		}
		printTrustList(stdout, tl)
		return nil
	}
	if *root == "" || *out == "" || len(keys)+len(dscs) == 0 {
		fs.Usage()
		return errUsage
	}
	rootKey, err := readPrivateKey(*root)
	if err != nil {
		return err
	}
	now := time.Now().UTC().Truncate(time.Second)
	doc := healthcode.TrustListDoc{Version: *version, IssuedAt: now, ExpiresAt: now.Add(*valid)}
	for _, spec := range keys {
		e, err := keyEntry(spec)
		if err != nil {
			return fmt.Errorf("--key %s: %w", spec, err)
		}
		doc.Entries = append(doc.Entries, e)
	}
	for _, spec := range dscs {
		path, country, _ := strings.Cut(spec, ":")
		der, err := readCertificate(path)
		if err != nil {
			return fmt.Errorf("--dsc %s: %w", spec, err)
		}
		e, err := healthcode.NewCertificateEntry(der, strings.ToUpper(country))
		if err != nil {
			return fmt.Errorf("--dsc %s: %w", spec, err)
		}
		doc.Entries = append(doc.Entries, e)
	}
	signed, err := healthcode.SignTrustList(doc, rootKey)
	if err != nil {
		return err
	}
	if err := os.WriteFile(*out, signed, 0o644); err != nil {
		return err
	}
	tl, err := healthcode.ParseTrustList(signed, []crypto.PublicKey{rootKey.Public()}, now)
	if err != nil {
		return fmt.Errorf("re-reading the list just signed: %w", err)
	}
	fmt.Fprintf(stdout, "wrote %s (%d bytes)\n", *out, len(signed))
	printTrustList(stdout, tl)
	return nil
}

func keyEntry(spec string) (healthcode.TrustListEntry, error) {
	parts := strings.Split(spec, ":")
	if len(parts) < 3 || len(parts) > 4 {
		return healthcode.TrustListEntry{}, fmt.Errorf("want PUB.pem:DIVISION:ISSUER[:KINDS]")
	}
	b, err := os.ReadFile(parts[0])
	if err != nil {
		return healthcode.TrustListEntry{}, err
	}
	pub, err := healthcode.ParsePublicKeyPEM(b)
	if err != nil {
		return healthcode.TrustListEntry{}, err
	}
	var kinds []checkpoint.CodeKind
	if len(parts) == 4 {
		for _, s := range strings.Split(parts[3], "+") {
			k, err := checkpoint.ParseCodeKind(s)
			if err != nil {
				return healthcode.TrustListEntry{}, err
			}
			kinds = append(kinds, k)
		}
	}
	return healthcode.NewKeyEntry(pub, parts[1], parts[2], kinds...)
}

// readCertificate reads a DER or PEM certificate file.
func readCertificate(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if blk, _ := pem.Decode(b); blk != nil {
		if blk.Type != "CERTIFICATE" {
			return nil, fmt.Errorf("PEM block %q, want CERTIFICATE", blk.Type)
		}
		return blk.Bytes, nil
	}
	return b, nil
}

func readRootPubs(paths []string) ([]crypto.PublicKey, error) {
	if len(paths) == 0 {
		return nil, fmt.Errorf("no --root-pub given: a trust list is only read against pinned roots")
	}
	var out []crypto.PublicKey
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		k, err := healthcode.ParsePublicKeyPEM(b)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		out = append(out, k)
	}
	return out, nil
}

func loadTrustList(path string, roots []crypto.PublicKey, now time.Time) (*healthcode.TrustList, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return healthcode.ParseTrustList(b, roots, now)
}

func printTrustList(w io.Writer, tl *healthcode.TrustList) {
	fmt.Fprintf(w, "trust list version %d, issued %s, expires %s, %d key(s)\n", tl.Version(),
		tl.IssuedAt().Format(time.RFC3339), tl.ExpiresAt().Format(time.RFC3339), tl.Len())
	for _, k := range tl.Entries() {
		kinds := "all kinds"
		if len(k.Kinds) > 0 {
			var s []string
			for _, x := range k.Kinds {
				s = append(s, x.String())
			}
			kinds = strings.Join(s, "+")
		}
		validity := ""
		if !k.ValidFrom.IsZero() || !k.ValidTo.IsZero() {
			validity = fmt.Sprintf(" valid %s..%s", fmtTime(k.ValidFrom), fmtTime(k.ValidTo))
		}
		fmt.Fprintf(w, "  %-3s kid %s %-7s %s %s%s\n", k.Format, hex.EncodeToString(k.Kid), healthcode.AlgorithmName(k.Algorithm), printable(k.Issuer), kinds, validity)
	}
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}
