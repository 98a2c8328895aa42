package did_test

import (
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seoulid/seoulid/internal/did"
	"github.com/seoulid/seoulid/internal/keys"
)

type keyVector struct {
	DID                  string         `json:"did"`
	Seed                 string         `json:"seed"`
	VerificationMethodID string         `json:"verificationMethodId"`
	PublicKeyBase58      string         `json:"publicKeyBase58"`
	PublicKeyJwk         map[string]any `json:"publicKeyJwk"`
	Key                  string         `json:"key"`
}

func loadVectors(t *testing.T, name string) []keyVector {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	var f struct {
		Vectors []keyVector `json:"vectors"`
	}
	require.NoError(t, json.Unmarshal(b, &f))
	require.NotEmpty(t, f.Vectors)
	return f.Vectors
}

// checkKeyDocument checks the shape of a did:key document of the did:key
// spec's Document Creation Algorithm, in its Multikey form.
func checkKeyDocument(t *testing.T, doc *did.Document, id string) {
	t.Helper()
	msid := strings.TrimPrefix(id, "did:key:")
	vmID := id + "#" + msid
	assert.Equal(t, []any{"https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"}, doc.Context)
	assert.Equal(t, id, doc.ID)
	require.Len(t, doc.VerificationMethod, 1)
	assert.Equal(t, did.VerificationMethod{ID: vmID, Type: "Multikey", Controller: id, PublicKeyMultibase: msid}, doc.VerificationMethod[0])
	ref := []did.Relationship{{Reference: vmID}}
	assert.Equal(t, ref, doc.Authentication)
	assert.Equal(t, ref, doc.AssertionMethod)
	assert.Equal(t, ref, doc.CapabilityInvocation)
	assert.Equal(t, ref, doc.CapabilityDelegation)
	assert.Empty(t, doc.KeyAgreement, "no X25519 derivation")
}

func TestKeyDIDSpecVectorsEd25519(t *testing.T) {
	for _, v := range loadVectors(t, "did-key-ed25519.json") {
		t.Run(v.DID, func(t *testing.T) {
			seed, err := hex.DecodeString(v.Seed)
			require.NoError(t, err)
			pub, err := keys.NewPublicKey(ed25519.NewKeyFromSeed(seed).Public())
			require.NoError(t, err)
			if v.PublicKeyJwk != nil {
				want, err := keys.PublicKeyFromJWK(v.PublicKeyJwk)
				require.NoError(t, err)
				require.True(t, want.Equal(pub), "the vector's JWK is the seed's key")
			}

			// Encode: the key gives the DID.
			assert.Equal(t, v.DID, did.KeyDID(pub))

			// Resolve: the DID gives the key.
			doc, err := did.ResolveKey(v.DID)
			require.NoError(t, err)
			checkKeyDocument(t, doc, v.DID)
			assert.Equal(t, v.VerificationMethodID, doc.VerificationMethod[0].ID)
			got, err := doc.Key(v.VerificationMethodID, did.AssertionMethod)
			require.NoError(t, err)
			assert.True(t, pub.Equal(got))
			assert.Equal(t, v.VerificationMethodID, got.KeyID())
			assert.Equal(t, keys.EdDSA, got.Algorithm())
		})
	}
}

func TestKeyDIDSpecVectorsP256(t *testing.T) {
	for _, v := range loadVectors(t, "did-key-p256.json") {
		t.Run(v.DID, func(t *testing.T) {
			doc, err := did.ResolveKey(v.DID)
			require.NoError(t, err)
			checkKeyDocument(t, doc, v.DID)
			assert.Equal(t, v.VerificationMethodID, doc.VerificationMethod[0].ID)
			got, err := doc.VerificationMethod[0].PublicKey()
			require.NoError(t, err)
			assert.Equal(t, keys.ES256, got.Algorithm())

			if v.PublicKeyJwk != nil {
				want, err := keys.PublicKeyFromJWK(v.PublicKeyJwk)
				require.NoError(t, err)
				assert.True(t, want.Equal(got))
				assert.Equal(t, v.DID, did.KeyDID(want))
				// The resolved key's JWK is the vector's, member for member.
				jwk := got.JWK()
				delete(jwk, "kid")
				assert.Equal(t, v.PublicKeyJwk, jwk)
			}
			if v.PublicKeyBase58 != "" {
				// The vector gives the 33-byte compressed point: the
				// did:key is its multicodec-prefixed base58btc.
				b := got.Bytes()
				compressed := append([]byte{2 | b[64]&1}, b[1:33]...)
				assert.Equal(t, v.PublicKeyBase58, base58(compressed))
				assert.Equal(t, v.DID, did.KeyDID(got))
			}
		})
	}
}

func TestKeyDIDRoundTrip(t *testing.T) {
	for _, alg := range keys.Algorithms {
		t.Run(string(alg), func(t *testing.T) {
			for range 25 {
				priv, err := keys.Generate(alg)
				require.NoError(t, err)
				pub := priv.Public().WithKeyID("ignored")
				id := did.KeyDID(pub)
				if alg == keys.EdDSA {
					assert.True(t, strings.HasPrefix(id, "did:key:z6Mk"), id)
				} else {
					assert.True(t, strings.HasPrefix(id, "did:key:zDn"), id)
				}
				doc, err := did.ResolveKey(id)
				require.NoError(t, err)
				checkKeyDocument(t, doc, id)
				for _, rel := range []did.RelationshipKind{did.Authentication, did.AssertionMethod, did.CapabilityInvocation, did.CapabilityDelegation} {
					got, err := doc.Key(doc.VerificationMethod[0].ID, rel)
					require.NoError(t, err)
					assert.True(t, pub.Equal(got))
				}
				_, err = doc.Key(doc.VerificationMethod[0].ID, did.KeyAgreement)
				assert.ErrorIs(t, err, did.ErrNotAuthorized)
			}
		})
	}
}

func TestResolveKeyRejects(t *testing.T) {
	ed := "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp"
	edRaw := unbase58(t, strings.TrimPrefix(ed, "did:key:z")) // 0xed 0x01 || key
	p256 := "did:key:zDnaerx9CtbPJ1q36T5Ln5wYt3MQYeGRG5ehnPAmxcf5mDZpv"
	p256Raw := unbase58(t, strings.TrimPrefix(p256, "did:key:z")) // 0x80 0x24 || point
	mk := func(b []byte) string { return "did:key:z" + base58(b) }
	cat := func(bs ...[]byte) []byte {
		var out []byte
		for _, b := range bs {
			out = append(out, b...)
		}
		return out
	}
	offCurve := cat(p256Raw[:2], []byte{0x02}, make([]byte, 31), []byte{0x01}) // x = 1: x³-3x+b is not a square mod p
	cases := []struct {
		name, did, msg string
	}{
		{"not a DID", "z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp", `does not start with "did:"`},
		{"DID URL", ed + "#x", "is a DID URL, not a DID"},
		{"other method", "did:jwk:" + strings.TrimPrefix(ed, "did:key:"), "is a did:jwk, not a did:key"},
		{"base64 multibase", "did:key:mAe0B", `multibase prefix "m" is not supported`},
		{"base58 without z", "did:key:" + strings.TrimPrefix(ed, "did:key:z"), `multibase prefix "6" is not supported`},
		{"versioned", "did:key:1:" + strings.TrimPrefix(ed, "did:key:"), "versioned form"},
		{"invalid base58", "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooW0", `invalid base58 character "0"`},
		{"only z", "did:key:z", "varint is truncated"},
		{"long", "did:key:z" + strings.Repeat("2", 200), "more than the limit"},
		{"Ed25519 short", mk(edRaw[:33]), "ed25519-pub key is 31 bytes, not 32"},
		{"Ed25519 trailing byte", mk(cat(edRaw, []byte{0})), "ed25519-pub key is 33 bytes, not 32"},
		{"Ed25519 small order", mk(cat(edRaw[:2], []byte{1}, make([]byte, 31))), "small order"},
		{"Ed25519 off curve", mk(cat(edRaw[:2], []byte{2}, make([]byte, 31))), "not a point on the curve"},
		{"Ed25519 non-minimal varint", mk(cat([]byte{0xed, 0x81, 0x00}, edRaw[2:])), "not minimally encoded"},
		{"P-256 uncompressed", mk(cat(p256Raw[:2], []byte{0x04}, make([]byte, 64))), "p256-pub key is 65 bytes, not 33"},
		{"P-256 trailing byte", mk(cat(p256Raw, []byte{0})), "p256-pub key is 34 bytes, not 33"},
		{"P-256 bad prefix", mk(cat(p256Raw[:2], []byte{0x04}, p256Raw[3:])), "starts with 0x04, not 0x02 or 0x03"},
		{"P-256 off curve", mk(offCurve), "P-256 point is not on the curve"},
		{"P-256 x >= p", mk(cat(p256Raw[:2], []byte{0x02}, bytesOf(0xff, 32))), "P-256 point is not on the curve"},
		{"unknown codec", mk(cat([]byte{0x01}, edRaw[2:])), "multicodec 0x1 (unknown)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := did.ResolveKey(c.did)
			require.Error(t, err)
			assert.ErrorContains(t, err, c.msg)
			if strings.Contains(c.msg, "multicodec") {
				assert.ErrorIs(t, err, keys.ErrUnsupportedKey)
			} else {
				assert.ErrorIs(t, err, did.ErrInvalidDID)
			}
		})
	}
}

func TestResolveKeyUnsupported(t *testing.T) {
	for _, v := range loadVectors(t, "did-key-unsupported.json") {
		t.Run(v.Key, func(t *testing.T) {
			_, err := did.ResolveKey(v.DID)
			require.Error(t, err)
			if len(v.DID) < 120 { // longer ones (RSA, BLS) are refused by the length cap first
				assert.ErrorIs(t, err, keys.ErrUnsupportedKey)
				assert.NotErrorIs(t, err, did.ErrInvalidDID)
				assert.ErrorContains(t, err, "supported: ed25519-pub 0xed, p256-pub 0x1200")
			}
		})
	}
	_, err := did.ResolveKey("did:key:z6LSeu9HkTHSfLLeUs2nnzUSNedgDUevfNQgQjQC23ZCit6F")
	assert.ErrorContains(t, err, "multicodec 0xec (x25519-pub)")
}

func bytesOf(b byte, n int) []byte {
	out := make([]byte, n)
	for i := range out {
		out[i] = b
	}
	return out
}

// base58 and unbase58 are plain big-number base58btc (Bitcoin alphabet)
// codecs, written differently from the package's, to build and take apart
// test inputs with.
func base58(b []byte) string {
	const alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
	var out []byte
	num := append([]byte(nil), b...)
	for len(num) > 0 {
		var rem int
		var q []byte
		for _, c := range num {
			acc := rem*256 + int(c)
			if d := acc / 58; d > 0 || len(q) > 0 {
				q = append(q, byte(d))
			}
			rem = acc % 58
		}
		out = append(out, alphabet[rem])
		num = q
	}
	for _, c := range b {
		if c != 0 {
			break
		}
		out = append(out, '1')
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return string(out)
}

func unbase58(t *testing.T, s string) []byte {
	t.Helper()
	const alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
	var num []byte // big-endian
	for _, r := range s {
		carry := strings.IndexRune(alphabet, r)
		require.GreaterOrEqual(t, carry, 0)
		for i := len(num) - 1; i >= 0; i-- {
			carry += int(num[i]) * 58
			num[i] = byte(carry)
			carry >>= 8
		}
		for carry > 0 {
			num = append([]byte{byte(carry)}, num...)
			carry >>= 8
		}
	}
	for _, r := range s {
		if r != '1' {
			break
		}
		num = append([]byte{0}, num...)
	}
	return num
}
