package did

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"errors"
	"fmt"
	"math/big"
	"sync"
	"sync/atomic"

	"github.com/seoulid/seoulid/internal/keys"
)

// encodeMultikey writes a public key in the Multikey form of did:key
// (did:key §3.1 "Format", Controlled Identifiers §2.2.2 "Multikey"):
// 'z' + base58btc(varint(multicodec) || raw key), where the raw key is the
// 32-byte Ed25519 key or the 33-byte compressed P-256 point.
func encodeMultikey(pub *keys.PublicKey) string {
	var b []byte
	switch pub.Algorithm() {
	case keys.ES256:
		b = appendUvarint(make([]byte, 0, 2+33), codecP256Pub)
		b = append(b, compressP256(pub.Bytes())...)
	default:
		b = appendUvarint(make([]byte, 0, 2+ed25519.PublicKeySize), codecEd25519Pub)
		b = append(b, pub.Bytes()...)
	}
	return "z" + base58Encode(b)
}

// decodeMultikey reads what encodeMultikey writes. It follows the did:key
// "Decode Public Key" and "Signature Method Creation" algorithms: the
// multibase prefix must be 'z', the multicodec must be ed25519-pub or
// p256-pub, the key must have exactly the length of its codec (so no
// trailing bytes), and the key must be a valid point (invalidPublicKey).
//
// Errors for keys of other types wrap keys.ErrUnsupportedKey; other errors
// wrap nothing and the caller adds its sentinel.
func decodeMultikey(mb string) (*keys.PublicKey, error) {
	if mb == "" {
		return nil, errors.New("multibase value is empty")
	}
	if mb[0] != 'z' {
		return nil, fmt.Errorf("multibase prefix %s is not supported (only \"z\", base58btc)", charAt(mb, 0))
	}
	raw, err := base58Decode(mb[1:])
	if err != nil {
		return nil, err
	}
	code, n, err := readUvarint(raw)
	if err != nil {
		return nil, fmt.Errorf("multicodec prefix: %w", err)
	}
	key := raw[n:]
	switch code {
	case codecEd25519Pub:
		if len(key) != ed25519.PublicKeySize {
			return nil, fmt.Errorf("ed25519-pub key is %d bytes, not %d", len(key), ed25519.PublicKeySize)
		}
		if err := checkEd25519Point(key); err != nil {
			return nil, err
		}
		return keys.NewPublicKey(ed25519.PublicKey(key))
	case codecP256Pub:
		if len(key) != 33 {
			return nil, fmt.Errorf("p256-pub key is %d bytes, not 33 (a compressed point)", len(key))
		}
		return parseCompressedP256(key)
	default:
		return nil, fmt.Errorf("multicodec 0x%x (%s): %w (supported: ed25519-pub 0xed, p256-pub 0x1200)", code, codecName(code), keys.ErrUnsupportedKey)
	}
}

// compressP256 turns the uncompressed SEC 1 point 0x04||X||Y into the
// compressed 0x02/0x03||X (SEC 1 §2.3.3), the prefix giving Y's parity.
func compressP256(uncompressed []byte) []byte {
	out := make([]byte, 33)
	out[0] = 2 | uncompressed[64]&1
	copy(out[1:], uncompressed[1:33])
	return out
}

// parseCompressedP256 reads a compressed P-256 point (SEC 1 §2.3.4),
// refusing a bad prefix, X ≥ p, and X with no point on the curve.
func parseCompressedP256(b []byte) (*keys.PublicKey, error) {
	if b[0] != 2 && b[0] != 3 {
		return nil, fmt.Errorf("compressed P-256 point starts with 0x%02x, not 0x02 or 0x03", b[0])
	}
	x, y := elliptic.UnmarshalCompressed(elliptic.P256(), b)
	if x == nil {
		return nil, errors.New("P-256 point is not on the curve")
	}
	u := make([]byte, 65)
	u[0] = 4
	x.FillBytes(u[1:33])
	y.FillBytes(u[33:65])
	pk, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), u)
	if err != nil {
		return nil, fmt.Errorf("P-256 point: %w", err)
	}
	return keys.NewPublicKey(pk)
}

// Edwards25519 constants (RFC 8032 §5.1): p = 2^255 - 19 and
// d = -121665/121666 mod p.
var (
	ed25519P = new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 255), big.NewInt(19))
	ed25519D = func() *big.Int {
		d := new(big.Int).ModInverse(big.NewInt(121666), ed25519P)
		d.Mul(d, big.NewInt(-121665))
		return d.Mod(d, ed25519P)
	}()
)

// checkEd25519Point checks that a 32-byte Ed25519 public key is a point
// seoulid will trust, which crypto/ed25519 does not check when a key is made:
//
//   - it decodes as RFC 8032 §5.1.3 says: y < p (a non-canonical encoding
//     would give the same key a second did:key), x² = (y²-1)/(dy²+1) has a
//     square root, and x = 0 does not come with the sign bit set;
//   - it is not one of the eight points of small order, for which anyone can
//     make signatures that verify (no key generated per RFC 8032 §5.1.5 is
//     one of them). With x² = -y² on the curve, a point has order 8 exactly
//     when d·y⁴ + 2y² - 1 = 0; the points of order 1, 2 and 4 have y = 1,
//     y = -1 and y = 0.
func checkEd25519Point(pub []byte) error {
	if len(pub) != ed25519.PublicKeySize {
		return fmt.Errorf("Ed25519 public key is %d bytes, not %d", len(pub), ed25519.PublicKeySize)
	}
	k := [ed25519.PublicKeySize]byte(pub)
	if v, ok := pointChecks.Load(k); ok {
		err, _ := v.(error)
		return err
	}
	err := checkEd25519PointUncached(pub)
	if pointCount.Load() < maxPointChecks {
		pointCount.Add(1)
		var v any = true
		if err != nil {
			v = err
		}
		pointChecks.Store(k, v)
	}
	return err
}

// pointChecks remembers the outcome of checkEd25519Point for up to
// maxPointChecks keys: a verifier checks the same few issuer keys on every
// presentation (each time it reads a DID document), and the check — a
// square root mod p with math/big — costs as much as verifying a
// signature. The bound keeps hostile input (did:key after did:key) from
// growing it; past it, keys are checked every time.
var (
	pointChecks sync.Map // [32]byte → true or the error
	pointCount  atomic.Int32
)

const maxPointChecks = 4096

func checkEd25519PointUncached(pub []byte) error {
	if len(pub) != ed25519.PublicKeySize {
		return fmt.Errorf("Ed25519 public key is %d bytes, not %d", len(pub), ed25519.PublicKeySize)
	}
	be := make([]byte, 32) // big.Int reads big-endian; the encoding is little-endian
	for i := range 32 {
		be[31-i] = pub[i]
	}
	sign := be[0] >> 7 // the top bit of the last byte is the sign of x
	be[0] &= 0x7f
	p := ed25519P
	y := new(big.Int).SetBytes(be)
	if y.Cmp(p) >= 0 {
		return errors.New("Ed25519 public key is not canonically encoded (y ≥ p)")
	}
	y2 := new(big.Int).Mul(y, y)
	y2.Mod(y2, p)
	u := new(big.Int).Sub(y2, big.NewInt(1))
	v := new(big.Int).Mul(ed25519D, y2)
	v.Add(v, big.NewInt(1))
	v.Mod(v, p) // never 0: -1/d is not a square mod p
	x2 := new(big.Int).ModInverse(v, p)
	x2.Mul(x2, u)
	x2.Mod(x2, p)
	x := new(big.Int).ModSqrt(x2, p)
	if x == nil {
		return errors.New("Ed25519 public key is not a point on the curve")
	}
	if x.Sign() == 0 && sign == 1 {
		return errors.New("Ed25519 public key is not canonically encoded (x = 0 with the sign bit set)")
	}
	pMinus1 := new(big.Int).Sub(p, big.NewInt(1))
	order8 := new(big.Int).Mul(y2, y2) // d·y⁴ + 2y² - 1
	order8.Mul(order8, ed25519D)
	order8.Add(order8, new(big.Int).Lsh(y2, 1))
	order8.Sub(order8, big.NewInt(1))
	order8.Mod(order8, p)
	if y.Sign() == 0 || y.Cmp(big.NewInt(1)) == 0 || y.Cmp(pMinus1) == 0 || order8.Sign() == 0 {
		return errors.New("Ed25519 public key is a point of small order")
	}
	return nil
}

// checkKey applies to a key from a JWK the point checks that
// decodeMultikey applies, so that the same key is accepted or refused
// whichever way it is written.
func checkKey(pub *keys.PublicKey) error {
	if pub.Algorithm() == keys.EdDSA {
		return checkEd25519Point(pub.Bytes())
	}
	return nil // keys.NewPublicKey has checked that the P-256 point is on the curve
}
