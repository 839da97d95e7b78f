package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
	"github.com/checkpoint-terminal/checkpoint/healthcode"
	"github.com/checkpoint-terminal/checkpoint/sync/wire"
)

// Signing where the root key lives: these commands make the documents
// `hub revocations publish --file` and `hub policy publish --signed` upload,
// with the numbers and dataset `hub revocations next` prints.

func init() {
	register(command{
		name:    "sign-revocations",
		summary: "sign a revocation delta (or a --withdraw of revocations) for hub revocations publish",
		run:     runSignRevocations,
	})
	register(command{
		name:    "sign-policy",
		summary: "sign a checkpoint policy (JSON) for hub policy publish --signed",
		run:     runSignPolicy,
	})
}

// datasetFlag reads the hub's dataset id (32 hex digits, hub revocations next).
func datasetFlag(s string) (wire.DatasetID, error) {
	if s == "" {
		return wire.DatasetID{}, errors.New("-dataset is required (hub revocations next prints it)")
	}
	return wire.ParseDatasetID(s)
}

func runSignRevocations(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("sign-revocations", "--root ROOT.key --dataset HEX --seq N [--withdraw] (--code-id ID | --code-ids FILE | --hashes FILE)... --out BATCH.cose", stderr)
	root := fs.String("root", "", "root private key that signs the batch (PEM)")
	dataset := fs.String("dataset", "", "the hub's dataset (hub revocations next: dataset=)")
	seq := fs.Uint64("seq", 0, "the batch's sequence number (hub revocations next: revocation_seq=)")
	withdraw := fs.Bool("withdraw", false, "sign a withdrawal: terminals drop these hashes from their revocation set")
	var ids multiFlag
	fs.Var(&ids, "code-id", "a code id (hex, as records show it); repeatable")
	idsFile := fs.String("code-ids", "", "file of code ids, one a line (32-digit ids need the first line \""+healthcode.CodeIDHeader+"\")")
	hashes := fs.String("hashes", "", "revocation hash file (hctool revoke --out)")
	valid := fs.Duration("valid", 90*24*time.Hour, "how long terminals may install the batch (its signed expiry)")
	out := fs.String("out", "", "file to write the signed batch to")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *root == "" || *out == "" || fs.NArg() != 0 {
		fs.Usage()
		return errUsage
	}
	ds, err := datasetFlag(*dataset)
	if err != nil {
		return err
	}
	if *seq == 0 {
		return errors.New("-seq is required (hub revocations next prints revocation_seq=)")
	}
	if *valid <= 0 {
		return fmt.Errorf("-valid %s: want a positive duration", *valid)
	}
	type entry struct {
		h    checkpoint.RevocationHash
		from string
	}
	var es []entry
	if *idsFile != "" {
		more, err := healthcode.ReadCodeIDFile(*idsFile)
		if err != nil {
			return err
		}
		ids = append(ids, more...)
	}
	for _, id := range ids {
		h, err := healthcode.RevocationHashForCodeID(id)
		if err != nil {
			return err
		}
		es = append(es, entry{h, "code " + id})
	}
	if *hashes != "" {
		hs, err := healthcode.ReadRevocationHashFile(*hashes)
		if err != nil {
			return err
		}
		for _, h := range hs {
			es = append(es, entry{h, "hash file"})
		}
	}
	if len(es) == 0 {
		return errors.New("nothing to sign: give --code-id, --code-ids or --hashes")
	}
	key, err := healthcode.ReadPrivateKey(*root)
	if err != nil {
		return err
	}
	kind := wire.KindDelta
	if *withdraw {
		kind = wire.KindWithdraw
	}
	issued := time.Now().UTC().Truncate(time.Second)
	doc := wire.RevocationDoc{Kind: kind, Seq: *seq, Prev: *seq - 1, Dataset: ds, IssuedAt: issued, ExpiresAt: issued.Add(*valid)}
	for _, e := range es {
		doc.Hashes = append(doc.Hashes, e.h)
	}
	signed, err := healthcode.SignDocument(doc.Marshal(), key)
	if err != nil {
		return fmt.Errorf("signing the batch: %w", err)
	}
	if err := os.WriteFile(*out, signed, 0o644); err != nil {
		return err
	}
	verb := "revokes"
	if *withdraw {
		verb = "withdraws"
	}
	for _, e := range es {
		fmt.Fprintf(stdout, "%x\t%s\t%s\n", e.h[:], verb, e.from)
	}
	fmt.Fprintf(stdout, "wrote %s: revocation %s %d of dataset %s, %d hash(es); upload it with hub revocations publish --file\n", *out, kind, *seq, ds, len(es))
	return nil
}
