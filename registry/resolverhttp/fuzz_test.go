package resolverhttp_test

import (
	"bufio"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/seoulid/seoulid/registry/resolver"
	"github.com/seoulid/seoulid/registry/resolverhttp"
)

// statusCodes are the only statuses the handler may answer.
var statusCodes = []int{200, 400, 404, 405, 406, 410, 414, 501}

// errorCodes maps each resolution error code to its status.
var errorCodes = map[string]int{
	"invalidDid": 400, "invalidOptions": 400, "notFound": 404, "representationNotSupported": 406,
	"methodNotSupported": 501, "featureNotSupported": 501,
}

// FuzzHandler: whatever the request line and Accept header, as the
// server's own parser reads them, the handler never panics, answers a
// status from statusCodes (never 500: nothing here can fail inside), a
// body that is valid JSON (or the status list token, or nothing to HEAD),
// and, for a resolution error, the error code that goes with the status.
// It resolves from a ledger with a live, a rotated and a deactivated DID;
// did:web is left out (no network).
func FuzzHandler(f *testing.F) {
	fx := newFixture(f)
	h, err := resolverhttp.New(&resolver.Resolver{Seoul: fx.l.Reader()}, resolverhttp.Config{})
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range [][3]string{
		{"GET", ids(fx.active), ""},
		{"GET", ids(enc(fx.rotated)) + "?versionId=1", "application/did+ld+json"},
		{"GET", ids(fx.rotated) + "?versionTime=2026-11-22T09:01:30Z", "application/did+json;q=0.9, */*;q=0.1"},
		{"HEAD", ids(fx.gone), "application/did-resolution"},
		{"GET", ids(fx.keyDID), "application/json"},
		{"GET", ids(fx.jwkDID) + "?versionId=1", ""},
		{"GET", ids(enc(fx.active + "#key-1")), ""},
		{"GET", ids("did%3Aseoul%3A" + strings.Repeat("a", 32)), "text/html"},
		{"GET", ids("did:web:example.com%3A443:x"), ""},
		{"GET", ids("did:example:123") + "?versionId=1&versionId=2", ""},
		{"GET", ids(fx.active) + "?versionTime=2026-13-40T99:00:00Z&x=%zz", "*/*;q=2"},
		{"GET", ids("did:key:z" + strings.Repeat("1", 2100)), ""},
		{"POST", ids(fx.active), ""},
		{"GET", "/1.0/trust/issuers/" + fx.issuer, ""},
		{"GET", "/1.0/trust/verifiers/" + enc(fx.portal), ""},
		{"GET", "/1.0/status-lists?uri=" + fx.statusURI, ""},
		{"GET", "/1.0/status-lists?uri=", ""},
		{"GET", "/1.0/agencies/did%3A", ""},
		{"GET", "/1.0/council", ""},
		{"GET", "/1.0/catalogue?x", ""},
		{"GET", "/healthz", ""},
		{"GET", "http://resolver/1.0/identifiers/" + fx.active, ""},
		{"GET", "//1.0/identifiers/%2e%2e/" + fx.active, ""},
		{"GET", "/1.0/identifiers/did%3Aseoul%3A%00", "application/*;q=0.001,*/*;q=0"},
	} {
		f.Add(seed[0], seed[1], seed[2])
	}
	f.Fuzz(func(t *testing.T, method, target, accept string) {
		raw := method + " " + target + " HTTP/1.1\r\nHost: resolver\r\nAccept: " + accept + "\r\n\r\n"
		req, err := http.ReadRequest(bufio.NewReader(strings.NewReader(raw)))
		if err != nil {
			return // net/http answers 400 itself; the handler never sees it
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if !slices.Contains(statusCodes, w.Code) {
			t.Fatalf("%s %q (Accept %q): status %d: %s", method, target, accept, w.Code, w.Body)
		}
		if req.Method == http.MethodHead {
			if w.Body.Len() != 0 {
				t.Fatalf("HEAD %q: a body", target)
			}
			return
		}
		ct := w.Header().Get("Content-Type")
		if ct == resolverhttp.MediaStatusList {
			if w.Code != 200 || w.Body.String() != fx.token {
				t.Fatalf("%q: status list %d %q", target, w.Code, w.Body)
			}
			return
		}
		if !json.Valid(w.Body.Bytes()) {
			t.Fatalf("%s %q: not JSON: %q", method, target, w.Body)
		}
		if ct != resolverhttp.MediaResolution {
			return
		}
		var res struct {
			Metadata struct {
				Error string `json:"error"`
			} `json:"didResolutionMetadata"`
		}
		if err := json.Unmarshal(w.Body.Bytes(), &res); err != nil {
			t.Fatalf("%q: %v", target, err)
		}
		if want, ok := errorCodes[res.Metadata.Error]; res.Metadata.Error != "" && (!ok || want != w.Code) {
			t.Fatalf("%q: error %q with status %d", target, res.Metadata.Error, w.Code)
		}
		if (res.Metadata.Error == "") != (w.Code == 200 || w.Code == 410) {
			t.Fatalf("%q: status %d, error %q", target, w.Code, res.Metadata.Error)
		}
	})
}
