// Package wire holds what the terminal and the hub exchange: the paths of
// the sync protocol (docs/sync-protocol.md), the JSON bodies of a push, and
// the payloads the health authority signs (revocation batches, policies).
//
// Every parser here reads bytes from the network: it returns typed errors
// and never panics, whatever it is given.
package wire

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
)

// Paths of protocol version 1.
const (
	PathRecords     = "/v1/records"
	PathTrustList   = "/v1/trustlist"
	PathPolicy      = "/v1/policy"
	PathRevocations = "/v1/revocations"

	// HeaderDevice names the device; the bearer token in Authorization
	// proves it.
	HeaderDevice = "X-Checkpoint-Device"
	// HeaderRevocationSeq carries the newest revocation sequence number the
	// hub holds, so a client knows whether to ask for more.
	HeaderRevocationSeq = "X-Checkpoint-Revocation-Seq"
	// HeaderDataset carries the hub's DatasetID (32 hex digits) with every
	// revocation answer; the client sends its own as ?dataset=.
	HeaderDataset = "X-Checkpoint-Dataset"

	// ContentRevocations is the media type of a revocation download: a
	// sequence of frames, each a 4-byte big-endian length and a signed
	// revocation document.
	ContentRevocations = "application/vnd.checkpoint.revocations"
	// ContentSigned is the media type of one signed document.
	ContentSigned = "application/vnd.checkpoint.signed"
)

// Limits a reader enforces on anything from the network.
const (
	// MaxBatchRecords is the most records one push may carry.
	MaxBatchRecords = 5000
	// MaxPushBytes bounds a push body.
	MaxPushBytes = 16 << 20
	// MaxFrame bounds one signed revocation document (a snapshot of 10
	// million hashes is 160 MB; above that the hub must split it).
	MaxFrame = 256 << 20
	// MaxSignedDoc bounds a signed trust list or policy.
	MaxSignedDoc = 16 << 20
)

// PushRequest is the body of POST /v1/records.
type PushRequest struct {
	Records []checkpoint.Record `json:"records"`
}

// Rejection says why the hub refused one record; retrying it cannot help.
type Rejection struct {
	ID     string `json:"id"`
	Reason string `json:"reason"`
}

// PushResponse is the hub's acknowledgement: Stored names every record it
// now holds from the batch (newly inserted or already present: a push is
// idempotent), Rejected the ones it will never take.
type PushResponse struct {
	Stored   []string    `json:"stored"`
	Inserted int         `json:"inserted"`
	Rejected []Rejection `json:"rejected,omitempty"`
}

// ErrorBody is what the hub sends with a 4xx or 5xx status.
type ErrorBody struct {
	Error string `json:"error"`
}

// DatasetID names one hub's numbering of revocation batches and policy
// versions. A hub makes a fresh one when its numbering restarts (a new
// database, or a restore the operator re-publishes from: `hub revocations
// snapshot --new-dataset`), so a terminal can tell "the hub went back" from
// "the hub started a new series". Its text form is 32 hex digits.
type DatasetID [16]byte

func (d DatasetID) String() string { return hex.EncodeToString(d[:]) }

// IsZero reports whether d is unset (a terminal that has installed nothing).
func (d DatasetID) IsZero() bool { return d == DatasetID{} }

// MarshalText writes the 32 hex digits.
func (d DatasetID) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText reads 32 hex digits.
func (d *DatasetID) UnmarshalText(b []byte) error {
	if len(b) != 32 {
		return fmt.Errorf("dataset id %q: want 32 hex digits", b)
	}
	if _, err := hex.Decode(d[:], b); err != nil {
		return fmt.Errorf("dataset id %q: %w", b, err)
	}
	return nil
}

// ParseDatasetID reads a dataset id as DatasetID.String writes it.
func ParseDatasetID(s string) (DatasetID, error) {
	var d DatasetID
	err := d.UnmarshalText([]byte(s))
	return d, err
}

// ErrExpiredDocument is wrapped when a signed policy or revocation batch is
// past its expiry (or carries none): a terminal never installs one.
var ErrExpiredDocument = errors.New("signed document expired")

// PolicyDoc is the payload of a signed policy.
type PolicyDoc struct {
	Version uint64 `json:"version"`
	// Dataset is the hub series the version belongs to (see DatasetID).
	Dataset  DatasetID `json:"dataset"`
	IssuedAt time.Time `json:"issued_at"`
	// ExpiresAt is when the document stops being installable; required.
	ExpiresAt time.Time         `json:"expires_at"`
	Policy    checkpoint.Policy `json:"policy"`
}

// ParsePolicyDoc decodes and validates a policy payload (already verified).
// A document without an expiry is refused (ErrExpiredDocument); whether it
// has expired is the installer's check (it holds the clock).
func ParsePolicyDoc(b []byte) (PolicyDoc, error) {
	d, err := ReparsePolicyDoc(b)
	if err != nil {
		return PolicyDoc{}, err
	}
	if d.ExpiresAt.IsZero() || !d.ExpiresAt.After(d.IssuedAt) {
		return PolicyDoc{}, fmt.Errorf("policy document version %d: %w: no expiry after its issue time", d.Version, ErrExpiredDocument)
	}
	return d, nil
}

// ReparsePolicyDoc is ParsePolicyDoc without the expiry rule, for a
// document a terminal installed earlier (perhaps before documents carried
// an expiry) and reloads from its own store.
func ReparsePolicyDoc(b []byte) (PolicyDoc, error) {
	var d PolicyDoc
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&d); err != nil {
		return PolicyDoc{}, fmt.Errorf("decoding policy document: %w", err)
	}
	if d.Version == 0 {
		return PolicyDoc{}, errors.New("policy document has no version")
	}
	if err := d.Policy.Validate(); err != nil {
		return PolicyDoc{}, fmt.Errorf("policy document version %d: %w", d.Version, err)
	}
	return d, nil
}

// RevocationKind tells a delta from a snapshot.
type RevocationKind byte

const (
	// KindDelta adds hashes to the set the terminal holds at Prev.
	KindDelta RevocationKind = 1
	// KindSnapshot replaces the whole set.
	KindSnapshot RevocationKind = 2
	// KindWithdraw removes hashes from the set the terminal holds at Prev
	// (a revocation made in error is undone); numbered like a delta, and
	// the next snapshot no longer carries them.
	KindWithdraw RevocationKind = 3
)

func (k RevocationKind) String() string {
	switch k {
	case KindDelta:
		return "delta"
	case KindSnapshot:
		return "snapshot"
	case KindWithdraw:
		return "withdrawal"
	}
	return fmt.Sprintf("kind(%d)", byte(k))
}

// RevocationDoc is the payload of a signed revocation batch.
//
// Binary layout (big-endian), format version 2: "CPRV" magic, version
// byte 2, kind byte, Seq uint64, Prev uint64, IssuedAt unix seconds int64,
// ExpiresAt unix seconds int64, Dataset 16 bytes, count uint32, then count
// 16-byte hashes in strictly increasing order. Version 1 (no expiry, no
// dataset) is refused.
type RevocationDoc struct {
	Kind RevocationKind
	// Seq is this batch's sequence number; a snapshot's Seq is the batch
	// it includes up to.
	Seq uint64
	// Prev is the sequence number a delta or withdrawal applies on top of
	// (Seq-1 in a dense chain); zero for snapshots.
	Prev uint64
	// Dataset is the hub series Seq belongs to (see DatasetID).
	Dataset  DatasetID
	IssuedAt time.Time
	// ExpiresAt is when the batch stops being installable; required.
	ExpiresAt time.Time
	Hashes    []checkpoint.RevocationHash
}

const revMagic = "CPRV"
const revVersion = 2
const revHeader = 4 + 1 + 1 + 8 + 8 + 8 + 8 + 16 + 4

// ErrBadRevocationDoc is wrapped by every decoding failure.
var ErrBadRevocationDoc = errors.New("bad revocation document")

// Marshal encodes d, sorting and de-duplicating its hashes.
func (d RevocationDoc) Marshal() []byte {
	hs := slices.Clone(d.Hashes)
	slices.SortFunc(hs, func(a, b checkpoint.RevocationHash) int { return bytes.Compare(a[:], b[:]) })
	hs = slices.Compact(hs)
	out := make([]byte, revHeader, revHeader+16*len(hs))
	copy(out, revMagic)
	out[4] = revVersion
	out[5] = byte(d.Kind)
	binary.BigEndian.PutUint64(out[6:], d.Seq)
	binary.BigEndian.PutUint64(out[14:], d.Prev)
	binary.BigEndian.PutUint64(out[22:], uint64(d.IssuedAt.Unix()))
	var exp int64
	if !d.ExpiresAt.IsZero() {
		exp = d.ExpiresAt.Unix()
	}
	binary.BigEndian.PutUint64(out[30:], uint64(exp))
	copy(out[38:54], d.Dataset[:])
	binary.BigEndian.PutUint32(out[54:], uint32(len(hs)))
	for _, h := range hs {
		out = append(out, h[:]...)
	}
	return out
}

// ParseRevocationDoc decodes a revocation payload (already verified). A
// batch without an expiry after its issue time is refused with
// ErrExpiredDocument; whether it has expired is the installer's check.
func ParseRevocationDoc(b []byte) (RevocationDoc, error) {
	if len(b) < 6 || string(b[:4]) != revMagic {
		return RevocationDoc{}, fmt.Errorf("%w: no header", ErrBadRevocationDoc)
	}
	if b[4] != revVersion {
		return RevocationDoc{}, fmt.Errorf("%w: format version %d (want %d)", ErrBadRevocationDoc, b[4], revVersion)
	}
	if len(b) < revHeader {
		return RevocationDoc{}, fmt.Errorf("%w: header truncated", ErrBadRevocationDoc)
	}
	d := RevocationDoc{
		Kind:     RevocationKind(b[5]),
		Seq:      binary.BigEndian.Uint64(b[6:]),
		Prev:     binary.BigEndian.Uint64(b[14:]),
		IssuedAt: time.Unix(int64(binary.BigEndian.Uint64(b[22:])), 0).UTC(),
	}
	if exp := int64(binary.BigEndian.Uint64(b[30:])); exp != 0 {
		d.ExpiresAt = time.Unix(exp, 0).UTC()
	}
	copy(d.Dataset[:], b[38:54])
	if d.Kind != KindDelta && d.Kind != KindSnapshot && d.Kind != KindWithdraw {
		return RevocationDoc{}, fmt.Errorf("%w: %s", ErrBadRevocationDoc, d.Kind)
	}
	if d.Seq == 0 || (d.Kind != KindSnapshot && d.Prev >= d.Seq) {
		return RevocationDoc{}, fmt.Errorf("%w: sequence %d after %d", ErrBadRevocationDoc, d.Seq, d.Prev)
	}
	if d.ExpiresAt.IsZero() || !d.ExpiresAt.After(d.IssuedAt) {
		return RevocationDoc{}, fmt.Errorf("%w: %w: %s %d has no expiry after its issue time", ErrBadRevocationDoc, ErrExpiredDocument, d.Kind, d.Seq)
	}
	n := binary.BigEndian.Uint32(b[54:])
	body := b[revHeader:]
	if uint64(len(body)) != 16*uint64(n) {
		return RevocationDoc{}, fmt.Errorf("%w: %d bytes for %d hashes", ErrBadRevocationDoc, len(body), n)
	}
	d.Hashes = make([]checkpoint.RevocationHash, n)
	for i := range d.Hashes {
		copy(d.Hashes[i][:], body[16*i:])
		if i > 0 && bytes.Compare(d.Hashes[i-1][:], d.Hashes[i][:]) >= 0 {
			return RevocationDoc{}, fmt.Errorf("%w: hashes not strictly increasing at %d", ErrBadRevocationDoc, i)
		}
	}
	return d, nil
}

// WriteFrame writes one length-prefixed frame.
func WriteFrame(w io.Writer, b []byte) error {
	var l [4]byte
	binary.BigEndian.PutUint32(l[:], uint32(len(b)))
	if _, err := w.Write(l[:]); err != nil {
		return fmt.Errorf("writing frame length: %w", err)
	}
	if _, err := w.Write(b); err != nil {
		return fmt.Errorf("writing frame: %w", err)
	}
	return nil
}

// ReadFrame reads one frame of at most limit bytes; io.EOF means a clean end.
func ReadFrame(r io.Reader, limit int) ([]byte, error) {
	var l [4]byte
	if _, err := io.ReadFull(r, l[:]); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, io.EOF
		}
		return nil, fmt.Errorf("reading frame length: %w", err)
	}
	n := binary.BigEndian.Uint32(l[:])
	if uint64(n) > uint64(limit) {
		return nil, fmt.Errorf("frame of %d bytes exceeds the limit of %d", n, limit)
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		return nil, fmt.Errorf("reading frame of %d bytes: %w", n, err)
	}
	return b, nil
}

// CSVHeader is the first line the terminal's export and the hub's queries write (terminal export and hub queries).
var CSVHeader = []string{"id", "time", "terminal_id", "site_id", "code_id", "format", "issuer", "color", "proxy", "celsius", "outcome", "reason", "rule_set", "rule"}

// CSVRow renders a record as ExportCSV does; the last two columns name the
// site rule set and rule that decided (empty: the built-in policy). Text cells pass through
// CSVCell, so a spreadsheet never runs a value as a formula.
func CSVRow(r checkpoint.Record) []string {
	c := ""
	if r.Celsius != nil {
		c = strconv.FormatFloat(*r.Celsius, 'f', 1, 64)
	}
	return []string{CSVCell(r.ID), r.Time.UTC().Format(time.RFC3339Nano), CSVCell(r.TerminalID), CSVCell(r.SiteID), CSVCell(r.CodeID),
		CSVCell(string(r.Format)), CSVCell(r.Issuer), CSVCell(r.Color.String()), strconv.FormatBool(r.Proxy), c,
		CSVCell(r.Outcome.String()), CSVCell(string(r.Reason)), CSVCell(r.RuleSet), CSVCell(r.Rule)}
}

// CSVCell neutralises a text cell against formula injection (OWASP "CSV
// Injection"): a value starting with =, +, -, @, a tab or a carriage
// return gets a leading apostrophe, so spreadsheets show it as text.
func CSVCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
