package healthcode

import (
	"bufio"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/checkpoint-terminal/checkpoint"
)

// Header lines that say what a list file holds, so that one kind is never
// read as the other: a revocation hash and a 16-byte code id are both 32
// hex digits, and a hash file read as code ids revokes the hashes of the
// hashes, which match no code.
const (
	// RevocationHashHeader is the first line hctool revoke --out writes.
	RevocationHashHeader = "# checkpoint revocation hashes"
	// CodeIDHeader starts a file of code ids; it is required when an id
	// is 32 hex digits long (see ReadCodeIDs).
	CodeIDHeader = "# checkpoint code ids"
)

// ErrWrongListKind is wrapped when a list file holds another kind of entry
// than the one asked for (a hash file given as code ids, or the reverse).
var ErrWrongListKind = errors.New("wrong kind of list file")

// ReadCodeIDs reads code ids (hex, MinCodeIDBytes to MaxCodeIDBytes bytes),
// one a line; blank lines and '#' comments are skipped and ids come back
// in lower case. A file carrying RevocationHashHeader is refused with
// ErrWrongListKind, and so is a 32-hex-digit line (the length of a
// revocation hash) unless the file starts with CodeIDHeader.
func ReadCodeIDs(r io.Reader) ([]string, error) {
	var out []string
	typed := false
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == RevocationHashHeader:
			return nil, fmt.Errorf("line %d: %w: this is a revocation hash file (give it as a hash file, not as code ids)", n, ErrWrongListKind)
		case line == CodeIDHeader:
			typed = true
			continue
		case line == "" || strings.HasPrefix(line, "#"):
			continue
		}
		b, err := hex.DecodeString(line)
		if err != nil || len(b) < MinCodeIDBytes || len(b) > MaxCodeIDBytes {
			return nil, fmt.Errorf("line %d: code id %q: want %d to %d bytes in hex", n, line, MinCodeIDBytes, MaxCodeIDBytes)
		}
		if len(b) == len(checkpoint.RevocationHash{}) && !typed {
			return nil, fmt.Errorf("line %d: %q is 32 hex digits, as a revocation hash is: %w unless the file says otherwise: "+
				"give a hash file as a hash file, or start a file of 16-byte code ids with the line %q", n, line, ErrWrongListKind, CodeIDHeader)
		}
		out = append(out, hex.EncodeToString(b))
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading code ids: %w", err)
	}
	return out, nil
}

// ReadCodeIDFile is ReadCodeIDs on a file.
func ReadCodeIDFile(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading code ids: %w", err)
	}
	defer f.Close()
	ids, err := ReadCodeIDs(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return ids, nil
}
