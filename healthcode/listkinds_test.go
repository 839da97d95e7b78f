package healthcode

import (
	"errors"
	"strings"
	"testing"
)

// TestListKinds: a hash file is never read as code ids, nor a code-id file
// as hashes; 32-hex-digit code ids need the code-id header.
func TestListKinds(t *testing.T) {
	hashFile := RevocationHashHeader + "\n0123456789abcdef0123456789abcdef\n"
	if _, err := ReadCodeIDs(strings.NewReader(hashFile)); !errors.Is(err, ErrWrongListKind) {
		t.Errorf("hash file as code ids: %v, want ErrWrongListKind", err)
	}
	bare := "# from the query\n0123456789ABCDEF0123456789abcdef\n"
	if _, err := ReadCodeIDs(strings.NewReader(bare)); !errors.Is(err, ErrWrongListKind) || !strings.Contains(err.Error(), CodeIDHeader) {
		t.Errorf("headerless 32-digit line as code ids: %v, want ErrWrongListKind naming the header", err)
	}
	ids, err := ReadCodeIDs(strings.NewReader(CodeIDHeader + "\n" + bare + "\n0011223344556677\n"))
	if err != nil || len(ids) != 2 || ids[0] != "0123456789abcdef0123456789abcdef" || ids[1] != "0011223344556677" {
		t.Errorf("typed code-id file: %q, %v", ids, err)
	}
	if ids, err := ReadCodeIDs(strings.NewReader("0011223344556677\n")); err != nil || len(ids) != 1 {
		t.Errorf("headerless 8-byte ids: %q, %v", ids, err)
	}
	for _, bad := range []string{"xyz", "0011", strings.Repeat("ab", 33)} {
		if _, err := ReadCodeIDs(strings.NewReader(bad)); err == nil || !strings.Contains(err.Error(), "line 1") {
			t.Errorf("code id %q: %v, want an error naming the line", bad, err)
		}
	}
	if _, err := ReadRevocationHashes(strings.NewReader(CodeIDHeader + "\n0123456789abcdef0123456789abcdef\n")); !errors.Is(err, ErrWrongListKind) {
		t.Errorf("code-id file as hashes: %v, want ErrWrongListKind", err)
	}
	if hs, err := ReadRevocationHashes(strings.NewReader(hashFile)); err != nil || len(hs) != 1 {
		t.Errorf("typed hash file: %v, %v", hs, err)
	}
}
