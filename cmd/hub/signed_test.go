package main

import (
	"context"
	"encoding/hex"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
	"github.com/checkpoint-terminal/checkpoint/healthcode"
	"github.com/checkpoint-terminal/checkpoint/sync/wire"
)

// TestSignedPublishing: revocations, withdrawals, snapshots and policies
// signed away from the hub (as hctool writes them) are uploaded with
// --file/--signed, with the numbers the hub prints; typed inputs refuse a
// hash file given as code ids; every revoked hash is echoed; a terminal
// drops a withdrawn revocation at its next sync.
func TestSignedPublishing(t *testing.T) {
	db := pg.Database(t)
	op := newOperator(t)
	if _, e, code := hubCmd(t, "roots", "add", "--db", db, "--file", op.pubFile); code != 0 {
		t.Fatalf("roots add: %d %s", code, e)
	}
	token, e, code := hubCmd(t, "device", "register", "--db", db, "--id", "T1", "--site", "gate-1")
	if code != 0 {
		t.Fatalf("device register: %d %s", code, e)
	}
	n := next(t, db)
	if n["revocation_seq"] != "1" || n["policy_version"] != "1" || len(n["dataset"]) != 32 {
		t.Fatalf("revocations next on an empty hub: %v", n)
	}
	ds, _ := wire.ParseDatasetID(n["dataset"])
	write := func(name string, b []byte) string { return writeIn(t, op.dir, name, b) }
	now := time.Now().UTC().Truncate(time.Second)
	signRev := func(name string, kind wire.RevocationKind, seq uint64, hs ...checkpoint.RevocationHash) string {
		return write(name, signRevocationDoc(t, op, wire.RevocationDoc{Kind: kind, Seq: seq, Dataset: ds, IssuedAt: now, ExpiresAt: now.Add(time.Hour), Hashes: hs}))
	}

	// Typed inputs: the reported fault was a hash file read as code ids
	// ("1 new", nothing revoked).
	codeA, codeB := healthcode.NewCodeID(), healthcode.NewCodeID()
	hA, _ := healthcode.RevocationHashForCodeID(codeA)
	hB, _ := healthcode.RevocationHashForCodeID(codeB)
	hashFile := write("revoked.txt", []byte(healthcode.RevocationHashHeader+"\n"+hex.EncodeToString(hA[:])+"\n"))
	if out, e, code := hubCmd(t, "revocations", "add", "--db", db, "--key", op.keyFile, "--codes-file", hashFile); code != 1 || !strings.Contains(e, "revocation hash file") || out != "" {
		t.Errorf("a hash file as --codes-file: exit %d %q %q, want a refusal", code, out, e)
	}
	bare := write("bare.txt", []byte(codeA+"\n"))
	if _, e, code := hubCmd(t, "revocations", "add", "--db", db, "--key", op.keyFile, "--codes-file", bare); code != 1 || !strings.Contains(e, healthcode.CodeIDHeader) {
		t.Errorf("a headerless file of 32-digit ids: exit %d %q, want the header named", code, e)
	}
	if n := next(t, db); n["revocation_seq"] != "1" {
		t.Errorf("refused inputs moved the counter: %v", n)
	}
	typed := write("ids.txt", []byte(healthcode.CodeIDHeader+"\n"+codeA+"\n"))
	out, e, code := hubCmd(t, "revocations", "add", "--db", db, "--key", op.keyFile, "--codes-file", typed)
	if code != 0 || !strings.Contains(out, hex.EncodeToString(hA[:])+"\tcode "+codeA+"\trevoked in batch 1") || !strings.Contains(out, "batch 1: 1 new") {
		t.Fatalf("revocations add of a typed file: %d %q %s", code, out, e)
	}

	// A delta signed offline with the wrong number is refused; the right one
	// is published and echoed.
	if _, e, code := hubCmd(t, "revocations", "publish", "--db", db, "--file", signRev("wrong.cose", wire.KindDelta, 5, hB)); code != 1 || !strings.Contains(e, "number the hub expects") {
		t.Errorf("a delta with the wrong sequence: exit %d %q", code, e)
	}
	out, e, code = hubCmd(t, "revocations", "publish", "--db", db, "--file", signRev("delta.cose", wire.KindDelta, 2, hB))
	if code != 0 || !strings.Contains(out, hex.EncodeToString(hB[:])+"\tdelta 2") || !strings.Contains(out, "delta 2 published") {
		t.Fatalf("revocations publish: %d %q %s", code, out, e)
	}

	// A terminal syncs: both codes revoked.
	addr := serveHub(t, db)
	s, c := terminalOf(t, op, addr, "T1", token)
	ctx := context.Background()
	revoked := func(h checkpoint.RevocationHash) bool {
		r, err := s.IsRevoked(h)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	if err := c.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if !revoked(hA) || !revoked(hB) {
		t.Fatalf("after the first sync: A %v B %v, want both revoked", revoked(hA), revoked(hB))
	}

	// Withdraw B offline and A on the hub; the terminal drops both.
	out, e, code = hubCmd(t, "revocations", "publish", "--db", db, "--file", signRev("withdraw.cose", wire.KindWithdraw, 3, hB))
	if code != 0 || !strings.Contains(out, "withdrawal 3 published") {
		t.Fatalf("publishing a withdrawal: %d %q %s", code, out, e)
	}
	out, e, code = hubCmd(t, "revocations", "withdraw", "--db", db, "--key", op.keyFile, "--code", codeA+","+codeB)
	if code != 0 || !strings.Contains(out, "withdrawal 4: 1 of 2 given withdrawn") || strings.Count(out, "not revoked") != 2 {
		t.Fatalf("revocations withdraw: %d %q %s", code, out, e)
	}
	if err := c.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if revoked(hA) || revoked(hB) {
		t.Errorf("after the withdrawals: A %v B %v, want neither revoked", revoked(hA), revoked(hB))
	}

	// Revoke B again; export the set and sign a snapshot of it offline.
	if _, e, code := hubCmd(t, "revocations", "add", "--db", db, "--key", op.keyFile, "--code", codeB); code != 0 {
		t.Fatalf("revoking again: %s", e)
	}
	out, _, code = hubCmd(t, "revocations", "export", "--db", db)
	set, err := healthcode.ReadRevocationHashes(strings.NewReader(out))
	if code != 0 || err != nil || len(set) != 1 || set[0] != hB {
		t.Fatalf("revocations export: %d %v %q", code, err, out)
	}
	n = next(t, db)
	snapSeq, _ := strconv.ParseUint(n["snapshot_seq"], 10, 64)
	if _, e, code := hubCmd(t, "revocations", "publish", "--db", db, "--file", signRev("bad-snap.cose", wire.KindSnapshot, snapSeq, hA, hB)); code != 1 || !strings.Contains(e, "adds 1") {
		t.Errorf("a snapshot carrying a withdrawn hash: exit %d %q", code, e)
	}
	if out, e, code := hubCmd(t, "revocations", "publish", "--db", db, "--file", signRev("snap.cose", wire.KindSnapshot, snapSeq, set...)); code != 0 || !strings.Contains(out, "snapshot 5 published") {
		t.Errorf("an offline snapshot of the exported set: %d %q %s", code, out, e)
	}

	// A policy signed offline.
	pol := checkpoint.DefaultPolicy()
	pol.FeverThreshold = 37.8
	polFile := write("policy.cose", signPolicyDoc(t, op, wire.PolicyDoc{Version: 1, Dataset: ds, IssuedAt: now, ExpiresAt: now.Add(time.Hour), Policy: pol}))
	if out, e, code := hubCmd(t, "policy", "publish", "--db", db, "--signed", polFile); code != 0 || !strings.Contains(out, "policy version 1 published") {
		t.Fatalf("policy publish --signed: %d %q %s", code, out, e)
	}
	if _, e, code := hubCmd(t, "policy", "publish", "--db", db, "--signed="+polFile); code != 1 || !strings.Contains(e, "exists") {
		t.Errorf("the same signed policy again: exit %d %q", code, e)
	}
	if err := c.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if p, v := s.Policy(); v != 1 || p.FeverThreshold != 37.8 {
		t.Errorf("policy at the terminal: version %d, threshold %.1f", v, p.FeverThreshold)
	}
	if !revoked(hB) || revoked(hA) {
		t.Errorf("after the last sync: A %v B %v, want only B", revoked(hA), revoked(hB))
	}
}
