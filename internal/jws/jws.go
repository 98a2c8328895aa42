package jws

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/seoulid/seoulid/internal/b64url"
	"github.com/seoulid/seoulid/internal/jsonx"
	"github.com/seoulid/seoulid/internal/keys"
)

// Errors callers branch on. Every error from this package wraps one of them.
var (
	ErrMalformed   = errors.New("jws: malformed")
	ErrAlgorithm   = errors.New("jws: algorithm not allowed")
	ErrSignature   = errors.New("jws: signature does not verify")
	ErrNotVerified = errors.New("jws: payload read before the signature was verified")
)

// Limits for Parse. A zero field means the default.
type Limits struct {
	MaxBytes       int // whole compact token; zero means 64 KiB
	MaxHeaderBytes int // decoded protected header; zero means 4 KiB
}

const (
	defaultMaxBytes       = 64 << 10
	defaultMaxHeaderBytes = 4 << 10
)

// Signer makes JWS signatures. keys.PrivateKey and keys.CryptoSigner satisfy it.
type Signer interface {
	Algorithm() keys.Algorithm
	KeyID() string
	Sign(ctx context.Context, signingInput []byte) ([]byte, error)
}

var b64 = base64.RawURLEncoding

// DecodeSegment decodes a base64url segment strictly (RFC 7515 §2): see
// package b64url. Each byte string has exactly one accepted encoding,
// which matters where a digest is taken over the encoded form (SD-JWT
// Disclosures).
func DecodeSegment(s string) ([]byte, error) { return b64url.Decode(s) }

// Sign makes a compact JWS of payload. The header gets "alg" from the
// signer, and "kid" from the signer when the signer has one and header does
// not set it; header may carry anything else ("typ", "x5c", …) and is not
// modified. The payload is used as given (it is the caller's JSON).
func Sign(ctx context.Context, s Signer, header map[string]any, payload []byte) (string, error) {
	if _, ok := header["alg"]; ok {
		return "", fmt.Errorf("%w: the header must not set \"alg\"; it follows from the signing key", ErrMalformed)
	}
	var small [256]byte
	if hb, ok := appendFlatHeader(small[:0], s, header); ok {
		return SignRaw(ctx, s, hb, payload)
	}
	h := make(map[string]any, len(header)+2)
	for k, v := range header {
		h[k] = v
	}
	if _, ok := h["alg"]; ok {
		return "", fmt.Errorf("%w: the header must not set \"alg\"; it follows from the signing key", ErrMalformed)
	}
	h["alg"] = string(s.Algorithm())
	if kid := s.KeyID(); kid != "" {
		if _, ok := h["kid"]; !ok {
			h["kid"] = kid
		}
	}
	hb, err := jsonx.Marshal(h)
	if err != nil {
		return "", fmt.Errorf("jws: header: %w", err)
	}
	return SignRaw(ctx, s, hb, payload)
}

// appendFlatHeader appends the protected header Sign makes — header with
// "alg" and "kid" from s, members sorted by name, as jsonx writes an object
// — without copying header into a new map, when every value of header is
// a string, a boolean or null (as "typ" is). ok is false otherwise, and
// Sign then takes the general way.
func appendFlatHeader(dst []byte, s Signer, header map[string]any) (out []byte, ok bool) {
	var small [8]string
	names := small[:0]
	for name, v := range header {
		switch v.(type) {
		case string, bool, nil:
		default:
			return dst, false
		}
		names = append(names, name)
	}
	alg, kid := string(s.Algorithm()), s.KeyID()
	names = append(names, "alg")
	if _, set := header["kid"]; kid != "" && !set {
		names = append(names, "kid")
	}
	slices.Sort(names)
	dst = append(dst, '{')
	for i, name := range names {
		if i > 0 {
			dst = append(dst, ',')
		}
		var err error
		if dst, err = jsonx.AppendString(dst, name); err != nil {
			return dst, false
		}
		dst = append(dst, ':')
		var v any
		switch name {
		case "alg":
			v = alg
		case "kid":
			var set bool
			if v, set = header["kid"]; !set {
				v = kid
			}
		default:
			v = header[name]
		}
		if dst, err = appendScalar(dst, v); err != nil {
			return dst, false
		}
	}
	return append(dst, '}'), true
}

// appendScalar is jsonx.Append for the values appendFlatHeader admits.
func appendScalar(dst []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case string:
		return jsonx.AppendString(dst, x)
	case bool:
		if x {
			return append(dst, "true"...), nil
		}
		return append(dst, "false"...), nil
	default:
		return append(dst, "null"...), nil
	}
}

// SignRaw makes a compact JWS from an already serialized protected header,
// which must contain the signer's "alg". It is Sign without the header map,
// for hot paths that build the header once.
func SignRaw(ctx context.Context, s Signer, header, payload []byte) (string, error) {
	hl, pl := b64.EncodedLen(len(header)), b64.EncodedLen(len(payload))
	size := hl + 1 + pl + 1 + b64.EncodedLen(64)
	if k, ok := s.(*keys.PrivateKey); ok && size <= 4096 {
		// The common signer, which keeps nothing of what it signs: the
		// signing input can be made on the stack, and the token is then
		// the only allocation.
		var small [4096]byte
		input := b64url.AppendEncode(append(b64url.AppendEncode(small[:0], header), '.'), payload)
		sig, err := k.Sign(ctx, input)
		if err != nil {
			return "", fmt.Errorf("jws: sign: %w", err)
		}
		return string(b64url.AppendEncode(append(input, '.'), sig)), nil
	}
	buf := make([]byte, 0, size)
	buf = b64url.AppendEncode(buf, header)
	buf = append(buf, '.')
	input := b64url.AppendEncode(buf, payload)
	sig, err := s.Sign(ctx, input)
	if err != nil {
		return "", fmt.Errorf("jws: sign: %w", err)
	}
	out := append(input, '.')
	out = b64url.AppendEncode(out, sig)
	return string(out), nil
}

// Token is a parsed compact JWS whose signature may not yet be verified.
type Token struct {
	raw       string
	dot2      int // index of the second '.'
	header    map[string]any
	alg       keys.Algorithm
	payload   []byte
	signature []byte
	verified  bool
}

// Parse reads a compact JWS (RFC 7515 §7.1) strictly; see the package doc
// for what it refuses. It does not verify the signature.
func Parse(token string, lim Limits) (*Token, error) {
	maxBytes, maxHeader := lim.MaxBytes, lim.MaxHeaderBytes
	if maxBytes <= 0 {
		maxBytes = defaultMaxBytes
	}
	if maxHeader <= 0 {
		maxHeader = defaultMaxHeaderBytes
	}
	if len(token) > maxBytes {
		return nil, fmt.Errorf("%w: token is %d bytes, more than the limit of %d", ErrMalformed, len(token), maxBytes)
	}
	dot1 := strings.IndexByte(token, '.')
	if dot1 < 0 {
		return nil, fmt.Errorf("%w: not three dot-separated parts", ErrMalformed)
	}
	rel := strings.IndexByte(token[dot1+1:], '.')
	if rel < 0 {
		return nil, fmt.Errorf("%w: not three dot-separated parts", ErrMalformed)
	}
	dot2 := dot1 + 1 + rel
	if strings.IndexByte(token[dot2+1:], '.') >= 0 {
		return nil, fmt.Errorf("%w: more than three dot-separated parts (a JWE or a nested token?)", ErrMalformed)
	}
	hPart, pPart, sPart := token[:dot1], token[dot1+1:dot2], token[dot2+1:]
	if b64.DecodedLen(len(hPart)) > maxHeader {
		return nil, fmt.Errorf("%w: protected header longer than %d bytes", ErrMalformed, maxHeader)
	}
	var small [512]byte // the header is parsed, not kept
	hb, err := b64url.AppendDecode(small[:0], hPart)
	if err != nil {
		return nil, fmt.Errorf("%w: protected header: %w", ErrMalformed, err)
	}
	header, err := jsonx.ParseObjectWithLimits(hb, jsonx.Limits{MaxBytes: maxHeader, MaxDepth: 8})
	if err != nil {
		return nil, fmt.Errorf("%w: protected header: %w", ErrMalformed, err)
	}
	algv, ok := header["alg"]
	if !ok {
		return nil, fmt.Errorf("%w: protected header has no \"alg\"", ErrMalformed)
	}
	algs, ok := algv.(string)
	if !ok {
		return nil, fmt.Errorf("%w: \"alg\" is %s, not a string", ErrMalformed, jsonx.Describe(algv))
	}
	if _, ok := header["crit"]; ok {
		return nil, fmt.Errorf("%w: protected header has \"crit\", and no critical extension is understood here (RFC 7515 §4.1.11)", ErrMalformed)
	}
	// The payload and the signature share one allocation.
	buf := make([]byte, 0, b64.DecodedLen(len(pPart))+b64.DecodedLen(len(sPart)))
	payload, err := b64url.AppendDecode(buf, pPart)
	if err != nil {
		return nil, fmt.Errorf("%w: payload: %w", ErrMalformed, err)
	}
	sig, err := b64url.AppendDecode(payload[len(payload):], sPart)
	if err != nil {
		return nil, fmt.Errorf("%w: signature: %w", ErrMalformed, err)
	}
	payload = payload[:len(payload):len(payload)] // appending to it never touches sig
	return &Token{
		raw:       token,
		dot2:      dot2,
		header:    header,
		alg:       keys.Algorithm(algs),
		payload:   payload,
		signature: sig,
	}, nil
}

// Header is the protected header. The map belongs to the token; do not modify it.
func (t *Token) Header() map[string]any { return t.header }

// Algorithm is the header's "alg", not yet checked against any allow-list.
func (t *Token) Algorithm() keys.Algorithm { return t.alg }

// HeaderString returns a string header parameter, and "" when it is absent
// or not a string.
func (t *Token) HeaderString(name string) string {
	s, _ := t.header[name].(string)
	return s
}

// Raw is the compact serialization as parsed.
func (t *Token) Raw() string { return t.raw }

// SigningInput is ASCII(BASE64URL(header) || '.' || BASE64URL(payload)).
func (t *Token) SigningInput() string { return t.raw[:t.dot2] }

// Verify checks that "alg" is on the allow-list and is the algorithm of pub,
// and that the signature verifies (RFC 7515 §5.2 steps 8–9). It checks no
// claim: expiry, audience and the like are the caller's.
func (t *Token) Verify(pub *keys.PublicKey, allowed []keys.Algorithm) error {
	if len(allowed) == 0 {
		return fmt.Errorf("%w: the verifier has an empty algorithm allow-list", ErrAlgorithm)
	}
	if t.alg == "none" || !slices.Contains(allowed, t.alg) {
		return fmt.Errorf("%w: %q (allowed: %s)", ErrAlgorithm, string(t.alg), joinAlgs(allowed))
	}
	if pub == nil {
		return fmt.Errorf("%w: no key to verify with", ErrSignature)
	}
	var small [2048]byte // most signing inputs fit: no copy on the heap
	if err := pub.Verify(t.alg, append(small[:0], t.SigningInput()...), t.signature); err != nil {
		return fmt.Errorf("%w: %w", ErrSignature, err)
	}
	t.verified = true
	return nil
}

// Payload returns the payload bytes once Verify has succeeded.
func (t *Token) Payload() ([]byte, error) {
	if !t.verified {
		return nil, ErrNotVerified
	}
	return t.payload, nil
}

// UnsafePayload returns the payload whether or not the signature was
// verified. It is for finding the key to verify with (the "iss" claim), for
// showing a token to a person who has asked not to verify it, and for
// nothing else.
func (t *Token) UnsafePayload() []byte { return t.payload }

func joinAlgs(a []keys.Algorithm) string {
	s := make([]string, len(a))
	for i, x := range a {
		s[i] = string(x)
	}
	return strings.Join(s, ", ")
}
