package keys

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestGenerateSignVerify(t *testing.T) {
	ctx := context.Background()
	msg := []byte("eyJhbGciOiJFZERTQSJ9.eyJpc3MiOiJodHRwczovL3Nlb3VsLmdvLmtyIn0")
	for _, alg := range Algorithms {
		t.Run(string(alg), func(t *testing.T) {
			k, err := Generate(alg)
			require.NoError(t, err)
			assert.Equal(t, alg, k.Algorithm())
			sig, err := k.Sign(ctx, msg)
			require.NoError(t, err)
			require.Len(t, sig, 64)
			require.NoError(t, k.Public().Verify(alg, msg, sig))

			bad := append([]byte(nil), sig...)
			bad[10] ^= 1
			require.ErrorIs(t, k.Public().Verify(alg, msg, bad), ErrBadSignature)
			require.ErrorIs(t, k.Public().Verify(alg, msg[1:], sig), ErrBadSignature)
			require.ErrorIs(t, k.Public().Verify(alg, msg, sig[:63]), ErrBadSignature)

			other := EdDSA
			if alg == EdDSA {
				other = ES256
			}
			require.ErrorIs(t, k.Public().Verify(other, msg, sig), ErrAlgorithmMismatch)

			cancelled, cancel := context.WithCancel(ctx)
			cancel()
			_, err = k.Sign(cancelled, msg)
			require.ErrorIs(t, err, context.Canceled)
		})
	}
	_, err := Generate("RS256")
	require.ErrorIs(t, err, ErrUnsupportedAlgorithm)
}

func TestJWKRoundTrip(t *testing.T) {
	for _, alg := range Algorithms {
		t.Run(string(alg), func(t *testing.T) {
			k, err := Generate(alg)
			require.NoError(t, err)
			k = k.WithKeyID("issuer-2026")
			b, err := k.MarshalPrivateJWK()
			require.NoError(t, err)
			back, err := ParsePrivateJWK(b)
			require.NoError(t, err)
			assert.True(t, back.Public().Equal(k.Public()))
			assert.Equal(t, "issuer-2026", back.KeyID())

			// Same signature from the re-read key for a deterministic scheme.
			if alg == EdDSA {
				s1, _ := k.Sign(context.Background(), []byte("x"))
				s2, _ := back.Sign(context.Background(), []byte("x"))
				assert.Equal(t, s1, s2)
			}

			pb, err := k.Public().MarshalJSON()
			require.NoError(t, err)
			assert.NotContains(t, string(pb), `"d"`)
			pub, err := ParsePublicJWK(pb)
			require.NoError(t, err)
			assert.True(t, pub.Equal(k.Public()))
			assert.Equal(t, "issuer-2026", pub.KeyID())

			// ParseJWK takes either.
			p1, priv, err := ParseJWK(b)
			require.NoError(t, err)
			require.NotNil(t, priv)
			assert.True(t, p1.Equal(k.Public()))
			p2, priv2, err := ParseJWK(pb)
			require.NoError(t, err)
			require.Nil(t, priv2)
			assert.True(t, p2.Equal(k.Public()))

			// A private key where a public one is expected is refused.
			_, err = ParsePublicJWK(b)
			require.ErrorIs(t, err, ErrPrivateMaterial)
			// A public key where a private one is needed.
			_, err = ParsePrivateJWK(pb)
			require.ErrorContains(t, err, `no "d"`)
		})
	}
}

// TestRFC8037 checks Ed25519 against RFC 8037 Appendix A: the key (A.1,
// A.2), its thumbprint (A.3), and the signature of the JWS (A.4).
func TestRFC8037(t *testing.T) {
	priv, err := ParsePrivateJWK([]byte(`{"kty":"OKP","crv":"Ed25519",
		"d":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A",
		"x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}`))
	require.NoError(t, err)
	assert.Equal(t, "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k", priv.Public().Thumbprint())
	assert.Equal(t, priv.Public().thumbprintDirect(), priv.Public().Thumbprint(), "jwx and the direct RFC 7638 computation agree")

	input := []byte("eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc")
	want := "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg"
	sig, err := priv.Sign(context.Background(), input)
	require.NoError(t, err)
	assert.Equal(t, want, b64(sig))
	require.NoError(t, priv.Public().Verify(EdDSA, input, sig))
}

// TestRFC7515ES256 verifies the ES256 example of RFC 7515 Appendix A.3.
func TestRFC7515ES256(t *testing.T) {
	pub, err := ParsePublicJWK([]byte(`{"kty":"EC","crv":"P-256",
		"x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
		"y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}`))
	require.NoError(t, err)
	input := "eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
	sig := "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q"
	raw, err := decodeB64(sig)
	require.NoError(t, err)
	require.NoError(t, pub.Verify(ES256, []byte(input), raw))
}

func decodeB64(s string) ([]byte, error) {
	return strictB64ForTest.DecodeString(s)
}

func TestParseJWKRejects(t *testing.T) {
	ed, err := Generate(EdDSA)
	require.NoError(t, err)
	x := ed.Public().JWK()["x"].(string)
	cases := []struct {
		jwk  string
		want error
		msg  string
	}{
		{`{"kty":"RSA","n":"AQAB","e":"AQAB"}`, ErrUnsupportedKey, `kty "RSA"`},
		{`{"kty":"EC","crv":"P-384","x":"AA","y":"AA"}`, ErrUnsupportedKey, `crv "P-384"`},
		{`{"kty":"OKP","crv":"X25519","x":"` + x + `"}`, ErrUnsupportedKey, `crv "X25519"`},
		{`{"crv":"Ed25519","x":"` + x + `"}`, ErrInvalidJWK, `no "kty"`},
		{`{"kty":"OKP","crv":"Ed25519","x":"AAAA"}`, ErrInvalidJWK, ``},
		{`{"kty":"OKP","crv":"Ed25519","x":5}`, ErrInvalidJWK, `"x" must be a string`},
		{`{"kty":"OKP","crv":"Ed25519","x":"` + x + `","alg":"ES256"}`, ErrAlgorithmMismatch, `"alg" is ES256`},
		{`{"kty":"OKP","crv":"Ed25519","x":"` + x + `","use":"enc"}`, ErrInvalidJWK, `"use" is enc`},
		{`{"kty":"OKP","crv":"Ed25519","x":"` + x + `","kid":7}`, ErrInvalidJWK, `"kid" must be a string`},
		{`{"kty":"OKP","kty":"OKP","crv":"Ed25519","x":"` + x + `"}`, ErrInvalidJWK, `duplicate member "kty"`},
		{`{"kty":"EC","crv":"P-256","x":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA","y":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}`, ErrInvalidJWK, ``},
		{`[1]`, ErrInvalidJWK, `expected a JSON object`},
		{strings.Repeat(" ", MaxJWKBytes+1), ErrInvalidJWK, `more than the limit`},
	}
	for _, c := range cases {
		t.Run(c.msg+c.jwk[:min(len(c.jwk), 30)], func(t *testing.T) {
			_, err := ParsePublicJWK([]byte(c.jwk))
			require.ErrorIs(t, err, c.want)
			require.ErrorContains(t, err, c.msg)
		})
	}
	// "Ed25519" is the fully-specified name of EdDSA over Ed25519 (RFC 9864).
	_, err = ParsePublicJWK([]byte(`{"kty":"OKP","crv":"Ed25519","x":"` + x + `","alg":"Ed25519","use":"sig"}`))
	require.NoError(t, err)
}

func TestThumbprintIgnoresKidAndOrder(t *testing.T) {
	k, err := Generate(ES256)
	require.NoError(t, err)
	a := k.Public().Thumbprint()
	b := k.WithKeyID("x").Public().Thumbprint()
	assert.Equal(t, a, b)
	assert.Len(t, a, 43)
}

// TestSecretsDoNotPrint: a private key printed by accident shows no secret.
func TestSecretsDoNotPrint(t *testing.T) {
	for _, alg := range Algorithms {
		k, err := Generate(alg)
		require.NoError(t, err)
		d := k.PrivateJWK()["d"].(string)
		var logged strings.Builder
		slog.New(slog.NewJSONHandler(&logged, nil)).Info("loaded", "key", k)
		for _, s := range []string{fmt.Sprint(k), fmt.Sprintf("%v", k), fmt.Sprintf("%+v", k), fmt.Sprintf("%#v", k), k.String(), logged.String()} {
			assert.NotContains(t, s, d)
			assert.Contains(t, s, k.Public().Thumbprint())
		}
	}
}

// hsmSigner stands in for a KMS or secure element: a crypto.Signer that is
// not one of our key types and returns ASN.1 signatures for ECDSA.
type hsmSigner struct {
	inner crypto.Signer
	lie   bool // sign with another key than it claims
	other crypto.Signer
}

func (h hsmSigner) Public() crypto.PublicKey { return h.inner.Public() }
func (h hsmSigner) Sign(r io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	if h.lie {
		return h.other.Sign(r, digest, opts)
	}
	return h.inner.Sign(r, digest, opts)
}

func TestCryptoSigner(t *testing.T) {
	ctx := context.Background()
	_, edPriv, _ := ed25519.GenerateKey(rand.Reader)
	ecPriv, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ecOther, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	for name, inner := range map[string]crypto.Signer{"Ed25519": edPriv, "P-256": ecPriv} {
		t.Run(name, func(t *testing.T) {
			s, err := NewCryptoSigner(hsmSigner{inner: inner}, "hsm-1")
			require.NoError(t, err)
			assert.Equal(t, "hsm-1", s.KeyID())
			sig, err := s.Sign(ctx, []byte("input"))
			require.NoError(t, err)
			require.NoError(t, s.Public().Verify(s.Algorithm(), []byte("input"), sig))
		})
	}
	liar, err := NewCryptoSigner(hsmSigner{inner: ecPriv, lie: true, other: ecOther}, "")
	require.NoError(t, err)
	_, err = liar.Sign(ctx, []byte("input"))
	require.ErrorContains(t, err, "its own public key rejects")

	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	_, err = NewCryptoSigner(rsaKey, "")
	require.ErrorIs(t, err, ErrUnsupportedKey)
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	_, err = NewCryptoSigner(p384, "")
	require.True(t, errors.Is(err, ErrUnsupportedKey))
}

func ExampleGenerate() {
	k, _ := Generate(EdDSA)
	sig, _ := k.Sign(context.Background(), []byte("header.payload"))
	fmt.Println(k.Algorithm(), len(sig), k.Public().Verify(EdDSA, []byte("header.payload"), sig))
	// Output: EdDSA 64 <nil>
}

func FuzzParseJWK(f *testing.F) {
	for _, s := range []string{
		`{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}`,
		`{"kty":"OKP","crv":"Ed25519","d":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}`,
		`{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}`,
		`{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0","d":"jpsQnnGQmL-YBIffH1136cLSG2ZOHXCm9LaxbsMAhCM"}`,
		`{"kty":"EC","crv":"P-256","x":"AA","y":"AA"}`, `{"kty":"RSA"}`, `{}`, `null`, `{"kty":"OKP","crv":"Ed25519","x":"` + strings.Repeat("A", 1000) + `"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		pub, priv, err := ParseJWK(data)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("multi-line error: %q", err)
			}
			return
		}
		// Whatever is accepted writes back to a JWK that reads as the same key.
		b, err := pub.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		again, err := ParsePublicJWK(b)
		if err != nil || !again.Equal(pub) {
			t.Fatalf("%s accepted, but its public JWK %s does not read back: %v", data, b, err)
		}
		if priv != nil {
			sig, err := priv.Sign(context.Background(), data)
			if err != nil || pub.Verify(priv.Algorithm(), data, sig) != nil {
				t.Fatalf("accepted private key %s cannot make a signature its public key verifies: %v", data, err)
			}
		}
	})
}

var strictB64ForTest = base64.RawURLEncoding.Strict()

// TestPrivateJWKMismatch: a private JWK whose "d" belongs to another key
// than its x (and y) is refused; jwx alone would accept it and sign with a
// key the file does not advertise.
func TestPrivateJWKMismatch(t *testing.T) {
	for _, alg := range Algorithms {
		a, err := Generate(alg)
		require.NoError(t, err)
		b, err := Generate(alg)
		require.NoError(t, err)
		m := a.PrivateJWK()
		m["d"] = b.PrivateJWK()["d"]
		data, err := json.Marshal(m)
		require.NoError(t, err)
		_, err = ParsePrivateJWK(data)
		require.ErrorIs(t, err, ErrInvalidJWK, alg)
		require.ErrorContains(t, err, `"d" is not the private key of the public key`)

		m["d"] = "AAAA"
		data, _ = json.Marshal(m)
		_, err = ParsePrivateJWK(data)
		require.ErrorIs(t, err, ErrInvalidJWK, "a 3-byte d")
	}
}
