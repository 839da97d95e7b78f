package healthcode

import (
	"bytes"
	"compress/zlib"
	"crypto"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"slices"
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

// The CBOR rule, decided once per format and applied by the decoder (never
// by matching bytes) to every layer of a text, envelope and claims alike
// (docs/healthcode-format.md sections 1 and 8): any well-formed encoding is
// read (non-shortest heads, any key order), nesting at most 16 levels, no
// duplicate map keys, valid UTF-8, integers within int64. Indefinite lengths
// are refused in HCN1 codes (the spec requires definite lengths of issuers)
// and read in EU DCCs (HCERT does not forbid them, and some issuers use
// them); the 64 KiB input bound keeps them harmless.
var (
	// hcnDec decodes HCN1 codes: definite lengths only.
	hcnDec = newDecMode(cbor.IndefLengthForbidden)
	// cborDec decodes EU DCCs (indefinite lengths allowed), and values inside
	// a layer the format's decoder already accepted.
	cborDec = newDecMode(cbor.IndefLengthAllowed)
)

func newDecMode(indef cbor.IndefLengthMode) cbor.DecMode {
	dm, err := cbor.DecOptions{
		MaxNestedLevels:  16,
		MaxArrayElements: 4096,
		MaxMapPairs:      4096,
		DupMapKey:        cbor.DupMapKeyEnforcedAPF,
		IndefLength:      indef,
		IntDec:           cbor.IntDecConvertSignedOrFail,
		UTF8:             cbor.UTF8RejectInvalid,
	}.DecMode()
	if err != nil {
		panic(err) // static options; cannot fail
	}
	return dm
}

// decModeFor returns the CBOR decoder of a format's texts.
func decModeFor(f checkpoint.Format) cbor.DecMode {
	if f == checkpoint.FormatHealthCode {
		return hcnDec
	}
	return cborDec
}

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
	// dm is the format's CBOR decoder; the claims are read with it too.
	dm  cbor.DecMode
	msg cose.Sign1Message
	// protected is the content of the protected-header bstr as sent.
	protected []byte
	alg       int64
	kid       []byte
	// kidErr is set when the kid is not a byte string (malformed).
	kidErr error
}

// sign1Wire is the COSE_Sign1 array (RFC 9052 section 4.2) as the CBOR
// decoder reads it: exactly four elements of these types.
type sign1Wire struct {
	_           struct{} `cbor:",toarray"`
	Protected   []byte
	Unprotected map[any]any
	Payload     []byte
	Signature   []byte
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
	// The reader stops after the Adler-32 of the first stream; whatever
	// follows is not part of the code (a second stream, padding, another
	// message) and is refused rather than ignored.
	if br.Len() > 0 {
		return nil, fmt.Errorf("%d bytes after the end of the zlib stream", br.Len())
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
	// HCN1 takes alg and kid from the protected header only; the HCERT
	// allowance of the unprotected header is for DCCs.
	env, err := parseCOSE(raw, decModeFor(format), format == checkpoint.FormatDCC)
	if err != nil {
		return nil, stageCOSE, err
	}
	env.format = format
	return env, stageCOSE, nil
}

// parseCOSE parses a COSE_Sign1 with dm: untagged, tagged 18, or tag 18
// inside the CWT tag 61, in any well-formed encoding dm accepts (a tag or an
// array head in a longer form is still that tag or array). Trailing bytes
// are refused. alg and kid come from the protected header; only when
// unprotected is true (EU DCCs) may either come from the unprotected header
// when the protected one has none.
func parseCOSE(raw []byte, dm cbor.DecMode, unprotected bool) (*envelope, error) {
	if err := dm.Wellformed(raw); err != nil {
		return nil, checkpoint.Failf(checkpoint.FailMalformed, "COSE_Sign1: %w", err)
	}
	b := raw
	// Tags allowed around the array, outermost first: 61 (CWT), then 18.
	wantTags := []uint64{61, 18}
	for len(b) > 0 && b[0]>>5 == 6 {
		var rt cbor.RawTag
		if err := dm.Unmarshal(b, &rt); err != nil {
			return nil, checkpoint.Failf(checkpoint.FailMalformed, "COSE_Sign1 tag: %w", err)
		}
		i := slices.Index(wantTags, rt.Number)
		if i < 0 {
			return nil, checkpoint.Failf(checkpoint.FailMalformed, "tag %d where a COSE_Sign1 (18, or 61 around 18) belongs", rt.Number)
		}
		if rt.Number == 61 && (len(rt.Content) == 0 || rt.Content[0]>>5 != 6) {
			return nil, checkpoint.Failf(checkpoint.FailMalformed, "CWT tag 61 not around a tagged COSE message")
		}
		wantTags = wantTags[i+1:]
		b = rt.Content
	}
	var w sign1Wire
	if err := dm.Unmarshal(b, &w); err != nil {
		return nil, checkpoint.Failf(checkpoint.FailMalformed, "not a COSE_Sign1 message: %w", err)
	}
	if w.Payload == nil {
		return nil, checkpoint.Failf(checkpoint.FailMalformed, "COSE_Sign1 has no payload")
	}
	if w.Signature == nil {
		return nil, checkpoint.Failf(checkpoint.FailMalformed, "COSE_Sign1 has no signature")
	}
	prot := map[any]any{}
	if len(w.Protected) > 0 {
		if err := dm.Unmarshal(w.Protected, &prot); err != nil {
			return nil, checkpoint.Failf(checkpoint.FailMalformed, "protected header is not a CBOR map: %w", err)
		}
	}
	if w.Unprotected == nil {
		w.Unprotected = map[any]any{}
	}
	env := &envelope{dm: dm, protected: w.Protected}
	env.msg = cose.Sign1Message{
		Headers: cose.Headers{RawProtected: w.Protected, Protected: prot, Unprotected: w.Unprotected},
		Payload: w.Payload, Signature: w.Signature,
	}
	// alg belongs in the protected header; HCERT also allows the
	// unprotected one, which some DCC issuers use. It is a hint either way:
	// the trusted key's own algorithm must equal it.
	alg, ok, err := headerAlg(prot)
	if err == nil && !ok && unprotected {
		alg, ok, err = headerAlg(w.Unprotected)
	}
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, checkpoint.Failf(checkpoint.FailUnsupportedAlgorithm, "no alg in the %s", headerWhere(unprotected))
	}
	env.alg = alg
	kid, _, err := headerKid(prot)
	if err == nil && len(kid) == 0 && unprotected {
		// An absent or empty protected kid: HCERT's fallback.
		kid, _, err = headerKid(w.Unprotected)
	}
	// A kid that is not a byte string (rule 9) is reported after the alg
	// is judged (rule 7), by the caller: the first rule broken decides.
	env.kid, env.kidErr = kid, err
	return env, nil
}

func headerWhere(unprotected bool) string {
	if unprotected {
		return "protected or unprotected header"
	}
	return "protected header"
}

// headerAlg reads the alg header parameter (label 1): an integer; a text
// algorithm name is none we accept.
func headerAlg(h map[any]any) (int64, bool, error) {
	v, ok := h[int64(1)]
	if !ok {
		return 0, false, nil
	}
	switch a := v.(type) {
	case int64:
		return a, true, nil
	case string:
		return 0, false, checkpoint.Failf(checkpoint.FailUnsupportedAlgorithm, "alg %q", a)
	}
	return 0, false, checkpoint.Failf(checkpoint.FailMalformed, "alg is %T, want an integer", v)
}

func headerKid(h map[any]any) ([]byte, bool, error) {
	v, ok := h[int64(4)]
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
