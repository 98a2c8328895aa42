package didweb

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seoulid/seoulid/internal/did"
	"github.com/seoulid/seoulid/internal/keys"
)

func TestURL(t *testing.T) {
	for d, want := range map[string]string{
		// The examples of the did:web method, "Create (Register)".
		"did:web:w3c-ccg.github.io":                   "https://w3c-ccg.github.io/.well-known/did.json",
		"did:web:w3c-ccg.github.io:user:alice":        "https://w3c-ccg.github.io/user/alice/did.json",
		"did:web:example.com%3A3000:user:alice":       "https://example.com:3000/user/alice/did.json",
		"did:web:example.com%3a3000":                  "https://example.com:3000/.well-known/did.json",
		"did:web:seoul.go.kr:agency:mapo-gu":          "https://seoul.go.kr/agency/mapo-gu/did.json",
		"did:web:xn--9n2bp8q.kr":                      "https://xn--9n2bp8q.kr/.well-known/did.json",
		"did:web:example.com:a%20b:c_d":               "https://example.com/a%20b/c_d/did.json",
		"did:web:localhost%3A65535":                   "https://localhost:65535/.well-known/did.json",
		"did:web:Example.COM":                         "https://Example.COM/.well-known/did.json",
		"did:web:a-b.example.com:x.y:..z:.well-known": "https://a-b.example.com/x.y/..z/.well-known/did.json",
	} {
		got, err := URL(d)
		require.NoError(t, err, d)
		assert.Equal(t, want, got, d)
	}
	for _, bad := range []string{
		"did:web:", // no id (did.Parse)
		"did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp", // another method
		"did:web:example.com#frag",                                 // a DID URL
		"did:web:127.0.0.1",                                        // an IP address
		"did:web:127.1",                                            // numeric last label
		"did:web:example.123",                                      // numeric last label
		"did:web:example.com%3A",                                   // no port
		"did:web:example.com%3A0",                                  // port 0
		"did:web:example.com%3A65536",                              // port too large
		"did:web:example.com%3A080",                                // leading zero
		"did:web:example.com%3A80%3A81",                            // two ports
		"did:web:example.com%2F..",                                 // encoded slash in the host
		"did:web:exa%6Dple.com",                                    // other percent-encoding in the host
		"did:web:-example.com",                                     // hyphen-edged label
		"did:web:example-.com",                                     // hyphen-edged label
		"did:web:example..com",                                     // empty label
		"did:web:example.com.",                                     // trailing dot
		"did:web:exa_mple.com",                                     // underscore in the host
		"did:web:example.com::alice",                               // empty segment
		"did:web:example.com:..",                                   // dot segment
		"did:web:example.com:.",                                    // dot segment
		"did:web:example.com:%2E%2E",                               // encoded dot segment
		"did:web:example.com:a%2Fb",                                // encoded slash
		"did:web:example.com:a%5Cb",                                // encoded backslash
		"did:web:example.com:.well-known",                          // the bare host's location
		"did:web:" + strings.Repeat("a", 64) + ".com",              // label too long
		"did:web:" + strings.Repeat("abcdefgh.", 30) + "com",       // host too long
		"did:web:example.com/path",                                 // a DID URL path
		"DID:web:example.com",                                      // scheme case
	} {
		_, err := URL(bad)
		require.ErrorIs(t, err, did.ErrInvalidDID, bad)
	}
}

// server is a TLS test server whose handlers each test sets by path.
type server struct {
	srv    *httptest.Server
	port   string
	routes map[string]http.HandlerFunc
}

func newServer(t *testing.T) *server {
	t.Helper()
	s := &server{routes: map[string]http.HandlerFunc{}}
	s.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h, ok := s.routes[r.URL.Path]; ok {
			h(w, r)
			return
		}
		http.NotFound(w, r)
	}))
	t.Cleanup(s.srv.Close)
	_, s.port, _ = net.SplitHostPort(s.srv.Listener.Addr().String())
	return s
}

// did is a did:web of the server, reached as localhost: with path
// segments, a DID served under them; without, the well-known one.
func (s *server) did(path ...string) string {
	return strings.Join(append([]string{"did:web:localhost%3A" + s.port}, path...), ":")
}

// resolver is the package's default client, with the address guard,
// allowed onto loopback and made to trust the test server's certificate
// (issued for example.com and 127.0.0.1, so the name it checks is
// example.com).
func (s *server) resolver(t *testing.T, cfg Config) *Resolver {
	t.Helper()
	cfg.AllowPrivateNetworks = true
	r, err := New(cfg)
	require.NoError(t, err)
	tlsCfg := s.srv.Client().Transport.(*http.Transport).TLSClientConfig.Clone()
	tlsCfg.ServerName = "example.com"
	r.client.Transport.(*http.Transport).TLSClientConfig = tlsCfg
	return r
}

func document(t *testing.T, id string) map[string]any {
	t.Helper()
	k, err := keys.Generate(keys.EdDSA)
	require.NoError(t, err)
	jwk := k.Public().JWK()
	delete(jwk, "kid")
	return map[string]any{
		"@context": []any{"https://www.w3.org/ns/did/v1", "https://w3id.org/security/suites/jws-2020/v1"},
		"id":       id,
		"verificationMethod": []any{map[string]any{
			"id": id + "#key-1", "type": "JsonWebKey2020", "controller": id, "publicKeyJwk": jwk,
		}},
		"assertionMethod": []any{"#key-1"},
	}
}

func serveJSON(v any, contentType string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", contentType)
		_ = json.NewEncoder(w).Encode(v)
	}
}

func TestResolve(t *testing.T) {
	ctx := context.Background()
	s := newServer(t)
	r := s.resolver(t, Config{Timeout: 2 * time.Second, MaxBytes: 4096})

	wellKnown := s.did()
	s.routes["/.well-known/did.json"] = serveJSON(document(t, wellKnown), "application/json")
	doc, err := r.Resolve(ctx, wellKnown)
	require.NoError(t, err)
	assert.Equal(t, wellKnown, doc.ID)
	key, err := doc.Key("#key-1", did.AssertionMethod)
	require.NoError(t, err)
	assert.Equal(t, keys.EdDSA, key.Algorithm())
	// It satisfies did.VerificationKey's resolver.
	_, err = did.VerificationKey(ctx, r, wellKnown+"#key-1", did.AssertionMethod)
	require.NoError(t, err)

	alice := s.did("user", "alice")
	s.routes["/user/alice/did.json"] = serveJSON(document(t, alice), "application/did+json; charset=utf-8")
	doc, err = r.Resolve(ctx, alice)
	require.NoError(t, err)
	assert.Equal(t, alice+"#key-1", doc.AssertionMethod[0].Reference)

	// A redirect on HTTPS is followed.
	moved := s.did("moved")
	s.routes["/moved/did.json"] = func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/moved/v2/did.json", http.StatusFound)
	}
	s.routes["/moved/v2/did.json"] = serveJSON(document(t, moved), "application/json")
	_, err = r.Resolve(ctx, moved)
	require.NoError(t, err)

	status := func(code int) http.HandlerFunc {
		return func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(code) }
	}
	for _, tc := range []struct {
		name    string
		handler http.HandlerFunc
		want    error
	}{
		{"404", status(http.StatusNotFound), did.ErrNotFound},
		{"410", status(http.StatusGone), did.ErrNotFound},
		{"500", status(http.StatusInternalServerError), ErrFetch},
		{"204", status(http.StatusNoContent), ErrFetch},
		{"another DID's document", serveJSON(document(t, s.did("bob")), "application/json"), did.ErrInvalidDocument},
		{"no id", serveJSON(map[string]any{"@context": "https://www.w3.org/ns/did/v1"}, "application/json"), did.ErrInvalidDocument},
		{"an array", serveJSON([]any{1}, "application/json"), did.ErrInvalidDocument},
		{"duplicate members", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"id":%q,"id":%q}`, s.did("case"), s.did("case"))
		}, did.ErrInvalidDocument},
		{"private key in the document", func() http.HandlerFunc {
			doc := document(t, s.did("case"))
			k, _ := keys.Generate(keys.EdDSA)
			doc["verificationMethod"].([]any)[0].(map[string]any)["publicKeyJwk"] = k.PrivateJWK()
			return serveJSON(doc, "application/json")
		}(), did.ErrInvalidDocument},
		{"HTML", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, "<html></html>")
		}, ErrFetch},
		{"no media type", func(w http.ResponseWriter, _ *http.Request) {
			w.Header()["Content-Type"] = nil
			fmt.Fprintf(w, `{"id":%q}`, s.did("case"))
		}, ErrFetch},
		{"over the size limit, declared", func() http.HandlerFunc {
			doc := document(t, s.did("case"))
			doc["alsoKnownAs"] = []any{"https://example.com/" + strings.Repeat("a", 5000)}
			return serveJSON(doc, "application/json")
		}(), ErrFetch},
		{"over the size limit, streamed", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.(http.Flusher).Flush() // chunked: no Content-Length
			fmt.Fprintf(w, `{"id":%q,"alsoKnownAs":["https://example.com/%s"]}`, s.did("case"), strings.Repeat("a", 5000))
		}, ErrFetch},
		{"redirect to http", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "http://localhost:"+s.port+"/x/did.json", http.StatusFound)
		}, ErrFetch},
		{"redirect loop", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "/case/did.json", http.StatusFound)
		}, ErrFetch},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s.routes["/case/did.json"] = tc.handler
			_, err := r.Resolve(ctx, s.did("case"))
			require.ErrorIs(t, err, tc.want)
		})
	}

	t.Run("timeout", func(t *testing.T) {
		slow := s.resolver(t, Config{Timeout: 100 * time.Millisecond})
		release := make(chan struct{})
		defer close(release)
		s.routes["/slow/did.json"] = func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-release:
			case <-r.Context().Done():
			}
		}
		start := time.Now()
		_, err := slow.Resolve(ctx, s.did("slow"))
		require.ErrorIs(t, err, ErrFetch)
		assert.Less(t, time.Since(start), 2*time.Second)
	})

	t.Run("invalid DID: no request", func(t *testing.T) {
		_, err := r.Resolve(ctx, "did:web:127.0.0.1%3A"+s.port)
		require.ErrorIs(t, err, did.ErrInvalidDID)
	})
}

// TestGuard: the default client refuses loopback unless allowed, after
// DNS resolution (localhost is a name, not an IP literal).
func TestGuard(t *testing.T) {
	s := newServer(t)
	id := s.did()
	s.routes["/.well-known/did.json"] = serveJSON(document(t, id), "application/json")

	r, err := New(Config{})
	require.NoError(t, err)
	_, err = r.Resolve(context.Background(), id)
	require.ErrorIs(t, err, ErrFetch)
	require.ErrorIs(t, err, ErrForbidden)

	// The same resolution with private networks allowed succeeds.
	_, err = s.resolver(t, Config{}).Resolve(context.Background(), id)
	require.NoError(t, err)

	// A client given in Config is used as it is.
	r, err = New(Config{Client: &http.Client{Transport: roundTripFunc(func(*http.Request) (*http.Response, error) {
		return nil, errors.New("custom client used")
	})}})
	require.NoError(t, err)
	_, err = r.Resolve(context.Background(), "did:web:example.com")
	require.ErrorContains(t, err, "custom client used")
	require.ErrorIs(t, err, ErrFetch)
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestNew(t *testing.T) {
	for _, cfg := range []Config{{Timeout: -1}, {MaxBytes: -1}, {MaxBytes: did.MaxDocumentBytes + 1}} {
		_, err := New(cfg)
		require.Error(t, err, "%+v", cfg)
	}
	r, err := New(Config{})
	require.NoError(t, err)
	assert.Equal(t, DefaultTimeout, r.timeout)
	assert.Equal(t, int64(DefaultMaxBytes), r.maxBytes)
}

// FuzzURL: URL never panics, and every URL it returns is an HTTPS URL
// with a domain-name host, no dot segments, ending in /did.json, from
// which the DID can be written back.
func FuzzURL(f *testing.F) {
	for _, s := range []string{
		"did:web:w3c-ccg.github.io", "did:web:w3c-ccg.github.io:user:alice", "did:web:example.com%3A3000:user:alice",
		"did:web:example.com%3a443", "did:web:127.0.0.1", "did:web:[::1]", "did:web:example.com:%2e%2e:x",
		"did:web:example.com%2F@evil.com", "did:web:evil.com%3A443%40good.com", "did:web:a:b:c:d:e:f",
		"did:web:example.com:a%00b", "did:web:xn--bcher-kva.example", "did:web:" + strings.Repeat("a.", 130) + "com",
		"did:web:example.com%3A99999", "did:web:localhost", "did:web:example.com?query", "did:web:example.com:%252E",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, d string) {
		u, err := URL(d)
		if err != nil {
			if !errors.Is(err, did.ErrInvalidDID) {
				t.Fatalf("%q: error %v does not wrap ErrInvalidDID", d, err)
			}
			return
		}
		p, err := url.Parse(u)
		if err != nil {
			t.Fatalf("%q -> %q: not a URL: %v", d, u, err)
		}
		if p.Scheme != "https" || p.User != nil || p.RawQuery != "" || p.Fragment != "" || p.Opaque != "" {
			t.Fatalf("%q -> %q: not a plain https URL", d, u)
		}
		if _, err := netip.ParseAddr(p.Hostname()); err == nil || checkHost(p.Hostname()) != nil {
			t.Fatalf("%q -> %q: host %q is not a domain name", d, u, p.Hostname())
		}
		if !strings.HasSuffix(p.EscapedPath(), "/did.json") {
			t.Fatalf("%q -> %q: does not end in /did.json", d, u)
		}
		for _, seg := range strings.Split(p.Path, "/") {
			if seg == "." || seg == ".." {
				t.Fatalf("%q -> %q: dot segment", d, u)
			}
		}
		if strings.Count(p.Path, "/") != strings.Count(p.EscapedPath(), "/") {
			t.Fatalf("%q -> %q: an encoded '/' in the path", d, u)
		}
		// Write the DID back from the URL.
		host := strings.Replace(p.Host, ":", "%3A", 1)
		path := strings.TrimSuffix(p.EscapedPath(), "/did.json")
		back := "did:web:" + host
		if path != "/.well-known" {
			back += strings.ReplaceAll(path, "/", ":")
		}
		hostSeg, rest, _ := strings.Cut(strings.TrimPrefix(d, "did:web:"), ":")
		want := "did:web:" + strings.Replace(hostSeg, "%3a", "%3A", 1)
		if rest != "" {
			want += ":" + rest
		}
		if back != want {
			t.Fatalf("%q -> %q -> %q", d, u, back)
		}
	})
}
