package oid4vci

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/seoulid/seoulid/issuer"
)

const formType = "application/x-www-form-urlencoded"

// tokenCodes are the codes a token request may be refused with.
var tokenCodes = []string{issuer.CodeInvalidRequest, issuer.CodeUnsupportedGrantType, issuer.CodeInvalidGrant, CodeInvalidAuthorizationDetails}

func offeredForFuzz(id string) bool { return id == "seoul-citizen-card-v1" }

// FuzzDecodeTokenRequest: whatever the Content-Type and body, the decoder
// never panics; it refuses with 400 and a token error code, or returns a
// request of the pre-authorized code grant whose every parameter was in
// the form exactly once and within its limit.
func FuzzDecodeTokenRequest(f *testing.F) {
	pa := url.QueryEscape(issuer.PreAuthorizedGrant)
	for _, seed := range [][2]string{
		{formType, "grant_type=" + pa + "&pre-authorized_code=abc&tx_code=123456"},
		{formType + "; charset=UTF-8", "grant_type=" + pa + "&pre-authorized_code=abc&tx_code=123456&client_id=w&x="},
		{formType, "grant_type=" + pa + "&pre-authorized_code=abc&tx_code=1&authorization_details=" +
			url.QueryEscape(`[{"type":"openid_credential","credential_configuration_id":"seoul-citizen-card-v1"}]`)},
		{formType, "grant_type=" + pa + "&pre-authorized_code=abc&tx_code=1&authorization_details=" + url.QueryEscape(`[{"type":"openid_credential","type":"x"}]`)},
		{formType, "grant_type=" + pa + "&pre-authorized_code=a&pre-authorized_code=b&tx_code=1"},
		{formType, "grant_type=authorization_code&code=x"},
		{formType, "grant_type=%zz"},
		{formType, "a;b"},
		{formType, ""},
		{"application/json", `{"grant_type":"x"}`},
		{"", ""},
		{"multipart/form-data; boundary=x", "--x--"},
		{formType + "; charset", "grant_type=" + pa},
		{formType, "grant_type=" + pa + "&pre-authorized_code=" + strings.Repeat("a", 600) + "&tx_code=1"},
	} {
		f.Add(seed[0], []byte(seed[1]))
	}
	f.Fuzz(func(t *testing.T, contentType string, body []byte) {
		req, we := decodeTokenRequest(contentType, body, offeredForFuzz)
		if we != nil {
			if req != nil || we.status != http.StatusBadRequest || !slices.Contains(tokenCodes, we.code) || we.desc == "" {
				t.Fatalf("refusal %+v, request %+v", we, req)
			}
			return
		}
		form, err := url.ParseQuery(string(body))
		if err != nil {
			t.Fatalf("accepted a form that does not parse: %q", body)
		}
		for name, vs := range form {
			if len(vs) != 1 {
				t.Fatalf("accepted %s %d times", name, len(vs))
			}
		}
		if form.Get("grant_type") != issuer.PreAuthorizedGrant || req.code != form.Get("pre-authorized_code") || req.txCode != form.Get("tx_code") ||
			req.code == "" || req.txCode == "" || len(req.code) > maxCodeBytes || len(req.txCode) > maxTxCodeBytes {
			t.Fatalf("accepted %+v from %q", req, body)
		}
		if _, has := form["authorization_details"]; has != (req.details != nil) {
			t.Fatalf("authorization_details %v from %q", req.details, body)
		}
		for _, id := range req.details {
			if !offeredForFuzz(id) {
				t.Fatalf("accepted details for %q", id)
			}
		}
	})
}

// credentialCodes are the codes a credential request body may be refused
// with.
var credentialCodes = []string{issuer.CodeInvalidCredentialRequest, issuer.CodeInvalidProof, CodeInvalidEncryptionParameters}

// FuzzDecodeCredentialRequest: whatever the Content-Type and body, the
// decoder never panics; it refuses with 400 and a §8.3.1.2 code, or
// returns a configuration id and proofs that are non-empty strings.
func FuzzDecodeCredentialRequest(f *testing.F) {
	for _, seed := range [][2]string{
		{MediaJSON, `{"credential_configuration_id":"seoul-citizen-card-v1","proofs":{"jwt":["a.b.c","d.e.f"]}}`},
		{MediaJSON + "; charset=utf-8", `{"credential_identifier":"x","proofs":{"jwt":["a.b.c"]},"other":{"deep":[1,2,3]}}`},
		{MediaJSON, `{"credential_configuration_id":"x"}`},
		{MediaJSON, `{"credential_configuration_id":"x","proof":{"proof_type":"jwt","jwt":"a.b.c"}}`},
		{MediaJSON, `{"credential_configuration_id":"x","credential_response_encryption":{}}`},
		{MediaJSON, `{"credential_configuration_id":"x","credential_identifier":"y"}`},
		{MediaJSON, `{"credential_configuration_id":"x","credential_configuration_id":"y"}`},
		{MediaJSON, `{"credential_configuration_id":"x","proofs":{"jwt":[]}}`},
		{MediaJSON, `{"credential_configuration_id":"x","proofs":{"jwt":[1]}}`},
		{MediaJSON, `{"credential_configuration_id":"x","proofs":{"di_vp":[{}]}}`},
		{MediaJSON, `{"credential_configuration_id":"x","proofs":[]}`},
		{MediaJSON, `[` + strings.Repeat(`[`, 40) + strings.Repeat(`]`, 40) + `]`},
		{MediaJSON, `{"credential_configuration_id":"\ud800"}`},
		{MediaJSON, `{"credential_configuration_id":1e999}`},
		{"application/jwt", `e30.e30.`},
		{"", ``},
	} {
		f.Add(seed[0], []byte(seed[1]))
	}
	f.Fuzz(func(t *testing.T, contentType string, body []byte) {
		req, we := decodeCredentialRequest(contentType, body)
		if we != nil {
			if req != nil || we.status != http.StatusBadRequest || !slices.Contains(credentialCodes, we.code) || we.desc == "" {
				t.Fatalf("refusal %+v, request %+v", we, req)
			}
			return
		}
		if req.configurationID == "" || len(req.configurationID) > 256 {
			t.Fatalf("accepted configuration %q", req.configurationID)
		}
		for _, p := range req.proofs {
			if p == "" {
				t.Fatal("accepted an empty proof")
			}
		}
	})
}

// FuzzParseAuthorization: whatever the Authorization headers, the parser
// never panics; it refuses with 400 (two headers) or 401 (anything else
// wrong), or returns Bearer or DPoP and a token68 that, written back after
// its scheme, parses to the same.
func FuzzParseAuthorization(f *testing.F) {
	for _, seed := range [][2]string{
		{"Bearer abc", ""},
		{"DPoP Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU", ""},
		{"bearer   abc==", ""},
		{"Bearer abc", "Bearer abc"},
		{"Bearer", ""},
		{"Bearer ", ""},
		{"Bearer a b", ""},
		{"Bearer =abc", ""},
		{"Bearer ab=c", ""},
		{"Basic dXNlcjpwYXNz", ""},
		{"DPoP " + strings.Repeat("a", 600), ""},
		{"Bearer\tabc", ""},
		{"Bearer ab\x00c", ""},
		{"", ""},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		values := []string{a}
		if b != "" {
			values = append(values, b)
		}
		scheme, token, we := parseAuthorization(values)
		if we != nil {
			if we.status != http.StatusBadRequest && we.status != http.StatusUnauthorized || scheme != "" || token != "" ||
				we.status == http.StatusBadRequest && len(values) != 2 {
				t.Fatalf("refusal %+v for %q", we, values)
			}
			return
		}
		if len(values) != 1 || scheme != "Bearer" && scheme != "DPoP" || !token68(token) || len(token) > maxTokenBytes {
			t.Fatalf("accepted %q %q from %q", scheme, token, values)
		}
		if s2, t2, we := parseAuthorization([]string{scheme + " " + token}); we != nil || s2 != scheme || t2 != token {
			t.Fatalf("does not round-trip: %q", values)
		}
	})
}

// FuzzDescribe: an error_description is printable ASCII without '"' and
// '\', at most 300 bytes.
func FuzzDescribe(f *testing.F) {
	for _, s := range []string{"", `"quoted" \ back`, "한국어", "\x00\x7f\n", strings.Repeat("é", 400)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d := describe(s)
		if len(d) > 300 {
			t.Fatalf("%d bytes", len(d))
		}
		for i := 0; i < len(d); i++ {
			if c := d[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
				t.Fatalf("%q has %q", d, c)
			}
		}
	})
}
