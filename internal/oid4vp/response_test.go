package oid4vp

import (
	"crypto/ecdh"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwe"

	"github.com/seoulid/seoulid/internal/b64url"
	"github.com/seoulid/seoulid/internal/jsonx"
)

// specResponse is the encrypted response example of §8.3.
type specResponse struct {
	JWE        string         `json:"jwe"`
	PrivateJWK map[string]any `json:"private_jwk"`
	Header     map[string]any `json:"header"`
	Payload    map[string]any `json:"payload"`
}

func loadSpecResponse(t testing.TB) (specResponse, *EncryptionKey) {
	t.Helper()
	raw, err := os.ReadFile("testdata/encrypted_response.json")
	if err != nil {
		t.Fatal(err)
	}
	var s specResponse
	if err := json.Unmarshal(raw, &s); err != nil {
		t.Fatal(err)
	}
	d, err := b64url.Decode(s.PrivateJWK["d"].(string))
	if err != nil {
		t.Fatal(err)
	}
	priv, err := ecdh.P256().NewPrivateKey(d)
	if err != nil {
		t.Fatal(err)
	}
	k, err := NewEncryptionKeyFrom(priv, "ac")
	if err != nil {
		t.Fatal(err)
	}
	return s, k
}

// TestSpecEncryptedResponse decrypts the example of §8.3 with the key the
// text gives, and finds its payload.
func TestSpecEncryptedResponse(t *testing.T) {
	s, key := loadSpecResponse(t)
	pub := key.PublicJWK()
	if pub["x"] != s.PrivateJWK["x"] || pub["y"] != s.PrivateJWK["y"] {
		t.Fatalf("the private key is not that of the example's public key: %v", pub)
	}
	if kid, err := ResponseKeyID(s.JWE); err != nil || kid != "ac" {
		t.Fatalf("kid %q, %v", kid, err)
	}
	h, err := jweHeader(s.JWE)
	if err != nil || !jsonx.Equal(h, s.Header) {
		t.Errorf("header %v, %v", h, err)
	}
	resp, err := DecryptResponse(s.JWE, key, nil) // A128GCM, the default
	if err != nil {
		t.Fatal(err)
	}
	want := VPToken{"example_credential_id": {"eyJhb...YMetA"}}
	if !reflect.DeepEqual(resp.VPToken, want) || resp.State != "" {
		t.Errorf("decrypted %+v", resp)
	}
	if _, err := DecryptResponse(s.JWE, key, []string{EncA256GCM}); !errors.Is(err, ErrInvalidResponse) || !strings.Contains(err.Error(), `enc "A128GCM" is not one the Verifier accepts`) {
		t.Errorf("got %v", err)
	}
}

// TestDirectPostRoundTrip: the Wallet's body for each mode, key type and
// enc, read back by the Verifier.
func TestDirectPostRoundTrip(t *testing.T) {
	v := newTestVerifier(t)
	x, _ := ecdh.X25519().GenerateKey(rand.Reader)
	xkey, _ := NewEncryptionKeyFrom(x, "")
	token := VPToken{"resident": {"eyJhbGciOiJFUzI1NiJ9.e30.sig~WyJzYWx0IiwiYSIsMV0~"}, "rx": {"a", "b"}, "ldp": {map[string]any{"type": "VerifiablePresentation"}}}
	for _, tc := range []struct {
		mode string
		key  *EncryptionKey
		encs []string
	}{
		{ResponseModeDirectPost, nil, nil},
		{ResponseModeDirectPostJWT, v.encKey, []string{EncA256GCM, EncA128GCM}},
		{ResponseModeDirectPostJWT, v.encKey, nil},
		{ResponseModeDirectPostJWT, xkey, []string{EncA128GCM}},
	} {
		name := fmt.Sprintf("%s %v", tc.mode, tc.encs)
		req := v.request(t, tc.mode)
		if tc.key != nil {
			req.ClientMetadata.JWKS = tc.key.JWKS()
			req.ClientMetadata.EncryptedResponseEncValuesSupported = tc.encs
		}
		body, err := DirectPostBody(req, &AuthorizationResponse{VPToken: token, State: "ignored: the request's is used"})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		p, err := ParseDirectPost([]byte(body))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if tc.key != nil {
			kid, err := ResponseKeyID(p.JWE)
			if err != nil || kid != tc.key.KeyID() {
				t.Errorf("%s: kid %q, %v", name, kid, err)
			}
			h, _ := jweHeader(p.JWE)
			wantEnc := EncA128GCM
			if tc.encs != nil {
				wantEnc = tc.encs[0]
			}
			if h["enc"] != wantEnc || h["alg"] != AlgECDHES {
				t.Errorf("%s: header %v", name, h)
			}
		}
		resp, err := p.Open(tc.mode, tc.key, tc.encs)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !reflect.DeepEqual(resp.VPToken, token) || resp.CheckState(req.State) != nil {
			t.Errorf("%s: got %+v", name, resp)
		}
		if err := resp.CheckState("other"); !errors.Is(err, ErrInvalidResponse) {
			t.Errorf("%s: CheckState: %v", name, err)
		}
	}
}

func TestOpenModes(t *testing.T) {
	v := newTestVerifier(t)
	plain, _ := ParseDirectPost([]byte(`vp_token={"a":["x"]}`))
	enc, _ := ParseDirectPost([]byte(`response=a..b.c.d`))
	refused, _ := ParseDirectPost([]byte(`error=access_denied&error_description=no+consent&state=s1`))
	if _, err := plain.Open(ResponseModeDirectPostJWT, v.encKey, nil); !errors.Is(err, ErrInvalidResponse) || !strings.Contains(err.Error(), "an unencrypted vp_token to a direct_post.jwt request") {
		t.Errorf("got %v", err)
	}
	if _, err := enc.Open(ResponseModeDirectPost, nil, nil); !errors.Is(err, ErrInvalidResponse) {
		t.Errorf("got %v", err)
	}
	if _, err := plain.Open("fragment", nil, nil); !errors.Is(err, ErrConfig) {
		t.Errorf("got %v", err)
	}
	for _, mode := range []string{ResponseModeDirectPost, ResponseModeDirectPostJWT} {
		_, err := refused.Open(mode, v.encKey, nil)
		var er *ErrorResponse
		if !errors.As(err, &er) || er.Code != ErrAccessDenied || er.Description != "no consent" || er.State != "s1" {
			t.Errorf("%s: got %v", mode, err)
		}
	}
	if _, err := enc.Open(ResponseModeDirectPostJWT, nil, nil); !errors.Is(err, ErrConfig) {
		t.Errorf("no key: got %v", err)
	}
}

// TestDecryptRefusals: every check of DecryptResponse, before and after
// decryption.
func TestDecryptRefusals(t *testing.T) {
	v := newTestVerifier(t)
	key := v.encKey
	pub, _ := ecdh.P256().NewPublicKey(key.priv.PublicKey().Bytes())
	encrypt := func(payload string, opts ...jwe.EncryptOption) string {
		h := jwe.NewHeaders()
		_ = h.Set(jwe.KeyIDKey, key.KeyID())
		all := append([]jwe.EncryptOption{jwe.WithKey(jwa.ECDH_ES(), pub, jwe.WithPerRecipientHeaders(h)), jwe.WithContentEncryption(jwa.A128GCM())}, opts...)
		out, err := jwe.Encrypt([]byte(payload), all...)
		if err != nil {
			t.Fatal(err)
		}
		return string(out)
	}
	withHeader := func(tok string, edit func(h map[string]any)) string {
		parts := strings.Split(tok, ".")
		hb, _ := b64url.Decode(parts[0])
		h, _ := jsonx.ParseObject(hb)
		edit(h)
		nb, _ := jsonx.Marshal(h)
		parts[0] = b64url.Encode(nb)
		return strings.Join(parts, ".")
	}
	good := encrypt(`{"vp_token":{"a":["x"]}}`)
	if _, err := DecryptResponse(good, key, nil); err != nil {
		t.Fatal(err)
	}
	other, _ := NewEncryptionKey()
	sameKid, _ := NewEncryptionKeyFrom(other.priv, key.KeyID())
	kw := func() string {
		h := jwe.NewHeaders()
		_ = h.Set(jwe.KeyIDKey, key.KeyID())
		out, err := jwe.Encrypt([]byte(`{}`), jwe.WithKey(jwa.ECDH_ES_A128KW(), pub, jwe.WithPerRecipientHeaders(h)), jwe.WithContentEncryption(jwa.A128GCM()))
		if err != nil {
			t.Fatal(err)
		}
		return string(out)
	}()
	for _, tc := range []struct {
		name, tok string
		key       *EncryptionKey
		want      string
	}{
		{"too large", strings.Repeat("a", MaxResponseBytes+1), key, "more than 1048576"},
		{"three parts", "a.b.c", key, "a compact JWE has five parts, this has 3"},
		{"key wrapping", kw, key, "the JWE has an encrypted key"},
		{"header not base64url", "*.." + "a.b.c", key, "the JWE header"},
		{"header duplicate", b64url.Encode([]byte(`{"alg":"ECDH-ES","alg":"dir"}`)) + "..a.b.c", key, `duplicate member "alg"`},
		{"header not an object", b64url.Encode([]byte(`[]`)) + "..a.b.c", key, "expected a JSON object"},
		{"alg dir", withHeader(good, func(h map[string]any) { h["alg"] = "dir" }), key, `JWE alg "dir", not ECDH-ES`},
		{"enc CBC", withHeader(good, func(h map[string]any) { h["enc"] = "A128CBC-HS256" }), key, `enc "A128CBC-HS256" is not one the Verifier accepts`},
		{"kid missing", withHeader(good, func(h map[string]any) { delete(h, "kid") }), key, "JWE kid \"<nil>\" is not the kid of this key"},
		{"kid other", good, other, "is not the kid of this key"},
		{"zip", withHeader(good, func(h map[string]any) { h["zip"] = "DEF" }), key, "compressed (zip)"},
		{"crit", withHeader(good, func(h map[string]any) { h["crit"] = []any{"x"}; h["x"] = 1 }), key, "critical extensions"},
		{"no epk", withHeader(good, func(h map[string]any) { delete(h, "epk") }), key, "no epk"},
		{"header altered", withHeader(good, func(h map[string]any) { h["x"] = "y" }), key, "cannot decrypt"},
		{"another key", good, sameKid, "cannot decrypt"},
		{"payload not JSON", encrypt(`not json`), key, "the decrypted response"},
		{"payload duplicate", encrypt(`{"vp_token":{},"vp_token":{}}`), key, `duplicate member "vp_token"`},
		{"no vp_token", encrypt(`{"state":"s"}`), key, "vp_token is missing"},
		{"vp_token a string", encrypt(`{"vp_token":"{}"}`), key, "vp_token is a string, not a JSON object"},
		{"empty presentations", encrypt(`{"vp_token":{"a":[]}}`), key, "has no presentation"},
		{"presentation a number", encrypt(`{"vp_token":{"a":[1]}}`), key, "is a number, not a string or an object"},
		{"bad id", encrypt(`{"vp_token":{"a b":["x"]}}`), key, "is not a Credential Query id"},
		{"state a number", encrypt(`{"vp_token":{"a":["x"]},"state":1}`), key, "state is a number"},
	} {
		_, err := DecryptResponse(tc.tok, tc.key, nil)
		if !errors.Is(err, ErrInvalidResponse) || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: got %v\nwant ErrInvalidResponse containing %q", tc.name, err, tc.want)
		}
	}
	// A compressed JWE is refused before anything is inflated.
	zipped := encrypt(`{"vp_token":{"a":["`+strings.Repeat("x", 100000)+`"]}}`, jwe.WithCompress(jwa.Deflate()))
	if _, err := DecryptResponse(zipped, key, nil); !errors.Is(err, ErrInvalidResponse) || !strings.Contains(err.Error(), "zip") {
		t.Errorf("zip: got %v", err)
	}
	// An encrypted error response.
	_, err := DecryptResponse(encrypt(`{"error":"access_denied","state":"s"}`), key, nil)
	var er *ErrorResponse
	if !errors.As(err, &er) || er.Code != ErrAccessDenied || er.State != "s" {
		t.Errorf("error response: got %v", err)
	}
}

func TestEncryptRefusals(t *testing.T) {
	v := newTestVerifier(t)
	resp := &AuthorizationResponse{VPToken: VPToken{"a": {"x"}}}
	for name, md := range map[string]*ClientMetadata{
		"no metadata":   nil,
		"no jwks":       {},
		"only sig keys": {JWKS: &JWKS{Keys: []map[string]any{func() map[string]any { m := v.encKey.PublicJWK(); m["use"] = "sig"; return m }()}}},
		"no enc":        {JWKS: v.encKey.JWKS(), EncryptedResponseEncValuesSupported: []string{"A256CBC-HS512"}},
	} {
		if _, err := EncryptResponse(resp, md); !errors.Is(err, ErrInvalidRequest) {
			t.Errorf("%s: got %v", name, err)
		}
	}
	if _, err := EncryptResponse(&AuthorizationResponse{}, &ClientMetadata{JWKS: v.encKey.JWKS()}); !errors.Is(err, ErrInvalidResponse) {
		t.Errorf("no vp_token: got %v", err)
	}
}

// TestEncryptionKeyKeepsItsSecret: the private key never prints.
func TestEncryptionKeyKeepsItsSecret(t *testing.T) {
	_, key := loadSpecResponse(t)
	var logged strings.Builder
	slog.New(slog.NewTextHandler(&logged, nil)).Info("key", "k", key)
	for _, s := range []string{key.String(), fmt.Sprintf("%v %+v %s", key, key, key), logged.String()} {
		if strings.Contains(s, "Et-3ce0") || !strings.Contains(s, "redacted") {
			t.Errorf("printed %q", s)
		}
	}
	if _, err := NewEncryptionKeyFrom(nil, ""); !errors.Is(err, ErrConfig) {
		t.Errorf("got %v", err)
	}
	p384, _ := ecdh.P384().GenerateKey(rand.Reader)
	if _, err := NewEncryptionKeyFrom(p384, ""); !errors.Is(err, ErrConfig) {
		t.Errorf("got %v", err)
	}
	fresh, _ := NewEncryptionKey()
	if jwk := fresh.PublicJWK(); jwk["kid"] != fresh.KeyID() || len(fresh.KeyID()) != 43 || jwk["use"] != "enc" || jwk["alg"] != AlgECDHES || jwk["d"] != nil {
		t.Errorf("public JWK %v", jwk)
	}
}

// TestParseDirectPostRefusals: every rule of ParseDirectPost.
func TestParseDirectPostRefusals(t *testing.T) {
	tok := url.QueryEscape(`{"a":["x"]}`)
	for _, tc := range []struct{ name, body, want string }{
		{"too large", "vp_token=" + strings.Repeat("a", MaxResponseBytes), "more than 1048576"},
		{"bad escape", "vp_token=%zz", "not application/x-www-form-urlencoded"},
		{"semicolon", "vp_token=" + tok + ";state=a", "not application/x-www-form-urlencoded"},
		{"twice", "vp_token=" + tok + "&vp_token=" + tok, `parameter "vp_token" appears 2 times`},
		{"not UTF-8", "vp_token=%ff", "is not UTF-8"},
		{"nothing", "state=abc", "has 0 of vp_token, response and error"},
		{"two kinds", "vp_token=" + tok + "&error=access_denied", "has 2 of vp_token, response and error"},
		{"vp_token not JSON", "vp_token=abc", "vp_token: invalid JSON"},
		{"vp_token duplicate", "vp_token=" + url.QueryEscape(`{"a":["x"],"a":["y"]}`), `duplicate member "a"`},
		{"vp_token array", "vp_token=" + url.QueryEscape(`[]`), "vp_token is an array, not a JSON object"},
		{"vp_token entry not array", "vp_token=" + url.QueryEscape(`{"a":"x"}`), `vp_token "a" is a string, not an array of presentations`},
		{"vp_token empty string", "vp_token=" + url.QueryEscape(`{"a":[""]}`), `presentation 0 is empty`},
		{"state with space", "vp_token=" + tok + "&state=a+b", "state has characters other than"},
		{"error with quote", "error=" + url.QueryEscape(`a"b`), "printable ASCII without"},
		{"error empty", "error=", "printable ASCII without"},
		{"error description control", "error=access_denied&error_description=%0A", "printable ASCII without"},
		{"error state", "error=access_denied&state=%3C", "state has characters other than"},
	} {
		_, err := ParseDirectPost([]byte(tc.body))
		if !errors.Is(err, ErrInvalidResponse) || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: got %v\nwant ErrInvalidResponse containing %q", tc.name, err, tc.want)
		}
	}
}

func TestParseDirectPostAccepts(t *testing.T) {
	p, err := ParseDirectPost([]byte("vp_token=" + url.QueryEscape(`{"my_credential":["eyJhbGci...QMA"]}`) + "&state=eyJhb-6sVA&extra=ignored"))
	if err != nil || !reflect.DeepEqual(p.Response, &AuthorizationResponse{VPToken: VPToken{"my_credential": {"eyJhbGci...QMA"}}, State: "eyJhb-6sVA"}) {
		t.Errorf("got %+v, %v", p, err)
	}
	// §8.2's example of an error response.
	p, err = ParseDirectPost([]byte("error=invalid_request&error_description=unsupported%20client_id_prefix&state=eyJhb-6sVA"))
	if err != nil || p.Error.Code != ErrInvalidRequest || p.Error.Description != "unsupported client_id_prefix" {
		t.Errorf("got %+v, %v", p, err)
	}
	// §8.3.1: a state outside the JWE is ignored.
	p, err = ParseDirectPost([]byte("response=a..b.c.d&state=x"))
	if err != nil || p.JWE != "a..b.c.d" || p.Response != nil {
		t.Errorf("got %+v, %v", p, err)
	}
}

func TestErrorResponseEncode(t *testing.T) {
	e := &ErrorResponse{Code: ErrAccessDenied, Description: `the End-User said "no" \ 아니요`, State: "s1"}
	p, err := ParseDirectPost([]byte(e.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	if p.Error.Code != ErrAccessDenied || p.Error.Description != `the End-User said 'no' ' ???` || p.Error.State != "s1" {
		t.Errorf("got %+v", p.Error)
	}
	if !strings.Contains(p.Error.Error(), "the Wallet answered access_denied") {
		t.Errorf("message %q", p.Error.Error())
	}
}

func TestVPTokenStrings(t *testing.T) {
	tok := VPToken{"a": {"x", "y"}, "b": {"x", map[string]any{}}}
	if s, err := tok.Strings("a"); err != nil || !reflect.DeepEqual(s, []string{"x", "y"}) {
		t.Errorf("got %v, %v", s, err)
	}
	if _, err := tok.Strings("b"); !errors.Is(err, ErrInvalidResponse) {
		t.Errorf("got %v", err)
	}
	if s, err := tok.Strings("c"); err != nil || len(s) != 0 {
		t.Errorf("got %v, %v", s, err)
	}
}
