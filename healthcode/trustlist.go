package healthcode

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/x509"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
	"github.com/emmansun/gmsm/smx509"
)

// trustListType marks the payload of a signed trust list, so that another
// root-signed document (a revocation delta, a policy) cannot be passed off
// as one.
const trustListType = "checkpoint-trustlist-v1"

// TrustListEntry is one signing key of a trust list: an issuer's key for our
// codes, or a DCC document signer certificate.
type TrustListEntry struct {
	// Kid is the key identifier codes carry. Empty: computed as KeyID of the
	// public key, or for an entry with a certificate the first 8 bytes of
	// SHA-256 of the certificate DER (the DCC rule).
	Kid    []byte
	Format checkpoint.Format
	// Issuer and Region: for our codes "<division>:<issuer id>" and the
	// division code (a code whose iss differs from a non-empty Issuer is
	// refused); for DCCs the country.
	Issuer, Region string
	// Algorithm is the COSE algorithm id; 0 means the one of the key.
	Algorithm int64
	// PublicKeyDER is the SPKI DER; may be empty when CertificateDER is set.
	PublicKeyDER []byte
	// CertificateDER is the signing certificate (DCC document signers); its
	// extended key usage limits which DCC types it may sign.
	CertificateDER []byte
	// ValidFrom and ValidTo bound the key; zero is unbounded.
	ValidFrom, ValidTo time.Time
	// Kinds lists the code kinds the key may sign; empty means all.
	Kinds []checkpoint.CodeKind
}

// TrustListDoc is the content of a trust list before it is signed.
type TrustListDoc struct {
	Version             uint64
	IssuedAt, ExpiresAt time.Time
	Entries             []TrustListEntry
}

type trustListWire struct {
	Type      string           `cbor:"0,keyasint"`
	Version   uint64           `cbor:"1,keyasint"`
	IssuedAt  int64            `cbor:"2,keyasint"`
	ExpiresAt int64            `cbor:"3,keyasint"`
	Entries   []trustEntryWire `cbor:"4,keyasint"`
}

type trustEntryWire struct {
	Kid         []byte   `cbor:"1,keyasint,omitempty"`
	Format      string   `cbor:"2,keyasint"`
	Issuer      string   `cbor:"3,keyasint,omitempty"`
	Region      string   `cbor:"4,keyasint,omitempty"`
	Algorithm   int64    `cbor:"5,keyasint,omitempty"`
	PublicKey   []byte   `cbor:"6,keyasint,omitempty"`
	Certificate []byte   `cbor:"7,keyasint,omitempty"`
	ValidFrom   int64    `cbor:"8,keyasint,omitempty"`
	ValidTo     int64    `cbor:"9,keyasint,omitempty"`
	Kinds       []string `cbor:"10,keyasint,omitempty"`
}

func unixOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

func timeOrZero(s int64) time.Time {
	if s == 0 {
		return time.Time{}
	}
	return time.Unix(s, 0).UTC()
}

// SignTrustList checks every entry of doc, encodes it as CBOR and signs it
// with root.
func SignTrustList(doc TrustListDoc, root crypto.Signer) ([]byte, error) {
	if doc.ExpiresAt.IsZero() || !doc.ExpiresAt.After(doc.IssuedAt) {
		return nil, errors.New("signing trust list: expiry must be set and after issue")
	}
	w := trustListWire{Type: trustListType, Version: doc.Version, IssuedAt: doc.IssuedAt.Unix(), ExpiresAt: doc.ExpiresAt.Unix()}
	chk := &TrustList{keys: map[checkpoint.Format]map[string][]checkpoint.TrustedKey{}}
	for i, e := range doc.Entries {
		tk, err := e.trustedKey()
		if err == nil {
			err = chk.add(tk)
		}
		if err != nil {
			return nil, fmt.Errorf("signing trust list: entry %d: %w", i, err)
		}
		ew := trustEntryWire{
			Kid: e.Kid, Format: string(e.Format), Issuer: e.Issuer, Region: e.Region,
			Algorithm: e.Algorithm, PublicKey: e.PublicKeyDER, Certificate: e.CertificateDER,
			ValidFrom: unixOrZero(e.ValidFrom), ValidTo: unixOrZero(e.ValidTo),
		}
		for _, k := range e.Kinds {
			ew.Kinds = append(ew.Kinds, k.String())
		}
		w.Entries = append(w.Entries, ew)
	}
	payload, err := cborEnc.Marshal(w)
	if err != nil {
		return nil, fmt.Errorf("signing trust list: encoding: %w", err)
	}
	return SignDocument(payload, root)
}

// TrustList is a verified trust list; it implements checkpoint.TrustStore.
// It is immutable after ParseTrustList and safe for concurrent use.
type TrustList struct {
	version             uint64
	issuedAt, expiresAt time.Time
	keys                map[checkpoint.Format]map[string][]checkpoint.TrustedKey
	n                   int
}

// ParseTrustList opens a signed trust list with the pinned roots and checks
// it is not past its expiry at now. A bad signature, an unknown root, an
// expired list or any malformed entry refuses the whole list.
func ParseTrustList(signed []byte, roots []crypto.PublicKey, now time.Time) (*TrustList, error) {
	payload, err := OpenDocument(signed, roots)
	if err != nil {
		return nil, fmt.Errorf("trust list: %w", err)
	}
	var w trustListWire
	if err := docDec.Unmarshal(payload, &w); err != nil {
		return nil, fmt.Errorf("trust list: decoding: %w", err)
	}
	if w.Type != trustListType {
		return nil, fmt.Errorf("trust list: document type %q, want %q", w.Type, trustListType)
	}
	tl := &TrustList{
		version: w.Version, issuedAt: time.Unix(w.IssuedAt, 0).UTC(), expiresAt: time.Unix(w.ExpiresAt, 0).UTC(),
		keys: map[checkpoint.Format]map[string][]checkpoint.TrustedKey{},
	}
	if !now.Before(tl.expiresAt) {
		return nil, fmt.Errorf("trust list: version %d expired at %s", tl.version, tl.expiresAt.Format(time.RFC3339))
	}
	for i, ew := range w.Entries {
		e := TrustListEntry{
			Kid: ew.Kid, Format: checkpoint.Format(ew.Format), Issuer: ew.Issuer, Region: ew.Region,
			Algorithm: ew.Algorithm, PublicKeyDER: ew.PublicKey, CertificateDER: ew.Certificate,
			ValidFrom: timeOrZero(ew.ValidFrom), ValidTo: timeOrZero(ew.ValidTo),
		}
		for _, s := range ew.Kinds {
			k, err := checkpoint.ParseCodeKind(s)
			if err != nil {
				return nil, fmt.Errorf("trust list: entry %d: %w", i, err)
			}
			e.Kinds = append(e.Kinds, k)
		}
		tk, err := e.trustedKey()
		if err != nil {
			return nil, fmt.Errorf("trust list: entry %d: %w", i, err)
		}
		if err := tl.add(tk); err != nil {
			return nil, fmt.Errorf("trust list: entry %d: %w", i, err)
		}
	}
	return tl, nil
}

// NewTrustList builds a TrustList from entries without any signature: for
// keys the caller already trusts (tests, a DCC certificate given as the
// trust anchor). Terminals load lists with ParseTrustList.
func NewTrustList(entries ...TrustListEntry) (*TrustList, error) {
	tl := &TrustList{keys: map[checkpoint.Format]map[string][]checkpoint.TrustedKey{}}
	for i, e := range entries {
		tk, err := e.trustedKey()
		if err != nil {
			return nil, fmt.Errorf("trust list: entry %d: %w", i, err)
		}
		if err := tl.add(tk); err != nil {
			return nil, fmt.Errorf("trust list: entry %d: %w", i, err)
		}
	}
	return tl, nil
}

// add puts k into the list. A key of our format signs for exactly one
// issuer: the same public key listed again for another issuer is refused
// (which entry verified a code would otherwise decide whose code it is).
func (tl *TrustList) add(k checkpoint.TrustedKey) error {
	if k.Format == checkpoint.FormatHealthCode {
		for _, ks := range tl.keys[k.Format] {
			for _, o := range ks {
				if o.Issuer != k.Issuer && publicKeyEqual(o.PublicKey, k.PublicKey) {
					return fmt.Errorf("HC key of %s is already listed for %s; a key signs for one issuer", k.Issuer, o.Issuer)
				}
			}
		}
	}
	m := tl.keys[k.Format]
	if m == nil {
		m = map[string][]checkpoint.TrustedKey{}
		tl.keys[k.Format] = m
	}
	m[string(k.Kid)] = append(m[string(k.Kid)], k)
	tl.n++
	return nil
}

// KeysFor returns every key of format f with this kid.
func (tl *TrustList) KeysFor(f checkpoint.Format, kid []byte) ([]checkpoint.TrustedKey, error) {
	if tl == nil {
		return nil, checkpoint.Failf(checkpoint.FailTrustListUnavailable, "no trust list loaded")
	}
	return slices.Clone(tl.keys[f][string(kid)]), nil
}

// Version is the list's version number.
func (tl *TrustList) Version() uint64 { return tl.version }

// IssuedAt is when the list was issued.
func (tl *TrustList) IssuedAt() time.Time { return tl.issuedAt }

// ExpiresAt is when the list stops being accepted.
func (tl *TrustList) ExpiresAt() time.Time { return tl.expiresAt }

// Len is the number of keys in the list.
func (tl *TrustList) Len() int { return tl.n }

// Entries returns every key of the list (for display).
func (tl *TrustList) Entries() []checkpoint.TrustedKey {
	var out []checkpoint.TrustedKey
	for _, f := range []checkpoint.Format{checkpoint.FormatHealthCode, checkpoint.FormatDCC} {
		for _, ks := range tl.keys[f] {
			out = append(out, ks...)
		}
	}
	slices.SortFunc(out, func(a, b checkpoint.TrustedKey) int {
		if c := bytes.Compare([]byte(a.Format), []byte(b.Format)); c != 0 {
			return c
		}
		return bytes.Compare(a.Kid, b.Kid)
	})
	return out
}

// parseCertificate parses X.509 DER, with the SM2 variant as a fallback.
func parseCertificate(der []byte) (*x509.Certificate, error) {
	c, err := x509.ParseCertificate(der)
	if err == nil {
		return c, nil
	}
	sc, err2 := smx509.ParseCertificate(der)
	if err2 != nil {
		return nil, fmt.Errorf("parsing certificate: %w", err)
	}
	return sc.ToX509(), nil
}

// trustedKey checks an entry and turns it into the domain's TrustedKey.
func (e TrustListEntry) trustedKey() (checkpoint.TrustedKey, error) {
	if e.Format != checkpoint.FormatHealthCode && e.Format != checkpoint.FormatDCC {
		return checkpoint.TrustedKey{}, fmt.Errorf("format %q unknown", e.Format)
	}
	if e.Format == checkpoint.FormatHealthCode {
		// A key of our format signs for exactly one issuer; an entry that
		// names none would let the key sign every issuer's codes.
		region, id, ok := strings.Cut(e.Issuer, ":")
		if !ok || !isDivisionCode(region) || !validIssuerID(id) {
			return checkpoint.TrustedKey{}, fmt.Errorf("HC key must name its issuer as \"<division>:<issuer id>\", not %q", e.Issuer)
		}
		if e.Region != "" && e.Region != region {
			return checkpoint.TrustedKey{}, fmt.Errorf("HC key of issuer %s has region %q, want %s", e.Issuer, e.Region, region)
		}
	}
	tk := checkpoint.TrustedKey{
		Format: e.Format, Issuer: e.Issuer, Region: e.Region,
		ValidFrom: e.ValidFrom, ValidTo: e.ValidTo, Kinds: slices.Clone(e.Kinds),
	}
	var kidSource []byte
	if len(e.CertificateDER) > 0 {
		cert, err := parseCertificate(e.CertificateDER)
		if err != nil {
			return tk, err
		}
		tk.Certificate = cert
		pub, err := parsePKIX(cert.RawSubjectPublicKeyInfo)
		if err != nil {
			return tk, fmt.Errorf("certificate key: %w", err)
		}
		tk.PublicKey = pub
		if len(e.PublicKeyDER) > 0 && !bytes.Equal(e.PublicKeyDER, cert.RawSubjectPublicKeyInfo) {
			return tk, errors.New("public key and certificate disagree")
		}
		if tk.ValidFrom.IsZero() {
			tk.ValidFrom = cert.NotBefore
		}
		if tk.ValidTo.IsZero() {
			tk.ValidTo = cert.NotAfter
		}
		kidSource = e.CertificateDER
	} else {
		if len(e.PublicKeyDER) == 0 {
			return tk, errors.New("neither public key nor certificate")
		}
		pub, err := parsePKIX(e.PublicKeyDER)
		if err != nil {
			return tk, err
		}
		tk.PublicKey = pub
		kidSource = e.PublicKeyDER
	}
	alg, err := algorithmOf(tk.PublicKey)
	if err != nil {
		return tk, err
	}
	if e.Algorithm != 0 && e.Algorithm != alg {
		return tk, fmt.Errorf("algorithm %s does not fit a %s key", AlgorithmName(e.Algorithm), AlgorithmName(alg))
	}
	if k, ok := tk.PublicKey.(*ecdsa.PublicKey); ok && e.Format == checkpoint.FormatHealthCode && k.Curve != elliptic.P256() && !isSM2Curve(k.Curve) {
		return tk, fmt.Errorf("curve %s not accepted for our codes (P-256 or SM2)", k.Curve.Params().Name)
	}
	if !acceptedAlgorithm(e.Format, alg) {
		return tk, fmt.Errorf("algorithm %s not accepted for format %s", AlgorithmName(alg), e.Format)
	}
	tk.Algorithm = alg
	tk.Kid = slices.Clone(e.Kid)
	if len(tk.Kid) == 0 {
		tk.Kid = kidOf(kidSource)
	}
	if !tk.ValidTo.IsZero() && tk.ValidTo.Before(tk.ValidFrom) {
		return tk, errors.New("valid-to before valid-from")
	}
	return tk, nil
}

// NewKeyEntry makes a trust-list entry for one of our issuers' public keys.
// issuer is the issuer id and region the division code; the entry's Issuer
// becomes "<region>:<issuer>" as codes carry it.
func NewKeyEntry(pub crypto.PublicKey, region, issuer string, kinds ...checkpoint.CodeKind) (TrustListEntry, error) {
	if !isDivisionCode(region) || !validIssuerID(issuer) {
		return TrustListEntry{}, fmt.Errorf("issuer %q / region %q: want an issuer id and a six-digit division code", issuer, region)
	}
	der, err := marshalPKIX(pub)
	if err != nil {
		return TrustListEntry{}, err
	}
	e := TrustListEntry{Format: checkpoint.FormatHealthCode, Issuer: region + ":" + issuer, Region: region, PublicKeyDER: der, Kinds: kinds}
	if _, err := e.trustedKey(); err != nil {
		return TrustListEntry{}, err
	}
	return e, nil
}

// NewCertificateEntry makes a trust-list entry for a DCC document signer
// certificate (DER). country is the issuing country (ISO 3166 alpha-2); when
// empty it is taken from the certificate's subject.
func NewCertificateEntry(certDER []byte, country string) (TrustListEntry, error) {
	cert, err := parseCertificate(certDER)
	if err != nil {
		return TrustListEntry{}, err
	}
	if country == "" && len(cert.Subject.Country) > 0 {
		country = cert.Subject.Country[0]
	}
	e := TrustListEntry{Format: checkpoint.FormatDCC, Issuer: country, Region: country, CertificateDER: certDER}
	if _, err := e.trustedKey(); err != nil {
		return TrustListEntry{}, err
	}
	return e, nil
}
