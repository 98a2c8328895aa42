package issuermeta

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seoulid/seoulid/internal/keys"
)

func TestWellKnownURL(t *testing.T) {
	for iss, want := range map[string]string{
		"https://example.com":                "https://example.com/.well-known/jwt-vc-issuer",
		"https://example.com/":               "https://example.com/.well-known/jwt-vc-issuer",
		"https://example.com/tenant/1234":    "https://example.com/.well-known/jwt-vc-issuer/tenant/1234",
		"https://example.com/tenant/1234/":   "https://example.com/.well-known/jwt-vc-issuer/tenant/1234",
		"https://example.com:8443/a%20b":     "https://example.com:8443/.well-known/jwt-vc-issuer/a%20b",
		"https://issuer.seoul.go.kr/mapo-gu": "https://issuer.seoul.go.kr/.well-known/jwt-vc-issuer/mapo-gu",
	} {
		got, err := WellKnownURL(iss)
		require.NoError(t, err, iss)
		assert.Equal(t, want, got, iss)
	}
	for _, bad := range []string{"http://example.com", "https://example.com?x=1", "https://example.com#f", "https://u@example.com", "did:key:z6Mk", "https://", "example.com", "https://example.com/?"} {
		_, err := WellKnownURL(bad)
		require.ErrorIs(t, err, ErrIssuerURL, bad)
	}
}

type fixture struct {
	srv   *httptest.Server
	iss   string
	key   *keys.PrivateKey
	other *keys.PrivateKey
	hits  atomic.Int32
	// handlers by path, so each test shapes the server
	routes map[string]http.HandlerFunc
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{routes: map[string]http.HandlerFunc{}}
	var err error
	f.key, err = keys.Generate(keys.ES256)
	require.NoError(t, err)
	f.key = f.key.WithKeyID("key-2026")
	f.other, err = keys.Generate(keys.EdDSA)
	require.NoError(t, err)
	f.other = f.other.WithKeyID("key-2025")
	f.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.hits.Add(1)
		if h, ok := f.routes[r.URL.Path]; ok {
			h(w, r)
			return
		}
		http.NotFound(w, r)
	}))
	t.Cleanup(f.srv.Close)
	f.iss = f.srv.URL + "/mapo-gu"
	return f
}

func (f *fixture) serveJSON(path string, v any, headers ...string) {
	f.routes[path] = func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		for i := 0; i+1 < len(headers); i += 2 {
			w.Header().Set(headers[i], headers[i+1])
		}
		_ = json.NewEncoder(w).Encode(v)
	}
}

func (f *fixture) jwks(ks ...*keys.PrivateKey) map[string]any {
	var list []any
	for _, k := range ks {
		list = append(list, k.Public().JWK())
	}
	return map[string]any{"keys": list}
}

func (f *fixture) resolver(now func() time.Time) *Resolver {
	return New(Config{Client: f.srv.Client(), Now: now})
}

func TestInlineJWKS(t *testing.T) {
	f := newFixture(t)
	set := f.jwks(f.key, f.other)
	set["keys"] = append(set["keys"].([]any), map[string]any{"kty": "RSA", "n": "AQAB", "e": "AQAB", "kid": "rsa"})
	f.serveJSON(WellKnownPath+"/mapo-gu", map[string]any{"issuer": f.iss, "jwks": set}, "Cache-Control", "max-age=60")
	clock := time.Now()
	r := f.resolver(func() time.Time { return clock })
	ctx := context.Background()

	k, err := r.IssuerKey(ctx, f.iss, map[string]any{"kid": "key-2026"})
	require.NoError(t, err)
	require.True(t, k.Equal(f.key.Public()))
	k, err = r.IssuerKey(ctx, f.iss, map[string]any{"kid": "key-2025"})
	require.NoError(t, err)
	require.True(t, k.Equal(f.other.Public()))

	meta, err := r.Metadata(ctx, f.iss)
	require.NoError(t, err)
	assert.Len(t, meta.Keys, 2)
	assert.Equal(t, 1, meta.Skipped, "the RSA key is skipped")
	assert.Equal(t, int32(1), f.hits.Load(), "cached for max-age")

	_, err = r.IssuerKey(ctx, f.iss, map[string]any{"kid": "rsa"})
	require.ErrorIs(t, err, ErrNoKey)
	_, err = r.IssuerKey(ctx, f.iss, map[string]any{"kid": "nope"})
	require.ErrorIs(t, err, ErrNoKey)
	_, err = r.IssuerKey(ctx, f.iss, map[string]any{})
	require.ErrorContains(t, err, "has no kid and")
	_, err = r.IssuerKey(ctx, f.iss, map[string]any{"kid": 42})
	require.ErrorContains(t, err, "kid is a number")

	clock = clock.Add(61 * time.Second)
	_, err = r.Metadata(ctx, f.iss)
	require.NoError(t, err)
	assert.Equal(t, int32(2), f.hits.Load(), "fetched again after max-age")
}

func TestJWKSURI(t *testing.T) {
	f := newFixture(t)
	f.serveJSON(WellKnownPath+"/mapo-gu", map[string]any{"issuer": f.iss, "jwks_uri": f.srv.URL + "/keys.jwks"})
	f.routes["/keys.jwks"] = func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/jwk-set+json")
		w.Header().Set("Cache-Control", "no-store")
		_ = json.NewEncoder(w).Encode(f.jwks(f.key))
	}
	r := f.resolver(nil)
	k, err := r.IssuerKey(context.Background(), f.iss, map[string]any{})
	require.NoError(t, err, "one key, no kid needed")
	require.True(t, k.Equal(f.key.Public()))
	_, err = r.IssuerKey(context.Background(), f.iss, map[string]any{})
	require.NoError(t, err)
	assert.Equal(t, int32(4), f.hits.Load(), "no-store on the key set: nothing cached")
}

func TestMetadataRejected(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name  string
		setup func(f *fixture)
		err   error
		msg   string
	}{
		{"issuer mismatch", func(f *fixture) {
			f.serveJSON(WellKnownPath+"/mapo-gu", map[string]any{"issuer": "https://evil.example", "jwks": f.jwks(f.key)})
		}, ErrMetadata, `issuer is "https://evil.example"`},
		{"both jwks and jwks_uri", func(f *fixture) {
			f.serveJSON(WellKnownPath+"/mapo-gu", map[string]any{"issuer": f.iss, "jwks": f.jwks(f.key), "jwks_uri": f.srv.URL + "/k"})
		}, ErrMetadata, "both jwks and jwks_uri"},
		{"neither", func(f *fixture) {
			f.serveJSON(WellKnownPath+"/mapo-gu", map[string]any{"issuer": f.iss})
		}, ErrMetadata, "neither jwks nor jwks_uri"},
		{"no usable keys", func(f *fixture) {
			f.serveJSON(WellKnownPath+"/mapo-gu", map[string]any{"issuer": f.iss, "jwks": map[string]any{"keys": []any{map[string]any{"kty": "RSA"}}}})
		}, ErrMetadata, "no Ed25519 or P-256 signing key"},
		{"private key published", func(f *fixture) {
			f.serveJSON(WellKnownPath+"/mapo-gu", map[string]any{"issuer": f.iss, "jwks": map[string]any{"keys": []any{f.key.PrivateJWK()}}})
		}, ErrMetadata, "no Ed25519 or P-256 signing key"},
		{"duplicate kid", func(f *fixture) {
			f.serveJSON(WellKnownPath+"/mapo-gu", map[string]any{"issuer": f.iss, "jwks": f.jwks(f.key, f.key)})
		}, ErrMetadata, `two keys with kid "key-2026"`},
		{"http jwks_uri", func(f *fixture) {
			f.serveJSON(WellKnownPath+"/mapo-gu", map[string]any{"issuer": f.iss, "jwks_uri": "http://example.com/k"})
		}, ErrMetadata, "is not an HTTPS URL"},
		{"not found", func(f *fixture) {}, ErrFetch, "404"},
		{"wrong media type", func(f *fixture) {
			f.routes[WellKnownPath+"/mapo-gu"] = func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "text/html")
				fmt.Fprint(w, "<html>")
			}
		}, ErrFetch, `media type "text/html"`},
		{"too large", func(f *fixture) {
			f.routes[WellKnownPath+"/mapo-gu"] = func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				fmt.Fprintf(w, `{"issuer":%q,"pad":"%s"}`, f.iss, strings.Repeat("x", 70<<10))
			}
		}, ErrFetch, "larger than"},
		{"duplicate members", func(f *fixture) {
			f.routes[WellKnownPath+"/mapo-gu"] = func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				fmt.Fprintf(w, `{"issuer":%q,"issuer":"https://evil.example","jwks":{"keys":[]}}`, f.iss)
			}
		}, ErrMetadata, "duplicate member"},
		{"redirect to http", func(f *fixture) {
			f.routes[WellKnownPath+"/mapo-gu"] = func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, "http://example.com/x", http.StatusFound)
			}
		}, ErrFetch, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			c.setup(f)
			r := f.resolver(nil)
			if c.name == "redirect to http" {
				// The guarded client refuses the redirect; give it the test CA.
				r = New(Config{AllowPrivateNetworks: true})
				r.client.Transport.(*http.Transport).TLSClientConfig = f.srv.Client().Transport.(*http.Transport).TLSClientConfig
			}
			_, err := r.IssuerKey(ctx, f.iss, map[string]any{"kid": "key-2026"})
			require.ErrorIs(t, err, c.err)
			require.ErrorContains(t, err, c.msg)
		})
	}
}

// TestSSRFGuard: the default client refuses loopback, before any byte of
// the request is sent, and whatever the URL's host spelling.
func TestSSRFGuard(t *testing.T) {
	f := newFixture(t)
	f.serveJSON(WellKnownPath+"/mapo-gu", map[string]any{"issuer": f.iss, "jwks": f.jwks(f.key)})
	r := New(Config{})
	_, err := r.IssuerKey(context.Background(), f.iss, map[string]any{"kid": "key-2026"})
	require.ErrorIs(t, err, ErrForbidden)
	require.ErrorContains(t, err, "is not a public address")
	localhost := strings.Replace(f.iss, "127.0.0.1", "localhost", 1)
	_, err = r.IssuerKey(context.Background(), localhost, map[string]any{"kid": "key-2026"})
	require.ErrorIs(t, err, ErrForbidden)
	assert.Equal(t, int32(0), f.hits.Load(), "nothing reached the server")

	// Allowed when the operator says the issuers live on a private network.
	r = New(Config{AllowPrivateNetworks: true})
	r.client.Transport.(*http.Transport).TLSClientConfig = f.srv.Client().Transport.(*http.Transport).TLSClientConfig
	k, err := r.IssuerKey(context.Background(), f.iss, map[string]any{"kid": "key-2026"})
	require.NoError(t, err)
	require.True(t, k.Equal(f.key.Public()))
}

func TestPublic(t *testing.T) {
	for s, want := range map[string]bool{
		"8.8.8.8": true, "2001:4860:4860::8888": true, "211.234.10.1": true,
		"127.0.0.1": false, "10.1.2.3": false, "172.16.0.1": false, "192.168.1.1": false,
		"169.254.169.254": false, "100.64.0.1": false, "0.0.0.0": false, "::1": false,
		"fe80::1": false, "fc00::1": false, "::ffff:127.0.0.1": false, "224.0.0.1": false,
		"198.51.100.7": false, "2001:db8::1": false,
	} {
		assert.Equal(t, want, Public(netip.MustParseAddr(s)), s)
	}
}
