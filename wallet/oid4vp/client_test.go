package oid4vp_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seoulid/seoulid/internal/dcql"
	"github.com/seoulid/seoulid/internal/keys"
	vp "github.com/seoulid/seoulid/internal/oid4vp"
	"github.com/seoulid/seoulid/wallet/oid4vp"
	"github.com/seoulid/seoulid/wallet/wallettest"
)

// verifier serves one request object at /request, by GET or by POST (then
// with the wallet's nonce in it), and takes responses at /response.
type verifier struct {
	srv      *httptest.Server
	key      *keys.PrivateKey
	did      string
	req      *vp.AuthorizationRequest
	posted   string
	answer   func(w http.ResponseWriter)
	mediaTyp string
}

func newVerifier(t *testing.T, l *wallettest.Ledger) *verifier {
	t.Helper()
	v := &verifier{did: wallettest.NewDID(), mediaTyp: "application/oauth-authz-req+jwt"}
	k, err := keys.Generate(keys.EdDSA)
	require.NoError(t, err)
	v.key = k.WithKeyID(v.did + "#key-1")
	l.SetKey(v.did, k.Public())
	q, err := dcql.Parse([]byte(`{"credentials":[{"id":"r","format":"dc+sd-jwt","meta":{"vct_values":["urn:x"]}}]}`))
	require.NoError(t, err)
	v.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/request":
			req := *v.req
			if r.Method == http.MethodPost {
				body, _ := io.ReadAll(r.Body)
				p, err := vp.ParseRequestURIPost(body)
				if err != nil || p.WalletMetadata == nil {
					http.Error(w, "bad post", http.StatusBadRequest)
					return
				}
				req.WalletNonce = p.WalletNonce
			}
			obj, err := vp.SignRequestObject(r.Context(), v.key, &req)
			if err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			w.Header().Set("Content-Type", v.mediaTyp)
			io.WriteString(w, obj)
		case "/response":
			body, _ := io.ReadAll(r.Body)
			v.posted = string(body)
			v.answer(w)
		}
	}))
	t.Cleanup(v.srv.Close)
	v.req = &vp.AuthorizationRequest{ClientID: vp.ClientIDForDID(v.did), ResponseType: vp.ResponseTypeVPToken, ResponseMode: vp.ResponseModeDirectPost,
		ResponseURI: v.srv.URL + "/response", Nonce: "n-0S6_WzA2Mj", State: "st4te", DCQLQuery: q,
		ClientMetadata: &vp.ClientMetadata{VPFormatsSupported: map[string]map[string]any{"dc+sd-jwt": {}}}}
	v.answer = func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"redirect_uri":"https://verifier.example/done","receipt":"a.b.c"}`)
	}
	return v
}

func (v *verifier) uri(method string) string {
	ref := &vp.RequestReference{ClientID: v.req.ClientID, RequestURI: v.srv.URL + "/request", RequestURIMethod: method}
	return "openid4vp://?" + ref.Encode()
}

func TestRequestAndRespond(t *testing.T) {
	ctx := context.Background()
	l := wallettest.NewLedger()
	v := newVerifier(t, l)
	c := oid4vp.New(l, oid4vp.Config{AllowHTTP: true})
	for _, method := range []string{"", "get", "post"} {
		ro, err := c.Request(ctx, v.uri(method))
		require.NoError(t, err, method)
		assert.Equal(t, v.req.Nonce, ro.Nonce)
		assert.Equal(t, method == "post", ro.WalletNonce != "", "a POST carries a wallet_nonce that comes back (§5.10): %s", method)
	}
	ro, err := c.Request(ctx, v.uri(""))
	require.NoError(t, err)
	ans, err := c.Respond(ctx, &ro.AuthorizationRequest, &vp.AuthorizationResponse{VPToken: vp.VPToken{"r": {"ey.x~"}}})
	require.NoError(t, err)
	assert.Equal(t, "https://verifier.example/done", ans.RedirectURI)
	assert.Equal(t, "a.b.c", ans.Receipt)
	assert.Contains(t, v.posted, "state=st4te")
	assert.Contains(t, v.posted, "vp_token=")

	require.NoError(t, c.Decline(ctx, &ro.AuthorizationRequest, vp.ErrAccessDenied, "the citizen declined"))
	assert.Contains(t, v.posted, "error=access_denied")

	v.answer = func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, `{"error":"invalid_request","error_description":"stale nonce"}`)
	}
	_, err = c.Respond(ctx, &ro.AuthorizationRequest, &vp.AuthorizationResponse{VPToken: vp.VPToken{"r": {"ey.x~"}}})
	var ae *oid4vp.AnswerError
	require.True(t, errors.As(err, &ae), "%v", err)
	assert.Equal(t, "invalid_request", ae.Code)
	assert.Contains(t, err.Error(), "HTTP 400: invalid_request: stale nonce")
}

func TestRequestRefusals(t *testing.T) {
	ctx := context.Background()
	l := wallettest.NewLedger()
	v := newVerifier(t, l)
	c := oid4vp.New(l, oid4vp.Config{AllowHTTP: true})

	v.mediaTyp = "text/plain"
	_, err := c.Request(ctx, v.uri(""))
	assert.ErrorIs(t, err, oid4vp.ErrRequest)
	assert.Contains(t, err.Error(), "not application/oauth-authz-req+jwt")
	v.mediaTyp = "application/oauth-authz-req+jwt"

	for name, uri := range map[string]string{
		"no client_id":   "openid4vp://?request_uri=" + v.srv.URL + "/request",
		"another prefix": "openid4vp://?client_id=redirect_uri%3Ahttps%3A%2F%2Fx.example&request_uri=" + v.srv.URL + "/request",
		"unknown method": strings.Replace(v.uri("get"), "get", "put", 1),
		"not found":      strings.Replace(v.uri(""), "%2Frequest", "%2Fnothing", 1),
	} {
		_, err := c.Request(ctx, uri)
		assert.Error(t, err, name)
	}

	// Another client_id than the one the object was signed for.
	other := strings.Replace(v.uri(""), "client_id=decentralized_identifier%3A"+strings.ReplaceAll(v.did, ":", "%3A"),
		"client_id=decentralized_identifier%3A"+strings.ReplaceAll(wallettest.NewDID(), ":", "%3A"), 1)
	_, err = c.Request(ctx, other)
	assert.Error(t, err)

	// The default client does not reach loopback addresses.
	strict := oid4vp.New(l, oid4vp.Config{})
	_, err = strict.Request(ctx, v.uri(""))
	assert.Error(t, err)
}
