package did

import (
	"errors"
	"fmt"
	"strings"
)

// This file holds the three multiformats that did:key and Multikey use:
// multibase base58btc ('z' + base58, Bitcoin alphabet), unsigned varints,
// and the multicodec codes of the two key types seoulid supports.

// Multicodec codes (https://github.com/multiformats/multicodec, table.csv).
const (
	codecEd25519Pub = 0xed   // ed25519-pub: 32-byte Ed25519 public key (RFC 8032)
	codecP256Pub    = 0x1200 // p256-pub: 33-byte compressed P-256 point (SEC 1 §2.3.3)
)

// otherKeyCodecs names key codecs that did:key documents use but seoulid
// does not, so that refusals can say what the key was.
var otherKeyCodecs = map[uint64]string{
	0xe7:   "secp256k1-pub",
	0xe8:   "bls12_381-g1-pub",
	0xea:   "bls12_381-g2-pub",
	0xeb:   "bls12_381-g1g2-pub",
	0xec:   "x25519-pub",
	0x1201: "p384-pub",
	0x1202: "p521-pub",
	0x1205: "rsa-pub",
}

const base58Alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

// maxBase58Chars bounds what base58Decode reads. The longest value this
// package decodes, a P-256 multikey (2 + 33 bytes), is 48 characters; the cap
// keeps the quadratic decoder cheap on hostile input.
const maxBase58Chars = 128

var base58Index = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	for i := range len(base58Alphabet) {
		t[base58Alphabet[i]] = int8(i)
	}
	return t
}()

// base58Encode writes b in base58 with the Bitcoin alphabet: each leading
// zero byte as '1', then the rest of b as a big-endian number.
func base58Encode(b []byte) string {
	zeros := 0
	for zeros < len(b) && b[zeros] == 0 {
		zeros++
	}
	// digits holds the number in base 58, least significant digit first.
	digits := make([]byte, 0, len(b)*138/100+1)
	for _, c := range b[zeros:] {
		carry := int(c)
		for j := range digits {
			carry += int(digits[j]) << 8
			digits[j] = byte(carry % 58)
			carry /= 58
		}
		for carry > 0 {
			digits = append(digits, byte(carry%58))
			carry /= 58
		}
	}
	var sb strings.Builder
	sb.Grow(zeros + len(digits))
	for range zeros {
		sb.WriteByte('1')
	}
	for i := len(digits) - 1; i >= 0; i-- {
		sb.WriteByte(base58Alphabet[digits[i]])
	}
	return sb.String()
}

// base58Decode reads what base58Encode writes. Every string has exactly one
// decoding and every byte string exactly one encoding, so decode-then-encode
// gives back the input.
func base58Decode(s string) ([]byte, error) {
	if len(s) > maxBase58Chars {
		return nil, fmt.Errorf("base58 value is %d characters, more than the limit of %d", len(s), maxBase58Chars)
	}
	zeros := 0
	for zeros < len(s) && s[zeros] == '1' {
		zeros++
	}
	// num holds the number in base 256, least significant byte first.
	num := make([]byte, 0, len(s))
	for i := zeros; i < len(s); i++ {
		d := base58Index[s[i]]
		if d < 0 {
			return nil, fmt.Errorf("invalid base58 character %s at position %d", charAt(s, i), i)
		}
		carry := int(d)
		for j := range num {
			carry += int(num[j]) * 58
			num[j] = byte(carry)
			carry >>= 8
		}
		for carry > 0 {
			num = append(num, byte(carry))
			carry >>= 8
		}
	}
	out := make([]byte, zeros+len(num))
	for i, c := range num {
		out[len(out)-1-i] = c
	}
	return out, nil
}

// maxVarintBytes is the longest unsigned varint the multiformats
// specification allows (9 bytes, 63 bits).
const maxVarintBytes = 9

// appendUvarint appends v as a multiformats unsigned varint: 7 bits a byte,
// least significant group first, the high bit set on all bytes but the last.
func appendUvarint(b []byte, v uint64) []byte {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}

// readUvarint reads a multiformats unsigned varint from the start of b and
// returns it and its length. It refuses varints longer than 9 bytes and
// non-minimal encodings (a last byte of zero after others), so that each
// value has one encoding.
func readUvarint(b []byte) (uint64, int, error) {
	var v uint64
	for i := 0; i < len(b) && i < maxVarintBytes; i++ {
		v |= uint64(b[i]&0x7f) << (7 * i)
		if b[i]&0x80 == 0 {
			if b[i] == 0 && i > 0 {
				return 0, 0, errors.New("varint is not minimally encoded")
			}
			return v, i + 1, nil
		}
	}
	if len(b) >= maxVarintBytes {
		return 0, 0, fmt.Errorf("varint is longer than %d bytes", maxVarintBytes)
	}
	return 0, 0, errors.New("varint is truncated")
}

// codecName names a multicodec key code for error messages.
func codecName(code uint64) string {
	switch code {
	case codecEd25519Pub:
		return "ed25519-pub"
	case codecP256Pub:
		return "p256-pub"
	}
	if n, ok := otherKeyCodecs[code]; ok {
		return n
	}
	return "unknown"
}

// EncodeBase58BTC encodes b as multibase base58btc: 'z' and the base58
// of b (Bitcoin alphabet), as Data Integrity proof values are written.
func EncodeBase58BTC(b []byte) string { return "z" + base58Encode(b) }

// DecodeBase58BTC decodes a multibase base58btc value ('z' and at most
// 128 base58 characters).
func DecodeBase58BTC(s string) ([]byte, error) {
	rest, ok := strings.CutPrefix(s, "z")
	if !ok {
		return nil, errors.New("did: not multibase base58btc (no 'z' prefix)")
	}
	return base58Decode(rest)
}
