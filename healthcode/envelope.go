package healthcode

import (
	"bytes"
	"compress/zlib"
	"crypto"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/checkpoint-terminal/checkpoint"
	b45 "github.com/checkpoint-terminal/checkpoint/healthcode/base45"
	"github.com/fxamacker/cbor/v2"
	"github.com/veraison/go-cose"
)

// Prefixes of the texts we recognise. Both use only characters of the QR
// alphanumeric set, so the whole text stays in alphanumeric mode.
const (
	// Prefix starts the text of our own three-colour health code: "HCN1:"
	// (Health Code, National, version 1).
	Prefix = "HCN1:"
	// DCCPrefix starts an EU Digital COVID Certificate (HCERT "HC1:").
	DCCPrefix = "HC1:"
)

// Hard limits on every layer of a text.
const (
	// MaxTextLen bounds the QR text: a version 40 QR holds at most 4296
	// alphanumeric characters, so anything much longer did not come from a
	// camera.
	MaxTextLen = 8 << 10
	// MaxInflated bounds the inflated COSE message; a zlib bomb is refused
	// after reading this much, never expanded further.
	MaxInflated = 64 << 10
)

// cborDec decodes every CBOR we read from a code: bounded nesting and
// lengths, no duplicate map keys, valid UTF-8.
var cborDec = func() cbor.DecMode {
	dm, err := cbor.DecOptions{
		MaxNestedLevels:  16,
		MaxArrayElements: 4096,
		MaxMapPairs:      4096,
		DupMapKey:        cbor.DupMapKeyEnforcedAPF,
		// Indefinite lengths are legal CBOR and some member states' DCCs
		// use them; the 64 KiB input bound keeps them harmless.
		IndefLength: cbor.IndefLengthAllowed,
		IntDec:      cbor.IntDecConvertSignedOrFail,
		UTF8:        cbor.UTF8RejectInvalid,
	}.DecMode()
	if err != nil {
		panic(err) // static options; cannot fail
	}
	return dm
}()

// cborEnc writes deterministic (core deterministic, RFC 8949 4.2.1) CBOR.
var cborEnc = func() cbor.EncMode {
	em, err := cbor.CoreDetEncOptions().EncMode()
	if err != nil {
		panic(err) // static options; cannot fail
	}
	return em
}()

// stage names a layer of the decoding pipeline, in order; the DCC test suite
// reports how far a text got.
type stage int

const (
	stageUnprefix stage = iota
	stageBase45
	stageInflate
	stageCOSE
	stageClaims
	stageSignature
	stageTime
	stageKeyUsage
	stagePolicy
	stageRevocation
	stageDone
)

// envelope is a text decoded down to its COSE_Sign1, not yet verified.
type envelope struct {
	format checkpoint.Format
	msg    cose.Sign1Message
	// protected is the content of the protected-header bstr as sent.
	protected []byte
	alg       int64
	kid       []byte
}

// splitPrefix finds the format of text and returns the Base45 part.
func splitPrefix(text string) (checkpoint.Format, string, error) {
	switch {
	case strings.HasPrefix(text, Prefix):
		return checkpoint.FormatHealthCode, text[len(Prefix):], nil
	case strings.HasPrefix(text, DCCPrefix):
		return checkpoint.FormatDCC, text[len(DCCPrefix):], nil
	}
	return "", "", &checkpoint.VerifyError{Failure: checkpoint.FailUnknownFormat, Err: errors.New("no recognised prefix (want " + Prefix + " or " + DCCPrefix + ")")}
}

var zlibPool sync.Pool // of io.ReadCloser implementing zlib.Resetter

// inflate decompresses a zlib stream of at most MaxInflated bytes.
func inflate(compressed []byte) ([]byte, error) {
	br := bytes.NewReader(compressed)
	var zr io.ReadCloser
	if p, ok := zlibPool.Get().(io.ReadCloser); ok {
		if err := p.(zlib.Resetter).Reset(br, nil); err != nil {
			return nil, fmt.Errorf("zlib header: %w", err)
		}
		zr = p
	} else {
		r, err := zlib.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("zlib header: %w", err)
		}
		zr = r
	}
	defer zlibPool.Put(zr)
	out := make([]byte, 0, min(4*len(compressed)+64, MaxInflated+1))
	out, err := readAllLimited(zr, out, MaxInflated)
	if err != nil {
		return nil, err
	}
	return out, nil
}

func readAllLimited(r io.Reader, buf []byte, limit int) ([]byte, error) {
	for {
		if len(buf) == cap(buf) {
			if len(buf) > limit {
				return nil, fmt.Errorf("inflated payload exceeds %d bytes", limit)
			}
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if len(buf) > limit {
			return nil, fmt.Errorf("inflated payload exceeds %d bytes", limit)
		}
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return nil, fmt.Errorf("inflating: %w", err)
		}
	}
}

// decodeEnvelope runs the layers up to a parsed COSE_Sign1. On failure it
// returns the stage that failed and a *checkpoint.VerifyError.
func decodeEnvelope(text string) (*envelope, stage, error) {
	if len(text) > MaxTextLen {
		return nil, stageUnprefix, checkpoint.Failf(checkpoint.FailMalformed, "text is %d bytes, above the %d limit", len(text), MaxTextLen)
	}
	// Some scanners end a text with a line break; neither CR nor LF is in
	// the Base45 alphabet, so trimming them cannot change a valid code.
	// (Spaces are in the alphabet and are kept.)
	text = strings.TrimRight(text, "\r\n")
	format, b45text, err := splitPrefix(text)
	if err != nil {
		return nil, stageUnprefix, err
	}
	compressed, err := b45.Decode(b45text)
	if err != nil {
		return nil, stageBase45, &checkpoint.VerifyError{Failure: checkpoint.FailMalformed, Err: err}
	}
	raw, err := inflate(compressed)
	if err != nil {
		return nil, stageInflate, &checkpoint.VerifyError{Failure: checkpoint.FailMalformed, Err: err}
	}
	env, err := parseCOSE(raw, cborDec)
	if err != nil {
		return nil, stageCOSE, err
	}
	env.format = format
	return env, stageCOSE, nil
}

// parseCOSE parses a COSE_Sign1: tagged (18), untagged, or wrapped in the
// CWT tag 61 as well, and extracts alg and kid. kid is taken from the
// protected header, and only when that has none from the unprotected one.
func parseCOSE(raw []byte, dm cbor.DecMode) (*envelope, error) {
	b := raw
	if len(b) >= 2 && b[0] == 0xd8 && b[1] == 61 { // tag 61: CWT
		b = b[2:]
	}
	if len(b) >= 1 && b[0] == 0xd2 { // tag 18: COSE_Sign1
		b = b[1:]
	}
	if len(b) == 0 || b[0] != 0x84 {
		return nil, checkpoint.Failf(checkpoint.FailMalformed, "not a COSE_Sign1 message")
	}
	if err := dm.Wellformed(b); err != nil {
		return nil, checkpoint.Failf(checkpoint.FailMalformed, "COSE_Sign1: %w", err)
	}
	var m cose.UntaggedSign1Message
	if err := m.UnmarshalCBOR(b); err != nil {
		return nil, checkpoint.Failf(checkpoint.FailMalformed, "COSE_Sign1: %w", err)
	}
	env := &envelope{msg: cose.Sign1Message(m)}
	if env.msg.Payload == nil {
		return nil, checkpoint.Failf(checkpoint.FailMalformed, "COSE_Sign1 has no payload")
	}
	if err := dm.Unmarshal(env.msg.Headers.RawProtected, &env.protected); err != nil {
		return nil, checkpoint.Failf(checkpoint.FailMalformed, "protected header: %w", err)
	}
	// alg belongs in the protected header; RFC 9052 also allows the
	// unprotected one, which some DCC issuers use. It is a hint either way:
	// the trusted key's own algorithm must equal it.
	alg, err := env.msg.Headers.Protected.Algorithm()
	if errors.Is(err, cose.ErrAlgorithmNotFound) {
		if _, inUnprotected := env.msg.Headers.Unprotected[cose.HeaderLabelAlgorithm]; inUnprotected {
			alg, err = cose.ProtectedHeader(env.msg.Headers.Unprotected).Algorithm()
		}
	}
	if err != nil {
		return nil, checkpoint.Failf(checkpoint.FailUnsupportedAlgorithm, "header alg: %w", err)
	}
	env.alg = int64(alg)
	kid, ok, err := headerKid(env.msg.Headers.Protected)
	if err != nil {
		return nil, err
	}
	if !ok {
		kid, _, err = headerKid(env.msg.Headers.Unprotected)
		if err != nil {
			return nil, err
		}
	}
	env.kid = kid
	return env, nil
}

func headerKid(h map[any]any) ([]byte, bool, error) {
	v, ok := h[cose.HeaderLabelKeyID]
	if !ok {
		return nil, false, nil
	}
	kid, isBytes := v.([]byte)
	if !isBytes {
		return nil, false, checkpoint.Failf(checkpoint.FailMalformed, "kid is %T, want a byte string", v)
	}
	return kid, true, nil
}

// acceptedAlgorithm reports whether a format may be signed with alg.
func acceptedAlgorithm(f checkpoint.Format, alg int64) bool {
	switch f {
	case checkpoint.FormatHealthCode:
		return alg == AlgES256 || alg == AlgSM2SM3
	case checkpoint.FormatDCC:
		return alg == AlgES256 || alg == AlgPS256
	}
	return false
}

// toBeSigned is the Sig_structure of RFC 9052 section 4.4 for a COSE_Sign1
// without external data: ["Signature1", protected, empty bstr, payload].
func (e *envelope) toBeSigned() []byte {
	n := 1 + 11 + 9 + len(e.protected) + 1 + 9 + len(e.msg.Payload)
	b := make([]byte, 0, n)
	b = append(b, 0x84, 0x6a)
	b = append(b, "Signature1"...)
	b = appendBstrHeader(b, len(e.protected))
	b = append(b, e.protected...)
	b = append(b, 0x40)
	b = appendBstrHeader(b, len(e.msg.Payload))
	return append(b, e.msg.Payload...)
}

func appendBstrHeader(b []byte, n int) []byte {
	switch {
	case n < 24:
		return append(b, 0x40|byte(n))
	case n <= 0xff:
		return append(b, 0x58, byte(n))
	case n <= 0xffff:
		return append(b, 0x59, byte(n>>8), byte(n))
	case uint64(n) <= 0xffffffff:
		return append(b, 0x5a, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
	return append(b, 0x5b, byte(n>>56), byte(n>>48), byte(n>>40), byte(n>>32), byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
}

// verifyWith checks the envelope's signature with one key under alg.
func (e *envelope) verifyWith(alg int64, key any) error {
	if !verifySignature(alg, key, e.toBeSigned(), e.msg.Signature) {
		return errBadSignature
	}
	return nil
}

var errBadSignature = errors.New("signature does not verify")

// sign1 builds a tagged COSE_Sign1 with alg and kid in the protected header.
func sign1(payload []byte, key crypto.Signer, kid []byte) ([]byte, error) {
	s, err := newCOSESigner(key)
	if err != nil {
		return nil, err
	}
	hdr := cose.Headers{Protected: cose.ProtectedHeader{cose.HeaderLabelAlgorithm: cose.Algorithm(s.alg)}}
	if kid != nil {
		hdr.Protected[cose.HeaderLabelKeyID] = kid
	}
	out, err := cose.Sign1(rand.Reader, s, hdr, payload, nil)
	if err != nil {
		return nil, fmt.Errorf("signing COSE_Sign1: %w", err)
	}
	return out, nil
}

// deflate zlib-compresses b at the best level.
func deflate(b []byte) ([]byte, error) {
	var buf bytes.Buffer
	w, err := zlib.NewWriterLevel(&buf, zlib.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(b); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func base45Encode(b []byte) string { return b45.Encode(b) }
