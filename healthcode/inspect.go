package healthcode

import (
	"bufio"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
)

// Decoded is what a text says about itself, before (and regardless of)
// verification: for display in operator tools only, never for decisions.
type Decoded struct {
	Format    checkpoint.Format
	Algorithm string
	Kid       []byte
	Issuer    string
	IssuedAt  time.Time
	ExpiresAt time.Time
	// Claims is set for our codes.
	Claims *Claims
	// DCC is the eu_dgc_v1 content of a DCC, with text keys.
	DCC map[string]any
}

// Inspect decodes text without verifying its signature. The error is a
// *checkpoint.VerifyError when a layer cannot be decoded.
func Inspect(text string) (*Decoded, error) {
	env, _, err := decodeEnvelope(text)
	if err != nil {
		return nil, err
	}
	claims, err := decodePayload(env)
	if err != nil {
		return nil, err
	}
	d := &Decoded{Format: env.format, Algorithm: AlgorithmName(env.alg), Kid: env.kid, Issuer: claims.Iss}
	if claims.Iat != nil {
		d.IssuedAt = claims.Iat.t
	}
	if claims.Exp != nil {
		d.ExpiresAt = claims.Exp.t
	}
	switch env.format {
	case checkpoint.FormatHealthCode:
		c, err := claimsFromCWT(claims)
		if err != nil {
			return nil, err
		}
		d.Claims = &c
	case checkpoint.FormatDCC:
		raw, err := hcertPayload(claims)
		if err != nil {
			return nil, err
		}
		var v any
		if err := cborDec.Unmarshal(raw, &v); err != nil {
			return nil, checkpoint.Failf(checkpoint.FailMalformed, "eu_dgc_v1: %w", err)
		}
		m, _ := textKeys(v).(map[string]any)
		d.DCC = m
	}
	return d, nil
}

// textKeys turns CBOR maps with arbitrary keys into map[string]any for
// printing as JSON.
func textKeys(v any) any {
	switch x := v.(type) {
	case map[any]any:
		m := make(map[string]any, len(x))
		for k, val := range x {
			m[fmt.Sprint(k)] = textKeys(val)
		}
		return m
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = textKeys(e)
		}
		return out
	case []byte:
		return hex.EncodeToString(x)
	}
	return v
}

// WriteRevocationHashes writes hashes as lower-case hex, one per line: the
// text format hctool revoke writes and hctool verify --revoked reads.
func WriteRevocationHashes(w io.Writer, hs []checkpoint.RevocationHash) error {
	for _, h := range hs {
		if _, err := fmt.Fprintln(w, hex.EncodeToString(h[:])); err != nil {
			return fmt.Errorf("writing revocation hashes: %w", err)
		}
	}
	return nil
}

// ReadRevocationHashes reads the format of WriteRevocationHashes; blank
// lines and lines starting with '#' are skipped. A file of code ids (one
// carrying CodeIDHeader) is refused with ErrWrongListKind.
func ReadRevocationHashes(r io.Reader) ([]checkpoint.RevocationHash, error) {
	var out []checkpoint.RevocationHash
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == CodeIDHeader {
			return nil, fmt.Errorf("revocation list line %d: %w: this is a file of code ids (give it as code ids, not as hashes)", n, ErrWrongListKind)
		}
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		b, err := hex.DecodeString(line)
		if err != nil || len(b) != len(checkpoint.RevocationHash{}) {
			return nil, fmt.Errorf("revocation list line %d: want 32 hex digits, got %q", n, line)
		}
		var h checkpoint.RevocationHash
		copy(h[:], b)
		out = append(out, h)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading revocation list: %w", err)
	}
	return out, nil
}
