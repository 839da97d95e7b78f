package main

import (
	"context"
	"crypto"
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
	rootKey, err := healthcode.ReadPrivateKey(*root)
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
	pubs, err := healthcode.ReadPublicKeys(parts[0])
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
	return healthcode.NewKeyEntry(pubs[0], parts[1], parts[2], kinds...)
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
