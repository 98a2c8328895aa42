package bitstring

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strings"
)

// MinBits is the smallest list: 16 KiB of bits (§6.1).
const MinBits = 131072

// Limits on Decode: the encoded list and the decompressed bitstring.
const (
	MaxEncodedBytes = 1 << 20
	MaxBytes        = 16 << 20
)

// ErrInvalid is wrapped by every error of Decode, Get and Set.
var ErrInvalid = errors.New("bitstring: invalid status list")

// List is a status bitstring.
type List struct {
	size int // bits per entry
	bits []byte
}

// New returns a list of n entries of size bits each (1 to 8), all zero;
// n*size must be at least MinBits and a whole number of bytes.
func New(n, size int) (*List, error) {
	if size < 1 || size > 8 {
		return nil, fmt.Errorf("%w: statusSize %d (1 to 8)", ErrInvalid, size)
	}
	if n*size < MinBits || n*size%8 != 0 || n*size/8 > MaxBytes {
		return nil, fmt.Errorf("%w: %d entries of %d bits (at least %d bits, whole bytes, at most %d bytes)", ErrInvalid, n, size, MinBits, MaxBytes)
	}
	return &List{size: size, bits: make([]byte, n*size/8)}, nil
}

// Len is the number of entries.
func (l *List) Len() int { return len(l.bits) * 8 / l.size }

// Size is the number of bits per entry.
func (l *List) Size() int { return l.size }

// Get returns entry i.
func (l *List) Get(i int) (uint8, error) {
	if i < 0 || i >= l.Len() {
		return 0, fmt.Errorf("%w: index %d of %d entries", ErrInvalid, i, l.Len())
	}
	var v uint8
	for b := 0; b < l.size; b++ {
		pos := i*l.size + b
		bit := l.bits[pos/8] >> (7 - pos%8) & 1
		v = v<<1 | bit
	}
	return v, nil
}

// Set sets entry i to v, which must fit in the entry's bits.
func (l *List) Set(i int, v uint8) error {
	if i < 0 || i >= l.Len() {
		return fmt.Errorf("%w: index %d of %d entries", ErrInvalid, i, l.Len())
	}
	if l.size < 8 && v >= 1<<l.size {
		return fmt.Errorf("%w: value %d does not fit %d bits", ErrInvalid, v, l.size)
	}
	for b := l.size - 1; b >= 0; b-- {
		pos := i*l.size + b
		mask := byte(1) << (7 - pos%8)
		if v&1 == 1 {
			l.bits[pos/8] |= mask
		} else {
			l.bits[pos/8] &^= mask
		}
		v >>= 1
	}
	return nil
}

// Encode returns the list as encodedList: 'u' and the base64url (no
// padding) of the GZIP of the bitstring.
func (l *List) Encode() (string, error) {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return "", err
	}
	if _, err := zw.Write(l.bits); err != nil {
		return "", err
	}
	if err := zw.Close(); err != nil {
		return "", err
	}
	return "u" + base64.RawURLEncoding.EncodeToString(buf.Bytes()), nil
}

// Decode reads an encodedList of entries of size bits.
func Decode(encoded string, size int) (*List, error) {
	if size < 1 || size > 8 {
		return nil, fmt.Errorf("%w: statusSize %d (1 to 8)", ErrInvalid, size)
	}
	if len(encoded) > MaxEncodedBytes {
		return nil, fmt.Errorf("%w: encodedList of %d bytes, at most %d", ErrInvalid, len(encoded), MaxEncodedBytes)
	}
	rest, ok := strings.CutPrefix(encoded, "u")
	if !ok {
		return nil, fmt.Errorf("%w: encodedList is not multibase base64url (prefix u)", ErrInvalid)
	}
	raw, err := base64.RawURLEncoding.DecodeString(rest)
	if err != nil {
		return nil, fmt.Errorf("%w: encodedList: %v", ErrInvalid, err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("%w: encodedList is not GZIP: %v", ErrInvalid, err)
	}
	bits, err := io.ReadAll(io.LimitReader(zr, MaxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%w: encodedList: %v", ErrInvalid, err)
	}
	if len(bits) > MaxBytes {
		return nil, fmt.Errorf("%w: the bitstring is larger than %d bytes", ErrInvalid, MaxBytes)
	}
	if len(bits)*8 < MinBits {
		return nil, fmt.Errorf("%w: the bitstring has %d bits, fewer than %d (§6.1)", ErrInvalid, len(bits)*8, MinBits)
	}
	return &List{size: size, bits: bits}, nil
}
