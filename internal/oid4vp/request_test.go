package oid4vp

import (
	"context"
	"encoding/base64"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/seoulid/seoulid/internal/did"
	"github.com/seoulid/seoulid/internal/jsonx"
	"github.com/seoulid/seoulid/internal/jws"
	"github.com/seoulid/seoulid/internal/keys"
)

// TestSignAndParse: what the Verifier signs, the Wallet reads back, with
// either key of "authentication" and in either response mode.
func TestSignAndParse(t *testing.T) {
	v := newTestVerifier(t)
	for _, mode := range []string{ResponseModeDirectPost, ResponseModeDirectPostJWT} {
		for _, key := range []*keys.PrivateKey{v.auth, v.auth2} {
			req := v.request(t, mode)
			tok, err := SignRequestObject(context.Background(), key, req)
			if err != nil {
				t.Fatal(err)
			}
			got, err := v.parse(tok)
			if err != nil {
				t.Fatalf("%s, %s: %v", mode, key.Algorithm(), err)
			}
			req.Audience = AudienceSelfIssued
			if !reflect.DeepEqual(&got.AuthorizationRequest, req) {
				t.Errorf("%s: parsed\n%+v\nwant\n%+v", mode, got.AuthorizationRequest, *req)
			}
			if got.KeyID != key.KeyID() || !got.Key.Equal(key.Public()) {
				t.Errorf("signed by %s, reported %s", key.KeyID(), got.KeyID)
			}
		}
	}
}

// TestPurpose: the seoulid profile's seoulid_purpose goes through the
// request object; one that is not URL-safe or too long is refused.
func TestPurpose(t *testing.T) {
	v := newTestVerifier(t)
	req := v.request(t, ResponseModeDirectPost)
	req.Purpose = "youth-allowance-2026"
	tok, err := SignRequestObject(context.Background(), v.auth, req)
	if err != nil {
		t.Fatal(err)
	}
	got, err := v.parse(tok)
	if err != nil {
		t.Fatal(err)
	}
	if got.Purpose != "youth-allowance-2026" {
		t.Errorf("purpose %q", got.Purpose)
	}
	for _, bad := range []string{"청년수당", "a b", strings.Repeat("a", 129)} {
		req.Purpose = bad
		if _, err := SignRequestObject(context.Background(), v.auth, req); CodeOf(err) != ErrInvalidRequest {
			t.Errorf("purpose %q: %v", bad, err)
		}
	}
}

// TestSignDefaults: iat now, exp DefaultRequestLifetime later, aud
// self-issued, the typ header.
func TestSignDefaults(t *testing.T) {
	v := newTestVerifier(t)
	req := v.request(t, ResponseModeDirectPost)
	req.IssuedAt, req.ExpiresAt = time.Time{}, time.Time{}
	tok, err := SignRequestObject(context.Background(), v.auth, req)
	if err != nil {
		t.Fatal(err)
	}
	v.opts.Now = time.Now()
	got, err := v.parse(tok)
	if err != nil {
		t.Fatal(err)
	}
	if d := got.ExpiresAt.Sub(got.IssuedAt); d != DefaultRequestLifetime || time.Since(got.IssuedAt) > time.Minute || got.Audience != AudienceSelfIssued {
		t.Errorf("iat %v exp %v aud %q", got.IssuedAt, got.ExpiresAt, got.Audience)
	}
}

func TestSignRefusals(t *testing.T) {
	v := newTestVerifier(t)
	other, _ := keys.Generate(keys.EdDSA)
	for name, tc := range map[string]struct {
		s      Signer
		mutate func(*AuthorizationRequest)
		want   error
	}{
		"no signer":             {nil, nil, ErrConfig},
		"key of another DID":    {other.WithKeyID("did:seoul:other#k"), nil, ErrConfig},
		"key id without DID":    {other.WithKeyID("k1"), nil, ErrConfig},
		"key id without frag":   {other.WithKeyID(v.did), nil, ErrConfig},
		"invalid request":       {v.auth, func(r *AuthorizationRequest) { r.Nonce = "" }, ErrInvalidRequest},
		"exp before iat":        {v.auth, func(r *AuthorizationRequest) { r.ExpiresAt = r.IssuedAt.Add(-time.Second) }, ErrInvalidRequest},
		"unsupported prefix":    {v.auth, func(r *AuthorizationRequest) { r.ClientID = "x509_san_dns:client.example.org" }, ErrInvalidRequest},
		"fragment response_uri": {v.auth, func(r *AuthorizationRequest) { r.ResponseURI += "#x" }, ErrInvalidRequest},
	} {
		req := v.request(t, ResponseModeDirectPost)
		if tc.mutate != nil {
			tc.mutate(req)
		}
		if _, err := SignRequestObject(context.Background(), tc.s, req); !errors.Is(err, tc.want) {
			t.Errorf("%s: got %v, want %v", name, err, tc.want)
		}
	}
}

// TestParseRequestObjectRefusals: every check of ParseRequestObject, with
// the code §8.5 (or RFC 9101 §6.3) gives it.
func TestParseRequestObjectRefusals(t *testing.T) {
	v := newTestVerifier(t)
	post, jwt := ResponseModeDirectPost, ResponseModeDirectPostJWT
	type claimsEdit func(m map[string]any)
	set := func(name string, val any) claimsEdit { return func(m map[string]any) { m[name] = val } }
	del := func(name string) claimsEdit { return func(m map[string]any) { delete(m, name) } }
	md := func(edit func(md map[string]any)) claimsEdit {
		return func(m map[string]any) { edit(m["client_metadata"].(map[string]any)) }
	}
	jwks := func(edit func(k map[string]any)) claimsEdit {
		return md(func(md map[string]any) { edit(md["jwks"].(map[string]any)["keys"].([]any)[0].(map[string]any)) })
	}
	for _, tc := range []struct {
		name   string
		mode   string
		edit   claimsEdit
		header map[string]any
		code   Code
		want   string
	}{
		{"typ missing", post, nil, map[string]any{"typ": nil}, ErrInvalidRequestObject, "typ is \"\", not oauth-authz-req+jwt (section 5)"},
		{"typ JWT", post, nil, map[string]any{"typ": "JWT"}, ErrInvalidRequestObject, "not oauth-authz-req+jwt"},
		{"kid missing", post, nil, map[string]any{"kid": nil}, ErrInvalidRequestObject, "no kid"},
		{"kid a number", post, nil, map[string]any{"kid": 7}, ErrInvalidRequestObject, "kid is a number, not a DID URL"},
		{"kid not a DID URL", post, nil, map[string]any{"kid": "key-1"}, ErrInvalidRequestObject, "is not a DID URL"},
		{"kid of another DID", post, nil, map[string]any{"kid": "did:seoul:attacker#auth"}, ErrInvalidRequestObject, "is not a key of the client's DID"},
		{"kid not in the document", post, nil, map[string]any{"kid": "#nope"}, ErrInvalidClient, `no key "did:seoul:welfare-portal#nope" for authentication`},
		{"kid for assertions only", post, nil, map[string]any{"kid": "did:seoul:welfare-portal#assert", "key": v.assert}, ErrInvalidClient, "for authentication"},
		{"signed by another key", post, nil, map[string]any{"kid": "did:seoul:welfare-portal#auth2"}, ErrInvalidRequestObject, "the signature does not verify"},
		{"client_id differs", post, set("client_id", "decentralized_identifier:did:seoul:attacker"), nil, ErrInvalidRequestObject, "is not the request's client_id"},
		{"client_id missing", post, del("client_id"), nil, ErrInvalidRequestObject, "the client_id claim \"\""},
		{"request inside", post, set("request", "a.b.c"), nil, ErrInvalidRequestObject, "holds request (RFC 9101 section 4)"},
		{"request_uri inside", post, set("request_uri", "https://x"), nil, ErrInvalidRequestObject, "holds request_uri"},
		{"aud missing", post, del("aud"), nil, ErrInvalidRequestObject, "aud is not \"https://self-issued.me/v2\" (section 5.8)"},
		{"aud other", post, set("aud", "https://wallet.example"), nil, ErrInvalidRequestObject, "aud is not"},
		{"aud array without", post, set("aud", []any{"https://a"}), nil, ErrInvalidRequestObject, "aud is not"},
		{"exp missing", post, del("exp"), nil, ErrInvalidRequestObject, "exp is missing"},
		{"exp a string", post, set("exp", "tomorrow"), nil, ErrInvalidRequestObject, "exp is a string, not a NumericDate"},
		{"expired", post, set("exp", testNow.Add(-2*time.Minute).Unix()), nil, ErrInvalidRequestObject, "expired at 2026-03-02T08:58:00Z"},
		{"nbf future", post, set("nbf", testNow.Add(time.Hour).Unix()), nil, ErrInvalidRequestObject, "not valid before"},
		{"iat future", post, set("iat", testNow.Add(3*time.Minute).Unix()), nil, ErrInvalidRequestObject, "issued in the future"},
		{"exp before iat", post, set("iat", testNow.Add(10*time.Minute).Unix()), nil, ErrInvalidRequestObject, "issued in the future"},
		{"response_type missing", post, del("response_type"), nil, ErrUnsupportedResponseType, `response_type "" is not supported`},
		{"response_type code", post, set("response_type", "code"), nil, ErrUnsupportedResponseType, "only vp_token is"},
		{"response_mode missing", post, del("response_mode"), nil, ErrInvalidRequest, `response_mode "" is not supported`},
		{"response_mode fragment", post, set("response_mode", "fragment"), nil, ErrInvalidRequest, "direct_post and direct_post.jwt are"},
		{"response_mode dc_api.jwt", post, set("response_mode", "dc_api.jwt"), nil, ErrInvalidRequest, "is not supported"},
		{"response_uri missing", post, del("response_uri"), nil, ErrInvalidRequest, "response_uri is missing"},
		{"response_uri http", post, set("response_uri", "http://welfare.seoul.go.kr/r"), nil, ErrInvalidRequest, "is not https"},
		{"response_uri relative", post, set("response_uri", "/r"), nil, ErrInvalidRequest, "is not an absolute URL"},
		{"response_uri fragment", post, set("response_uri", "https://a.example/r#x"), nil, ErrInvalidRequest, "without user information or fragment"},
		{"response_uri user", post, set("response_uri", "https://u:p@a.example/r"), nil, ErrInvalidRequest, "without user information"},
		{"response_uri javascript", post, set("response_uri", "javascript:alert(1)"), nil, ErrInvalidRequest, "is not an absolute URL"},
		{"redirect_uri", post, set("redirect_uri", "https://a.example/cb"), nil, ErrInvalidRequest, "redirect_uri is present; with response_uri it must not be (section 8.2)"},
		{"nonce missing", post, del("nonce"), nil, ErrInvalidRequest, "nonce is missing (section 5.2)"},
		{"nonce not a string", post, set("nonce", 5), nil, ErrInvalidRequest, "nonce is a number, not a string"},
		{"nonce with space", post, set("nonce", "a b"), nil, ErrInvalidRequest, "nonce has characters other than"},
		{"nonce too long", post, set("nonce", strings.Repeat("a", 3000)), nil, ErrInvalidRequest, "or is too long"},
		{"state with slash", post, set("state", "a/b"), nil, ErrInvalidRequest, "state has characters other than"},
		{"state needed", post, func(m map[string]any) {
			delete(m, "state")
			m["dcql_query"].(map[string]any)["credentials"].([]any)[0].(map[string]any)["require_cryptographic_holder_binding"] = false
		}, nil, ErrInvalidRequest, `state is missing, and credential query "resident" waives holder binding (section 5.3)`},
		{"dcql_query missing", post, del("dcql_query"), nil, ErrInvalidRequest, "dcql_query is missing"},
		{"dcql_query a string", post, set("dcql_query", testQuery), nil, ErrInvalidRequest, "dcql_query is a string, not an object"},
		{"dcql_query invalid", post, set("dcql_query", map[string]any{"credentials": []any{}}), nil, ErrInvalidRequest, "dcql_query: dcql: invalid query: credentials: is empty"},
		{"scope alone", post, func(m map[string]any) { delete(m, "dcql_query"); m["scope"] = "com.example.pid" }, nil, ErrInvalidScope, "scope values are not accepted"},
		{"scope and query", post, set("scope", "com.example.pid"), nil, ErrInvalidRequest, "both dcql_query and scope"},
		{"transaction_data", post, set("transaction_data", []any{"eyJ0eXBlIjoieCJ9"}), nil, ErrInvalidTransactionData, "transaction_data is not supported"},
		{"client_metadata missing", post, del("client_metadata"), nil, ErrInvalidRequest, "client_metadata is missing"},
		{"client_metadata a string", post, set("client_metadata", "{}"), nil, ErrInvalidRequest, "client_metadata is a string, not an object"},
		{"vp_formats_supported missing", post, md(func(m map[string]any) { delete(m, "vp_formats_supported") }), nil, ErrInvalidRequest, "no vp_formats_supported"},
		{"vp_formats_supported flat", post, md(func(m map[string]any) { m["vp_formats_supported"] = []any{"dc+sd-jwt"} }), nil, ErrInvalidRequest, "vp_formats_supported is an array, not an object"},
		{"format parameters not object", post, md(func(m map[string]any) { m["vp_formats_supported"] = map[string]any{"dc+sd-jwt": true} }), nil, ErrInvalidRequest, `vp_formats_supported "dc+sd-jwt" is a boolean`},
		{"kb-jwt_alg_values empty", post, md(func(m map[string]any) {
			m["vp_formats_supported"] = map[string]any{"dc+sd-jwt": map[string]any{"kb-jwt_alg_values": []any{}}}
		}), nil, ErrInvalidRequest, "kb-jwt_alg_values is not a non-empty array of strings (B.3.4)"},
		{"only mdoc supported", post, md(func(m map[string]any) { m["vp_formats_supported"] = map[string]any{"mso_mdoc": map[string]any{}} }), nil, ErrVPFormatsNotSupported, "none of the formats"},
		{"only mdoc asked for", post, set("dcql_query", map[string]any{"credentials": []any{map[string]any{"id": "m", "format": "mso_mdoc", "meta": map[string]any{"doctype_value": "org.iso.18013.5.1.mDL"}}}}), nil, ErrVPFormatsNotSupported, "none of the formats"},
		{"jwks without keys", jwt, md(func(m map[string]any) { m["jwks"] = map[string]any{} }), nil, ErrInvalidRequest, "has no array of keys"},
		{"jwks empty", jwt, md(func(m map[string]any) { m["jwks"] = map[string]any{"keys": []any{}} }), nil, ErrInvalidRequest, "jwks has no key"},
		{"jwk without kid", jwt, jwks(func(k map[string]any) { delete(k, "kid") }), nil, ErrInvalidRequest, "key 0 has no kid (section 5.1)"},
		{"jwk twice", jwt, md(func(m map[string]any) {
			ks := m["jwks"].(map[string]any)["keys"].([]any)
			m["jwks"].(map[string]any)["keys"] = append(ks, ks[0])
		}), nil, ErrInvalidRequest, "twice; a kid identifies one key"},
		{"jwk private", jwt, jwks(func(k map[string]any) { k["d"] = "Et-3ce0omz8_TuZ96Df9lp0GAaaDoUnDe6X-CRO7Aww" }), nil, ErrInvalidRequest, `has the private member "d"`},
		{"jwk for signing", jwt, jwks(func(k map[string]any) { k["use"] = "sig" }), nil, ErrInvalidRequest, `use is "sig", not enc`},
		{"jwk without alg", jwt, jwks(func(k map[string]any) { delete(k, "alg") }), nil, ErrInvalidRequest, "alg is present and is the JWE alg"},
		{"jwk P-384", jwt, jwks(func(k map[string]any) { k["crv"] = "P-384" }), nil, ErrInvalidRequest, "is neither EC P-256 nor OKP X25519"},
		{"jwk off the curve", jwt, jwks(func(k map[string]any) { k["y"] = k["x"] }), nil, ErrInvalidRequest, "not a point on P-256"},
		{"no jwks for jwt", jwt, md(func(m map[string]any) { delete(m, "jwks") }), nil, ErrInvalidRequest, "no key to encrypt the response to"},
		{"enc values empty", jwt, md(func(m map[string]any) { m["encrypted_response_enc_values_supported"] = []any{} }), nil, ErrInvalidRequest, "encrypted_response_enc_values_supported is empty"},
		{"enc values unsupported", jwt, md(func(m map[string]any) { m["encrypted_response_enc_values_supported"] = []any{"A128CBC-HS256"} }), nil, ErrInvalidRequest, "names neither A128GCM nor A256GCM"},
		{"enc values not strings", jwt, md(func(m map[string]any) { m["encrypted_response_enc_values_supported"] = []any{1} }), nil, ErrInvalidRequest, "is not an array of strings"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			claims := v.claims(t, tc.mode)
			if tc.edit != nil {
				tc.edit(claims)
			}
			header := map[string]any{}
			for k, val := range tc.header {
				header[k] = val
			}
			var tok string
			if val, ok := header["typ"]; ok && val == nil {
				delete(header, "typ")
				tok = v.signWithout(t, claims, "typ")
			} else if val, ok := header["kid"]; ok && val == nil {
				tok = v.signWithout(t, claims, "kid")
			} else {
				tok = v.sign(t, claims, header)
			}
			_, err := v.parse(tok)
			wantCode(t, err, tc.code, tc.want)
		})
	}
}

// signWithout signs claims with a header that lacks typ or kid.
func (v *testVerifier) signWithout(t testing.TB, claims map[string]any, member string) string {
	t.Helper()
	payload, err := jsonx.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	h := map[string]any{"typ": RequestObjectType}
	key := v.auth
	switch member {
	case "typ":
		delete(h, "typ")
	case "kid":
		key = v.auth.WithKeyID("")
	}
	tok, err := jws.Sign(context.Background(), key, h, payload)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// TestParseRequestObjectFraming covers the checks before the claims, and
// what the Wallet accepts that a strict reading might refuse.
func TestParseRequestObjectFraming(t *testing.T) {
	v := newTestVerifier(t)
	good := v.claims(t, ResponseModeDirectPost)
	ctx := context.Background()

	t.Run("refusals", func(t *testing.T) {
		tok := v.sign(t, good, nil)
		dot := strings.LastIndexByte(tok, '.')
		flip := "A"
		if tok[dot+1] == 'A' {
			flip = "B"
		}
		tampered := tok[:dot+1] + flip + tok[dot+2:] // the first signature byte
		dup := v.signRaw(t, []byte(`{"nonce":"a","nonce":"b"}`), nil)
		for _, tc := range []struct {
			name, tok, clientID string
			r                   Resolver
			opts                RequestOptions
			code                Code
			want                string
		}{
			{"too large", strings.Repeat("a", MaxRequestObjectBytes+1), v.clientID, v.resolver, v.opts, ErrInvalidRequestObject, "more than 65536"},
			{"encrypted", "a.b.c.d.e", v.clientID, v.resolver, v.opts, ErrInvalidRequestObject, "is encrypted"},
			{"garbage", "not a jwt", v.clientID, v.resolver, v.opts, ErrInvalidRequestObject, "not a well-formed JWS"},
			{"tampered", tampered, v.clientID, v.resolver, v.opts, ErrInvalidRequestObject, "the signature does not verify"},
			{"algorithm not allowed", tok, v.clientID, v.resolver, RequestOptions{Now: v.opts.Now, Algorithms: []keys.Algorithm{keys.ES256}}, ErrInvalidRequestObject, `alg "EdDSA" is not allowed`},
			{"alg none", "eyJ0eXAiOiJvYXV0aC1hdXRoei1yZXErand0IiwiYWxnIjoibm9uZSJ9.e30.", v.clientID, v.resolver, v.opts, ErrInvalidRequestObject, `alg "none" is not allowed`},
			{"duplicate claim", dup, v.clientID, v.resolver, v.opts, ErrInvalidRequestObject, `duplicate member "nonce"`},
			{"no client_id", tok, "", v.resolver, v.opts, ErrInvalidRequest, "client_id is missing"},
			{"unsupported prefix", tok, "x509_san_dns:welfare.seoul.go.kr", v.resolver, v.opts, ErrInvalidRequest, "Client Identifier Prefix"},
			{"pre-registered", tok, "welfare-portal", v.resolver, v.opts, ErrInvalidRequest, "is not supported"},
			{"not a DID", tok, "decentralized_identifier:welfare", v.resolver, v.opts, ErrInvalidRequest, "does not hold a DID"},
			{"unknown DID", tok, v.clientID, fakeResolver{}, v.opts, ErrInvalidClient, "for authentication"},
			{"resolver down", tok, v.clientID, fakeResolver{err: errors.New("connection refused")}, v.opts, ErrServerError, "could not be resolved"},
			{"wallet_nonce absent", tok, v.clientID, v.resolver, RequestOptions{Now: v.opts.Now, WalletNonce: "qPmxiNFCR3QTm19POc8u"}, ErrInvalidRequestObject, "wallet_nonce is not the one this Wallet sent"},
			{"other audience", tok, v.clientID, v.resolver, RequestOptions{Now: v.opts.Now, Audience: "https://wallet.seoul.go.kr"}, ErrInvalidRequestObject, "aud is not"},
			{"too early", tok, v.clientID, v.resolver, RequestOptions{Now: testNow.Add(-time.Hour)}, ErrInvalidRequestObject, "issued in the future"},
			{"too late", tok, v.clientID, v.resolver, RequestOptions{Now: testNow.Add(time.Hour)}, ErrInvalidRequestObject, "expired"},
			{"skew", tok, v.clientID, v.resolver, RequestOptions{Now: testNow.Add(5*time.Minute + 2*time.Second), ClockSkew: time.Second}, ErrInvalidRequestObject, "expired"},
		} {
			_, err := ParseRequestObject(ctx, tc.tok, tc.clientID, tc.r, tc.opts)
			wantCode(t, err, tc.code, tc.want)
		}
	})

	t.Run("configuration", func(t *testing.T) {
		tok := v.sign(t, good, nil)
		for name, opts := range map[string]RequestOptions{
			"empty allow-list": {Algorithms: []keys.Algorithm{}},
			"unknown alg":      {Algorithms: []keys.Algorithm{"HS256"}},
		} {
			if _, err := ParseRequestObject(ctx, tok, v.clientID, v.resolver, opts); !errors.Is(err, ErrConfig) {
				t.Errorf("%s: got %v", name, err)
			}
		}
		if _, err := ParseRequestObject(ctx, tok, v.clientID, nil, v.opts); !errors.Is(err, ErrConfig) {
			t.Errorf("nil resolver: got %v", err)
		}
	})

	t.Run("accepted", func(t *testing.T) {
		edit := func(f func(m map[string]any)) map[string]any {
			m := v.claims(t, ResponseModeDirectPost)
			f(m)
			return m
		}
		for name, tc := range map[string]struct {
			claims map[string]any
			header map[string]any
			opts   RequestOptions
		}{
			"typ with application/": {good, map[string]any{"typ": "application/OAuth-Authz-Req+JWT"}, v.opts},
			"relative kid":          {good, map[string]any{"kid": "#auth"}, v.opts},
			"aud in an array":       {edit(func(m map[string]any) { m["aud"] = []any{"https://x", AudienceSelfIssued} }), nil, v.opts},
			"iss, verifier_info and the unknown ignored": {edit(func(m map[string]any) {
				m["iss"] = "did:seoul:someone-else"
				m["verifier_info"] = []any{map[string]any{"format": "jwt", "data": "eyJ..."}}
				m["future_parameter"] = map[string]any{"x": 1}
				m["client_metadata"].(map[string]any)["logo_uri"] = "https://x/logo.png"
			}), nil, v.opts},
			"loopback http": {edit(func(m map[string]any) { m["response_uri"] = "http://127.0.0.1:8443/oid4vp/response" }), nil, v.opts},
			"localhost":     {edit(func(m map[string]any) { m["response_uri"] = "http://localhost:8443/r" }), nil, v.opts},
			"no iat":        {edit(func(m map[string]any) { delete(m, "iat") }), nil, v.opts},
			"wallet_nonce": {edit(func(m map[string]any) { m["wallet_nonce"] = "qPmxiNFCR3QTm19POc8u" }), nil,
				RequestOptions{Now: v.opts.Now, WalletNonce: "qPmxiNFCR3QTm19POc8u"}},
			"other formats too": {edit(func(m map[string]any) {
				m["client_metadata"].(map[string]any)["vp_formats_supported"].(map[string]any)["mso_mdoc"] = map[string]any{}
			}), nil, v.opts},
		} {
			tok := v.sign(t, tc.claims, tc.header)
			if _, err := ParseRequestObject(ctx, tok, v.clientID, v.resolver, tc.opts); err != nil {
				t.Errorf("%s: %v", name, err)
			}
		}
	})
}

// TestLocalResolver: a Verifier with a did:key, resolved without network.
func TestLocalResolver(t *testing.T) {
	k, _ := keys.Generate(keys.ES256)
	d := did.KeyDID(k.Public())
	doc, err := did.ResolveKey(d)
	if err != nil {
		t.Fatal(err)
	}
	signer := k.WithKeyID(doc.Authentication[0].ID())
	v := newTestVerifier(t)
	req := v.request(t, ResponseModeDirectPost)
	req.ClientID = ClientIDForDID(d)
	tok, err := SignRequestObject(context.Background(), signer, req)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParseRequestObject(context.Background(), tok, req.ClientID, did.LocalResolver{}, v.opts)
	if err != nil {
		t.Fatal(err)
	}
	if got.KeyID != signer.KeyID() {
		t.Errorf("key %s", got.KeyID)
	}
}

// TestSpecClientMetadata reads the client_metadata example of B.3.4, and
// the keys of the request of §8.3: P-256 and X25519 keys are usable, P-384
// and X448 are passed over.
func TestSpecClientMetadata(t *testing.T) {
	raw, err := os.ReadFile("testdata/sd_jwt_vc_verifier_metadata.json")
	if err != nil {
		t.Fatal(err)
	}
	m, err := jsonx.ParseObject(raw)
	if err != nil {
		t.Fatal(err)
	}
	md, err := decodeClientMetadata(m)
	if err != nil {
		t.Fatal(err)
	}
	if err := md.validate(ResponseModeDirectPost); err != nil {
		t.Fatal(err)
	}
	if got := md.VPFormatsSupported["dc+sd-jwt"]["kb-jwt_alg_values"]; !reflect.DeepEqual(got, []any{"ES256", "ES384"}) {
		t.Errorf("kb-jwt_alg_values %v", got)
	}

	raw, err = os.ReadFile("testdata/encrypted_request.json")
	if err != nil {
		t.Fatal(err)
	}
	req, err := jsonx.ParseObject(raw)
	if err != nil {
		t.Fatal(err)
	}
	md, err = decodeClientMetadata(req["client_metadata"])
	if err != nil {
		t.Fatal(err)
	}
	md.VPFormatsSupported = map[string]map[string]any{"dc+sd-jwt": {}} // the example leaves it out
	if err := md.validate(ResponseModeDirectPostJWT); err != nil {
		t.Fatal(err)
	}
	if _, kid, err := md.encryptionKey(); err != nil || kid != "ac" {
		t.Errorf("chose %q, %v", kid, err)
	}
	if enc, err := md.contentEncryption(); err != nil || enc != EncA128GCM {
		t.Errorf("enc %q, %v", enc, err)
	}
	md.JWKS.Keys = md.JWKS.Keys[1:] // X25519 first
	if _, kid, err := md.encryptionKey(); err != nil || kid != "jc" {
		t.Errorf("chose %q, %v", kid, err)
	}
	md.JWKS.Keys = md.JWKS.Keys[1:] // P-384 and X448 only
	if _, _, err := md.encryptionKey(); !errors.Is(err, ErrInvalidRequest) {
		t.Errorf("got %v", err)
	}
}

// TestSpecRequestHeader reads the header of the request object example of
// §5.9.3: its typ is the one required, its kid a DID URL of the client's
// DID; its alg, RS256, is not one seoulid accepts (EdDSA and ES256 only),
// so such a request is refused before any key is looked up.
func TestSpecRequestHeader(t *testing.T) {
	raw, err := os.ReadFile("testdata/request_header_client_id_did.json")
	if err != nil {
		t.Fatal(err)
	}
	h, err := jsonx.ParseObject(raw)
	if err != nil {
		t.Fatal(err)
	}
	if h["typ"] != RequestObjectType {
		t.Errorf("typ %v", h["typ"])
	}
	clientDID, err := VerifierDID("decentralized_identifier:did:example:123") // the example's client_id
	if err != nil {
		t.Fatal(err)
	}
	ref, err := did.ResolveReference(clientDID, h["kid"].(string))
	if err != nil || ref.DID != clientDID || ref.Fragment != "1" {
		t.Errorf("kid %v: %+v, %v", h["kid"], ref, err)
	}
	if _, err := keys.ParseAlgorithm(h["alg"].(string)); err == nil {
		t.Error("RS256 accepted")
	}
	v := newTestVerifier(t)
	payload, _ := jsonx.Marshal(v.claims(t, ResponseModeDirectPost))
	tok := b64(raw) + "." + b64(payload) + ".c2ln"
	_, err = ParseRequestObject(context.Background(), tok, "decentralized_identifier:did:example:123", fakeResolver{err: errors.New("must not be called")}, v.opts)
	wantCode(t, err, ErrInvalidRequestObject, `alg "RS256" is not allowed`)
}

func b64(b []byte) string { return strings.TrimRight(base64.URLEncoding.EncodeToString(b), "=") }

// BenchmarkSignRequestObject signs a request object, beside the floor:
// the signature alone over the same payload.
func BenchmarkSignRequestObject(b *testing.B) {
	v := newTestVerifier(b)
	req := v.request(b, ResponseModeDirectPostJWT)
	ctx := context.Background()
	b.Run("request-object", func(b *testing.B) {
		for b.Loop() {
			if _, err := SignRequestObject(ctx, v.auth, req); err != nil {
				b.Fatal(err)
			}
		}
	})
	tok, _ := SignRequestObject(ctx, v.auth, req)
	input := []byte(tok[:strings.LastIndexByte(tok, '.')])
	b.Run("floor-signature", func(b *testing.B) {
		for b.Loop() {
			if _, err := v.auth.Sign(ctx, input); err != nil {
				b.Fatal(err)
			}
		}
	})
}
