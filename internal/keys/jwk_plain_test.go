package keys

import (
	"encoding/base64"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seoulid/seoulid/internal/jsonx"
)

// TestPlainPublicJWK checks the fast path of PublicKeyFromJWK against the
// full one through jwx: whatever plainPublicJWK takes, publicKeyFromJWK
// takes too, as the same key with the same kid; and the usual JWKs do take
// the fast path.
func TestPlainPublicJWK(t *testing.T) {
	for _, alg := range Algorithms {
		for range 20 {
			k, err := Generate(alg)
			require.NoError(t, err)
			base := k.Public().JWK()
			require.NotNil(t, plainPublicJWK(base), "a JWK as seoulid writes it takes the fast path")
			x := base["x"].(string)
			variants := []map[string]any{
				base,
				with(base, "kid", "k-1"),
				with(base, "kid", 7),
				with(base, "alg", string(alg)),
				with(base, "alg", "Ed25519"),
				with(base, "alg", "ES256K"),
				with(base, "use", "sig"),
				with(base, "use", "enc"),
				with(with(with(base, "use", "sig"), "alg", string(alg)), "kid", "k-2"),
				with(base, "key_ops", []any{"verify"}),
				with(base, "x5c", []any{"AAAA"}),
				with(base, "ext", true),
				with(base, "x", x+"A"),
				with(base, "x", x[:42]),
				with(base, "x", x[:42]+"B"), // non-zero trailing bits
				with(base, "x", x[:20]+"\n"+x[20:]),
				with(base, "x", strings.Repeat("A", 43)),
				with(base, "x", strings.Repeat("_", 43)),
				with(base, "x", base64.RawStdEncoding.EncodeToString(mustB64(t, x))),
				with(base, "x", 5),
				with(base, "y", x),
				with(base, "kty", "EC"),
				with(base, "crv", "P-384"),
			}
			for _, m := range variants {
				fast := plainPublicJWK(m)
				if fast == nil {
					continue
				}
				full, err := publicKeyFromJWK(m)
				require.NoError(t, err, "%v taken by the fast path, refused by jwx", m)
				require.True(t, full.Equal(fast), "%v: another key", m)
				require.Equal(t, full.KeyID(), fast.KeyID())
				require.Equal(t, full.Algorithm(), fast.Algorithm())
				require.Equal(t, full.Bytes(), fast.Bytes())
				require.Equal(t, full.JWK(), fast.JWK())
				require.Equal(t, full, fast)
			}
		}
	}
}

func with(m map[string]any, name string, v any) map[string]any {
	out := make(map[string]any, len(m)+1)
	for k, e := range m {
		out[k] = e
	}
	out[name] = v
	return out
}

func mustB64(t *testing.T, s string) []byte {
	b, err := base64.RawURLEncoding.DecodeString(s)
	require.NoError(t, err)
	return b
}

// FuzzPlainPublicJWK: on any JWK, the fast path takes nothing jwx refuses
// and reads nothing as another key.
func FuzzPlainPublicJWK(f *testing.F) {
	for _, s := range []string{
		`{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}`,
		`{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","alg":"EdDSA","use":"sig","kid":"a"}`,
		`{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}`,
		`{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a1"}`,
		`{"kty":"EC","crv":"P-256","x":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA","y":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := jsonx.ParseObjectWithLimits([]byte(s), jwkLimits)
		if err != nil {
			return
		}
		fast := plainPublicJWK(m)
		if fast == nil {
			return
		}
		full, err := publicKeyFromJWK(m)
		if err != nil {
			t.Fatalf("%s: taken by the fast path, refused by jwx: %v", s, err)
		}
		if !full.Equal(fast) || full.KeyID() != fast.KeyID() || !reflect.DeepEqual(full, fast) {
			t.Fatalf("%s: the fast path reads another key", s)
		}
	})
}
