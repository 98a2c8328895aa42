package conformance_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/seoulid/seoulid/conformance"
	"github.com/seoulid/seoulid/registry/registrytest"
	"github.com/seoulid/seoulid/registry/resolver"
	"github.com/seoulid/seoulid/registry/resolverhttp"
)

// resolverTarget serves seoulid's resolver over a ledger in memory with
// one active DID and one deactivated DID, wrapped by wrap (nil: as it is).
func resolverTarget(t *testing.T, wrap func(http.Handler) http.Handler) conformance.Target {
	t.Helper()
	l := registrytest.New(t)
	active := l.Create(l.Agencies[0])
	gone := l.Create(l.Agencies[0])
	l.Deactivate(gone)
	h, err := resolverhttp.New(&resolver.Resolver{Seoul: l.Reader()}, resolverhttp.Config{})
	if err != nil {
		t.Fatal(err)
	}
	var handler http.Handler = h
	if wrap != nil {
		handler = wrap(h)
	}
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	return conformance.Target{URL: srv.URL, Params: map[string]string{"did": registrytest.DIDOf(active), "deactivated": registrytest.DIDOf(gone)}}
}

// seoulid's own resolver meets every requirement, none skipped.
func TestResolverSuite(t *testing.T) {
	target := resolverTarget(t, nil)
	conformance.RunT(t, "resolver", target)
	results, err := conformance.Run(t.Context(), "resolver", target, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range results {
		if r.Outcome != conformance.Pass {
			t.Errorf("%s: %s %s", r.ID, r.Outcome, r.Reason)
		}
	}
}

// Each negative requirement is shown able to fail: a resolver broken in
// that one way fails it.
func TestResolverSuiteFindsFaults(t *testing.T) {
	// answer200 answers every request whose path or method matches with a
	// resolution result that says nothing is wrong.
	answer200 := func(match func(*http.Request) bool) func(http.Handler) http.Handler {
		return func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if match(r) {
					w.Header().Set("Content-Type", "application/did-resolution")
					w.Write([]byte(`{"didDocument": {"id": "did:example:x"}, "didResolutionMetadata": {}, "didDocumentMetadata": {}}`))
					return
				}
				next.ServeHTTP(w, r)
			})
		}
	}
	path := func(part string) func(*http.Request) bool {
		return func(r *http.Request) bool { return strings.Contains(r.URL.RawPath+r.URL.Path+"?"+r.URL.RawQuery, part) }
	}
	broken := map[string]func(http.Handler) http.Handler{
		"resolver.invalid-did":                  answer200(path("NOT-A-VALID-ID")),
		"resolver.not-found":                    answer200(path("did:seoul:aaaaaaaa")),
		"resolver.method-not-supported":         answer200(path("did:example:")),
		"resolver.representation-not-supported": answer200(func(r *http.Request) bool { return r.Header.Get("Accept") == "image/png" }),
		"resolver.invalid-options":              answer200(path("versionTime")),
		"resolver.method-not-allowed":           answer200(func(r *http.Request) bool { return r.Method == http.MethodPost }),
	}
	requireFaultsFound(t, "resolver", broken, resolverTarget)
}
