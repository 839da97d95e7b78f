package healthcode

import (
	"bytes"
	"crypto"
	"errors"
	"fmt"

	"github.com/checkpoint-terminal/checkpoint"
	"github.com/fxamacker/cbor/v2"
)

// MaxDocument bounds a root-signed document (trust list, revocation list,
// policy) accepted by OpenDocument.
const MaxDocument = 32 << 20

// docDec decodes root-signed documents: as strict as cborDec, with room for
// large lists.
var docDec = func() cbor.DecMode {
	dm, err := cbor.DecOptions{
		MaxNestedLevels:  16,
		MaxArrayElements: 1 << 20,
		MaxMapPairs:      1 << 16,
		DupMapKey:        cbor.DupMapKeyEnforcedAPF,
		IndefLength:      cbor.IndefLengthForbidden,
		IntDec:           cbor.IntDecConvertSignedOrFail,
		UTF8:             cbor.UTF8RejectInvalid,
	}.DecMode()
	if err != nil {
		panic(err) // static options; cannot fail
	}
	return dm
}()

// SignDocument signs payload with a root key (ES256 or SM2) as a tagged
// COSE_Sign1 whose protected header carries alg and the root's kid.
func SignDocument(payload []byte, root crypto.Signer) ([]byte, error) {
	if root == nil {
		return nil, errors.New("signing document: no root key")
	}
	kid, err := KeyID(root.Public())
	if err != nil {
		return nil, fmt.Errorf("signing document: %w", err)
	}
	out, err := sign1(payload, root, kid)
	if err != nil {
		return nil, fmt.Errorf("signing document: %w", err)
	}
	return out, nil
}

// OpenDocument verifies a document made by SignDocument against the pinned
// roots and returns its payload. A document signed by anything else, with an
// algorithm other than ES256 or SM2-SM3, or malformed, is refused with a
// *checkpoint.VerifyError.
func OpenDocument(signed []byte, roots []crypto.PublicKey) ([]byte, error) {
	if len(signed) > MaxDocument {
		return nil, checkpoint.Failf(checkpoint.FailMalformed, "opening document: %d bytes, above the %d limit", len(signed), MaxDocument)
	}
	env, err := parseCOSE(signed, docDec, false)
	if err != nil {
		return nil, fmt.Errorf("opening document: %w", err)
	}
	if env.alg != AlgES256 && env.alg != AlgSM2SM3 {
		return nil, checkpoint.Failf(checkpoint.FailUnsupportedAlgorithm, "opening document: algorithm %s not accepted", AlgorithmName(env.alg))
	}
	if env.kidErr != nil {
		return nil, fmt.Errorf("opening document: %w", env.kidErr)
	}
	if len(roots) == 0 {
		return nil, checkpoint.Failf(checkpoint.FailUnknownIssuer, "opening document: no pinned root keys")
	}
	// Try the root whose kid matches first, then every other root of the
	// same algorithm: kids are a hint, never the proof.
	tried := false
	for pass := 0; pass < 2; pass++ {
		for _, r := range roots {
			alg, err := algorithmOf(r)
			if err != nil || alg != env.alg {
				continue
			}
			kid, err := KeyID(r)
			if err != nil {
				continue
			}
			if (pass == 0) != bytes.Equal(kid, env.kid) {
				continue
			}
			tried = true
			if env.verifyWith(alg, r) == nil {
				return env.msg.Payload, nil
			}
		}
	}
	if !tried {
		return nil, checkpoint.Failf(checkpoint.FailUnknownIssuer, "opening document: no pinned root signs with %s", AlgorithmName(env.alg))
	}
	return nil, checkpoint.Failf(checkpoint.FailBadSignature, "opening document: not signed by any pinned root")
}
