package statuslist

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"io"

	"github.com/seoulid/seoulid/internal/b64url"
)

// MaxBytes is the largest status list accepted, in bytes once
// decompressed: 2^23 entries of 1 bit, 2^20 of 8 bits. The draft sets no
// bound (§13.4 leaves the size to the Status Issuer); this one keeps a
// hostile token from costing a verifier more than a mebibyte.
const MaxBytes = 1 << 20

// MaxEntries is the most entries a List can have (at 1 bit each). A List
// of wider entries has at most MaxBytes*8/bits of them.
const MaxEntries = MaxBytes * 8

// Status Types of §7.1. Values 0x03 and 0x0C–0x0F are application-specific
// (§7.1); the others are reserved for registration.
const (
	Valid     uint8 = 0x00 // "VALID"
	Invalid   uint8 = 0x01 // "INVALID": revoked, annulled, cancelled
	Suspended uint8 = 0x02 // "SUSPENDED": temporarily invalid; needs bits ≥ 2
)

// List is a status list: Len entries of Bits bits each, packed into bytes
// from the least significant bit (§4.1 step 3). A List is not safe for
// concurrent Set.
type List struct {
	bits int
	n    int    // entries
	data []byte // the uncompressed byte array of §4.1
}

func validBits(bits int) bool { return bits == 1 || bits == 2 || bits == 4 || bits == 8 }

// New returns a List of size entries of bits bits each, all Valid (0, the
// default §13.3 recommends). bits is 1, 2, 4 or 8 (§4.1 step 1). size is at
// least 1 and at most MaxBytes*8/bits, so that Decode accepts what Encode
// writes. When size*bits is not a multiple of 8, the byte array has room
// for a few more entries (§4.1 step 2: "or greater"); they stay 0, and a
// List decoded from it has them (Len is then rounded up to whole bytes).
func New(size, bits int) (*List, error) {
	if !validBits(bits) {
		return nil, fmt.Errorf("statuslist: bits is %d, not 1, 2, 4 or 8 (§4.1)", bits)
	}
	if size < 1 || size > MaxBytes*8/bits {
		return nil, fmt.Errorf("statuslist: a list of %d-bit entries has 1 to %d entries, not %d", bits, MaxBytes*8/bits, size)
	}
	return &List{bits: bits, n: size, data: make([]byte, (size*bits+7)/8)}, nil
}

// Len is the number of entries.
func (l *List) Len() int { return l.n }

// Bits is the number of bits of each entry: 1, 2, 4 or 8.
func (l *List) Bits() int { return l.bits }

// Get returns the status at index i. An index outside the list is an error:
// §8.3 step 6 says the Referenced Token MUST then be rejected, since the
// list says nothing about it.
func (l *List) Get(i int) (uint8, error) {
	if i < 0 || i >= l.n {
		return 0, fmt.Errorf("statuslist: index %d is outside the list of %d entries (§8.3 step 6)", i, l.n)
	}
	// §4.1 step 3 and §11.1: bytes in order, bits from the least
	// significant. Entry i takes bits [i*bits, (i+1)*bits) of the array;
	// with bits dividing 8 they never straddle two bytes.
	pos := i * l.bits
	return l.data[pos>>3] >> (pos & 7) & l.mask(), nil
}

// Set sets the status at index i to v, which must fit in Bits bits.
func (l *List) Set(i int, v uint8) error {
	if i < 0 || i >= l.n {
		return fmt.Errorf("statuslist: index %d is outside the list of %d entries", i, l.n)
	}
	if v&^l.mask() != 0 {
		return fmt.Errorf("statuslist: status %d does not fit in %d bits", v, l.bits)
	}
	pos := i * l.bits
	shift := pos & 7
	b := &l.data[pos>>3]
	*b = *b&^(l.mask()<<shift) | v<<shift
	return nil
}

// mask has the low Bits bits set.
func (l *List) mask() uint8 { return uint8(1<<l.bits - 1) }

// Encode returns the "lst" value of §4.2: the byte array compressed as
// ZLIB (RFC 1950) with DEFLATE (RFC 1951) at the best compression, which
// §4.1 step 4 recommends, then base64url without padding.
func (l *List) Encode() (string, error) {
	var buf bytes.Buffer
	zw, err := zlib.NewWriterLevel(&buf, zlib.BestCompression)
	if err != nil {
		return "", fmt.Errorf("statuslist: compress: %w", err)
	}
	if _, err := zw.Write(l.data); err != nil {
		return "", fmt.Errorf("statuslist: compress: %w", err)
	}
	if err := zw.Close(); err != nil {
		return "", fmt.Errorf("statuslist: compress: %w", err)
	}
	return b64url.Encode(buf.Bytes()), nil
}

// Decode reads the "bits" and "lst" of a JSON Status List (§4.2). It
// refuses bits other than 1, 2, 4 and 8; lst that is not strict base64url
// (no padding, no line breaks, zero trailing bits); lst that is not one
// well-formed ZLIB stream (RFC 1950, checksum checked, no preset
// dictionary, nothing after it); and a list that is empty or longer than
// MaxBytes once decompressed. Len is the decompressed bytes times 8/bits.
//
// Decompression reads at most MaxBytes+1 bytes and stops, so a small lst
// that would inflate to gigabytes costs no more than a list of MaxBytes.
func Decode(bits int, lst string) (*List, error) {
	l, err := decode(bits, lst)
	if err != nil {
		return nil, fmt.Errorf("statuslist: %w", err)
	}
	return l, nil
}

// decode is Decode with errors that do not say "statuslist: ".
func decode(bits int, lst string) (*List, error) {
	if !validBits(bits) {
		return nil, fmt.Errorf("bits is %d, not 1, 2, 4 or 8 (§4.2)", bits)
	}
	compressed, err := b64url.Decode(lst)
	if err != nil {
		return nil, fmt.Errorf("lst: %w", err)
	}
	data, err := inflate(compressed)
	if err != nil {
		return nil, fmt.Errorf("lst: %w", err)
	}
	if len(data) == 0 {
		return nil, errors.New("lst holds no entries")
	}
	return &List{bits: bits, n: len(data) * 8 / bits, data: data}, nil
}

// inflate decompresses one ZLIB stream of at most MaxBytes.
func inflate(compressed []byte) ([]byte, error) {
	src := bytes.NewReader(compressed)
	zr, err := zlib.NewReader(src)
	if err != nil {
		return nil, fmt.Errorf("not a ZLIB stream (RFC 1950): %w", err)
	}
	defer zr.Close()
	// The bound is checked while reading (§11.1 asks for care in decoding;
	// a zip bomb is the cheapest attack on a verifier that fetches lists):
	// one byte past MaxBytes is enough to know the list is too long.
	var out bytes.Buffer
	out.Grow(min(MaxBytes+1, 16*len(compressed)))
	n, err := out.ReadFrom(io.LimitReader(zr, MaxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("not a ZLIB stream (RFC 1950): %w", err)
	}
	if n > MaxBytes {
		return nil, fmt.Errorf("decompresses to more than %d bytes", MaxBytes)
	}
	// The zlib reader has read the stream and its checksum and nothing
	// more (a bytes.Reader is an io.ByteReader, so flate reads it byte by
	// byte): whatever is left follows the stream.
	if rest := src.Len(); rest > 0 {
		return nil, fmt.Errorf("%d bytes follow the ZLIB stream", rest)
	}
	return out.Bytes(), nil
}
