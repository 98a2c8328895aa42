package resolverhttp_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seoulid/seoulid/internal/did"
	"github.com/seoulid/seoulid/internal/didweb"
	"github.com/seoulid/seoulid/internal/keys"
	"github.com/seoulid/seoulid/internal/sdjwt"
	"github.com/seoulid/seoulid/registry"
	"github.com/seoulid/seoulid/registry/registrytest"
	"github.com/seoulid/seoulid/registry/resolver"
	"github.com/seoulid/seoulid/registry/resolverhttp"
)

const vct = "urn:seoulid:vct:residency-status:1"

// fixture is a ledger with DIDs in every state, a trust registry, a status
// list and a catalogue, a did:web host, and the handler over them.
type fixture struct {
	l       *registrytest.Ledger
	h       *resolverhttp.Handler
	logs    *bytes.Buffer
	active  string // one version
	rotated string // two versions: key-1, then key-2
	gone    string // deactivated
	issuer  string
	portal  string
	keyDID  string
	jwkDID  string
	webDID  string // served by the TLS host
	webPort string
	web     map[string]http.HandlerFunc // the did:web host's routes
	// the times of the blocks that created rotated and rotated it
	created, rotatedAt time.Time
	statusURI, token   string
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	f := &fixture{l: registrytest.New(t), logs: &bytes.Buffer{}, web: map[string]http.HandlerFunc{}}
	ks := f.l.CreateMany(f.l.Agencies[0], 5)
	f.active, f.rotated, f.gone, f.issuer, f.portal = registrytest.DIDOf(ks[0]), registrytest.DIDOf(ks[1]), registrytest.DIDOf(ks[2]), registrytest.DIDOf(ks[3]), registrytest.DIDOf(ks[4])
	f.created = f.l.Time()
	f.l.Rotate(ks[1], "key-2")
	f.rotatedAt = f.l.Time()
	f.l.Deactivate(ks[2])
	// council runs a governance operation, proposed by the first agency,
	// signed by a quorum of the genesis council.
	council := func(o registry.Op) {
		f.l.BlockOK(f.l.Council(f.l.Op(f.l.Agencies[0], o), registrytest.Threshold))
	}
	council(registry.Op{Type: registry.OpTrustIssuer, DID: f.issuer, VCTs: []string{vct}})
	council(registry.Op{Type: registry.OpTrustVerifier, DID: f.portal, Purposes: []registry.Purpose{{
		ID: "youth-allowance", Description: registry.Names{Ko: "서울 청년수당 자격 확인", En: "Seoul youth allowance eligibility"},
		LegalBasis: "서울특별시 청년 기본 조례", Retention: "P30D",
		Claims: []registry.Claims{{VCT: vct, Paths: []sdjwt.Path{{"resident_of_seoul"}}}},
	}}})
	council(registry.Op{Type: registry.OpCatalogueSet, Catalogue: &registry.Catalogue{Version: "2026.11", Digest: "sha256-" + strings.Repeat("A", 43) + "="}})
	f.statusURI = "https://gwanak.seoul.go.kr/status/1"
	f.token = f.l.Publish(ks[3], f.statusURI)

	k, err := keys.Generate(keys.EdDSA)
	require.NoError(t, err)
	f.keyDID = did.KeyDID(k.Public())
	k, err = keys.Generate(keys.ES256)
	require.NoError(t, err)
	f.jwkDID = did.JWKDID(k.Public())

	// The did:web host: a TLS test server whose certificate names
	// example.com; the client dials it whatever the name.
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h, ok := f.web[r.URL.Path]; ok {
			h(w, r)
			return
		}
		http.NotFound(w, r)
	}))
	t.Cleanup(srv.Close)
	_, f.webPort, _ = net.SplitHostPort(srv.Listener.Addr().String())
	f.webDID = "did:web:example.com%3A" + f.webPort
	f.web["/.well-known/did.json"] = serveDocument(webDocument(t, f.webDID))
	client := srv.Client()
	tr := client.Transport.(*http.Transport).Clone()
	tr.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, srv.Listener.Addr().String())
	}
	client.Transport = tr
	web, err := didweb.New(didweb.Config{Client: client, Timeout: 5 * time.Second})
	require.NoError(t, err)

	f.h, err = resolverhttp.New(&resolver.Resolver{Seoul: f.l.Reader(), Web: web}, resolverhttp.Config{
		Logger: slog.New(slog.NewTextHandler(f.logs, nil)),
	})
	require.NoError(t, err)
	return f
}

func webDocument(t testing.TB, id string) map[string]any {
	t.Helper()
	k, err := keys.Generate(keys.EdDSA)
	require.NoError(t, err)
	jwk := k.Public().JWK()
	delete(jwk, "kid")
	return map[string]any{
		"id": id, // no @context: the JSON representation
		"verificationMethod": []any{map[string]any{
			"id": id + "#key-1", "type": "JsonWebKey2020", "controller": id, "publicKeyJwk": jwk,
		}},
		"assertionMethod": []any{id + "#key-1"},
	}
}

func serveDocument(doc any) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(doc)
	}
}

// do sends one request to the handler; header is name, value, ….
func do(h http.Handler, method, target string, header ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Add(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func decode(t *testing.T, w *httptest.ResponseRecorder) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &m), "body %s", w.Body)
	return m
}

func ids(target string) string { return "/1.0/identifiers/" + target }

// enc percent-encodes a DID for a path segment (RFC 3986 §2.1), as the
// binding asks when there are options: ':' is %3A, '%' is %25.
func enc(d string) string { return url.QueryEscape(d) }

// member digs into decoded JSON: member(m, "a", "b") is m["a"]["b"].
func member(v any, path ...string) any {
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[p]
	}
	return v
}

var datetime = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`)

// TestResolution covers each representation and what is in it.
func TestResolution(t *testing.T) {
	f := newFixture(t)

	t.Run("did-resolution by default", func(t *testing.T) {
		for _, accept := range []string{"", "application/did-resolution", "*/*", "application/*", "application/json",
			"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "application/did-resolution;charset=utf-8", "garbage"} {
			w := do(f.h, "GET", ids(f.active), "Accept", accept)
			require.Equal(t, http.StatusOK, w.Code, accept)
			assert.Equal(t, resolverhttp.MediaResolution, w.Header().Get("Content-Type"), accept)
			assert.Equal(t, "Accept", w.Header().Get("Vary"))
			m := decode(t, w)
			assert.Equal(t, "https://w3id.org/did-resolution/v1", m["@context"])
			assert.Equal(t, f.active, member(m, "didDocument", "id"))
			assert.Equal(t, resolverhttp.MediaDIDLDJSON, member(m, "didResolutionMetadata", "contentType"))
			assert.Nil(t, member(m, "didResolutionMetadata", "error"))
			md := member(m, "didDocumentMetadata").(map[string]any)
			assert.Equal(t, "1", md["versionId"])
			assert.Regexp(t, datetime, md["created"])
			assert.NotContains(t, md, "updated")
			assert.NotContains(t, md, "deactivated")
			assert.NotContains(t, md, "nextVersionId")
			assert.EqualValues(t, 1, md["blockHeight"])
		}
	})

	t.Run("percent-encoded DID", func(t *testing.T) {
		for _, target := range []string{enc(f.active), strings.ReplaceAll(f.active, ":", "%3a")} {
			require.Contains(t, target, "%3")
			w := do(f.h, "GET", ids(target))
			require.Equal(t, http.StatusOK, w.Code, target)
			assert.Equal(t, f.active, member(decode(t, w), "didDocument", "id"))
		}
	})

	t.Run("did+ld+json", func(t *testing.T) {
		w := do(f.h, "GET", ids(f.active), "Accept", "application/did+ld+json")
		require.Equal(t, http.StatusOK, w.Code)
		assert.Equal(t, resolverhttp.MediaDIDLDJSON, w.Header().Get("Content-Type"))
		m := decode(t, w)
		assert.Equal(t, f.active, m["id"])
		assert.Equal(t, did.ContextDIDv1, m["@context"].([]any)[0])
		doc, err := did.ParseDocument(w.Body.Bytes())
		require.NoError(t, err)
		assert.Len(t, doc.AssertionMethod, 1)
	})

	t.Run("did+json", func(t *testing.T) {
		w := do(f.h, "GET", ids(f.active), "Accept", "application/did+json")
		require.Equal(t, http.StatusOK, w.Code)
		assert.Equal(t, resolverhttp.MediaDIDJSON, w.Header().Get("Content-Type"))
		m := decode(t, w)
		assert.Equal(t, f.active, m["id"])
		assert.NotContains(t, m, "@context")
		assert.NotContains(t, m, "didDocument")
	})

	t.Run("q-values", func(t *testing.T) {
		for accept, want := range map[string]string{
			"application/did+json;q=0.5, application/did-resolution;q=0.1": resolverhttp.MediaDIDJSON,
			"application/did+ld+json, application/did+json":                resolverhttp.MediaDIDLDJSON, // a tie: the server's order
			"application/did+json, application/did+ld+json;q=0.9":          resolverhttp.MediaDIDJSON,
			"*/*;q=0.1, application/did+json;q=0.2":                        resolverhttp.MediaDIDJSON,
			"application/*;q=0.3, application/did-resolution;q=0":          resolverhttp.MediaDIDLDJSON,
			"APPLICATION/DID+JSON":                                         resolverhttp.MediaDIDJSON,
		} {
			w := do(f.h, "GET", ids(f.active), "Accept", accept)
			require.Equal(t, http.StatusOK, w.Code, accept)
			assert.Equal(t, want, w.Header().Get("Content-Type"), accept)
		}
	})

	t.Run("versions", func(t *testing.T) {
		w := do(f.h, "GET", ids(enc(f.rotated))+"?versionId=1")
		require.Equal(t, http.StatusOK, w.Code)
		m := decode(t, w)
		assert.Equal(t, f.rotated+"#key-1", member(m, "didDocument", "verificationMethod").([]any)[0].(map[string]any)["id"])
		md := member(m, "didDocumentMetadata").(map[string]any)
		assert.Equal(t, "1", md["versionId"])
		assert.Equal(t, "2", md["nextVersionId"])
		assert.Equal(t, f.rotatedAt.Format(time.RFC3339), md["nextUpdate"])
		assert.Equal(t, f.created.Format(time.RFC3339), md["created"])

		// The latest, by default and by id: updated is set.
		for _, q := range []string{"", "?versionId=2"} {
			w = do(f.h, "GET", ids(f.rotated)+q)
			require.Equal(t, http.StatusOK, w.Code, q)
			md = member(decode(t, w), "didDocumentMetadata").(map[string]any)
			assert.Equal(t, "2", md["versionId"], q)
			assert.Equal(t, f.rotatedAt.Format(time.RFC3339), md["updated"], q)
			assert.NotContains(t, md, "nextVersionId", q)
		}

		// By time: a second before the rotation is version 1, at it 2;
		// an offset is read as such.
		before := f.rotatedAt.Add(-time.Second)
		for q, want := range map[string]string{
			"?versionTime=" + before.Format(time.RFC3339):                                                    "1",
			"?versionTime=" + url.QueryEscape(before.In(time.FixedZone("KST", 9*3600)).Format(time.RFC3339)): "1",
			"?versionTime=" + f.rotatedAt.Format(time.RFC3339):                                               "2",
		} {
			w = do(f.h, "GET", ids(enc(f.rotated))+q, "Accept", "application/did-resolution")
			require.Equal(t, http.StatusOK, w.Code, q)
			assert.Equal(t, want, member(decode(t, w), "didDocumentMetadata", "versionId"), q)
		}
	})

	t.Run("did:key and did:jwk", func(t *testing.T) {
		for _, d := range []string{f.keyDID, f.jwkDID} {
			for _, target := range []string{d, enc(d)} {
				w := do(f.h, "GET", ids(target))
				require.Equal(t, http.StatusOK, w.Code, target)
				m := decode(t, w)
				assert.Equal(t, d, member(m, "didDocument", "id"))
				assert.Equal(t, map[string]any{}, m["didDocumentMetadata"])
				w = do(f.h, "GET", ids(target), "Accept", "application/did+json")
				require.Equal(t, http.StatusOK, w.Code)
				_, err := did.ParseDocument(w.Body.Bytes())
				require.NoError(t, err)
			}
		}
	})

	t.Run("did:web", func(t *testing.T) {
		// The DID holds a percent-encoding of its own (the port colon):
		// as is, it is kept; percent-encoded, it is decoded once.
		for _, target := range []string{f.webDID, enc(f.webDID)} {
			w := do(f.h, "GET", ids(target))
			require.Equal(t, http.StatusOK, w.Code, "%s: %s", target, w.Body)
			m := decode(t, w)
			assert.Equal(t, f.webDID, member(m, "didDocument", "id"))
			assert.Equal(t, resolverhttp.MediaDIDJSON, member(m, "didResolutionMetadata", "contentType"))
		}
		// JSON-LD gets the base context added.
		w := do(f.h, "GET", ids(f.webDID), "Accept", "application/did+ld+json")
		require.Equal(t, http.StatusOK, w.Code)
		assert.Equal(t, did.ContextDIDv1, decode(t, w)["@context"])
	})

	t.Run("end to end over HTTP", func(t *testing.T) {
		srv := httptest.NewServer(f.h)
		defer srv.Close()
		for _, target := range []string{f.active, enc(f.active), enc(f.webDID), f.webDID} {
			req, err := http.NewRequest("GET", srv.URL+ids(target), nil)
			require.NoError(t, err)
			req.Header.Set("Accept", "application/did+ld+json")
			resp, err := srv.Client().Do(req)
			require.NoError(t, err)
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			require.Equal(t, http.StatusOK, resp.StatusCode, "%s: %s", target, body)
			assert.Equal(t, resolverhttp.MediaDIDLDJSON, resp.Header.Get("Content-Type"))
			doc, err := did.ParseDocument(body)
			require.NoError(t, err)
			assert.Contains(t, []string{f.active, f.webDID}, doc.ID)
		}
	})
}

// TestResolutionErrors covers every status code of the binding.
func TestResolutionErrors(t *testing.T) {
	f := newFixture(t)
	f.web["/bad/did.json"] = serveDocument(webDocument(t, "did:web:example.com"))
	f.web["/broken/did.json"] = func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "boom", http.StatusBadGateway) }
	unknown := registry.DeriveDID(registrytest.NewKey(t).Public())
	long := strings.Repeat("a", 2100)

	for _, tc := range []struct {
		name, target, accept string
		status               int
		code                 string
	}{
		{"unknown did:seoul", ids(unknown), "", 404, "notFound"},
		{"unknown version", ids(f.active) + "?versionId=2", "", 404, "notFound"},
		{"before the DID existed", ids(f.active) + "?versionTime=2000-01-01T00:00:00Z", "", 404, "notFound"},
		{"did:web not served", ids(f.webDID + ":nobody"), "", 404, "notFound"},
		{"not a did:seoul id", ids("did:seoul:xyz"), "", 400, "invalidDid"},
		{"not a DID", ids("hello"), "", 400, "invalidDid"},
		{"empty", ids(""), "", 400, "invalidDid"},
		{"encoded twice", ids(enc(enc(f.active))), "", 400, "invalidDid"},
		{"an IP did:web", ids("did:web:127.0.0.1"), "", 400, "invalidDid"},
		{"uppercase scheme", ids("DID:seoul:x"), "", 400, "invalidDid"},
		{"both version options", ids(f.rotated) + "?versionId=1&versionTime=2026-11-22T09:00:00Z", "", 400, "invalidOptions"},
		{"versionId twice", ids(f.rotated) + "?versionId=1&versionId=2", "", 400, "invalidOptions"},
		{"empty versionId", ids(f.rotated) + "?versionId=", "", 400, "invalidOptions"},
		{"bad versionTime", ids(f.rotated) + "?versionTime=yesterday", "", 400, "invalidOptions"},
		{"bad query", ids(f.rotated) + "?versionId=%zz", "", 400, "invalidOptions"},
		{"text/html only", ids(f.active), "text/html", 406, "representationNotSupported"},
		{"q=0 for everything", ids(f.active), "application/did-resolution;q=0, */*;q=0", 406, "representationNotSupported"},
		{"an unknown method", ids("did:example:123"), "", 501, "methodNotSupported"},
		{"an unknown method, encoded", ids("did%3Aexample%3A123"), "", 501, "methodNotSupported"},
		{"an unknown option", ids(f.active) + "?service=files", "", 501, "featureNotSupported"},
		{"versionId for did:key", ids(f.keyDID) + "?versionId=1", "", 501, "featureNotSupported"},
		{"a DID URL (dereferencing)", ids(enc(f.active + "#key-1")), "", 501, "featureNotSupported"},
		{"a DID URL with a query", ids(enc(f.active + "?versionId=1")), "", 501, "featureNotSupported"},
		{"a DID URL with a path", ids(f.active + "/path"), "", 501, "featureNotSupported"},
		{"a secp256k1 did:key", ids("did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme"), "", 501, "featureNotSupported"},
		{"a did:web serving another DID", ids(f.webDID + ":bad"), "", 500, "invalidDidDocument"},
		{"a did:web host failing", ids(f.webDID + ":broken"), "", 500, "internalError"},
		{"the error wins over Accept", ids(unknown), "application/did+json", 404, "notFound"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := do(f.h, "GET", tc.target, "Accept", tc.accept)
			require.Equal(t, tc.status, w.Code, "body %s", w.Body)
			assert.Equal(t, resolverhttp.MediaResolution, w.Header().Get("Content-Type"))
			m := decode(t, w)
			assert.Equal(t, "https://w3id.org/did-resolution/v1", m["@context"])
			assert.Contains(t, m, "didDocument")
			assert.Nil(t, m["didDocument"])
			assert.Equal(t, map[string]any{}, m["didDocumentMetadata"])
			assert.Equal(t, tc.code, member(m, "didResolutionMetadata", "error"))
			assert.NotEmpty(t, member(m, "didResolutionMetadata", "errorMessage"))
		})
	}

	t.Run("too long", func(t *testing.T) {
		w := do(f.h, "GET", ids("did:key:z"+long))
		require.Equal(t, http.StatusRequestURITooLong, w.Code)
		assert.Equal(t, "uriTooLong", decode(t, w)["error"])
		w = do(f.h, "GET", ids(f.active)+"?versionId="+long)
		require.Equal(t, http.StatusRequestURITooLong, w.Code)
	})

	t.Run("internal causes are logged, not sent", func(t *testing.T) {
		w := do(f.h, "GET", ids(f.webDID+":broken"))
		require.Equal(t, http.StatusInternalServerError, w.Code)
		assert.NotContains(t, w.Body.String(), "502")
		assert.Contains(t, f.logs.String(), "502")
	})
}

// TestDeactivated: 410 Gone, with the metadata and no document, whatever
// the representation asked for.
func TestDeactivated(t *testing.T) {
	f := newFixture(t)
	for _, accept := range []string{"", "application/did-resolution", "application/did+json", "application/did+ld+json"} {
		for _, q := range []string{"", "?versionId=1"} {
			w := do(f.h, "GET", ids(enc(f.gone))+q, "Accept", accept)
			require.Equal(t, http.StatusGone, w.Code, accept)
			assert.Equal(t, resolverhttp.MediaResolution, w.Header().Get("Content-Type"))
			m := decode(t, w)
			assert.Contains(t, m, "didDocument")
			assert.Nil(t, m["didDocument"])
			md := m["didDocumentMetadata"].(map[string]any)
			assert.Equal(t, true, md["deactivated"])
			assert.Equal(t, "1", md["versionId"])
			assert.Regexp(t, datetime, md["created"])
			assert.Equal(t, map[string]any{}, m["didResolutionMetadata"])
		}
	}
}

// TestRegistryReads covers the read endpoints.
func TestRegistryReads(t *testing.T) {
	f := newFixture(t)
	agency := registrytest.DIDOf(f.l.Agencies[1])

	for _, tc := range []struct {
		target string
		check  func(t *testing.T, m map[string]any)
	}{
		{"/1.0/trust/issuers/" + f.issuer, func(t *testing.T, m map[string]any) {
			assert.Equal(t, f.issuer, m["did"])
			assert.Equal(t, []any{vct}, m["vcts"])
		}},
		{"/1.0/trust/issuers/" + enc(f.issuer), func(t *testing.T, m map[string]any) { assert.Equal(t, f.issuer, m["did"]) }},
		{"/1.0/trust/verifiers/" + f.portal, func(t *testing.T, m map[string]any) {
			assert.Equal(t, "youth-allowance", member(m["purposes"].([]any)[0], "id"))
		}},
		{"/1.0/agencies/" + agency, func(t *testing.T, m map[string]any) { assert.Equal(t, "Agency 1", member(m, "name", "en")) }},
		{"/1.0/council", func(t *testing.T, m map[string]any) {
			assert.Len(t, m["members"], 5)
			assert.EqualValues(t, 3, m["threshold"])
		}},
		{"/1.0/catalogue", func(t *testing.T, m map[string]any) { assert.Equal(t, "2026.11", m["version"]) }},
		{"/healthz", func(t *testing.T, m map[string]any) {
			assert.Equal(t, "ok", m["status"])
			assert.Equal(t, registrytest.Chain, m["chain"])
			assert.EqualValues(t, f.l.App.Height(), m["height"])
		}},
	} {
		w := do(f.h, "GET", tc.target)
		require.Equal(t, http.StatusOK, w.Code, "%s: %s", tc.target, w.Body)
		assert.Equal(t, resolverhttp.MediaJSON, w.Header().Get("Content-Type"))
		tc.check(t, decode(t, w))
	}

	// The status list token itself.
	w := do(f.h, "GET", "/1.0/status-lists?uri="+url.QueryEscape(f.statusURI))
	require.Equal(t, http.StatusOK, w.Code)
	assert.Equal(t, resolverhttp.MediaStatusList, w.Header().Get("Content-Type"))
	assert.Equal(t, f.token, w.Body.String())

	for _, tc := range []struct {
		method, target string
		status         int
		code           string
	}{
		{"GET", "/1.0/trust/issuers/" + f.portal, 404, "notFound"},
		{"GET", "/1.0/trust/verifiers/" + f.issuer, 404, "notFound"},
		{"GET", "/1.0/agencies/" + f.issuer, 404, "notFound"},
		{"GET", "/1.0/status-lists?uri=" + url.QueryEscape(f.statusURI+"x"), 404, "notFound"},
		{"GET", "/1.0/trust/issuers/not-a-did", 400, "invalidDid"},
		{"GET", "/1.0/agencies/" + enc(f.issuer+"#key-1"), 400, "invalidDid"},
		{"GET", "/1.0/trust/verifiers/" + enc(enc(f.portal)), 400, "invalidDid"},
		{"GET", "/1.0/status-lists", 400, "invalidRequest"},
		{"GET", "/1.0/status-lists?uri=a&uri=b", 400, "invalidRequest"},
		{"GET", "/1.0/status-lists?uri=" + url.QueryEscape(f.statusURI) + "&x=1", 400, "invalidRequest"},
		{"GET", "/", 404, "notFound"},
		{"GET", "/1.0/identifiers", 404, "notFound"},
		{"GET", "/1.0/council/", 404, "notFound"},
		{"GET", "/1.0/../healthz", 404, "notFound"},
		{"POST", ids(f.active), 405, "methodNotAllowed"},
		{"PUT", "/1.0/council", 405, "methodNotAllowed"},
		{"DELETE", "/1.0/trust/issuers/" + f.issuer, 405, "methodNotAllowed"},
		{"OPTIONS", "/healthz", 405, "methodNotAllowed"},
		{"GET", "/1.0/trust/issuers/" + strings.Repeat("a", 2100), 414, "uriTooLong"},
	} {
		w := do(f.h, tc.method, tc.target)
		require.Equal(t, tc.status, w.Code, "%s %s: %s", tc.method, tc.target, w.Body)
		assert.Equal(t, resolverhttp.MediaJSON, w.Header().Get("Content-Type"))
		m := decode(t, w)
		assert.Equal(t, tc.code, m["error"], tc.target)
		assert.NotEmpty(t, m["message"], tc.target)
		if tc.status == 405 {
			assert.Equal(t, "GET, HEAD", w.Header().Get("Allow"))
		}
	}

	// A ledger without a catalogue.
	l := registrytest.New(t)
	h, err := resolverhttp.New(&resolver.Resolver{Seoul: l.Reader()}, resolverhttp.Config{})
	require.NoError(t, err)
	w = do(h, "GET", "/1.0/catalogue")
	require.Equal(t, http.StatusNotFound, w.Code)
	assert.Equal(t, "notFound", decode(t, w)["error"])
	// Without did:web, it is a method not supported.
	w = do(h, "GET", ids(f.webDID))
	require.Equal(t, http.StatusNotImplemented, w.Code)
}

// TestHEAD: the headers of GET, no body.
func TestHEAD(t *testing.T) {
	f := newFixture(t)
	for _, target := range []string{ids(f.active), ids(f.gone), ids("nope"), "/1.0/council", "/1.0/status-lists?uri=" + url.QueryEscape(f.statusURI)} {
		get := do(f.h, "GET", target)
		head := do(f.h, "HEAD", target)
		assert.Equal(t, get.Code, head.Code, target)
		assert.Equal(t, get.Header().Get("Content-Type"), head.Header().Get("Content-Type"), target)
		assert.Equal(t, fmt.Sprint(get.Body.Len()), head.Header().Get("Content-Length"), target)
		assert.Zero(t, head.Body.Len(), target)
	}
}

func TestNew(t *testing.T) {
	_, err := resolverhttp.New(nil, resolverhttp.Config{})
	require.Error(t, err)
	_, err = resolverhttp.New(&resolver.Resolver{}, resolverhttp.Config{})
	require.Error(t, err)
}
