package sdjwt

import (
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"fmt"
	"slices"

	"github.com/seoulid/seoulid/internal/b64url"
	"github.com/seoulid/seoulid/internal/jsonx"
)

// HashAlg is a digest algorithm named as in the IANA "Named Information Hash
// Algorithm" registry, the values of "_sd_alg" (RFC 9901 §4.1.1).
type HashAlg string

// The digest algorithms seoulid understands.
const (
	SHA256 HashAlg = "sha-256" // the default, and what seoulid issues
	SHA384 HashAlg = "sha-384"
	SHA512 HashAlg = "sha-512"
)

// DefaultHashAlgs are accepted when VerifyOptions.HashAlgs is empty.
var DefaultHashAlgs = []HashAlg{SHA256, SHA384, SHA512}

func (h HashAlg) valid() bool { return slices.Contains(DefaultHashAlgs, h) }

// Digest is the base64url-encoded digest of the US-ASCII bytes of s
// (RFC 9901 §4.2.3 for Disclosures, §4.3.1 for sd_hash).
func (h HashAlg) Digest(s string) string {
	var buf [86]byte // base64url of 64 bytes
	return string(h.appendDigest(buf[:0], s))
}

// appendDigest appends Digest(s) to dst.
func (h HashAlg) appendDigest(dst []byte, s string) []byte {
	var sum [sha512.Size]byte
	return b64url.AppendEncode(dst, h.appendSumString(sum[:0], s))
}

// appendSumString appends the raw digest of s to dst. It hashes s through a
// small stack buffer instead of a []byte copy of it, which would be an
// allocation per Disclosure.
func (h HashAlg) appendSumString(dst []byte, s string) []byte {
	var chunk [256]byte
	switch h {
	case SHA384:
		d := sha512.New384()
		for len(s) > 0 {
			n := copy(chunk[:], s)
			d.Write(chunk[:n])
			s = s[n:]
		}
		return d.Sum(dst)
	case SHA512:
		d := sha512.New()
		for len(s) > 0 {
			n := copy(chunk[:], s)
			d.Write(chunk[:n])
			s = s[n:]
		}
		return d.Sum(dst)
	default:
		d := sha256.New()
		for len(s) > 0 {
			n := copy(chunk[:], s)
			d.Write(chunk[:n])
			s = s[n:]
		}
		return d.Sum(dst)
	}
}

// appendSum appends the raw digest of b to dst.
func (h HashAlg) appendSum(dst, b []byte) []byte {
	switch h {
	case SHA384:
		sum := sha512.Sum384(b)
		return append(dst, sum[:]...)
	case SHA512:
		sum := sha512.Sum512(b)
		return append(dst, sum[:]...)
	default:
		sum := sha256.Sum256(b)
		return append(dst, sum[:]...)
	}
}

func (h HashAlg) size() int {
	switch h {
	case SHA384:
		return sha512.Size384
	case SHA512:
		return sha512.Size
	default:
		return sha256.Size
	}
}

var b64 = base64.RawURLEncoding

// Disclosure is one Disclosure (RFC 9901 §4.2): the salt, the claim name
// (object properties only) and the claim value, with the exact encoded form
// whose digest the SD-JWT carries.
type Disclosure struct {
	Encoded string // base64url, exactly as issued
	Salt    string
	Element bool   // true for an array element (§4.2.2), which has no name
	Name    string // the claim name, for an object property (§4.2.1)
	Value   any    // the claim value, as parsed by jsonx
}

// MaxDisclosureBytes bounds one encoded Disclosure.
const MaxDisclosureBytes = 256 << 10

// ParseDisclosure decodes a Disclosure and checks its form (RFC 9901 §4.2.1,
// §4.2.2, §7.1 step 3.3): a JSON array of two or three elements, a string
// salt, a string claim name that is not "_sd" or "...". Whether the two- or
// three-element form is the right one depends on where its digest is found,
// which only verification knows.
func ParseDisclosure(encoded string) (Disclosure, error) {
	if len(encoded) > MaxDisclosureBytes {
		return Disclosure{}, fmt.Errorf("longer than %d bytes", MaxDisclosureBytes)
	}
	raw, err := b64url.Decode(encoded)
	if err != nil {
		return Disclosure{}, err
	}
	v, err := jsonx.ParseWithLimits(raw, jsonx.Limits{MaxBytes: MaxDisclosureBytes})
	if err != nil {
		return Disclosure{}, err
	}
	arr, ok := v.([]any)
	if !ok {
		return Disclosure{}, fmt.Errorf("is %s, not an array", jsonx.Describe(v))
	}
	d := Disclosure{Encoded: encoded}
	switch len(arr) {
	case 2:
		d.Element = true
		d.Value = arr[1]
	case 3:
		name, ok := arr[1].(string)
		if !ok {
			return Disclosure{}, fmt.Errorf("claim name is %s, not a string", jsonx.Describe(arr[1]))
		}
		if name == "_sd" || name == "..." {
			return Disclosure{}, fmt.Errorf("claim name %q is reserved", name)
		}
		d.Name = name
		d.Value = arr[2]
	default:
		return Disclosure{}, fmt.Errorf("is an array of %d elements, not 2 or 3", len(arr))
	}
	salt, ok := arr[0].(string)
	if !ok {
		return Disclosure{}, fmt.Errorf("salt is %s, not a string", jsonx.Describe(arr[0]))
	}
	d.Salt = salt
	return d, nil
}
