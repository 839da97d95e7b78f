package sync

import (
	"crypto/sha256"
	"crypto/subtle"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// SPKIPin is the SHA-256 of a certificate's DER SubjectPublicKeyInfo: the
// public-key pin (RFC 7469 section 2.4). It survives certificate renewal
// with the same key, unlike a hash of the whole certificate.
func SPKIPin(cert *x509.Certificate) []byte {
	sum := sha256.Sum256(cert.RawSubjectPublicKeyInfo)
	return sum[:]
}

// FormatPin writes a pin as colon-separated upper-case hex, the form
// `openssl ... -c` prints and `hub serve` logs.
func FormatPin(pin []byte) string {
	var b strings.Builder
	for i, c := range pin {
		if i > 0 {
			b.WriteByte(':')
		}
		fmt.Fprintf(&b, "%02X", c)
	}
	return b.String()
}

// ParsePin reads a SHA-256 pin as colon-separated hex
// ("AB:CD:..."), plain hex, or "sha256/<base64>" (the HPKP form).
func ParsePin(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	var b []byte
	var err error
	if rest, ok := strings.CutPrefix(s, "sha256/"); ok {
		b, err = base64.StdEncoding.DecodeString(rest)
	} else {
		b, err = hex.DecodeString(strings.ReplaceAll(s, ":", ""))
	}
	if err != nil {
		return nil, fmt.Errorf("pin %q: %w", s, err)
	}
	if len(b) != sha256.Size {
		return nil, fmt.Errorf("pin %q is %d bytes, want a SHA-256 (32 bytes: 64 hex digits, colons allowed)", s, len(b))
	}
	return b, nil
}

// ErrPinMismatch is returned (wrapped) when the hub's public key matches
// none of the pins.
var ErrPinMismatch = errors.New("hub public key matches no pin")

// checkSPKIPins is the TLS check of a pinned hub: the leaf certificate's
// public key must match one of pins. The error names what the hub
// presented, so an operator can tell a renewal with a new key from an
// attack.
func checkSPKIPins(raw [][]byte, pins [][]byte) error {
	if len(raw) == 0 {
		return errors.New("hub presented no certificate")
	}
	cert, err := x509.ParseCertificate(raw[0])
	if err != nil {
		return fmt.Errorf("hub certificate unreadable: %w", err)
	}
	got := SPKIPin(cert)
	for _, p := range pins {
		if subtle.ConstantTimeCompare(got, p) == 1 {
			return nil
		}
	}
	want := make([]string, len(pins))
	for i, p := range pins {
		want[i] = FormatPin(p)
	}
	return fmt.Errorf("%w: the hub presented public key pin %s (certificate %q, valid until %s); pinned: %s",
		ErrPinMismatch, FormatPin(got), cert.Subject.String(), cert.NotAfter.Format("2006-01-02"), strings.Join(want, ", "))
}
