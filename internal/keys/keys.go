package keys

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"slices"

	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws/jwsbb"

	"github.com/seoulid/seoulid/internal/jsonx"
)

// Algorithm is a JWS "alg" value (RFC 7518 §3.1, RFC 8037 §3.1).
type Algorithm string

// The algorithms seoulid signs and verifies with.
const (
	EdDSA Algorithm = "EdDSA" // Ed25519 (RFC 8037)
	ES256 Algorithm = "ES256" // ECDSA P-256 with SHA-256 (RFC 7518 §3.4)
)

// Algorithms lists every algorithm this package supports, strongest-first
// is meaningless here: both are 128-bit secure.
var Algorithms = []Algorithm{EdDSA, ES256}

// ParseAlgorithm maps a string to a supported Algorithm.
func ParseAlgorithm(s string) (Algorithm, error) {
	for _, a := range Algorithms {
		if string(a) == s {
			return a, nil
		}
	}
	return "", fmt.Errorf("%w: %q (supported: EdDSA, ES256)", ErrUnsupportedAlgorithm, s)
}

// Errors callers branch on.
var (
	ErrUnsupportedKey       = errors.New("keys: unsupported key type")
	ErrUnsupportedAlgorithm = errors.New("keys: unsupported algorithm")
	ErrAlgorithmMismatch    = errors.New("keys: algorithm does not match the key")
	ErrBadSignature         = errors.New("keys: signature does not verify")
	ErrInvalidJWK           = errors.New("keys: invalid JWK")
	ErrPrivateMaterial      = errors.New("keys: JWK contains private key material where a public key is expected")
)

// PublicKey is an Ed25519 or P-256 public key, with an optional key id.
// It is immutable once made.
type PublicKey struct {
	key ed25519.PublicKey // set for EdDSA
	ec  *ecdsa.PublicKey  // set for ES256
	kid string
	// x and y are the JWK coordinates (base64url; y for ES256 only), made
	// with the key so that writing its JWK, as every issuance does for the
	// holder's key, costs no point conversion.
	x, y string
}

// NewPublicKey wraps an ed25519.PublicKey or a P-256 *ecdsa.PublicKey.
func NewPublicKey(k crypto.PublicKey) (*PublicKey, error) {
	switch pk := k.(type) {
	case ed25519.PublicKey:
		if len(pk) != ed25519.PublicKeySize {
			return nil, fmt.Errorf("%w: Ed25519 public key of %d bytes", ErrInvalidJWK, len(pk))
		}
		return &PublicKey{key: slices.Clone(pk), x: b64(pk)}, nil
	case *ecdsa.PublicKey:
		if pk == nil || pk.Curve != elliptic.P256() {
			return nil, fmt.Errorf("%w: only P-256 EC keys are supported", ErrUnsupportedKey)
		}
		ek, err := pk.ECDH() // rejects points not on the curve
		if err != nil {
			return nil, fmt.Errorf("%w: P-256 point is not on the curve", ErrInvalidJWK)
		}
		pt := ek.Bytes() // 0x04 || X || Y
		return &PublicKey{ec: pk, x: b64(pt[1:33]), y: b64(pt[33:65])}, nil
	default:
		return nil, fmt.Errorf("%w: %T", ErrUnsupportedKey, k)
	}
}

// Algorithm is the JWS algorithm this key verifies.
func (p *PublicKey) Algorithm() Algorithm {
	if p.ec != nil {
		return ES256
	}
	return EdDSA
}

// KeyID is the key's "kid", or "" if it has none.
func (p *PublicKey) KeyID() string { return p.kid }

// WithKeyID returns a copy of p with the given key id.
func (p *PublicKey) WithKeyID(kid string) *PublicKey {
	c := *p
	c.kid = kid
	return &c
}

// Crypto returns the standard library key (ed25519.PublicKey or *ecdsa.PublicKey).
func (p *PublicKey) Crypto() crypto.PublicKey {
	if p.ec != nil {
		return p.ec
	}
	return p.key
}

// Equal reports whether two public keys are the same key (key ids aside).
func (p *PublicKey) Equal(o *PublicKey) bool {
	if p == nil || o == nil {
		return p == o
	}
	if p.ec != nil {
		return o.ec != nil && p.ec.Equal(o.ec)
	}
	return o.ec == nil && p.key.Equal(o.key)
}

// Verify checks a JWS signature (RFC 7515 §5.2 step 8) made with alg over
// signingInput. The algorithm must be the one this key is for: an EdDSA key
// never verifies an ES256 signature, whatever the JWS header claims. It does
// not check anything in the JWS header; that is the caller's business.
func (p *PublicKey) Verify(alg Algorithm, signingInput, sig []byte) error {
	if alg != p.Algorithm() {
		return fmt.Errorf("%w: %s signature, %s key", ErrAlgorithmMismatch, alg, p.Algorithm())
	}
	if len(sig) != 64 { // Ed25519 (RFC 8032 §5.1.6) and ES256 R||S (RFC 7518 §3.4) are both 64 bytes
		return fmt.Errorf("%w: %s signature is %d bytes, not 64", ErrBadSignature, alg, len(sig))
	}
	if p.ec == nil {
		if !ed25519.Verify(p.key, signingInput, sig) {
			return ErrBadSignature
		}
		return nil
	}
	// What ecdsa.Verify does with R and S as big integers, without them.
	var der [72]byte
	rs, ok := appendECDSASignatureDER(der[:0], sig)
	h := sha256.Sum256(signingInput)
	if !ok || !ecdsa.VerifyASN1(p.ec, h[:], rs) {
		return ErrBadSignature
	}
	return nil
}

// appendECDSASignatureDER appends the ASN.1 Ecdsa-Sig-Value (RFC 3279
// §2.2.3) of a JWS ES256 signature R||S (RFC 7518 §3.4) to dst, as
// crypto/ecdsa encodes it: minimal positive INTEGERs. ok is false when R or
// S is zero, which ecdsa.Verify refuses as well.
func appendECDSASignatureDER(dst, sig []byte) (der []byte, ok bool) {
	r, s := trimLeadingZeros(sig[:32]), trimLeadingZeros(sig[32:])
	if len(r) == 0 || len(s) == 0 {
		return dst, false
	}
	lr, ls := len(r)+int(r[0]>>7), len(s)+int(s[0]>>7) // a 0x00 before a high bit
	dst = append(dst, 0x30, byte(2+lr+2+ls))           // at most 70: the short form
	for _, v := range [2][]byte{r, s} {
		dst = append(dst, 0x02, byte(len(v)+int(v[0]>>7)))
		if v[0]&0x80 != 0 {
			dst = append(dst, 0)
		}
		dst = append(dst, v...)
	}
	return dst, true
}

func trimLeadingZeros(b []byte) []byte {
	for len(b) > 0 && b[0] == 0 {
		b = b[1:]
	}
	return b
}

// ecdsaSignatureRS turns the ASN.1 Ecdsa-Sig-Value crypto/ecdsa makes into
// the JWS form R||S of 32 bytes each.
func ecdsaSignatureRS(der []byte) ([]byte, error) {
	bad := errors.New("malformed ECDSA signature")
	if len(der) < 2 || der[0] != 0x30 || int(der[1]) != len(der)-2 {
		return nil, bad
	}
	out := make([]byte, 64)
	rest := der[2:]
	for i := range 2 {
		if len(rest) < 2 || rest[0] != 0x02 || int(rest[1]) > len(rest)-2 {
			return nil, bad
		}
		v := trimLeadingZeros(rest[2 : 2+int(rest[1])])
		rest = rest[2+int(rest[1]):]
		if len(v) == 0 || len(v) > 32 {
			return nil, bad
		}
		copy(out[32*(i+1)-len(v):32*(i+1)], v)
	}
	if len(rest) != 0 {
		return nil, bad
	}
	return out, nil
}

// JWK returns the public key as a JWK object (RFC 7517 §4, RFC 8037 §2,
// RFC 7518 §6.2.1), with "kid" if the key has one. The map is fresh: the
// caller may keep or change it.
func (p *PublicKey) JWK() map[string]any {
	m := p.thumbprintMembers()
	if p.kid != "" {
		m["kid"] = p.kid
	}
	return m
}

// thumbprintMembers are exactly the required members of RFC 7638 §3.2.
func (p *PublicKey) thumbprintMembers() map[string]any {
	if p.ec != nil {
		return map[string]any{"kty": "EC", "crv": "P-256", "x": p.x, "y": p.y}
	}
	return map[string]any{"kty": "OKP", "crv": "Ed25519", "x": p.x}
}

// uncompressed is the SEC 1 encoding 0x04||X||Y of a P-256 key.
func (p *PublicKey) uncompressed() []byte {
	b, err := p.ec.Bytes()
	if err != nil || len(b) != 65 {
		// NewPublicKey admitted only valid P-256 points, for which Bytes cannot fail.
		panic("keys: P-256 key without an uncompressed encoding")
	}
	return b
}

// Bytes is the raw public key: 32 bytes for Ed25519 (RFC 8032), the 65-byte
// uncompressed point for P-256 (SEC 1 §2.3.3).
func (p *PublicKey) Bytes() []byte {
	if p.ec != nil {
		return p.uncompressed()
	}
	return slices.Clone(p.key)
}

// MarshalJSON writes the public JWK.
func (p *PublicKey) MarshalJSON() ([]byte, error) { return jsonx.Marshal(p.JWK()) }

// Thumbprint is the RFC 7638 JWK thumbprint with SHA-256, base64url-encoded
// without padding. It is computed by jwx over the canonical members.
func (p *PublicKey) Thumbprint() string {
	k, err := jwk.Import(p.Crypto())
	if err != nil {
		// Import cannot fail for the two key types NewPublicKey admits; fall
		// back to the direct RFC 7638 computation rather than panic.
		return p.thumbprintDirect()
	}
	tp, err := k.Thumbprint(crypto.SHA256)
	if err != nil {
		return p.thumbprintDirect()
	}
	return b64(tp)
}

// thumbprintDirect is RFC 7638 §3 done by hand: the required members in
// lexicographic order, no whitespace, hashed.
func (p *PublicKey) thumbprintDirect() string {
	b, _ := jsonx.Marshal(p.thumbprintMembers()) // jsonx sorts members, as §3.3 requires
	sum := sha256.Sum256(b)
	return b64(sum[:])
}

func (p *PublicKey) String() string {
	return fmt.Sprintf("%s public key %s", p.Algorithm(), p.Thumbprint())
}

// Signer is the signing contract of this package's keys: a JWS algorithm, a
// key id for the JWS header, and a JWS signature over a signing input.
// Packages that sign declare their own copy of this interface; PrivateKey
// and CryptoSigner satisfy it.
type Signer interface {
	Algorithm() Algorithm
	KeyID() string
	Sign(ctx context.Context, signingInput []byte) ([]byte, error)
}

// PrivateKey is an in-memory Ed25519 or P-256 private key.
type PrivateKey struct {
	ed  ed25519.PrivateKey
	ec  *ecdsa.PrivateKey
	pub *PublicKey
}

// Generate makes a fresh key for alg from crypto/rand.
func Generate(alg Algorithm) (*PrivateKey, error) {
	switch alg {
	case EdDSA:
		_, k, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return nil, fmt.Errorf("keys: generate Ed25519 key: %w", err)
		}
		return NewPrivateKey(k)
	case ES256:
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, fmt.Errorf("keys: generate P-256 key: %w", err)
		}
		return NewPrivateKey(k)
	default:
		return nil, fmt.Errorf("%w: %q", ErrUnsupportedAlgorithm, alg)
	}
}

// NewPrivateKey wraps an ed25519.PrivateKey or a P-256 *ecdsa.PrivateKey.
func NewPrivateKey(k crypto.Signer) (*PrivateKey, error) {
	switch sk := k.(type) {
	case ed25519.PrivateKey:
		if len(sk) != ed25519.PrivateKeySize {
			return nil, fmt.Errorf("%w: Ed25519 private key of %d bytes", ErrInvalidJWK, len(sk))
		}
		pub, err := NewPublicKey(sk.Public())
		if err != nil {
			return nil, err
		}
		return &PrivateKey{ed: slices.Clone(sk), pub: pub}, nil
	case *ecdsa.PrivateKey:
		if sk == nil {
			return nil, fmt.Errorf("%w: nil ECDSA key", ErrUnsupportedKey)
		}
		pub, err := NewPublicKey(&sk.PublicKey)
		if err != nil {
			return nil, err
		}
		return &PrivateKey{ec: sk, pub: pub}, nil
	default:
		return nil, fmt.Errorf("%w: %T", ErrUnsupportedKey, k)
	}
}

// Public returns the public half, carrying the same key id.
func (k *PrivateKey) Public() *PublicKey { return k.pub }

// Algorithm is the JWS algorithm this key signs with.
func (k *PrivateKey) Algorithm() Algorithm { return k.pub.Algorithm() }

// KeyID is the key's "kid", or "".
func (k *PrivateKey) KeyID() string { return k.pub.kid }

// WithKeyID returns a copy of k (sharing the secret) with the given key id.
func (k *PrivateKey) WithKeyID(kid string) *PrivateKey {
	c := *k
	c.pub = k.pub.WithKeyID(kid)
	return &c
}

// Crypto returns the standard library key, for code that needs a crypto.Signer.
func (k *PrivateKey) Crypto() crypto.Signer {
	if k.ec != nil {
		return k.ec
	}
	return k.ed
}

// Sign makes a JWS signature over signingInput (RFC 7515 §5.1 step 5): an
// Ed25519 signature, or an ES256 signature as the 64-byte R||S.
func (k *PrivateKey) Sign(ctx context.Context, signingInput []byte) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if k.ec == nil {
		return ed25519.Sign(k.ed, signingInput), nil // the fast path of issuance
	}
	h := sha256.Sum256(signingInput)
	der, err := ecdsa.SignASN1(rand.Reader, k.ec, h[:])
	if err != nil {
		return nil, fmt.Errorf("keys: ES256 sign: %w", err)
	}
	sig, err := ecdsaSignatureRS(der)
	if err != nil {
		return nil, fmt.Errorf("keys: ES256 sign: %w", err)
	}
	return sig, nil
}

// PrivateJWK returns the private JWK (public members, "d", and "kid" if set).
func (k *PrivateKey) PrivateJWK() map[string]any {
	m := k.pub.JWK()
	if k.ec != nil {
		d, err := k.ec.Bytes()
		if err != nil {
			panic("keys: P-256 private key without a scalar encoding") // NewPrivateKey admitted only valid keys
		}
		m["d"] = b64(d)
	} else {
		m["d"] = b64(k.ed.Seed())
	}
	return m
}

// MarshalPrivateJWK writes the private JWK as JSON.
func (k *PrivateKey) MarshalPrivateJWK() ([]byte, error) { return jsonx.Marshal(k.PrivateJWK()) }

// String never shows the secret.
func (k *PrivateKey) String() string {
	return fmt.Sprintf("%s private key %s (secret redacted)", k.Algorithm(), k.pub.Thumbprint())
}

// GoString never shows the secret, even with %#v.
func (k *PrivateKey) GoString() string { return k.String() }

// LogValue never shows the secret.
func (k *PrivateKey) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("alg", string(k.Algorithm())),
		slog.String("kid", k.KeyID()),
		slog.String("thumbprint", k.pub.Thumbprint()),
		slog.String("secret", "REDACTED"),
	)
}

// CryptoSigner puts a crypto.Signer — a KMS client, an HSM, a phone's secure
// element — behind the Signer contract. ECDSA signers return ASN.1 DER
// signatures; CryptoSigner converts them to the R||S form JWS requires.
type CryptoSigner struct {
	signer crypto.Signer
	pub    *PublicKey
}

// NewCryptoSigner wraps s, whose public key must be Ed25519 or P-256. The
// algorithm follows from the key.
func NewCryptoSigner(s crypto.Signer, kid string) (*CryptoSigner, error) {
	if s == nil {
		return nil, fmt.Errorf("%w: nil crypto.Signer", ErrUnsupportedKey)
	}
	pub, err := NewPublicKey(s.Public())
	if err != nil {
		return nil, err
	}
	return &CryptoSigner{signer: s, pub: pub.WithKeyID(kid)}, nil
}

// Algorithm follows from the public key.
func (c *CryptoSigner) Algorithm() Algorithm { return c.pub.Algorithm() }

// KeyID is the key id given to NewCryptoSigner.
func (c *CryptoSigner) KeyID() string { return c.pub.kid }

// Public returns the public key.
func (c *CryptoSigner) Public() *PublicKey { return c.pub }

// Sign asks the wrapped signer for a signature and returns it in JWS form.
// crypto.Signer takes no context, so ctx is only checked before the call.
func (c *CryptoSigner) Sign(ctx context.Context, signingInput []byte) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	sig, err := jwsbb.Sign(c.signer, string(c.Algorithm()), signingInput, rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("keys: external %s signer: %w", c.Algorithm(), err)
	}
	// A signer that is not what it claims to be is caught here, not by the
	// verifier of whatever we sign.
	if err := c.pub.Verify(c.Algorithm(), signingInput, sig); err != nil {
		return nil, fmt.Errorf("keys: external signer produced a signature its own public key rejects: %w", err)
	}
	return sig, nil
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
