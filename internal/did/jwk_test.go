package did_test

import (
	"encoding/base64"
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

type jwkVector struct {
	Name        string          `json:"name"`
	DID         string          `json:"did"`
	DIDURL      string          `json:"didUrl"`
	DIDDocument json.RawMessage `json:"didDocument"`
}

func loadJWKVectors(t *testing.T) map[string]jwkVector {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "did-jwk-spec.json"))
	require.NoError(t, err)
	var f struct {
		Vectors []jwkVector `json:"vectors"`
	}
	require.NoError(t, json.Unmarshal(b, &f))
	out := make(map[string]jwkVector)
	for _, v := range f.Vectors {
		out[v.Name] = v
	}
	return out
}

func TestResolveJWKSpecP256(t *testing.T) {
	v := loadJWKVectors(t)["P-256"]
	require.NotEmpty(t, v.DID)

	doc, err := did.ResolveJWK(v.DID)
	require.NoError(t, err)
	want, err := did.ParseDocument(v.DIDDocument)
	require.NoError(t, err)
	assert.Equal(t, want, doc, "the spec's document, keyAgreement included")

	pub, err := doc.Key(v.DIDURL, did.AssertionMethod)
	require.NoError(t, err)
	assert.Equal(t, keys.ES256, pub.Algorithm())
	assert.Equal(t, v.DIDURL, pub.KeyID())
	assert.True(t, strings.HasSuffix(v.DIDURL, "#0"))

	// The spec's JWK is written sorted and compact, as JWKDID writes it, so
	// the key gives back the same DID.
	assert.Equal(t, v.DID, did.JWKDID(pub))
}

func TestResolveJWKSpecX25519Refused(t *testing.T) {
	v := loadJWKVectors(t)["X25519"]
	require.NotEmpty(t, v.DID)
	_, err := did.ResolveJWK(v.DID)
	require.Error(t, err)
	assert.ErrorContains(t, err, "X25519")
}

func TestJWKDIDRoundTrip(t *testing.T) {
	for _, alg := range keys.Algorithms {
		t.Run(string(alg), func(t *testing.T) {
			for range 25 {
				priv, err := keys.Generate(alg)
				require.NoError(t, err)
				pub := priv.Public().WithKeyID("not-in-the-did")
				id := did.JWKDID(pub)
				require.True(t, strings.HasPrefix(id, "did:jwk:eyJ"), id)

				raw, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(id, "did:jwk:"))
				require.NoError(t, err)
				assert.NotContains(t, string(raw), "kid")
				assert.NotContains(t, string(raw), " ")
				assert.True(t, strings.HasPrefix(string(raw), `{"crv":`), "members sorted: %s", raw)

				doc, err := did.ResolveJWK(id)
				require.NoError(t, err)
				assert.Equal(t, []any{"https://www.w3.org/ns/did/v1", "https://w3id.org/security/suites/jws-2020/v1"}, doc.Context)
				require.Len(t, doc.VerificationMethod, 1)
				vm := doc.VerificationMethod[0]
				assert.Equal(t, id+"#0", vm.ID)
				assert.Equal(t, "JsonWebKey2020", vm.Type)
				assert.Equal(t, id, vm.Controller)

				got, err := vm.PublicKey()
				require.NoError(t, err)
				assert.True(t, pub.Equal(got))
				assert.Equal(t, id+"#0", got.KeyID())
				assert.Equal(t, id, did.JWKDID(got), "deterministic")

				for _, rel := range []did.RelationshipKind{did.Authentication, did.AssertionMethod, did.CapabilityInvocation, did.CapabilityDelegation} {
					k, err := doc.Key("#0", rel)
					require.NoError(t, err, rel)
					assert.True(t, pub.Equal(k))
				}
				// Ed25519 keys never do key agreement; P-256 keys without
				// "use" do, as in the method's P-256 example.
				_, err = doc.Key("#0", did.KeyAgreement)
				if alg == keys.EdDSA {
					assert.ErrorIs(t, err, did.ErrNotAuthorized)
				} else {
					assert.NoError(t, err)
				}
			}
		})
	}
}

func jwkDID(jwk string) string {
	return "did:jwk:" + base64.RawURLEncoding.EncodeToString([]byte(jwk))
}

func TestResolveJWKUseSig(t *testing.T) {
	doc, err := did.ResolveJWK(jwkDID(`{"kty":"EC","crv":"P-256","use":"sig","x":"acbIQiuMs3i8_uszEjJ2tpTtRM4EU3yz91PH6CdH2V0","y":"_KcyLj9vWMptnmKtm46GqDz8wf74I5LKgrl2GzH3nSE","kid":"ignored","ext":{"custom":[1,2]}}`))
	require.NoError(t, err)
	assert.Empty(t, doc.KeyAgreement, `"use":"sig" keeps the key out of keyAgreement`)
	assert.Equal(t, "ignored", doc.VerificationMethod[0].PublicKeyJwk["kid"], "the JWK is kept as given")
	k, err := doc.Key("#0", did.Authentication)
	require.NoError(t, err)
	assert.Equal(t, doc.ID+"#0", k.KeyID(), "#0 names the key, not the JWK's kid")
}

func TestResolveJWKRejects(t *testing.T) {
	const x = `"x":"acbIQiuMs3i8_uszEjJ2tpTtRM4EU3yz91PH6CdH2V0"`
	const y = `"y":"_KcyLj9vWMptnmKtm46GqDz8wf74I5LKgrl2GzH3nSE"`
	p256 := `{"crv":"P-256","kty":"EC",` + x + `,` + y + `}`
	good := jwkDID(p256)
	cases := []struct {
		name, did, msg string
		is             error
	}{
		{"private key", jwkDID(`{"crv":"P-256","kty":"EC","d":"gPh-VvVS8MbvKQ9LSVVmfnxnKjHn4Tqj0bmbpehRlpc",` + x + `,` + y + `}`), `holds a private key (JWK member "d")`, keys.ErrPrivateMaterial},
		{"private Ed25519", jwkDID(`{"crv":"Ed25519","kty":"OKP","d":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAU","x":"_eT7oDCtAC98L31MMx9J0T-w7HR-zuvsY08f9MvKne8"}`), "holds a private key", keys.ErrPrivateMaterial},
		{"duplicate member", jwkDID(`{"crv":"P-256","kty":"EC",` + x + `,` + x + `,` + y + `}`), `duplicate member "x"`, did.ErrInvalidDID},
		{"not JSON", jwkDID(`not json`), "does not hold a JWK", did.ErrInvalidDID},
		{"JSON array", jwkDID(`[1]`), "expected a JSON object", did.ErrInvalidDID},
		{"padding", good + "=", `invalid character "="`, did.ErrInvalidDID},
		{"standard base64", "did:jwk:" + base64.RawStdEncoding.EncodeToString([]byte(`{"a":">>>???"}`)), `invalid character "+"`, did.ErrInvalidDID},
		{"percent", "did:jwk:eyJ%41", `"%" at byte 11, which is not a base64url character`, did.ErrInvalidDID},
		{"colon", "did:jwk:eyJ:eyJ", `":"`, did.ErrInvalidDID},
		{"stray bits", "did:jwk:e31", "is not base64url without padding", did.ErrInvalidDID}, // "e30" is {}; "e31" sets the two unused bits
		{"bad length", good[:len(good)-3], "is not base64url without padding", did.ErrInvalidDID},
		{"other method", "did:key:" + strings.TrimPrefix(good, "did:jwk:"), "is a did:key, not a did:jwk", did.ErrInvalidDID},
		{"DID URL", good + "#0", "is a DID URL, not a DID", did.ErrInvalidDID},
		{"RSA", jwkDID(`{"kty":"RSA","n":"AQAB","e":"AQAB"}`), `kty "RSA"`, keys.ErrUnsupportedKey},
		{"P-384", jwkDID(`{"kty":"EC","crv":"P-384","x":"AA","y":"AA"}`), `crv "P-384"`, keys.ErrUnsupportedKey},
		{"use enc", jwkDID(`{"crv":"P-256","kty":"EC","use":"enc",` + x + `,` + y + `}`), `"use" is enc`, did.ErrInvalidDID},
		{"alg mismatch", jwkDID(`{"alg":"EdDSA","crv":"P-256","kty":"EC",` + x + `,` + y + `}`), "the key is for ES256", did.ErrInvalidDID},
		{"off curve", jwkDID(`{"crv":"P-256","kty":"EC",` + x + `,"y":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}`), "", did.ErrInvalidDID},
		{"Ed25519 small order", jwkDID(`{"crv":"Ed25519","kty":"OKP","x":"AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}`), "small order", did.ErrInvalidDID},
		{"no kty", jwkDID(`{"crv":"P-256",` + x + `,` + y + `}`), `no "kty"`, did.ErrInvalidDID},
		{"deep", jwkDID(`{"crv":"P-256","kty":"EC",` + x + `,` + y + `,"z":[[[[[[[[[]]]]]]]]]}`), "nesting deeper than 8", did.ErrInvalidDID},
		{"too long", "did:jwk:" + strings.Repeat("A", did.MaxLength), "more than the limit of 4096", did.ErrInvalidDID},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := did.ResolveJWK(c.did)
			require.Error(t, err)
			assert.ErrorIs(t, err, c.is)
			assert.ErrorContains(t, err, c.msg)
			assert.NotContains(t, err.Error(), "\n")
		})
	}
	// A private key is both an invalid DID and private material.
	_, err := did.ResolveJWK(cases[0].did)
	assert.ErrorIs(t, err, did.ErrInvalidDID)
}
