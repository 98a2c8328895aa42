package oid4vp_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seoulid/seoulid/internal/dcql"
	vp "github.com/seoulid/seoulid/internal/oid4vp"
	"github.com/seoulid/seoulid/verifier"
	"github.com/seoulid/seoulid/verifier/oid4vp"
)

// TestHandlerRefusals: each way a wallet's HTTP request is refused, with
// its status and code, and what a refused response leaves behind.
func TestHandlerRefusals(t *testing.T) {
	c := newCity(t)
	var answers []*verifier.Answer
	h := oid4vp.New(c.portal, func(_ context.Context, a *verifier.Answer) (string, error) {
		answers = append(answers, a)
		return "", nil
	}, nil)
	q, err := dcql.Parse([]byte(`{"credentials":[{"id":"r","format":"dc+sd-jwt","meta":{"vct_values":["urn:seoulid:vct:residency-status:1"]}}]}`))
	require.NoError(t, err)
	p, err := c.portal.NewRequest("residency-check", q, vp.ResponseModeDirectPost)
	require.NoError(t, err)

	do := func(method, path, contentType, body string) (int, map[string]string, http.Header) {
		r := httptest.NewRequest(method, path, strings.NewReader(body))
		if contentType != "" {
			r.Header.Set("Content-Type", contentType)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		var m map[string]string
		_ = json.Unmarshal(w.Body.Bytes(), &m)
		return w.Code, m, w.Header()
	}
	form := "application/x-www-form-urlencoded"
	for _, tc := range []struct {
		name, method, path, ct, body string
		status                       int
		code                         string
	}{
		{"unknown request object", "GET", oid4vp.PathRequest + "nope", "", "", 404, "invalid_request"},
		{"request object by PUT", "PUT", oid4vp.PathRequest + p.ID, "", "", 405, "invalid_request"},
		{"request_uri POST not a form", "POST", oid4vp.PathRequest + p.ID, "application/json", "{}", 400, "invalid_request"},
		{"request_uri POST with a bad wallet_nonce", "POST", oid4vp.PathRequest + p.ID, form, "wallet_nonce=a%20b", 400, "invalid_request"},
		{"response by GET", "GET", oid4vp.PathResponse + p.ID, "", "", 405, "invalid_request"},
		{"response not a form", "POST", oid4vp.PathResponse + p.ID, "application/json", "{}", 400, "invalid_request"},
		{"response too large", "POST", oid4vp.PathResponse + p.ID, form, "vp_token=" + strings.Repeat("a", vp.MaxResponseBytes+1), 413, "invalid_request"},
		{"response to no request", "POST", oid4vp.PathResponse + "nope", form, "vp_token=%7B%7D", 400, "invalid_request"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, m, hdr := do(tc.method, tc.path, tc.ct, tc.body)
			assert.Equal(t, tc.status, status)
			assert.Equal(t, tc.code, m["error"])
			assert.Equal(t, "no-store", hdr.Get("Cache-Control"))
		})
	}
	status, _, hdr := do("GET", oid4vp.PathRequest+p.ID, "", "")
	require.Equal(t, 200, status, "the request is still pending after all that")
	assert.Equal(t, "application/oauth-authz-req+jwt", hdr.Get("Content-Type"))

	// A malformed response spends the request, and the verifier hears why.
	status, m, _ := do("POST", oid4vp.PathResponse+p.ID, form, "vp_token=%7B%22r%22%3A%5B%22garbage%22%5D%7D&state="+p.Request.State)
	assert.Equal(t, 400, status)
	assert.Equal(t, "invalid_request", m["error"])
	require.Len(t, answers, 1)
	require.NotNil(t, answers[0].Refused)
	assert.Equal(t, p.ID, answers[0].Request.ID)
	status, _, _ = do("GET", oid4vp.PathRequest+p.ID, "", "")
	assert.Equal(t, 404, status, "spent")
}
