package b64url

import (
	"encoding/base64"
	"encoding/binary"
	"fmt"
)

// b64Pairs maps 12 bits to the two base64url characters that encode them,
// the first in the low byte.
var b64Pairs = func() (t [4096]uint16) {
	for i := range t {
		t[i] = uint16(b64Alphabet[i>>6]) | uint16(b64Alphabet[i&63])<<8
	}
	return t
}()

const b64Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

// AppendEncode appends the base64url encoding of src, without padding, to
// dst. It is base64.RawURLEncoding.AppendEncode, about twice as fast: six
// bytes at a time, two characters per table look-up.
func AppendEncode(dst, src []byte) []byte {
	n := len(dst)
	dst = append(dst, make([]byte, EncodedLen(len(src)))...)
	d := dst[n:]
	for len(src) >= 8 && len(d) >= 8 { // 8 bytes read, 6 encoded
		v := binary.BigEndian.Uint64(src)
		binary.LittleEndian.PutUint64(d, uint64(b64Pairs[v>>52])|uint64(b64Pairs[v>>40&4095])<<16|
			uint64(b64Pairs[v>>28&4095])<<32|uint64(b64Pairs[v>>16&4095])<<48)
		src, d = src[6:], d[8:]
	}
	const a = b64Alphabet
	for len(src) >= 3 && len(d) >= 4 {
		v := uint(src[0])<<16 | uint(src[1])<<8 | uint(src[2])
		d[0], d[1], d[2], d[3] = a[v>>18], a[v>>12&63], a[v>>6&63], a[v&63]
		src, d = src[3:], d[4:]
	}
	switch {
	case len(src) == 2 && len(d) >= 3:
		v := uint(src[0])<<16 | uint(src[1])<<8
		d[0], d[1], d[2] = a[v>>18], a[v>>12&63], a[v>>6&63]
	case len(src) == 1 && len(d) >= 2:
		v := uint(src[0]) << 16
		d[0], d[1] = a[v>>18], a[v>>12&63]
	}
	return dst
}

// b64Values maps a base64url character to its six bits, and any other
// byte to 0xff.
var b64Values = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	for i := range len(b64Alphabet) {
		t[b64Alphabet[i]] = byte(i)
	}
	return t
}()

// appendDecodeFast appends the bytes s encodes to dst, and reports true,
// when s is strict base64url without padding: only the 64 characters, a
// length that is not 1 more than a multiple of 4, and zero trailing bits.
// It accepts exactly what strictDecode accepts, with the same bytes, eight
// characters at a time; strictDecode says why when it does not.
func appendDecodeFast(dst []byte, s string) ([]byte, bool) {
	if len(s)%4 == 1 {
		return dst, false
	}
	n := len(dst)
	dst = append(dst, make([]byte, len(s)*6/8)...)
	d := dst[n:]
	t := &b64Values
	for len(s) >= 8 && len(d) >= 6 {
		a0, a1, a2, a3 := t[s[0]], t[s[1]], t[s[2]], t[s[3]]
		a4, a5, a6, a7 := t[s[4]], t[s[5]], t[s[6]], t[s[7]]
		if (a0|a1|a2|a3|a4|a5|a6|a7)&0xc0 != 0 {
			return dst[:n], false
		}
		v := uint64(a0)<<42 | uint64(a1)<<36 | uint64(a2)<<30 | uint64(a3)<<24 |
			uint64(a4)<<18 | uint64(a5)<<12 | uint64(a6)<<6 | uint64(a7)
		d[0], d[1], d[2], d[3], d[4], d[5] = byte(v>>40), byte(v>>32), byte(v>>24), byte(v>>16), byte(v>>8), byte(v)
		s, d = s[8:], d[6:]
	}
	for len(s) >= 4 && len(d) >= 3 {
		a0, a1, a2, a3 := t[s[0]], t[s[1]], t[s[2]], t[s[3]]
		if (a0|a1|a2|a3)&0xc0 != 0 {
			return dst[:n], false
		}
		v := uint(a0)<<18 | uint(a1)<<12 | uint(a2)<<6 | uint(a3)
		d[0], d[1], d[2] = byte(v>>16), byte(v>>8), byte(v)
		s, d = s[4:], d[3:]
	}
	switch {
	case len(s) == 2 && len(d) >= 1:
		a0, a1 := t[s[0]], t[s[1]]
		if (a0|a1)&0xc0 != 0 || a1&0x0f != 0 { // non-zero trailing bits
			return dst[:n], false
		}
		d[0] = a0<<2 | a1>>4
	case len(s) == 3 && len(d) >= 2:
		a0, a1, a2 := t[s[0]], t[s[1]], t[s[2]]
		if (a0|a1|a2)&0xc0 != 0 || a2&0x03 != 0 {
			return dst[:n], false
		}
		v := uint(a0)<<12 | uint(a1)<<6 | uint(a2)
		d[0], d[1] = byte(v>>10), byte(v>>2)
	}
	return dst, true
}

// EncodedLen is the length of the encoding of n bytes.
func EncodedLen(n int) int { return base64.RawURLEncoding.EncodedLen(n) }

// DecodedLen is the most bytes an encoding of n characters decodes to.
func DecodedLen(n int) int { return base64.RawURLEncoding.DecodedLen(n) }

// Encode returns the base64url encoding of src, without padding.
func Encode(src []byte) string {
	return string(AppendEncode(make([]byte, 0, EncodedLen(len(src))), src))
}

// Decode decodes strict base64url without padding; see the package doc.
func Decode(s string) ([]byte, error) {
	return AppendDecode(make([]byte, 0, DecodedLen(len(s))), s)
}

// AppendDecode is Decode appending to dst. On error dst is returned
// unchanged (its length; the bytes beyond may have been written).
func AppendDecode(dst []byte, s string) ([]byte, error) {
	if out, ok := appendDecodeFast(dst, s); ok {
		return out, nil
	}
	// Refused: find out why.
	for i := 0; i < len(s); i++ {
		if b64Values[s[i]] == 0xff {
			return dst, fmt.Errorf("character %q at %d is not base64url", s[i], i)
		}
	}
	if _, err := strict.AppendDecode(dst, []byte(s)); err != nil {
		return dst, fmt.Errorf("not base64url: %w", err)
	}
	return dst, fmt.Errorf("not base64url") // unreachable: the fast decoder and encoding/base64 agree (tests, FuzzDecode)
}

// Valid reports whether s is strict base64url without padding.
func Valid(s string) bool {
	var small [64]byte
	_, ok := appendDecodeFast(small[:0], s)
	return ok
}

// strict is encoding/base64's own strict decoder, which still skips line
// breaks; it is used only to say why an input was refused.
var strict = base64.RawURLEncoding.Strict()
