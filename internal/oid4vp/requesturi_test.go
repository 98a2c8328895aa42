package oid4vp

import (
	"net/url"
	"reflect"
	"strings"
	"testing"
)

const cid = "decentralized_identifier%3Adid%3Aseoul%3Awelfare-portal"

func TestParseRequestReference(t *testing.T) {
	for name, tc := range map[string]struct {
		query string
		want  RequestReference
	}{
		"by reference, post": {"client_id=" + cid + "&request_uri=https%3A%2F%2Fwelfare.seoul.go.kr%2Frequest%2Fvapof4ql2i7m41m68uep&request_uri_method=post",
			RequestReference{ClientID: "decentralized_identifier:did:seoul:welfare-portal", RequestURI: "https://welfare.seoul.go.kr/request/vapof4ql2i7m41m68uep", RequestURIMethod: "post"}},
		"by reference, default get": {"client_id=" + cid + "&request_uri=https%3A%2F%2Fwelfare.seoul.go.kr%2Fr%2F1",
			RequestReference{ClientID: "decentralized_identifier:did:seoul:welfare-portal", RequestURI: "https://welfare.seoul.go.kr/r/1"}},
		"by value, other parameters ignored": {"client_id=" + cid + "&request=eyJh.eyJ.sig&response_type=vp_token&nonce=x",
			RequestReference{ClientID: "decentralized_identifier:did:seoul:welfare-portal", Request: "eyJh.eyJ.sig"}},
	} {
		got, err := ParseRequestReference(tc.query)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if !reflect.DeepEqual(*got, tc.want) {
			t.Errorf("%s: got %+v", name, *got)
		}
		back, err := ParseRequestReference(got.Encode())
		if err != nil || !reflect.DeepEqual(back, got) {
			t.Errorf("%s: Encode gives %q, which reads as %+v, %v", name, got.Encode(), back, err)
		}
	}
}

func TestParseRequestReferenceRefusals(t *testing.T) {
	uri := "&request_uri=https%3A%2F%2Fa.example%2Fr"
	for _, tc := range []struct {
		name, query string
		code        Code
		want        string
	}{
		{"bad escape", "client_id=%zz", ErrInvalidRequest, "cannot be read"},
		{"twice", "client_id=" + cid + "&client_id=" + cid + uri, ErrInvalidRequest, "cannot be read"},
		{"too long", "client_id=" + cid + "&request=" + strings.Repeat("a", maxReferenceBytes), ErrInvalidRequest, "cannot be read"},
		{"no client_id", uri[1:], ErrInvalidRequest, "client_id is missing"},
		{"redirect_uri prefix", "client_id=redirect_uri%3Ahttps%3A%2F%2Fclient.example.org%2Fcb" + uri, ErrInvalidRequest, "Client Identifier Prefix"},
		{"x509_san_dns", "client_id=x509_san_dns%3Aclient.example.org" + uri, ErrInvalidRequest, "Client Identifier Prefix"},
		{"origin", "client_id=origin%3Ahttps%3A%2F%2Fa.example" + uri, ErrInvalidRequest, "Client Identifier Prefix"},
		{"not a DID", "client_id=decentralized_identifier%3Aexample" + uri, ErrInvalidRequest, "does not hold a DID"},
		{"unsigned", "client_id=" + cid + "&response_type=vp_token&nonce=n&dcql_query=%7B%7D", ErrInvalidRequest, "the request is not signed"},
		{"both", "client_id=" + cid + uri + "&request=a.b.c", ErrInvalidRequest, "both request and request_uri"},
		{"method without uri", "client_id=" + cid + "&request=a.b.c&request_uri_method=post", ErrInvalidRequest, "request_uri_method without request_uri"},
		{"method POST", "client_id=" + cid + uri + "&request_uri_method=POST", ErrInvalidRequestURIMethod, `request_uri_method "POST" is neither get nor post`},
		{"method put", "client_id=" + cid + uri + "&request_uri_method=put", ErrInvalidRequestURIMethod, "neither get nor post"},
		{"request not JWS", "client_id=" + cid + "&request=abc", ErrInvalidRequestObject, "not a compact JWS"},
		{"request_uri http", "client_id=" + cid + "&request_uri=http%3A%2F%2Fa.example%2Fr", ErrInvalidRequest, "is not an https URL"},
		{"request_uri relative", "client_id=" + cid + "&request_uri=%2Fr", ErrInvalidRequest, "is not an https URL"},
		{"request_uri long", "client_id=" + cid + "&request_uri=https%3A%2F%2Fa.example%2F" + strings.Repeat("a", 512), ErrInvalidRequest, "longer than 512 bytes"},
	} {
		_, err := ParseRequestReference(tc.query)
		wantCode(t, err, tc.code, tc.want)
	}
	if _, err := ParseRequestReference("client_id=" + cid + "&request_uri=http%3A%2F%2F127.0.0.1%3A8080%2Fr"); err != nil {
		t.Errorf("loopback: %v", err)
	}
}

func TestRequestURIPost(t *testing.T) {
	nonce, err := NewWalletNonce()
	if err != nil {
		t.Fatal(err)
	}
	p := &RequestURIPost{
		WalletMetadata: map[string]any{"vp_formats_supported": map[string]any{"dc+sd-jwt": map[string]any{"sd-jwt_alg_values": []any{"ES256"}, "kb-jwt_alg_values": []any{"ES256"}}}},
		WalletNonce:    nonce,
	}
	body, err := p.Encode()
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParseRequestURIPost([]byte(body))
	if err != nil || !reflect.DeepEqual(back, p) {
		t.Errorf("got %+v, %v", back, err)
	}
	// The example of §5.10.
	ex := "wallet_metadata=%7B%22vp_formats_supported%22%3A%7B%22dc%2Bsd-jwt%22%3A%7B%22sd-jwt_a" +
		"lg_values%22%3A%20%5B%22ES256%22%5D%2C%22kb-jwt_alg_values%22%3A%20%5B%22ES256%22%5D%" +
		"7D%7D%7D&" + "wallet_nonce=qPmxiNFCR3QTm19POc8u"
	got, err := ParseRequestURIPost([]byte(ex))
	if err != nil || got.WalletNonce != "qPmxiNFCR3QTm19POc8u" || got.WalletMetadata["vp_formats_supported"] == nil {
		t.Errorf("the example of §5.10: %+v, %v", got, err)
	}
	for _, tc := range []struct{ name, body, want string }{
		{"twice", "wallet_nonce=a&wallet_nonce=b", "cannot be read"},
		{"metadata not JSON", "wallet_metadata=x", "wallet_metadata is not a JSON object"},
		{"metadata duplicate", "wallet_metadata=" + url.QueryEscape(`{"a":1,"a":2}`), "wallet_metadata is not a JSON object"},
		{"metadata too large", "wallet_metadata=" + url.QueryEscape(`{"a":"`+strings.Repeat("x", maxWalletMetadataBytes)+`"}`), "wallet_metadata is not a JSON object"},
		{"nonce empty", "wallet_nonce=", "wallet_nonce is empty"},
		{"nonce with space", "wallet_nonce=a+b", "wallet_nonce is empty or has characters"},
	} {
		_, err := ParseRequestURIPost([]byte(tc.body))
		wantCode(t, err, ErrInvalidRequest, tc.want)
	}
}

func TestRandomValues(t *testing.T) {
	seen := map[string]bool{}
	for _, f := range []func() (string, error){NewNonce, NewState, NewWalletNonce} {
		for range 3 {
			s, err := f()
			if err != nil || !urlSafe(s) || len(s) < 22 || seen[s] {
				t.Errorf("%q, %v", s, err)
			}
			seen[s] = true
		}
	}
}
