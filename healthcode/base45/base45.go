// Package base45 implements the Base45 encoding of RFC 9285, the text
// encoding that keeps a QR code in its compact alphanumeric mode.
//
// Two bytes [a, b] become the three characters c, d, e with
// a*256 + b = c + d*45 + e*45*45; a trailing single byte becomes two
// characters. Decoding is strict: a character outside the 45-character
// alphabet, a dangling single character, or a triplet worth more than
// 65535 (a pair worth more than 255) is an error, never a panic.
package base45

import (
	"errors"
	"fmt"
)

// Alphabet is the RFC 9285 table, value order.
const Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"

var decodeTable = func() [256]int8 {
	var t [256]int8
	for i := range t {
		t[i] = -1
	}
	for i := 0; i < len(Alphabet); i++ {
		t[Alphabet[i]] = int8(i)
	}
	return t
}()

// ErrInvalid is wrapped by every decoding error.
var ErrInvalid = errors.New("base45: invalid input")

// EncodedLen is the length of the encoding of n bytes.
func EncodedLen(n int) int { return n/2*3 + n%2*2 }

// DecodedLen is the maximum length of the decoding of n characters.
func DecodedLen(n int) int { return n/3*2 + n%3/2 }

// Encode returns the Base45 text of src.
func Encode(src []byte) string {
	dst := make([]byte, 0, EncodedLen(len(src)))
	for i := 0; i+1 < len(src); i += 2 {
		v := int(src[i])<<8 | int(src[i+1])
		dst = append(dst, Alphabet[v%45], Alphabet[v/45%45], Alphabet[v/2025])
	}
	if len(src)%2 == 1 {
		v := int(src[len(src)-1])
		dst = append(dst, Alphabet[v%45], Alphabet[v/45])
	}
	return string(dst)
}

// Decode returns the bytes encoded by s.
func Decode(s string) ([]byte, error) {
	return AppendDecode(nil, s)
}

// AppendDecode appends the bytes encoded by s to dst.
func AppendDecode(dst []byte, s string) ([]byte, error) {
	if len(s)%3 == 1 {
		return dst, fmt.Errorf("%w: length %d leaves a single character", ErrInvalid, len(s))
	}
	if cap(dst)-len(dst) < DecodedLen(len(s)) {
		n := make([]byte, len(dst), len(dst)+DecodedLen(len(s)))
		copy(n, dst)
		dst = n
	}
	i := 0
	for ; i+2 < len(s); i += 3 {
		c, d, e := decodeTable[s[i]], decodeTable[s[i+1]], decodeTable[s[i+2]]
		if c < 0 || d < 0 || e < 0 {
			return dst, fmt.Errorf("%w: character outside the alphabet near offset %d", ErrInvalid, i)
		}
		v := int(c) + int(d)*45 + int(e)*2025
		if v > 0xffff {
			return dst, fmt.Errorf("%w: triplet at offset %d is %d, above 65535", ErrInvalid, i, v)
		}
		dst = append(dst, byte(v>>8), byte(v))
	}
	if i < len(s) {
		c, d := decodeTable[s[i]], decodeTable[s[i+1]]
		if c < 0 || d < 0 {
			return dst, fmt.Errorf("%w: character outside the alphabet near offset %d", ErrInvalid, i)
		}
		v := int(c) + int(d)*45
		if v > 0xff {
			return dst, fmt.Errorf("%w: final pair is %d, above 255", ErrInvalid, v)
		}
		dst = append(dst, byte(v))
	}
	return dst, nil
}
