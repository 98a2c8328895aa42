package oid4vci_test

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/seoulid/seoulid/internal/jsonx"
	"github.com/seoulid/seoulid/internal/keys"
	"github.com/seoulid/seoulid/internal/sdjwtvc"
	"github.com/seoulid/seoulid/internal/statuslist"
	"github.com/seoulid/seoulid/issuer"
	"github.com/seoulid/seoulid/issuer/oid4vci"
	"github.com/seoulid/seoulid/schemas"
)

// offerFromURI reads an openid-credential-offer:// URI as a wallet does
// (OpenID4VCI 1.0 §4.1.2): the offer by value in credential_offer.
func offerFromURI(t *testing.T, uri string) (issuerURL, configID, code string, txCode map[string]any) {
	t.Helper()
	rest, ok := strings.CutPrefix(uri, "openid-credential-offer://?")
	if !ok {
		t.Fatalf("offer URI %q", uri)
	}
	q, err := url.ParseQuery(rest)
	if err != nil || len(q) != 1 {
		t.Fatalf("offer URI query %q: %v", rest, err)
	}
	o, err := jsonx.ParseObject([]byte(q.Get("credential_offer")))
	if err != nil {
		t.Fatal(err)
	}
	ids, _ := o["credential_configuration_ids"].([]any)
	grant, _ := o["grants"].(map[string]any)[issuer.PreAuthorizedGrant].(map[string]any)
	if len(ids) != 1 || grant == nil {
		t.Fatalf("offer %v", o)
	}
	issuerURL, _ = o["credential_issuer"].(string)
	configID, _ = ids[0].(string)
	code, _ = grant["pre-authorized_code"].(string)
	txCode, _ = grant["tx_code"].(map[string]any)
	return
}

// TestIssuanceFlow is a wallet's whole pre-authorized code flow with a
// bearer token: the offer, the metadata, a token for the tx_code, a nonce,
// and two copies bound to two holder keys, each verified as the wallet
// would and checked against the status list the issuer serves.
func TestIssuanceFlow(t *testing.T) {
	f := newFixture(t)
	o := f.offer(cardVCT)

	// The wallet scans the offer.
	iss, configID, code, txCode := offerFromURI(t, o.URI)
	if iss != f.url || configID != "seoul-citizen-card-v1" || code != o.PreAuthorizedCode || txCode["length"] != json6 || txCode["input_mode"] != "numeric" {
		t.Fatalf("offer: %s %s %v", iss, configID, txCode)
	}

	// The metadata, found from credential_issuer (§12.2.2).
	meta := f.get(oid4vci.WellKnownCredentialIssuer)
	if meta.status != http.StatusOK || meta.header.Get("Content-Type") != oid4vci.MediaJSON {
		t.Fatalf("metadata: %d %s", meta.status, meta.body)
	}
	if meta.str("credential_issuer") != iss || meta.str("credential_endpoint") != f.url+"/credential" || meta.str("nonce_endpoint") != f.url+"/nonce" {
		t.Errorf("metadata endpoints: %s", meta.body)
	}
	for _, absent := range []string{"authorization_servers", "deferred_credential_endpoint", "notification_endpoint", "credential_response_encryption"} {
		if _, ok := meta.json[absent]; ok {
			t.Errorf("metadata has %s", absent)
		}
	}
	if b, _ := meta.json["batch_credential_issuance"].(map[string]any); b["batch_size"] != jsonNumber("10") {
		t.Errorf("batch_credential_issuance %v", meta.json["batch_credential_issuance"])
	}
	display, _ := meta.json["display"].([]any)
	if len(display) != 2 || display[0].(map[string]any)["locale"] != "ko" || display[0].(map[string]any)["name"] != "서울특별시 관악구청" ||
		display[1].(map[string]any)["locale"] != "en" || display[1].(map[string]any)["name"] != "Gwanak-gu Office, Seoul" {
		t.Errorf("display %v", display)
	}
	configs, _ := meta.json["credential_configurations_supported"].(map[string]any)
	card, _ := configs[configID].(map[string]any)
	if len(configs) != 2 || card["vct"] != cardVCT || card["format"] != "dc+sd-jwt" ||
		!slices.Equal(card["credential_signing_alg_values_supported"].([]any), []any{"EdDSA"}) {
		t.Errorf("credential_configurations_supported: %v", configs)
	}
	as := f.get(oid4vci.WellKnownAuthServer)
	if as.str("issuer") != iss || as.str("token_endpoint") != f.url+"/token" || as.json["pre-authorized_grant_anonymous_access_supported"] != true ||
		!slices.Equal(as.json["grant_types_supported"].([]any), []any{issuer.PreAuthorizedGrant}) ||
		!slices.Equal(as.json["dpop_signing_alg_values_supported"].([]any), []any{"EdDSA", "ES256"}) {
		t.Errorf("authorization server metadata: %s", as.body)
	}
	if _, ok := as.json["response_types_supported"]; ok {
		t.Error("response_types_supported in the metadata of a pre-authorized-only server")
	}

	// The token, for the tx_code the citizen types in.
	tok := f.token(code, o.TxCode, nil)
	if tok.status != http.StatusOK || tok.str("token_type") != "Bearer" || tok.json["expires_in"] != jsonNumber("300") ||
		tok.header.Get("Cache-Control") != "no-store" || tok.str("access_token") == "" {
		t.Fatalf("token: %d %s %v", tok.status, tok.body, tok.header)
	}
	if _, ok := tok.json["authorization_details"]; ok {
		t.Error("authorization_details in a response to a request without them")
	}

	// Two copies, for two keys, with one nonce.
	holders := []*keys.PrivateKey{mustGenerate(t, keys.EdDSA), mustGenerate(t, keys.ES256)}
	nonce := f.nonce()
	proofs := []string{f.keyProof(holders[0], iss, nonce), f.keyProof(holders[1], iss, nonce)}
	res := f.credential(map[string]any{"credential_configuration_id": configID, "proofs": map[string]any{"jwt": proofs}},
		"Authorization", "Bearer "+tok.str("access_token"))
	if res.status != http.StatusOK || res.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("credential: %d %s", res.status, res.body)
	}
	creds, _ := res.json["credentials"].([]any)
	if len(creds) != 2 {
		t.Fatalf("credentials: %s", res.body)
	}

	v, err := sdjwtvc.NewVerifier(sdjwtvc.FixedKey(f.key.Public()), sdjwtvc.Config{Algorithms: keys.Algorithms, Now: f.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	ty, _ := schemas.Default().Lookup(cardVCT)
	indexes := map[int]bool{}
	for i, c := range creds {
		sd, _ := c.(map[string]any)["credential"].(string)
		got, err := v.VerifyIssued(f.ctx, sd)
		if err != nil {
			t.Fatalf("credential %d: %v", i, err)
		}
		if got.SDJWT.Header["typ"] != sdjwtvc.MediaType || got.SDJWT.Header["kid"] != f.key.KeyID() || got.VCT != cardVCT || got.Issuer != issuerDID {
			t.Errorf("credential %d: header %v, vct %s, iss %s", i, got.SDJWT.Header, got.VCT, got.Issuer)
		}
		if !got.SDJWT.HolderKey.Equal(holders[i].Public()) {
			t.Errorf("credential %d is bound to %v, not to the key of proof %d", i, got.SDJWT.HolderKey, i)
		}
		if got.Claims["vct#integrity"] != ty.TypeMetadataIntegrity() || got.Claims["name"] != ty.Example()["name"] {
			t.Errorf("credential %d: claims %v", i, got.Claims)
		}
		ref, err := statuslist.ParseReference(got.Status)
		if err != nil {
			t.Fatal(err)
		}
		if indexes[ref.Index] {
			t.Errorf("two copies share status index %d", ref.Index)
		}
		indexes[ref.Index] = true

		// The status list, where the credential says it is.
		path, ok := strings.CutPrefix(ref.URI, f.url)
		if !ok || path != "/status-lists/1" {
			t.Fatalf("status list URI %s", ref.URI)
		}
		sl := f.get(path)
		if sl.status != http.StatusOK || sl.header.Get("Content-Type") != oid4vci.MediaStatusList {
			t.Fatalf("status list: %d %s", sl.status, sl.body)
		}
		slt, err := statuslist.Parse(string(sl.body))
		if err != nil {
			t.Fatal(err)
		}
		if err := slt.Verify(f.key.Public(), keys.Algorithms); err != nil {
			t.Fatal(err)
		}
		if s, err := slt.Claims().List.Get(ref.Index); err != nil || s != 0 || slt.Claims().Subject != ref.URI {
			t.Errorf("status %d, %v, sub %s", s, err, slt.Claims().Subject)
		}

		// The type metadata the credential's vct#integrity commits to.
		tm := f.get("/type-metadata/" + got.VCT)
		if tm.status != http.StatusOK || sdjwtvc.Integrity(tm.body) != got.Claims["vct#integrity"] {
			t.Errorf("type metadata: %d %s", tm.status, tm.body)
		}
	}
	recs, _ := f.store.ListCredentials(f.ctx, 10)
	if len(recs) != 2 {
		t.Fatalf("%d issuance records", len(recs))
	}
	for _, r := range recs {
		if r.HolderThumbprint != holders[0].Public().Thumbprint() && r.HolderThumbprint != holders[1].Public().Thumbprint() {
			t.Errorf("record %+v", r)
		}
	}

	// The signing key, where the SD-JWT VC spec puts it.
	vc := f.get(oid4vci.WellKnownJWTVCIssuer)
	set, _ := vc.json["jwks"].(map[string]any)
	ks, _ := set["keys"].([]any)
	if vc.str("issuer") != iss || len(ks) != 1 {
		t.Fatalf("jwt-vc-issuer: %s", vc.body)
	}
	pub, err := keys.PublicKeyFromJWK(ks[0].(map[string]any))
	if err != nil || !pub.Equal(f.key.Public()) || pub.KeyID() != f.key.KeyID() {
		t.Errorf("jwt-vc-issuer key %v, %v", pub, err)
	}

	// The offer issues once: the same token again is refused, and changes
	// nothing.
	before := f.snapshot()
	again := f.credential(map[string]any{"credential_configuration_id": configID, "proofs": map[string]any{"jwt": []string{f.keyProof(holders[0], iss, f.nonce())}}},
		"Authorization", "Bearer "+tok.str("access_token"))
	refused(t, again, http.StatusBadRequest, issuer.CodeCredentialRequestDenied)
	if f.snapshot() != before {
		t.Error("a refused request changed the store")
	}
}

// json6 and jsonNumber are numbers as jsonx parses them.
var json6 = jsonNumber("6")

func jsonNumber(s string) any {
	v, err := jsonx.Parse([]byte(s))
	if err != nil {
		panic(err)
	}
	return v
}

// TestDPoPFlow binds the token to a DPoP key: the credential endpoint
// then wants a proof by that key, with the token's hash, for every request.
func TestDPoPFlow(t *testing.T) {
	f := newFixture(t)
	o := f.offer(resVCT)
	dk := mustGenerate(t, keys.ES256)

	// A proof for another endpoint is refused, and the code survives it.
	before := f.snapshot()
	form := url.Values{"grant_type": {issuer.PreAuthorizedGrant}, "pre-authorized_code": {o.PreAuthorizedCode}, "tx_code": {o.TxCode}}
	bad := f.post(oid4vci.PathToken, "application/x-www-form-urlencoded", []byte(form.Encode()),
		"DPoP", f.dpopProof(dk, f.url+oid4vci.PathCredential, ""))
	refused(t, bad, http.StatusBadRequest, issuer.CodeInvalidDPoPProof)
	if f.snapshot() != before {
		t.Error("a refused token request changed the store")
	}

	tok := f.token(o.PreAuthorizedCode, o.TxCode, dk)
	if tok.status != http.StatusOK || tok.str("token_type") != "DPoP" {
		t.Fatalf("token: %d %s", tok.status, tok.body)
	}
	at := tok.str("access_token")
	off, _ := f.store.ListOffers(f.ctx, 1)
	if off[0].TokenJKT != dk.Public().Thumbprint() {
		t.Errorf("the token is bound to %q", off[0].TokenJKT)
	}

	holders := []*keys.PrivateKey{mustGenerate(t, keys.EdDSA), mustGenerate(t, keys.EdDSA)}
	nonce := f.nonce()
	body := map[string]any{"credential_configuration_id": "residency-status-v1", "proofs": map[string]any{"jwt": []string{
		f.keyProof(holders[0], f.url, nonce), f.keyProof(holders[1], f.url, nonce)}}}
	before = f.snapshot()
	for _, tc := range []struct {
		name    string
		headers []string
		status  int
		code    string
		scheme  string
	}{
		{"as a bearer token", []string{"Authorization", "Bearer " + at}, 401, issuer.CodeInvalidToken, "Bearer"},
		{"without a proof", []string{"Authorization", "DPoP " + at}, 401, issuer.CodeInvalidDPoPProof, "DPoP"},
		{"with a proof by another key", []string{"Authorization", "DPoP " + at, "DPoP", f.dpopProof(mustGenerate(t, keys.ES256), f.url+oid4vci.PathCredential, at)}, 401, issuer.CodeInvalidToken, "DPoP"},
		{"with a proof for another token", []string{"Authorization", "DPoP " + at, "DPoP", f.dpopProof(dk, f.url+oid4vci.PathCredential, "another")}, 401, issuer.CodeInvalidDPoPProof, "DPoP"},
		{"with a proof for the token endpoint", []string{"Authorization", "DPoP " + at, "DPoP", f.dpopProof(dk, f.url+oid4vci.PathToken, at)}, 401, issuer.CodeInvalidDPoPProof, "DPoP"},
		{"with two proofs", []string{"Authorization", "DPoP " + at, "DPoP", f.dpopProof(dk, f.url+oid4vci.PathCredential, at), "DPoP", f.dpopProof(dk, f.url+oid4vci.PathCredential, at)}, 401, issuer.CodeInvalidDPoPProof, "DPoP"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := f.credential(body, tc.headers...)
			refused(t, res, tc.status, tc.code)
			if c := res.header.Get("WWW-Authenticate"); !strings.HasPrefix(c, tc.scheme+` error="`+tc.code+`"`) {
				t.Errorf("WWW-Authenticate %q", c)
			}
			if f.snapshot() != before {
				t.Error("a refused request changed the store")
			}
		})
	}

	// The right proof; the nonce and key proof of the refused requests
	// still serve, since nothing was consumed.
	proof := f.dpopProof(dk, f.url+oid4vci.PathCredential, at)
	res := f.credential(body, "Authorization", "DPoP "+at, "DPoP", proof)
	if res.status != http.StatusOK {
		t.Fatalf("credential: %d %s", res.status, res.body)
	}
	checkIssued(t, f, res, resVCT, holders)
	// The same DPoP proof again is a replay.
	res = f.credential(body, "Authorization", "DPoP "+at, "DPoP", proof)
	refused(t, res, http.StatusUnauthorized, issuer.CodeInvalidDPoPProof)
	if !strings.Contains(res.str("error_description"), "replayed") {
		t.Errorf("replay: %s", res.body)
	}
}

// TestAuthorizationDetails: a wallet that asks by authorization_details
// gets them back with a credential identifier, and may use it.
func TestAuthorizationDetails(t *testing.T) {
	f := newFixture(t)
	o := f.offer(cardVCT)
	before := f.snapshot()
	for _, bad := range []string{
		`[]`, `{}`, `[{"type":"openid_credential"}]`, `[{"type":"other","credential_configuration_id":"seoul-citizen-card-v1"}]`,
		`[{"type":"openid_credential","credential_configuration_id":"unknown-v1"}]`, `[{"type":"openid_credential","credential_configuration_id":1}]`, `x`,
	} {
		res := f.token(o.PreAuthorizedCode, o.TxCode, nil, "authorization_details", bad)
		refused(t, res, http.StatusBadRequest, oid4vci.CodeInvalidAuthorizationDetails)
	}
	if f.snapshot() != before {
		t.Error("refused authorization_details changed the store")
	}
	tok := f.token(o.PreAuthorizedCode, o.TxCode, nil, "authorization_details", `[{"type":"openid_credential","credential_configuration_id":"seoul-citizen-card-v1","locations":["x"]}]`)
	if tok.status != http.StatusOK {
		t.Fatalf("token: %d %s", tok.status, tok.body)
	}
	ad, _ := tok.json["authorization_details"].([]any)
	if len(ad) != 1 {
		t.Fatalf("authorization_details %s", tok.body)
	}
	d := ad[0].(map[string]any)
	ids, _ := d["credential_identifiers"].([]any)
	if d["type"] != "openid_credential" || d["credential_configuration_id"] != "seoul-citizen-card-v1" || len(ids) != 1 {
		t.Fatalf("authorization_details %v", d)
	}
	holder := mustGenerate(t, keys.EdDSA)
	proofs := map[string]any{"jwt": []string{f.keyProof(holder, f.url, f.nonce())}}
	auth := []string{"Authorization", "Bearer " + tok.str("access_token")}
	refused(t, f.credential(map[string]any{"credential_identifier": "unknown", "proofs": proofs}, auth...), http.StatusBadRequest, oid4vci.CodeUnknownCredentialIdentifier)
	refused(t, f.credential(map[string]any{"credential_identifier": ids[0], "credential_configuration_id": ids[0], "proofs": proofs}, auth...), http.StatusBadRequest, issuer.CodeInvalidCredentialRequest)
	res := f.credential(map[string]any{"credential_identifier": ids[0], "proofs": proofs}, auth...)
	if res.status != http.StatusOK {
		t.Fatalf("credential: %d %s", res.status, res.body)
	}
}

// TestOfferClaimsFailSchema: claims that do not fit the type are refused
// when the offer is made, and nothing is stored.
func TestOfferClaimsFailSchema(t *testing.T) {
	f := newFixture(t)
	before := f.snapshot()
	ty, _ := schemas.Default().Lookup(cardVCT)
	claims := ty.Example()
	claims["age_over_19"] = "yes"
	_, err := f.is.CreateOffer(f.ctx, "opr_test", cardVCT, claims)
	var ve *schemas.ValidationError
	if !errors.As(err, &ve) || !errors.Is(err, schemas.ErrInvalidClaims) || !strings.Contains(err.Error(), "/age_over_19") {
		t.Fatalf("got %v", err)
	}
	if f.snapshot() != before {
		t.Error("a refused offer changed the store")
	}
	// Nor an offer of a type this issuer does not offer.
	_, err = f.is.CreateOffer(f.ctx, "opr_test", "urn:seoulid:vct:building-register:1", map[string]any{})
	if issuer.CodeOf(err) != issuer.CodeUnknownCredentialConfiguration {
		t.Errorf("another type: %v", err)
	}
	// Nor one the ledger does not authorise.
	f.trust.set(cardVCT, false)
	if _, err := f.is.CreateOffer(f.ctx, "opr_test", cardVCT, ty.Example()); issuer.CodeOf(err) != issuer.CodeCredentialRequestDenied {
		t.Errorf("not authorised: %v", err)
	}
	if f.snapshot() != before {
		t.Error("a refused offer changed the store")
	}
}

// checkIssued verifies the credentials of a response as their holder
// would: one per holder key in order, of type vct, bound to that key, with
// distinct status indexes.
func checkIssued(t *testing.T, f *fixture, res *response, vct string, holders []*keys.PrivateKey) {
	t.Helper()
	creds, _ := res.json["credentials"].([]any)
	if len(creds) != len(holders) {
		t.Fatalf("%d credentials for %d keys: %s", len(creds), len(holders), res.body)
	}
	v, err := sdjwtvc.NewVerifier(sdjwtvc.FixedKey(f.key.Public()), sdjwtvc.Config{Algorithms: keys.Algorithms, Now: f.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int]bool{}
	for i, c := range creds {
		sd, _ := c.(map[string]any)["credential"].(string)
		got, err := v.VerifyIssued(f.ctx, sd)
		if err != nil {
			t.Fatalf("credential %d: %v", i, err)
		}
		ref, err := statuslist.ParseReference(got.Status)
		if err != nil || got.SDJWT.Header["typ"] != sdjwtvc.MediaType || got.VCT != vct || !got.SDJWT.HolderKey.Equal(holders[i].Public()) || seen[ref.Index] {
			t.Errorf("credential %d: typ %v, vct %s, holder %v, status %v (%v)", i, got.SDJWT.Header["typ"], got.VCT, got.SDJWT.HolderKey, got.Status, err)
		}
		seen[ref.Index] = true
	}
}
