package keys

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"fmt"

	"github.com/lestrrat-go/jwx/v3/jwk"

	"github.com/seoulid/seoulid/internal/b64url"
	"github.com/seoulid/seoulid/internal/jsonx"
)

// MaxJWKBytes bounds a serialized JWK. The largest key here (a private P-256
// JWK with a long kid) is a few hundred bytes.
const MaxJWKBytes = 8 << 10

var jwkLimits = jsonx.Limits{MaxBytes: MaxJWKBytes, MaxDepth: 4}

// ParsePublicJWK reads a public JWK (RFC 7517 §4). It refuses duplicate
// members, key types other than OKP/Ed25519 and EC/P-256, points off the
// curve, an "alg" that does not fit the key, a "use" other than "sig", and any
// private member: a public key slot holding a private key is a leak to stop,
// not to ignore.
func ParsePublicJWK(data []byte) (*PublicKey, error) {
	m, err := jsonx.ParseObjectWithLimits(data, jwkLimits)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidJWK, err)
	}
	return PublicKeyFromJWK(m)
}

// PublicKeyFromJWK is ParsePublicJWK for a JWK already parsed from a larger
// document, such as the "jwk" member of a "cnf" claim (RFC 7800 §3.2).
func PublicKeyFromJWK(m map[string]any) (*PublicKey, error) {
	if _, ok := m["d"]; ok {
		return nil, ErrPrivateMaterial
	}
	if pub := plainPublicJWK(m); pub != nil {
		return pub, nil
	}
	return publicKeyFromJWK(m)
}

// publicKeyFromJWK is PublicKeyFromJWK through jwx, for every JWK that
// plainPublicJWK does not take.
func publicKeyFromJWK(m map[string]any) (*PublicKey, error) {
	k, err := parseJWK(m)
	if err != nil {
		return nil, err
	}
	var raw any
	if err := jwk.Export(k, &raw); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidJWK, err)
	}
	pub, err := NewPublicKey(raw)
	if err != nil {
		return nil, err
	}
	return pub.WithKeyID(kidOf(m)), nil
}

// ParsePrivateJWK reads a private JWK: the members of a public one plus "d".
func ParsePrivateJWK(data []byte) (*PrivateKey, error) {
	m, err := jsonx.ParseObjectWithLimits(data, jwkLimits)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidJWK, err)
	}
	if _, err := parseJWK(m); err != nil {
		return nil, err
	}
	dRaw, ok := m["d"]
	if !ok {
		return nil, fmt.Errorf("%w: no \"d\": this is a public key, a private key is needed", ErrInvalidJWK)
	}
	public := make(map[string]any, len(m))
	for name, v := range m {
		if name != "d" {
			public[name] = v
		}
	}
	stated, err := PublicKeyFromJWK(public)
	if err != nil {
		return nil, err
	}
	d, err := b64url.Decode(dRaw.(string)) // parseJWK checked it is a string
	if err != nil {
		return nil, fmt.Errorf("%w: \"d\" is not base64url", ErrInvalidJWK)
	}
	// The public key is derived from the private scalar or seed by the
	// standard library, never taken from the file, and must be the one the
	// file states: otherwise the file advertises one key and signs with
	// another.
	var priv *PrivateKey
	switch stated.Algorithm() {
	case EdDSA:
		if len(d) != ed25519.SeedSize {
			return nil, fmt.Errorf("%w: Ed25519 \"d\" is %d bytes, not %d (RFC 8037 §2)", ErrInvalidJWK, len(d), ed25519.SeedSize)
		}
		priv, err = NewPrivateKey(ed25519.NewKeyFromSeed(d))
	default:
		if len(d) != 32 {
			return nil, fmt.Errorf("%w: P-256 \"d\" is %d bytes, not 32 (RFC 7518 §6.2.2.1)", ErrInvalidJWK, len(d))
		}
		var sk *ecdsa.PrivateKey
		if sk, err = ecdsa.ParseRawPrivateKey(elliptic.P256(), d); err != nil {
			return nil, fmt.Errorf("%w: P-256 \"d\": %w", ErrInvalidJWK, err)
		}
		priv, err = NewPrivateKey(sk)
	}
	if err != nil {
		return nil, err
	}
	if !stated.Equal(priv.Public()) {
		return nil, fmt.Errorf("%w: \"d\" is not the private key of the public key in the JWK", ErrInvalidJWK)
	}
	return priv.WithKeyID(kidOf(m)), nil
}

// ParseJWK reads a JWK that may be public or private and returns its public
// key, and its private key when the JWK has one. It suits a command line that
// accepts either for verification.
func ParseJWK(data []byte) (*PublicKey, *PrivateKey, error) {
	m, err := jsonx.ParseObjectWithLimits(data, jwkLimits)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrInvalidJWK, err)
	}
	if _, ok := m["d"]; ok {
		priv, err := ParsePrivateJWK(data)
		if err != nil {
			return nil, nil, err
		}
		return priv.Public(), priv, nil
	}
	pub, err := PublicKeyFromJWK(m)
	return pub, nil, err
}

// parseJWK checks the members seoulid cares about before handing the JWK to
// jwx, so that every refusal says in seoulid's words what is wrong.
func parseJWK(m map[string]any) (jwk.Key, error) {
	kty, _ := m["kty"].(string)
	crv, _ := m["crv"].(string)
	var want Algorithm
	switch {
	case kty == "OKP" && crv == "Ed25519":
		want = EdDSA
	case kty == "EC" && crv == "P-256":
		want = ES256
	case kty == "":
		return nil, fmt.Errorf("%w: no \"kty\"", ErrInvalidJWK)
	default:
		return nil, fmt.Errorf("%w: kty %q crv %q (supported: OKP/Ed25519, EC/P-256)", ErrUnsupportedKey, kty, crv)
	}
	for _, name := range []string{"x", "y", "d"} {
		v, ok := m[name]
		if !ok {
			continue
		}
		if _, isString := v.(string); !isString {
			return nil, fmt.Errorf("%w: %q must be a string", ErrInvalidJWK, name)
		}
	}
	if v, ok := m["alg"]; ok {
		// RFC 9864 registers "Ed25519" as the fully-specified name of EdDSA
		// with Ed25519; both name the same thing for this key.
		alg, _ := v.(string)
		if alg != string(want) && !(want == EdDSA && alg == "Ed25519") {
			return nil, fmt.Errorf("%w: JWK \"alg\" is %v but the key is for %s", ErrAlgorithmMismatch, v, want)
		}
	}
	if v, ok := m["use"]; ok && v != "sig" {
		return nil, fmt.Errorf("%w: JWK \"use\" is %v, not \"sig\"", ErrInvalidJWK, v)
	}
	if v, ok := m["kid"]; ok {
		if _, isString := v.(string); !isString {
			return nil, fmt.Errorf("%w: \"kid\" must be a string", ErrInvalidJWK)
		}
	}
	b, err := jsonx.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidJWK, err)
	}
	k, err := jwk.ParseKey(b)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidJWK, err)
	}
	return k, nil
}

func kidOf(m map[string]any) string {
	kid, _ := m["kid"].(string)
	return kid
}

// plainPublicJWK reads the common case of a public JWK directly: exactly
// kty, crv and the coordinates, with at most a string "kid", a fitting
// "alg" and "use": "sig". It returns nil for anything else, which then goes
// the full way through jwx (publicKeyFromJWK). Whatever it accepts, the
// full way accepts as the same key (TestPlainPublicJWK, FuzzPlainPublicJWK).
func plainPublicJWK(m map[string]any) *PublicKey {
	kty, _ := m["kty"].(string)
	crv, _ := m["crv"].(string)
	var alg Algorithm
	members := 3 // kty, crv, x
	switch {
	case kty == "OKP" && crv == "Ed25519":
		alg = EdDSA
	case kty == "EC" && crv == "P-256":
		alg, members = ES256, 4 // and y
	default:
		return nil
	}
	kid := ""
	if v, ok := m["kid"]; ok {
		s, isString := v.(string)
		if !isString {
			return nil
		}
		kid = s
		members++
	}
	if v, ok := m["alg"]; ok {
		if v != string(alg) && !(alg == EdDSA && v == "Ed25519") {
			return nil
		}
		members++
	}
	if v, ok := m["use"]; ok {
		if v != "sig" {
			return nil
		}
		members++
	}
	if len(m) != members {
		return nil // members jwx should look at (key_ops, x5c, …) or missing ones
	}
	var x [32]byte
	if !coordinate(x[:], m["x"]) {
		return nil
	}
	if alg == EdDSA {
		return &PublicKey{key: ed25519.PublicKey(x[:]), kid: kid, x: m["x"].(string)}
	}
	var pt [65]byte
	pt[0] = 4 // SEC 1 §2.3.3: uncompressed
	copy(pt[1:33], x[:])
	if !coordinate(pt[33:], m["y"]) {
		return nil
	}
	ec, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), pt[:]) // refuses points off the curve
	if err != nil {
		return nil
	}
	return &PublicKey{ec: ec, kid: kid, x: m["x"].(string), y: m["y"].(string)}
}

// coordinate decodes into dst (32 bytes) a JWK coordinate that is strict
// base64url of exactly 32 bytes.
func coordinate(dst []byte, v any) bool {
	s, ok := v.(string)
	if !ok || len(s) != 43 { // 43 characters are 32 bytes
		return false
	}
	out, err := b64url.AppendDecode(dst[:0], s)
	return err == nil && len(out) == 32
}
