package healthcode

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/smx509"
	"github.com/veraison/go-cose"
)

// Algorithm names a signature algorithm for keys we generate and codes we
// issue.
type Algorithm string

const (
	// ES256 is ECDSA on P-256 with SHA-256 (COSE -7).
	ES256 Algorithm = "ES256"
	// SM2 is SM2 with SM3 and the default user id "1234567812345678"
	// (GB/T 32918.2, GM/T 0009), COSE AlgSM2SM3.
	SM2 Algorithm = "SM2"
)

// COSE algorithm identifiers we accept. Anything else (including "none",
// the MACs, EdDSA and the ES384/ES512 family) is refused.
const (
	AlgES256 int64 = -7
	AlgPS256 int64 = -37
	// AlgSM2SM3 is the identifier we use for SM2-with-SM3 signatures. IANA
	// has registered none, so it is taken from the private-use range of the
	// COSE Algorithms registry (integers below -65536). The signature is the
	// 64-byte r||s concatenation, as for ECDSA in RFC 9053.
	AlgSM2SM3 int64 = -65537
)

// AlgorithmName returns a readable name of a COSE algorithm identifier.
func AlgorithmName(alg int64) string {
	switch alg {
	case AlgES256:
		return "ES256"
	case AlgPS256:
		return "PS256"
	case AlgSM2SM3:
		return "SM2-SM3"
	}
	return fmt.Sprintf("alg(%d)", alg)
}

// sm2UID is the default distinguishing identifier of GM/T 0009.
var sm2UID = []byte("1234567812345678")

// GenerateKey makes a new private key for alg.
func GenerateKey(alg Algorithm) (crypto.Signer, error) {
	switch alg {
	case ES256:
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, fmt.Errorf("generating ES256 key: %w", err)
		}
		return k, nil
	case SM2:
		k, err := sm2.GenerateKey(rand.Reader)
		if err != nil {
			return nil, fmt.Errorf("generating SM2 key: %w", err)
		}
		return k, nil
	}
	return nil, fmt.Errorf("unsupported algorithm %q (want ES256 or SM2)", alg)
}

// MarshalPrivateKeyPEM writes k as a PKCS#8 "PRIVATE KEY" PEM block.
func MarshalPrivateKeyPEM(k crypto.Signer) ([]byte, error) {
	var der []byte
	var err error
	switch key := k.(type) {
	case *sm2.PrivateKey:
		der, err = smx509.MarshalPKCS8PrivateKey(key)
	case *ecdsa.PrivateKey:
		if isSM2Curve(key.Curve) {
			der, err = smx509.MarshalPKCS8PrivateKey(&sm2.PrivateKey{PrivateKey: *key})
		} else {
			der, err = x509.MarshalPKCS8PrivateKey(key)
		}
	default:
		der, err = x509.MarshalPKCS8PrivateKey(k)
	}
	if err != nil {
		return nil, fmt.Errorf("marshalling private key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// ParsePrivateKeyPEM reads a PKCS#8 "PRIVATE KEY" PEM block holding a P-256
// or SM2 key.
func ParsePrivateKeyPEM(b []byte) (crypto.Signer, error) {
	blk, _ := pem.Decode(b)
	if blk == nil || blk.Type != "PRIVATE KEY" {
		return nil, errors.New("parsing private key: no PKCS#8 \"PRIVATE KEY\" PEM block")
	}
	k, err := smx509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("parsing private key: %w", err)
	}
	switch key := k.(type) {
	case *sm2.PrivateKey:
		return key, nil
	case *ecdsa.PrivateKey:
		if key.Curve == elliptic.P256() {
			return key, nil
		}
		return nil, fmt.Errorf("parsing private key: curve %s not supported", key.Curve.Params().Name)
	}
	return nil, fmt.Errorf("parsing private key: %T not supported (want P-256 or SM2)", k)
}

// MarshalPublicKeyPEM writes k as a PKIX "PUBLIC KEY" PEM block.
func MarshalPublicKeyPEM(k crypto.PublicKey) ([]byte, error) {
	der, err := marshalPKIX(k)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), nil
}

// ParsePublicKeyPEM reads a PKIX "PUBLIC KEY" PEM block (P-256, SM2 or RSA).
func ParsePublicKeyPEM(b []byte) (crypto.PublicKey, error) {
	blk, _ := pem.Decode(b)
	if blk == nil || blk.Type != "PUBLIC KEY" {
		return nil, errors.New("parsing public key: no PKIX \"PUBLIC KEY\" PEM block")
	}
	return parsePKIX(blk.Bytes)
}

// parsePKIX parses SPKI DER of a P-256, SM2 or RSA key.
func parsePKIX(der []byte) (crypto.PublicKey, error) {
	k, err := smx509.ParsePKIXPublicKey(der)
	if err != nil {
		return nil, fmt.Errorf("parsing public key: %w", err)
	}
	switch key := k.(type) {
	case *ecdsa.PublicKey:
		if isNISTCurve(key.Curve) || isSM2Curve(key.Curve) {
			return key, nil
		}
		return nil, fmt.Errorf("parsing public key: curve %s not supported", key.Curve.Params().Name)
	case *rsa.PublicKey:
		return key, nil
	}
	return nil, fmt.Errorf("parsing public key: %T not supported", k)
}

func marshalPKIX(k crypto.PublicKey) ([]byte, error) {
	if sk, ok := k.(*sm2.PrivateKey); ok {
		k = &sk.PublicKey
	}
	der, err := smx509.MarshalPKIXPublicKey(k)
	if err != nil {
		return nil, fmt.Errorf("marshalling public key: %w", err)
	}
	return der, nil
}

// KeyID is the kid of a public key: the first 8 bytes of SHA-256 of its
// SPKI DER.
func KeyID(pub crypto.PublicKey) ([]byte, error) {
	der, err := marshalPKIX(pub)
	if err != nil {
		return nil, err
	}
	return kidOf(der), nil
}

func kidOf(der []byte) []byte {
	s := sha256.Sum256(der)
	return s[:8:8]
}

// isNISTCurve: P-256, and for DCC document signers P-384 and P-521 (COSE
// ES256 is ECDSA with SHA-256; RFC 9053 recommends, not requires, P-256).
func isNISTCurve(c elliptic.Curve) bool {
	return c == elliptic.P256() || c == elliptic.P384() || c == elliptic.P521()
}

func isSM2Curve(c elliptic.Curve) bool {
	return c != nil && c.Params() == sm2.P256().Params()
}

// algorithmOf returns the COSE algorithm a key signs with.
func algorithmOf(pub crypto.PublicKey) (int64, error) {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		switch {
		case isNISTCurve(k.Curve):
			return AlgES256, nil
		case isSM2Curve(k.Curve):
			return AlgSM2SM3, nil
		}
	case *rsa.PublicKey:
		return AlgPS256, nil
	}
	return 0, fmt.Errorf("no supported algorithm for key %T", pub)
}

// coseSigner signs COSE Sig_structures with ES256 or SM2-SM3.
type coseSigner struct {
	alg int64
	key crypto.Signer
}

func newCOSESigner(key crypto.Signer) (*coseSigner, error) {
	if key == nil {
		return nil, errors.New("no signing key")
	}
	alg, err := algorithmOf(key.Public())
	if err != nil {
		return nil, err
	}
	if k, ok := key.Public().(*ecdsa.PublicKey); alg == AlgPS256 || ok && k.Curve != elliptic.P256() && !isSM2Curve(k.Curve) {
		return nil, errors.New("only P-256 (ES256) and SM2 keys sign here")
	}
	return &coseSigner{alg: alg, key: key}, nil
}

func (s *coseSigner) Algorithm() cose.Algorithm { return cose.Algorithm(s.alg) }

func (s *coseSigner) Sign(r io.Reader, content []byte) ([]byte, error) {
	var der []byte
	var err error
	switch s.alg {
	case AlgES256:
		h := sha256.Sum256(content)
		der, err = s.key.Sign(r, h[:], crypto.SHA256)
	case AlgSM2SM3:
		der, err = s.key.Sign(r, content, sm2.NewSM2SignerOption(true, sm2UID))
	default:
		err = fmt.Errorf("cannot sign with %s", AlgorithmName(s.alg))
	}
	if err != nil {
		return nil, fmt.Errorf("signing: %w", err)
	}
	return asn1ToRaw(der, 32)
}

// asn1ToRaw turns an ASN.1 ECDSA-Sig-Value into fixed-width r||s.
func asn1ToRaw(der []byte, size int) ([]byte, error) {
	var sig struct{ R, S *big.Int }
	rest, err := asn1.Unmarshal(der, &sig)
	if err != nil || len(rest) != 0 || sig.R == nil || sig.S == nil || sig.R.Sign() <= 0 || sig.S.Sign() <= 0 {
		return nil, errors.New("signature is not an ASN.1 ECDSA-Sig-Value")
	}
	out := make([]byte, 2*size)
	if !fillInt(out[:size], sig.R.Bytes()) || !fillInt(out[size:], sig.S.Bytes()) {
		return nil, errors.New("signature integer too large")
	}
	return out, nil
}

func fillInt(dst, v []byte) bool {
	for len(v) > 0 && v[0] == 0 {
		v = v[1:]
	}
	if len(v) > len(dst) {
		return false
	}
	copy(dst[len(dst)-len(v):], v)
	return true
}

// rawToASN1 turns r||s (each half the length) into an ASN.1
// ECDSA-Sig-Value.
func rawToASN1(raw []byte) ([]byte, error) {
	if len(raw) == 0 || len(raw)%2 != 0 || len(raw) > 132 {
		return nil, fmt.Errorf("signature is %d bytes", len(raw))
	}
	h := len(raw) / 2
	r := new(big.Int).SetBytes(raw[:h])
	s := new(big.Int).SetBytes(raw[h:])
	return asn1.Marshal(struct{ R, S *big.Int }{r, s})
}

func curveBytes(c elliptic.Curve) int { return (c.Params().BitSize + 7) / 8 }

// verifySignature checks sig over the COSE ToBeSigned bytes tbs with pub
// under alg. It returns false for any mismatch of key type and algorithm.
func verifySignature(alg int64, pub crypto.PublicKey, tbs, sig []byte) bool {
	switch alg {
	case AlgES256:
		k, ok := pub.(*ecdsa.PublicKey)
		if !ok || !isNISTCurve(k.Curve) || len(sig) != 2*curveBytes(k.Curve) {
			return false
		}
		der, err := rawToASN1(sig)
		if err != nil {
			return false
		}
		h := sha256.Sum256(tbs)
		return ecdsa.VerifyASN1(k, h[:], der)
	case AlgSM2SM3:
		k, ok := pub.(*ecdsa.PublicKey)
		if !ok || !isSM2Curve(k.Curve) || len(sig) != 64 {
			return false
		}
		der, err := rawToASN1(sig)
		if err != nil {
			return false
		}
		return sm2.VerifyASN1WithSM2(k, sm2UID, tbs, der)
	case AlgPS256:
		k, ok := pub.(*rsa.PublicKey)
		if !ok || k.N.BitLen() < 2048 {
			return false
		}
		h := sha256.Sum256(tbs)
		return rsa.VerifyPSS(k, crypto.SHA256, h[:], sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthAuto}) == nil
	}
	return false
}
