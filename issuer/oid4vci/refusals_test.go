package oid4vci_test

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/seoulid/seoulid/internal/b64url"
	"github.com/seoulid/seoulid/internal/keys"
	"github.com/seoulid/seoulid/issuer"
	"github.com/seoulid/seoulid/issuer/oid4vci"
)

// TestTokenRefusals: every way a token request is refused, with its
// RFC 6749 §5.2 code, and what each leaves in the store — nothing, except
// a wrong tx_code's count against its offer.
func TestTokenRefusals(t *testing.T) {
	f := newFixture(t)
	o := f.offer(cardVCT)
	form := func(kv ...string) []byte {
		v := url.Values{}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Add(kv[i], kv[i+1])
		}
		return []byte(v.Encode())
	}
	const ct = "application/x-www-form-urlencoded"
	g, c, x := "grant_type", "pre-authorized_code", "tx_code"
	pa := issuer.PreAuthorizedGrant
	before := f.snapshot()
	for _, tc := range []struct {
		name        string
		contentType string
		body        []byte
		code        string
	}{
		{"JSON", "application/json", []byte(`{"grant_type":"` + pa + `"}`), issuer.CodeInvalidRequest},
		{"no content type", "", form(g, pa, c, o.PreAuthorizedCode, x, o.TxCode), issuer.CodeInvalidRequest},
		{"malformed form", ct, []byte("grant_type=%zz"), issuer.CodeInvalidRequest},
		{"semicolons", ct, []byte("grant_type=a;b=c"), issuer.CodeInvalidRequest},
		{"no grant type", ct, form(c, o.PreAuthorizedCode, x, o.TxCode), issuer.CodeInvalidRequest},
		{"authorization code grant", ct, form(g, "authorization_code", "code", "x"), issuer.CodeUnsupportedGrantType},
		{"client credentials", ct, form(g, "client_credentials"), issuer.CodeUnsupportedGrantType},
		{"no code", ct, form(g, pa, x, o.TxCode), issuer.CodeInvalidRequest},
		{"no tx_code", ct, form(g, pa, c, o.PreAuthorizedCode), issuer.CodeInvalidRequest},
		{"empty tx_code", ct, form(g, pa, c, o.PreAuthorizedCode, x, ""), issuer.CodeInvalidRequest},
		{"long tx_code", ct, form(g, pa, c, o.PreAuthorizedCode, x, strings.Repeat("1", 65)), issuer.CodeInvalidRequest},
		{"code twice", ct, form(g, pa, c, o.PreAuthorizedCode, c, o.PreAuthorizedCode, x, o.TxCode), issuer.CodeInvalidRequest},
		{"tx_code twice", ct, form(g, pa, c, o.PreAuthorizedCode, x, o.TxCode, x, o.TxCode), issuer.CodeInvalidRequest},
		{"unknown code", ct, form(g, pa, c, "nope", x, o.TxCode), issuer.CodeInvalidGrant},
		{"long code", ct, form(g, pa, c, strings.Repeat("a", 513), x, o.TxCode), issuer.CodeInvalidGrant},
	} {
		t.Run(tc.name, func(t *testing.T) {
			refused(t, f.post(oid4vci.PathToken, tc.contentType, tc.body), http.StatusBadRequest, tc.code)
			if f.snapshot() != before {
				t.Error("the refusal changed the store")
			}
		})
	}

	// A wrong tx_code counts; four of them leave the offer redeemable.
	wrong := "000000"
	if o.TxCode == wrong {
		wrong = "111111"
	}
	for i := 1; i <= 4; i++ {
		refused(t, f.token(o.PreAuthorizedCode, wrong, nil), http.StatusBadRequest, issuer.CodeInvalidGrant)
		if off, _ := f.store.Offer(f.ctx, o.Offer.ID); off.Attempts != i || off.State != issuer.OfferPending {
			t.Fatalf("after %d wrong tx_codes: %+v", i, off)
		}
	}
	// Unknown parameters, client_id among them, are ignored.
	tok := f.token(o.PreAuthorizedCode, o.TxCode, nil, "client_id", "wallet", "scope", "x")
	if tok.status != http.StatusOK {
		t.Fatalf("token: %d %s", tok.status, tok.body)
	}
	// The code is single-use.
	refused(t, f.token(o.PreAuthorizedCode, o.TxCode, nil), http.StatusBadRequest, issuer.CodeInvalidGrant)

	t.Run("burned after five wrong tx_codes", func(t *testing.T) {
		o := f.offer(cardVCT)
		for range 5 {
			refused(t, f.token(o.PreAuthorizedCode, wrong, nil), http.StatusBadRequest, issuer.CodeInvalidGrant)
		}
		res := f.token(o.PreAuthorizedCode, o.TxCode, nil)
		refused(t, res, http.StatusBadRequest, issuer.CodeInvalidGrant)
		if off, _ := f.store.Offer(f.ctx, o.Offer.ID); off.State != issuer.OfferBurned || !strings.Contains(res.str("error_description"), "no longer") {
			t.Errorf("offer %+v, %s", off, res.body)
		}
	})
	t.Run("expired code", func(t *testing.T) {
		o := f.offer(cardVCT)
		f.clock.advance(10*time.Minute + time.Second)
		before := f.snapshot()
		res := f.token(o.PreAuthorizedCode, o.TxCode, nil)
		refused(t, res, http.StatusBadRequest, issuer.CodeInvalidGrant)
		if !strings.Contains(res.str("error_description"), "expired") || f.snapshot() != before {
			t.Errorf("expired: %s", res.body)
		}
	})
}

// TestCredentialRefusals: every way a credential request is refused, with
// its §8.3.1.2 or RFC 6750 code, none of which changes the store.
func TestCredentialRefusals(t *testing.T) {
	f := newFixture(t)
	o := f.offer(cardVCT)
	tok := f.token(o.PreAuthorizedCode, o.TxCode, nil)
	at := tok.str("access_token")
	auth := []string{"Authorization", "Bearer " + at}
	holder, other, sameAlg := mustGenerate(t, keys.EdDSA), mustGenerate(t, keys.ES256), mustGenerate(t, keys.EdDSA)
	nonce := f.nonce()
	good := f.keyProof(holder, f.url, nonce)
	req := func(proofs ...string) map[string]any {
		return map[string]any{"credential_configuration_id": "seoul-citizen-card-v1", "proofs": map[string]any{"jwt": proofs}}
	}
	jwk := holder.Public().JWK()
	now := f.clock.Now().Unix()
	// A nonce of this issuer with one bit of its expiry changed: its MAC
	// no longer holds.
	fresh, err := b64url.Decode(f.nonce())
	if err != nil {
		t.Fatal(err)
	}
	fresh[8] ^= 1
	forged := b64url.Encode(fresh)

	// The nonce of another, completed issuance.
	o2 := f.offer(resVCT)
	tok2 := f.token(o2.PreAuthorizedCode, o2.TxCode, nil)
	usedNonce := f.nonce()
	if res := f.credential(map[string]any{"credential_configuration_id": "residency-status-v1", "proofs": map[string]any{"jwt": []string{f.keyProof(other, f.url, usedNonce)}}},
		"Authorization", "Bearer "+tok2.str("access_token")); res.status != http.StatusOK {
		t.Fatalf("the other issuance: %d %s", res.status, res.body)
	}

	before := f.snapshot()
	for _, tc := range []struct {
		name    string
		body    any
		headers []string
		status  int
		code    string
		desc    string // in the error_description, when not ""
	}{
		{"no token", req(good), nil, 401, issuer.CodeInvalidToken, ""},
		{"unknown token", req(good), []string{"Authorization", "Bearer AAAA"}, 401, issuer.CodeInvalidToken, "unknown or expired"},
		{"malformed token", req(good), []string{"Authorization", "Bearer a b"}, 401, issuer.CodeInvalidToken, ""},
		{"empty token", req(good), []string{"Authorization", "Bearer "}, 401, issuer.CodeInvalidToken, ""},
		{"basic", req(good), []string{"Authorization", "Basic " + at}, 401, issuer.CodeInvalidToken, ""},
		{"two Authorization headers", req(good), []string{"Authorization", "Bearer " + at, "Authorization", "Bearer " + at}, 400, issuer.CodeInvalidRequest, ""},
		{"a token in a DPoP header only", req(good), []string{"DPoP", at}, 401, issuer.CodeInvalidToken, ""},
		{"not an object", []string{good}, auth, 400, issuer.CodeInvalidCredentialRequest, ""},
		{"no configuration", map[string]any{"proofs": map[string]any{"jwt": []string{good}}}, auth, 400, issuer.CodeInvalidCredentialRequest, ""},
		{"configuration not a string", map[string]any{"credential_configuration_id": 1, "proofs": map[string]any{"jwt": []string{good}}}, auth, 400, issuer.CodeInvalidCredentialRequest, ""},
		{"unknown configuration", map[string]any{"credential_configuration_id": "building-register-v1", "proofs": map[string]any{"jwt": []string{good}}}, auth, 400, issuer.CodeUnknownCredentialConfiguration, "'building-register-v1' is not"},
		{"the other offer's configuration", map[string]any{"credential_configuration_id": "residency-status-v1", "proofs": map[string]any{"jwt": []string{good}}}, auth, 400, issuer.CodeInvalidCredentialRequest, ""},
		{"the drafts' single proof", map[string]any{"credential_configuration_id": "seoul-citizen-card-v1", "proof": map[string]any{"proof_type": "jwt", "jwt": good}}, auth, 400, issuer.CodeInvalidCredentialRequest, ""},
		{"response encryption", map[string]any{"credential_configuration_id": "seoul-citizen-card-v1", "proofs": map[string]any{"jwt": []string{good}},
			"credential_response_encryption": map[string]any{"jwk": jwk, "enc": "A256GCM"}}, auth, 400, oid4vci.CodeInvalidEncryptionParameters, ""},
		{"no proofs", map[string]any{"credential_configuration_id": "seoul-citizen-card-v1"}, auth, 400, issuer.CodeInvalidProof, ""},
		{"empty proofs", req(), auth, 400, issuer.CodeInvalidProof, ""},
		{"di_vp proofs", map[string]any{"credential_configuration_id": "seoul-citizen-card-v1", "proofs": map[string]any{"di_vp": []any{map[string]any{}}}}, auth, 400, issuer.CodeInvalidProof, ""},
		{"two proof types", map[string]any{"credential_configuration_id": "seoul-citizen-card-v1", "proofs": map[string]any{"jwt": []string{good}, "attestation": []string{good}}}, auth, 400, issuer.CodeInvalidProof, ""},
		{"proofs.jwt a string", map[string]any{"credential_configuration_id": "seoul-citizen-card-v1", "proofs": map[string]any{"jwt": good}}, auth, 400, issuer.CodeInvalidProof, ""},
		{"not a JWT", req("x"), auth, 400, issuer.CodeInvalidProof, ""},
		{"proof signed by another key than its jwk", req(f.keyProofWith(sameAlg, map[string]any{"typ": issuer.ProofType, "jwk": jwk},
			map[string]any{"aud": f.url, "iat": now, "nonce": nonce})), auth, 400, issuer.CodeInvalidProof, "signature does not verify"},
		{"proof signed with another algorithm than its jwk's", req(f.keyProofWith(other, map[string]any{"typ": issuer.ProofType, "jwk": jwk},
			map[string]any{"aud": f.url, "iat": now, "nonce": nonce})), auth, 400, issuer.CodeInvalidProof, "signature"},
		{"proof for another issuer", req(f.keyProof(holder, "https://other-issuer.example", nonce)), auth, 400, issuer.CodeInvalidProof, "is for 'https://other-issuer.example'"},
		{"proof with the wrong typ", req(f.keyProofWith(holder, map[string]any{"typ": "JWT", "jwk": jwk},
			map[string]any{"aud": f.url, "iat": now, "nonce": nonce})), auth, 400, issuer.CodeInvalidProof, ""},
		{"proof with a private key", req(f.keyProofWith(holder, map[string]any{"typ": issuer.ProofType, "jwk": holder.PrivateJWK()},
			map[string]any{"aud": f.url, "iat": now, "nonce": nonce})), auth, 400, issuer.CodeInvalidProof, ""},
		{"old proof", req(f.keyProofWith(holder, map[string]any{"typ": issuer.ProofType, "jwk": jwk},
			map[string]any{"aud": f.url, "iat": now - 3600, "nonce": nonce})), auth, 400, issuer.CodeInvalidProof, ""},
		{"two proofs by one key", req(good, f.keyProof(holder, f.url, nonce)), auth, 400, issuer.CodeInvalidProof, ""},
		{"two nonces", req(good, f.keyProof(other, f.url, "another")), auth, 400, issuer.CodeInvalidProof, ""},
		{"reused nonce", req(f.keyProof(holder, f.url, usedNonce)), auth, 400, issuer.CodeInvalidNonce, "unknown, used or expired"},
		{"unknown nonce", req(f.keyProof(holder, f.url, "made-up")), auth, 400, issuer.CodeInvalidNonce, ""},
		{"forged nonce", req(f.keyProof(holder, f.url, forged)), auth, 400, issuer.CodeInvalidNonce, "unknown, used or expired"},
		{"more proofs than the batch size", req(good, good, good, good, good, good, good, good, good, good, good), auth, 400, issuer.CodeInvalidCredentialRequest, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := f.credential(tc.body, tc.headers...)
			refused(t, res, tc.status, tc.code)
			if !strings.Contains(res.str("error_description"), tc.desc) {
				t.Errorf("error_description %q, want it to say %q", res.str("error_description"), tc.desc)
			}
			if tc.status == 401 {
				ch := res.header.Values("WWW-Authenticate")
				switch {
				case tc.headers == nil || tc.name == "a token in a DPoP header only" || tc.name == "basic":
					if len(ch) != 2 || ch[0] != "Bearer" || !strings.HasPrefix(ch[1], "DPoP algs=") {
						t.Errorf("challenges %q", ch)
					}
				case len(ch) != 1 || !strings.Contains(ch[0], `error="invalid_token"`):
					t.Errorf("challenges %q", ch)
				}
			}
			if f.snapshot() != before {
				t.Error("the refusal changed the store")
			}
		})
	}

	t.Run("wrong content type", func(t *testing.T) {
		res := f.post(oid4vci.PathCredential, "application/jwt", []byte("e30.e30.e30"), auth...)
		refused(t, res, http.StatusBadRequest, issuer.CodeInvalidCredentialRequest)
	})
	t.Run("duplicate members", func(t *testing.T) {
		body := `{"credential_configuration_id":"seoul-citizen-card-v1","credential_configuration_id":"x","proofs":{"jwt":["` + good + `"]}}`
		refused(t, f.post(oid4vci.PathCredential, "application/json", []byte(body), auth...), http.StatusBadRequest, issuer.CodeInvalidCredentialRequest)
	})
	t.Run("not authorised any more", func(t *testing.T) {
		f.trust.set(cardVCT, false)
		defer f.trust.set(cardVCT, true)
		refused(t, f.credential(req(f.keyProof(holder, f.url, f.nonce())), auth...), http.StatusBadRequest, issuer.CodeCredentialRequestDenied)
		if f.snapshot() != before {
			t.Error("the refusal changed the store")
		}
	})

	// After all that, the request issues; members the issuer does not know
	// are ignored (§8.2), the scheme's case too (RFC 9110 §11.1).
	body := req(good)
	body["notification_hint"] = map[string]any{"x": 1}
	res := f.credential(body, "Authorization", "bEaReR "+at)
	if res.status != http.StatusOK {
		t.Fatalf("credential: %d %s", res.status, res.body)
	}
}

// TestLimitsAndRouting: sizes, methods, unknown paths and the read-only
// endpoints.
func TestLimitsAndRouting(t *testing.T) {
	f := newFixture(t)
	do := func(method, path string, body []byte, headers ...string) *response {
		t.Helper()
		req, err := http.NewRequest(method, f.url+path, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i+1 < len(headers); i += 2 {
			req.Header.Set(headers[i], headers[i+1])
		}
		return f.do(req)
	}
	for _, tc := range []struct {
		method, path string
		allow        string
	}{
		{"GET", "/token", "POST"},
		{"PUT", "/credential", "POST"},
		{"GET", "/nonce", "POST"},
		{"POST", oid4vci.WellKnownCredentialIssuer, "GET, HEAD"},
		{"DELETE", "/status-lists/1", "GET, HEAD"},
		{"POST", "/healthz", "GET, HEAD"},
	} {
		res := do(tc.method, tc.path, nil)
		refused(t, res, http.StatusMethodNotAllowed, "invalid_request")
		if res.header.Get("Allow") != tc.allow {
			t.Errorf("%s %s: Allow %q", tc.method, tc.path, res.header.Get("Allow"))
		}
	}
	big := bytes.Repeat([]byte("a"), oid4vci.MaxBodyBytes+1)
	for _, p := range []string{"/token", "/credential", "/nonce"} {
		refused(t, do("POST", p, big, "Content-Type", "application/json", "Authorization", "Bearer x"), http.StatusRequestEntityTooLarge, "invalid_request")
	}
	refused(t, do("GET", "/healthz?"+strings.Repeat("a", oid4vci.MaxTargetBytes), nil), http.StatusRequestURITooLong, "invalid_request")
	for _, p := range []string{"/", "/credentials", "/status-lists/2", "/status-lists/01", "/status-lists/x", "/status-lists/", "/type-metadata/urn:seoulid:vct:building-register:1",
		oid4vci.WellKnownCredentialIssuer + "/x", "/.well-known/openid-configuration"} {
		refused(t, f.get(p), http.StatusNotFound, "not_found")
	}
	refused(t, f.get("/type-metadata"), http.StatusBadRequest, "invalid_request")
	refused(t, f.get("/type-metadata?vct=a&vct=b"), http.StatusBadRequest, "invalid_request")

	if res := f.get("/healthz"); res.status != 200 || res.str("status") != "ok" {
		t.Errorf("healthz: %d %s", res.status, res.body)
	}
	q := f.get("/type-metadata?vct=" + url.QueryEscape(cardVCT))
	p := f.get("/type-metadata/" + url.PathEscape(cardVCT))
	if q.status != 200 || !bytes.Equal(q.body, p.body) || q.str("vct") != cardVCT {
		t.Errorf("type metadata: %d %s", q.status, q.body)
	}
	head := do("HEAD", oid4vci.WellKnownCredentialIssuer, nil)
	if head.status != 200 || len(head.body) != 0 || head.header.Get("Content-Length") == "0" {
		t.Errorf("HEAD: %d %v", head.status, head.header)
	}
	// The list being filled exists from the start, all valid; the next
	// one does not (checked with the 404s above).
	if res := f.get("/status-lists/1"); res.status != http.StatusOK || res.header.Get("Content-Type") != oid4vci.MediaStatusList {
		t.Errorf("status list 1: %d %s", res.status, res.body)
	}
	// Signed metadata is not offered: the JSON whatever the Accept header.
	if res := do("GET", oid4vci.WellKnownCredentialIssuer, nil, "Accept", "application/jwt"); res.header.Get("Content-Type") != oid4vci.MediaJSON {
		t.Errorf("signed metadata asked for: %v", res.header)
	}
}
