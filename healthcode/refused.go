package healthcode

import (
	"errors"

	"github.com/checkpoint-terminal/checkpoint"
)

// refusedAfterSignature are the failures the verifier reports only after
// the signature checked out: the code is genuine, just not acceptable.
var refusedAfterSignature = map[checkpoint.Failure]bool{
	checkpoint.FailRevoked:     true,
	checkpoint.FailExpired:     true,
	checkpoint.FailNotYetValid: true,
	checkpoint.FailKeyUsage:    true,
	checkpoint.FailNotAccepted: true,
}

// withRefusedCode attaches to err, when it refuses a code whose signature
// verified, the code as decoded from text (VerifyError.Code), so the record
// of the refusal keeps its pseudonymous id. Any other error is returned
// as is.
func withRefusedCode(text string, err error) error {
	var ve *checkpoint.VerifyError
	if !errors.As(err, &ve) || !refusedAfterSignature[ve.Failure] || ve.Code != nil {
		return err
	}
	if c, ok := decodeRefusedCode(text); ok {
		ve.Code = &c
	}
	return err
}

// decodeRefusedCode decodes the claims of text without checking anything
// (its signature already verified) into the domain Code.
func decodeRefusedCode(text string) (checkpoint.Code, bool) {
	env, _, err := decodeEnvelope(text)
	if err != nil {
		return checkpoint.Code{}, false
	}
	claims, err := decodePayload(env)
	if err != nil {
		return checkpoint.Code{}, false
	}
	switch env.format {
	case checkpoint.FormatHealthCode:
		c, err := claimsFromCWT(claims)
		if err != nil {
			return checkpoint.Code{}, false
		}
		return c.Code(), true
	case checkpoint.FormatDCC:
		d, err := decodeDGC(claims)
		if err != nil {
			return checkpoint.Code{}, false
		}
		return dccCode(claims, d, ""), true
	}
	return checkpoint.Code{}, false
}
