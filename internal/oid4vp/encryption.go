package oid4vp

import (
	"crypto/ecdh"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"slices"
	"strings"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwe"

	"github.com/seoulid/seoulid/internal/b64url"
	"github.com/seoulid/seoulid/internal/jsonx"
)

// The JWE algorithms of encrypted responses (§8.3): key agreement by
// ECDH-ES (RFC 7518 §4.6) on P-256 or X25519, and AES-GCM content
// encryption.
const (
	AlgECDHES  = "ECDH-ES"
	EncA128GCM = "A128GCM" // the default when the Verifier names none (§5.1, §8.3)
	EncA256GCM = "A256GCM"
)

// maxJWEHeaderBytes bounds the protected header of an encrypted response:
// alg, enc, kid and an epk take a few hundred bytes.
const maxJWEHeaderBytes = 4 << 10

// EncryptionKey is a Verifier's key pair for encrypted responses (§8.3):
// its public half goes into client_metadata.jwks, the Wallet encrypts to
// it, and DecryptResponse decrypts with it. Make one per request (§5.1:
// "ephemeral keys specific to this Authorization Request"). It never
// prints its private half.
type EncryptionKey struct {
	kid  string
	priv *ecdh.PrivateKey
}

// NewEncryptionKey makes a fresh P-256 key whose kid is its RFC 7638
// thumbprint.
func NewEncryptionKey() (*EncryptionKey, error) {
	priv, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("oid4vp: %w", err)
	}
	return NewEncryptionKeyFrom(priv, "")
}

// NewEncryptionKeyFrom wraps a P-256 or X25519 private key; kid "" means
// its RFC 7638 thumbprint.
func NewEncryptionKeyFrom(priv *ecdh.PrivateKey, kid string) (*EncryptionKey, error) {
	if priv == nil || (priv.Curve() != ecdh.P256() && priv.Curve() != ecdh.X25519()) {
		return nil, fmt.Errorf("%w: an encryption key is P-256 or X25519", ErrConfig)
	}
	k := &EncryptionKey{kid: kid, priv: priv}
	if kid == "" {
		k.kid = thumbprint(publicJWK(priv.PublicKey()))
	}
	return k, nil
}

// KeyID is the key's kid, which the Wallet copies into the JWE header.
func (k *EncryptionKey) KeyID() string { return k.kid }

// PublicJWK is the public key as a JWK for client_metadata.jwks, with its
// kid, "use": "enc" and "alg": "ECDH-ES" (§8.3: "The alg parameter MUST
// be present in the JWKs").
func (k *EncryptionKey) PublicJWK() map[string]any {
	m := publicJWK(k.priv.PublicKey())
	m["kid"], m["use"], m["alg"] = k.kid, "enc", AlgECDHES
	return m
}

// JWKS is the key set of client_metadata.jwks holding only this key.
func (k *EncryptionKey) JWKS() *JWKS { return &JWKS{Keys: []map[string]any{k.PublicJWK()}} }

// String names the key without its private half.
func (k *EncryptionKey) String() string {
	return "oid4vp.EncryptionKey{kid: " + quote(k.kid) + ", private key redacted}"
}

// LogValue keeps the private half out of logs.
func (k *EncryptionKey) LogValue() slog.Value {
	return slog.GroupValue(slog.String("kid", k.kid), slog.String("private", "redacted"))
}

// publicJWK writes an ECDH public key as a JWK (RFC 7518 §6.2.1, RFC 8037
// §2).
func publicJWK(pub *ecdh.PublicKey) map[string]any {
	b := pub.Bytes()
	if pub.Curve() == ecdh.X25519() {
		return map[string]any{"kty": "OKP", "crv": "X25519", "x": b64url.Encode(b)}
	}
	// Uncompressed point: 0x04 || X || Y.
	return map[string]any{"kty": "EC", "crv": "P-256", "x": b64url.Encode(b[1:33]), "y": b64url.Encode(b[33:65])}
}

// thumbprint is the RFC 7638 SHA-256 thumbprint of a public JWK made by
// publicJWK: its required members in lexicographic order, no whitespace.
func thumbprint(jwk map[string]any) string {
	var s string
	if jwk["kty"] == "OKP" {
		s = `{"crv":"` + jwk["crv"].(string) + `","kty":"OKP","x":"` + jwk["x"].(string) + `"}`
	} else {
		s = `{"crv":"` + jwk["crv"].(string) + `","kty":"EC","x":"` + jwk["x"].(string) + `","y":"` + jwk["y"].(string) + `"}`
	}
	sum := sha256.Sum256([]byte(s))
	return b64url.Encode(sum[:])
}

// encryptionPublicKey reads a public JWK for ECDH-ES: EC P-256 or OKP
// X25519, "alg" ECDH-ES (§8.3), "use" absent or "enc", no private member.
func encryptionPublicKey(m map[string]any) (*ecdh.PublicKey, error) {
	if alg, _ := m["alg"].(string); alg != AlgECDHES {
		return nil, fmt.Errorf("alg is %s, not %s (§8.3: alg is present and is the JWE alg)", quote(fmt.Sprint(m["alg"])), AlgECDHES)
	}
	if use, ok := m["use"]; ok && use != "enc" {
		return nil, fmt.Errorf("use is %s, not enc", quote(fmt.Sprint(use)))
	}
	for _, p := range privateJWKMembers {
		if _, ok := m[p]; ok {
			return nil, fmt.Errorf("it has the private member %q", p)
		}
	}
	coord := func(name string) ([]byte, error) {
		s, ok := m[name].(string)
		if !ok {
			return nil, fmt.Errorf("%s is missing", name)
		}
		b, err := b64url.Decode(s)
		if err != nil || len(b) != 32 {
			return nil, fmt.Errorf("%s is not 32 bytes of base64url", name)
		}
		return b, nil
	}
	kty, _ := m["kty"].(string)
	crv, _ := m["crv"].(string)
	switch {
	case kty == "EC" && crv == "P-256":
		x, err := coord("x")
		if err != nil {
			return nil, err
		}
		y, err := coord("y")
		if err != nil {
			return nil, err
		}
		pub, err := ecdh.P256().NewPublicKey(append(append([]byte{4}, x...), y...))
		if err != nil {
			return nil, fmt.Errorf("not a point on P-256: %w", err)
		}
		return pub, nil
	case kty == "OKP" && crv == "X25519":
		x, err := coord("x")
		if err != nil {
			return nil, err
		}
		return ecdh.X25519().NewPublicKey(x)
	default:
		return nil, fmt.Errorf("kty %s crv %s is neither EC P-256 nor OKP X25519", quote(kty), quote(crv))
	}
}

// encryptionKey chooses the first key of jwks the Wallet can encrypt to
// (§8.3: "the Wallet selects the public key … based on information about
// each key"), with its kid.
func (m *ClientMetadata) encryptionKey() (*ecdh.PublicKey, string, error) {
	if m == nil || m.JWKS == nil || len(m.JWKS.Keys) == 0 {
		return nil, "", refuse(ErrInvalidRequest, "direct_post.jwt, and client_metadata.jwks has no key to encrypt the response to (§8.3)", nil)
	}
	var why []string
	for _, k := range m.JWKS.Keys {
		kid, _ := k["kid"].(string)
		pub, err := encryptionPublicKey(k)
		if err == nil && kid != "" {
			return pub, kid, nil
		}
		if err != nil {
			why = append(why, quote(kid)+": "+err.Error())
		}
	}
	return nil, "", refuse(ErrInvalidRequest, ascii("direct_post.jwt, and no key of client_metadata.jwks is for ECDH-ES on P-256 or X25519 (§8.3): "+strings.Join(why, "; ")), nil)
}

// contentEncryption chooses the JWE enc: the first of the Verifier's
// encrypted_response_enc_values_supported that this package implements,
// A128GCM when it names none (§5.1, §8.3).
func (m *ClientMetadata) contentEncryption() (string, error) {
	if m == nil || len(m.EncryptedResponseEncValuesSupported) == 0 {
		return EncA128GCM, nil
	}
	for _, e := range m.EncryptedResponseEncValuesSupported {
		if e == EncA128GCM || e == EncA256GCM {
			return e, nil
		}
	}
	return "", refuse(ErrInvalidRequest, "encrypted_response_enc_values_supported names neither A128GCM nor A256GCM (§8.3)", nil)
}

// EncryptResponse encrypts a response for direct_post.jwt (§8.3, §8.3.1):
// an unsigned JWT (a JWE with the response's parameters as its claims) by
// ECDH-ES to the first suitable key of the Verifier's client_metadata.jwks,
// with that key's kid in the header and the Verifier's preferred enc.
func EncryptResponse(resp *AuthorizationResponse, md *ClientMetadata) (string, error) {
	pub, kid, err := md.encryptionKey()
	if err != nil {
		return "", err
	}
	enc, err := md.contentEncryption()
	if err != nil {
		return "", err
	}
	payload, err := resp.marshal()
	if err != nil {
		return "", err
	}
	encAlg, _ := jwa.LookupContentEncryptionAlgorithm(enc)
	h := jwe.NewHeaders()
	if err := h.Set(jwe.KeyIDKey, kid); err != nil {
		return "", fmt.Errorf("oid4vp: %w", err)
	}
	out, err := jwe.Encrypt(payload, jwe.WithKey(jwa.ECDH_ES(), pub, jwe.WithPerRecipientHeaders(h)), jwe.WithContentEncryption(encAlg))
	if err != nil {
		return "", fmt.Errorf("oid4vp: encrypt the response: %w", err)
	}
	return string(out), nil
}

// jweHeader reads the protected header of a compact JWE strictly: five
// parts, an empty encrypted key (ECDH-ES in direct key agreement mode, RFC
// 7518 §4.6), a header of at most maxJWEHeaderBytes that is a JSON object
// without duplicate members.
func jweHeader(token string) (map[string]any, error) {
	if len(token) > MaxResponseBytes {
		return nil, fmt.Errorf("%w: the JWE is %d bytes, more than %d", ErrInvalidResponse, len(token), MaxResponseBytes)
	}
	parts := strings.Split(token, ".")
	if len(parts) != 5 {
		return nil, fmt.Errorf("%w: a compact JWE has five parts, this has %d (§8.3: an encrypted JWT)", ErrInvalidResponse, len(parts))
	}
	if parts[1] != "" {
		return nil, fmt.Errorf("%w: the JWE has an encrypted key; ECDH-ES agrees on it directly (RFC 7518 §4.6)", ErrInvalidResponse)
	}
	if len(parts[0]) > maxJWEHeaderBytes*4/3+4 {
		return nil, fmt.Errorf("%w: the JWE header is longer than %d bytes", ErrInvalidResponse, maxJWEHeaderBytes)
	}
	hb, err := b64url.Decode(parts[0])
	if err != nil {
		return nil, fmt.Errorf("%w: the JWE header: %w", ErrInvalidResponse, err)
	}
	h, err := jsonx.ParseObjectWithLimits(hb, jsonx.Limits{MaxBytes: maxJWEHeaderBytes, MaxDepth: 4})
	if err != nil {
		return nil, fmt.Errorf("%w: the JWE header: %w", ErrInvalidResponse, err)
	}
	return h, nil
}

// ResponseKeyID returns the kid of an encrypted response's header, without
// decrypting it, so that a Verifier can find the key (and the request) it
// belongs to. It checks only the JWE's framing.
func ResponseKeyID(token string) (string, error) {
	h, err := jweHeader(token)
	if err != nil {
		return "", err
	}
	kid, ok := h["kid"].(string)
	if !ok || kid == "" {
		return "", fmt.Errorf("%w: the JWE header has no kid (§8.3)", ErrInvalidResponse)
	}
	return kid, nil
}

// DecryptResponse decrypts an encrypted response (§8.3) with the
// Verifier's key and reads its parameters. The header must say alg
// ECDH-ES, an enc among encs (nil means the default, A128GCM alone), and
// the key's kid; it must not ask for compression ("zip", refused against
// decompression bombs) or name critical extensions ("crit"). The payload
// is read as strictly as a direct_post body. A Wallet's error response
// comes back as an *ErrorResponse error.
//
// §14.5: an encrypted response is not signed; anyone with the Verifier's
// public key can make one. What proves anything is in the presentations.
func DecryptResponse(token string, key *EncryptionKey, encs []string) (*AuthorizationResponse, error) {
	if key == nil {
		return nil, fmt.Errorf("%w: no decryption key", ErrConfig)
	}
	h, err := jweHeader(token)
	if err != nil {
		return nil, err
	}
	if encs == nil {
		encs = []string{EncA128GCM}
	}
	if alg, _ := h["alg"].(string); alg != AlgECDHES {
		return nil, fmt.Errorf("%w: JWE alg %s, not %s (§8.3: the alg of the Verifier's key)", ErrInvalidResponse, quote(fmt.Sprint(h["alg"])), AlgECDHES)
	}
	if enc, _ := h["enc"].(string); !slices.Contains(encs, enc) {
		return nil, fmt.Errorf("%w: JWE enc %s is not one the Verifier accepts (%s) (§8.3)", ErrInvalidResponse, quote(fmt.Sprint(h["enc"])), strings.Join(encs, ", "))
	}
	if kid, _ := h["kid"].(string); kid != key.kid {
		return nil, fmt.Errorf("%w: JWE kid %s is not the kid of this key, %s (§8.3)", ErrInvalidResponse, quote(fmt.Sprint(h["kid"])), quote(key.kid))
	}
	if _, ok := h["zip"]; ok {
		return nil, fmt.Errorf("%w: the JWE is compressed (zip), which is refused", ErrInvalidResponse)
	}
	if _, ok := h["crit"]; ok {
		return nil, fmt.Errorf("%w: the JWE names critical extensions (crit), and none is understood here", ErrInvalidResponse)
	}
	if _, ok := h["epk"].(map[string]any); !ok {
		return nil, fmt.Errorf("%w: the JWE header has no epk (RFC 7518 §4.6.1.1)", ErrInvalidResponse)
	}
	payload, err := jwe.Decrypt([]byte(token), jwe.WithKey(jwa.ECDH_ES(), key.priv), jwe.WithCritValidation(true), jwe.WithMaxDecompressBufferSize(0))
	if err != nil {
		return nil, fmt.Errorf("%w: cannot decrypt: %w", ErrInvalidResponse, err)
	}
	claims, err := jsonx.ParseObjectWithLimits(payload, jsonx.Limits{MaxBytes: MaxResponseBytes, MaxDepth: maxResponseDepth})
	if err != nil {
		return nil, fmt.Errorf("%w: the decrypted response: %w", ErrInvalidResponse, err)
	}
	return decodeResponse(claims)
}
