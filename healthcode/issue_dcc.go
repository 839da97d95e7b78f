package healthcode

import (
	"crypto"
	"errors"
	"fmt"
	"time"
)

// IssueDCC signs an EU Digital COVID Certificate (HCERT) as a document
// signer would: the CWT claims iss (country), iat, exp and hcert
// {1: dgc}, COSE_Sign1 with ES256 and the kid of the signer's certificate
// (first 8 bytes of SHA-256 of certDER), zlib, Base45, "HC1:". The demo
// mode and the tests use it; the dgc map is the eu_dgc_v1 JSON schema's
// content (ver, nam, dob and one of v, t, r).
func IssueDCC(country string, dgc map[string]any, key crypto.Signer, certDER []byte, iat, exp time.Time) (string, error) {
	if key == nil || len(certDER) == 0 {
		return "", errors.New("issuing DCC: a document signer key and certificate are required")
	}
	payload, err := cborEnc.Marshal(map[int]any{1: country, 4: exp.Unix(), 6: iat.Unix(), -260: map[int]any{1: dgc}})
	if err != nil {
		return "", fmt.Errorf("issuing DCC: encoding claims: %w", err)
	}
	return sealText(DCCPrefix, payload, key, kidOf(certDER))
}
