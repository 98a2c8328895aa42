package oid4vci_test

import (
	"bufio"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/seoulid/seoulid/internal/jsonx"
	"github.com/seoulid/seoulid/internal/keys"
	"github.com/seoulid/seoulid/issuer/oid4vci"
)

// statusCodes are the statuses the handler may answer a fuzzed request
// with: never 500, since nothing here can fail inside.
var statusCodes = []int{200, 400, 401, 404, 405, 413, 414}

// FuzzCredentialEndpoint: whatever the Authorization and DPoP headers and
// the body of a request to the credential endpoint, as the server's own
// parser reads them, the handler never panics, never fails inside, answers
// JSON, and challenges every 401; only the real token with a real key
// proof issues, once.
func FuzzCredentialEndpoint(f *testing.F) {
	fx := newFixture(f)
	o := fx.offer(cardVCT)
	tok := fx.token(o.PreAuthorizedCode, o.TxCode, nil)
	at := tok.str("access_token")
	holder, _ := keys.Generate(keys.EdDSA)
	body := `{"credential_configuration_id":"seoul-citizen-card-v1","proofs":{"jwt":["` + fx.keyProof(holder, fx.url, fx.nonce()) + `"]}}`
	dk, _ := keys.Generate(keys.ES256)
	for _, seed := range [][4]string{
		{"Bearer " + at, "", "application/json", body},
		{"DPoP " + at, fx.dpopProof(dk, fx.url+"/credential", at), "application/json", body},
		{"Bearer " + at, "", "application/json", `{"credential_configuration_id":"seoul-citizen-card-v1","proof":{}}`},
		{"bearer  x=", "a.b.c", "application/json; charset=utf-8", `{}`},
		{"", "", "text/plain", ``},
		{"DPoP x", "", "application/json", `[`},
		{"Basic x", "x", "", `{"proofs":{"jwt":["` + strings.Repeat("a", 100) + `"]}}`},
	} {
		f.Add(seed[0], seed[1], seed[2], seed[3])
	}
	f.Fuzz(func(t *testing.T, authorization, proof, contentType, body string) {
		for _, s := range []string{authorization, proof, contentType} {
			if strings.ContainsAny(s, "\r\n") {
				return // not a header value; net/http would not pass it
			}
		}
		raw := "POST /credential HTTP/1.1\r\nHost: issuer\r\nAuthorization: " + authorization + "\r\nDPoP: " + proof +
			"\r\nContent-Type: " + contentType + "\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body
		req, err := http.ReadRequest(bufio.NewReader(strings.NewReader(raw)))
		if err != nil {
			return
		}
		w := httptest.NewRecorder()
		fx.h.ServeHTTP(w, req)
		if !slices.Contains(statusCodes, w.Code) {
			t.Fatalf("status %d: %s", w.Code, w.Body)
		}
		if w.Header().Get("Content-Type") != oid4vci.MediaJSON {
			t.Fatalf("Content-Type %q", w.Header().Get("Content-Type"))
		}
		m, err := jsonx.ParseObject(w.Body.Bytes())
		if err != nil {
			t.Fatalf("not JSON: %s", w.Body)
		}
		if w.Code == 401 && len(w.Header().Values("WWW-Authenticate")) == 0 {
			t.Fatal("a 401 without a challenge")
		}
		if w.Code == 200 {
			_, token, _ := strings.Cut(authorization, " ")
			if strings.TrimLeft(token, " ") != at {
				t.Fatalf("issued to %q", authorization)
			}
			if _, ok := m["credentials"]; !ok {
				t.Fatalf("200 without credentials: %s", w.Body)
			}
		}
	})
}
