package backoffice_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"image/png"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seoulid/seoulid/internal/jsonx"
	"github.com/seoulid/seoulid/internal/jws"
	"github.com/seoulid/seoulid/internal/keys"
	"github.com/seoulid/seoulid/internal/statuslist"
	"github.com/seoulid/seoulid/issuer"
	"github.com/seoulid/seoulid/issuer/backoffice"
	"github.com/seoulid/seoulid/issuer/store/sqlite"
	"github.com/seoulid/seoulid/registry"
)

const (
	cardVCT   = "urn:seoulid:vct:seoul-citizen-card:1"
	issuerURL = "https://issuer.seoul.test"
	cardName  = "이정민"
)

const cardClaims = `{"name": "이정민", "birthdate": "2001-05-17", "age_over_14": true, "age_over_19": true,
 "age_over_65": false, "resident_of_seoul": true, "district": "관악구"}`

const badCardClaims = `{"name": "이정민", "birthdate": "2001-05-17", "age_over_14": "yes", "age_over_65": false,
 "resident_of_seoul": true, "district": "Gotham", "rrn": "010517-4234567"}`

// trustAll is the ledger of these tests: it authorises every issuer for
// every type.
type trustAll struct{}

func (trustAll) IssuerAuthorised(context.Context, string, string) (bool, error) { return true, nil }

// recorder is a Publisher that keeps the last token published per list.
type recorder struct {
	mu     sync.Mutex
	tokens map[string]string
	count  int
}

func (r *recorder) PublishStatusList(_ context.Context, uri, token string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.tokens == nil {
		r.tokens = map[string]string{}
	}
	r.tokens[uri] = token
	r.count++
	return nil
}

func (r *recorder) token(uri string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.tokens[uri]
}

// tamperStore alters the detail of the second audit entry it returns, as
// someone editing the database behind the issuer's back would.
type tamperStore struct {
	issuer.Store
	mu     sync.Mutex
	tamper bool
}

func (s *tamperStore) Audit(ctx context.Context, from int64, limit int) ([]*issuer.AuditEntry, error) {
	es, err := s.Store.Audit(ctx, from, limit)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err == nil && s.tamper && len(es) > 1 {
		c := *es[1]
		c.Detail = "nothing to see here"
		es[1] = &c
	}
	return es, err
}

type fixture struct {
	t      *testing.T
	is     *issuer.Issuer
	store  *tamperStore
	pub    *recorder
	signer *keys.PrivateKey
	srv    *httptest.Server
	op     *issuer.Operator
	token  string // the first operator's
}

func newFixture(t *testing.T, sender issuer.TxCodeSender) *fixture {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "issuer.db"))
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, st.Close()) })
	k, err := keys.Generate(keys.EdDSA)
	require.NoError(t, err)
	d := registry.DeriveDID(k.Public())
	f := &fixture{t: t, store: &tamperStore{Store: st}, pub: &recorder{}, signer: k.WithKeyID(d + "#key-1")}
	f.is, err = issuer.New(f.signer, f.store, trustAll{}, f.pub, sender, issuer.Config{URL: issuerURL, DID: d, Types: []string{cardVCT}})
	require.NoError(t, err)
	f.op, f.token, err = f.is.CreateOperator(ctx, "", "counter 1")
	require.NoError(t, err)
	h, err := backoffice.New(f.is, backoffice.Config{})
	require.NoError(t, err)
	f.srv = httptest.NewServer(h)
	t.Cleanup(f.srv.Close)
	return f
}

// do sends a request with the first operator's token and returns the
// status and the JSON answer.
func (f *fixture) do(method, path, body string) (int, map[string]any) {
	return f.doAs(f.token, method, path, body)
}

func (f *fixture) doAs(token, method, path, body string) (int, map[string]any) {
	f.t.Helper()
	req, err := http.NewRequest(method, f.srv.URL+path, strings.NewReader(body))
	require.NoError(f.t, err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	return f.send(req)
}

func (f *fixture) send(req *http.Request) (int, map[string]any) {
	f.t.Helper()
	resp, err := f.srv.Client().Do(req)
	require.NoError(f.t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(f.t, err)
	require.Equal(f.t, "application/json", resp.Header.Get("Content-Type"), "%s", b)
	require.Equal(f.t, "no-store", resp.Header.Get("Cache-Control"))
	var m map[string]any
	require.NoError(f.t, json.Unmarshal(b, &m), "%s", b)
	return resp.StatusCode, m
}

// offer creates an offer of the citizen card through the back office.
func (f *fixture) offer() map[string]any {
	f.t.Helper()
	status, m := f.do("POST", "/admin/v1/offers", `{"vct": "`+cardVCT+`", "claims": `+cardClaims+`}`)
	require.Equal(f.t, http.StatusCreated, status, "%v", m)
	return m
}

// redeem plays the wallet against the core: token with the tx_code,
// nonce, credential with a JWT proof. It returns the credential's id.
func (f *fixture) redeem(created map[string]any) string {
	f.t.Helper()
	ctx := context.Background()
	tok, err := f.is.Token(ctx, issuer.TokenRequest{PreAuthorizedCode: preAuthorizedCode(f.t, created["offer_uri"].(string)), TxCode: created["tx_code"].(string)})
	require.NoError(f.t, err)
	nonce, err := f.is.Nonce(ctx)
	require.NoError(f.t, err)
	holder, err := keys.Generate(keys.ES256)
	require.NoError(f.t, err)
	payload, err := jsonx.Marshal(map[string]any{"aud": issuerURL, "iat": time.Now().Unix(), "nonce": nonce})
	require.NoError(f.t, err)
	proof, err := jws.Sign(ctx, holder, map[string]any{"typ": issuer.ProofType, "jwk": holder.Public().JWK()}, payload)
	require.NoError(f.t, err)
	issued, err := f.is.Credential(ctx, issuer.CredentialRequest{AccessToken: tok.AccessToken, ConfigurationID: tok.ConfigurationID, Proofs: []string{proof}})
	require.NoError(f.t, err)
	require.Len(f.t, issued, 1)
	return issued[0].ID
}

// preAuthorizedCode reads the code out of an offer URI, as a wallet does.
func preAuthorizedCode(t *testing.T, uri string) string {
	t.Helper()
	rest, ok := strings.CutPrefix(uri, "openid-credential-offer://?")
	require.True(t, ok, uri)
	q, err := url.ParseQuery(rest)
	require.NoError(t, err)
	offer, err := jsonx.ParseObject([]byte(q.Get("credential_offer")))
	require.NoError(t, err)
	require.Equal(t, issuerURL, offer["credential_issuer"])
	grant := offer["grants"].(map[string]any)[issuer.PreAuthorizedGrant].(map[string]any)
	return grant["pre-authorized_code"].(string)
}

// statusOf reads a credential's entry in the status list token last
// published to the ledger, after checking the token's signature.
func (f *fixture) statusOf(uri string, idx int) uint8 {
	f.t.Helper()
	tok, err := statuslist.Parse(f.pub.token(uri))
	require.NoError(f.t, err)
	require.NoError(f.t, tok.Verify(f.signer.Public(), []keys.Algorithm{keys.EdDSA}))
	require.Equal(f.t, uri, tok.Claims().Subject)
	s, err := tok.Claims().List.Get(idx)
	require.NoError(f.t, err)
	return s
}

func TestAuthentication(t *testing.T) {
	f := newFixture(t, nil)
	cases := []struct {
		name    string
		headers []string
		code    string
	}{
		{"no header", nil, "unauthorized"},
		{"basic", []string{"Basic b3BlcmF0b3I6cGFzc3dvcmQ="}, "invalid_request"},
		{"empty bearer", []string{"Bearer "}, "invalid_request"},
		{"unknown token", []string{"Bearer " + issuer.OperatorTokenPrefix + "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}, "invalid_token"},
		{"not an operator token", []string{"Bearer " + strings.TrimPrefix(f.token, issuer.OperatorTokenPrefix)}, "invalid_token"},
		{"token with a character more", []string{"Bearer " + f.token + "A"}, "invalid_token"},
		{"two headers", []string{"Bearer " + f.token, "Bearer " + f.token}, "invalid_request"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// Every endpoint, and one that does not exist: nothing is
			// routed before the operator is known.
			for _, target := range []string{"GET /admin/v1/offers", "POST /admin/v1/offers", "GET /admin/v1/audit", "POST /admin/v1/credentials/crd_x/revoke", "GET /admin/v1/nowhere"} {
				method, path, _ := strings.Cut(target, " ")
				req, err := http.NewRequest(method, f.srv.URL+path, strings.NewReader(`{"vct": "`+cardVCT+`", "claims": `+cardClaims+`}`))
				require.NoError(t, err)
				req.Header.Set("Content-Type", "application/json")
				for _, h := range c.headers {
					req.Header.Add("Authorization", h)
				}
				resp, err := f.srv.Client().Do(req)
				require.NoError(t, err)
				var m map[string]any
				require.NoError(t, json.NewDecoder(resp.Body).Decode(&m))
				resp.Body.Close()
				require.Equal(t, http.StatusUnauthorized, resp.StatusCode, target)
				require.Equal(t, c.code, m["error"], target)
				require.True(t, strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), `Bearer realm="seoulid-backoffice"`))
			}
		})
	}
	// Nothing was created by any of them.
	offers, err := f.is.Store().ListOffers(context.Background(), 10)
	require.NoError(t, err)
	require.Empty(t, offers)

	status, _ := f.do("GET", "/admin/v1/offers", "")
	require.Equal(t, http.StatusOK, status)
}

func TestCreateOffer(t *testing.T) {
	f := newFixture(t, nil)
	before := time.Now()
	created := f.offer()
	id := created["offer_id"].(string)
	require.True(t, strings.HasPrefix(id, "off_"), id)
	require.Regexp(t, `^[0-9]{6}$`, created["tx_code"])
	require.True(t, strings.HasPrefix(created["offer_uri"].(string), "openid-credential-offer://?credential_offer="))
	exp, err := time.Parse(time.RFC3339Nano, created["expires_at"].(string))
	require.NoError(t, err)
	require.WithinDuration(t, before.Add(10*time.Minute), exp, time.Minute)

	// The QR code is a 256-pixel PNG.
	raw, err := base64.StdEncoding.DecodeString(created["qr_png"].(string))
	require.NoError(t, err)
	require.True(t, bytes.HasPrefix(raw, []byte("\x89PNG\r\n\x1a\n")))
	img, err := png.Decode(bytes.NewReader(raw))
	require.NoError(t, err)
	require.Equal(t, 256, img.Bounds().Dx())
	require.Equal(t, 256, img.Bounds().Dy())

	// A client that shows no QR code asks for none.
	status, m := f.do("POST", "/admin/v1/offers?qr=false", `{"vct": "`+cardVCT+`", "claims": `+cardClaims+`}`)
	require.Equal(t, http.StatusCreated, status)
	require.NotContains(t, m, "qr_png")
	require.Regexp(t, `^[0-9]{6}$`, m["tx_code"])
	status, m = f.do("POST", "/admin/v1/offers?qr=no", `{"vct": "`+cardVCT+`", "claims": `+cardClaims+`}`)
	require.Equal(t, http.StatusBadRequest, status)
	require.Equal(t, "qr must be true or false", m["error_description"])

	// The offer is pending, and the code and tx_code redeem it.
	status, got := f.do("GET", "/admin/v1/offers/"+id, "")
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, "pending", got["state"])
	require.Equal(t, f.op.ID, got["operator"])
	require.Equal(t, "seoul-citizen-card-v1", got["credential_configuration_id"])
	crd := f.redeem(created)
	_, got = f.do("GET", "/admin/v1/offers/"+id, "")
	require.Equal(t, "issued", got["state"])
	require.Equal(t, float64(1), got["credentials"])

	// The tx_code is never shown again, nor are the claims.
	for _, path := range []string{"/admin/v1/offers", "/admin/v1/offers/" + id, "/admin/v1/credentials", "/admin/v1/credentials/" + crd, "/admin/v1/audit"} {
		req, err := http.NewRequest("GET", f.srv.URL+path, nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+f.token)
		resp, err := f.srv.Client().Do(req)
		require.NoError(t, err)
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode, path)
		for _, secret := range []string{created["tx_code"].(string), cardName, "관악구", "2001-05-17", f.token} {
			require.NotContains(t, string(b), secret, path)
		}
	}
}

func TestCreateOfferRefusals(t *testing.T) {
	f := newFixture(t, nil)

	// Claims that break the schema: every violation, with its pointer.
	status, m := f.do("POST", "/admin/v1/offers", `{"vct": "`+cardVCT+`", "claims": `+badCardClaims+`}`)
	require.Equal(t, http.StatusUnprocessableEntity, status)
	require.Equal(t, "invalid_claims", m["error"])
	var pointers []string
	for _, v := range m["violations"].([]any) {
		vm := v.(map[string]any)
		require.NotEmpty(t, vm["message"])
		pointers = append(pointers, vm["pointer"].(string))
	}
	require.Equal(t, []string{"/age_over_14", "/age_over_19", "/district", "/rrn", "/rrn", "/rrn"}, pointers)
	require.NotContains(t, m["error_description"], "010517")

	cases := []struct {
		name, contentType, body string
		status                  int
		code, says              string
	}{
		{"unknown vct", "application/json", `{"vct": "urn:seoulid:vct:passport:1", "claims": {}}`, 400, "unknown_vct", "does not offer"},
		{"unknown member", "application/json", `{"vct": "` + cardVCT + `", "claims": {}, "holder": "x"}`, 400, "invalid_request", `unknown member "holder"`},
		{"duplicate member", "application/json", `{"vct": "` + cardVCT + `", "vct": "` + cardVCT + `", "claims": {}}`, 400, "invalid_request", "duplicate"},
		{"duplicate claim", "application/json", `{"vct": "` + cardVCT + `", "claims": {"name": "a", "name": "b"}}`, 400, "invalid_request", "duplicate"},
		{"missing claims", "application/json", `{"vct": "` + cardVCT + `"}`, 400, "invalid_request", `"claims" is missing`},
		{"claims not an object", "application/json", `{"vct": "` + cardVCT + `", "claims": []}`, 400, "invalid_request", `"claims" must be an object, not an array`},
		{"vct not a string", "application/json", `{"vct": 7, "claims": {}}`, 400, "invalid_request", `"vct" must be a non-empty string`},
		{"not an object", "application/json", `[]`, 400, "invalid_request", "object"},
		{"trailing data", "application/json", `{"vct": "x", "claims": {}} {}`, 400, "invalid_request", "invalid JSON"},
		{"not JSON", "text/plain", `vct=x`, 415, "invalid_request", "application/json"},
		{"too big", "application/json", `{"vct": "` + cardVCT + `", "claims": {"name": "` + strings.Repeat("가", backoffice.MaxBodyBytes/3) + `"}}`, 413, "invalid_request", "larger than"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req, err := http.NewRequest("POST", f.srv.URL+"/admin/v1/offers", strings.NewReader(c.body))
			require.NoError(t, err)
			req.Header.Set("Authorization", "Bearer "+f.token)
			req.Header.Set("Content-Type", c.contentType)
			status, m := f.send(req)
			require.Equal(t, c.status, status, "%v", m)
			require.Equal(t, c.code, m["error"])
			require.Contains(t, m["error_description"], c.says)
		})
	}
	offers, err := f.is.Store().ListOffers(context.Background(), 10)
	require.NoError(t, err)
	require.Empty(t, offers, "a refused offer is not stored")
}

func TestRoutingAndQueries(t *testing.T) {
	f := newFixture(t, nil)
	cases := []struct {
		method, path string
		status       int
		allow        string
	}{
		{"DELETE", "/admin/v1/offers", 405, "GET, POST"},
		{"POST", "/admin/v1/credentials", 405, "GET"},
		{"GET", "/admin/v1/credentials/crd_x/revoke", 405, "POST"},
		{"PUT", "/admin/v1/operators", 405, "POST"},
		{"POST", "/admin/v1/audit", 405, "GET"},
		{"GET", "/admin/v1/credentials/crd_x/delete", 404, ""},
		{"GET", "/admin/v1/credentials/", 404, ""},
		{"GET", "/admin/v1/credentials/crd_unknown", 404, ""},
		{"POST", "/admin/v1/credentials/crd_unknown/revoke", 404, ""},
		{"GET", "/admin/v1/offers/off_unknown", 404, ""},
		{"GET", "/admin/v1/offers?limit=0", 400, ""},
		{"GET", "/admin/v1/offers?limit=1001", 400, ""},
		{"GET", "/admin/v1/offers?limit=ten", 400, ""},
		{"GET", "/admin/v1/offers?limit=1&limit=2", 400, ""},
		{"GET", "/admin/v1/credentials?offset=3", 400, ""},
		{"GET", "/admin/v1/audit?from=0", 400, ""},
		{"GET", "/admin/v1/audit?from=1&limit=1000", 200, ""},
	}
	for _, c := range cases {
		req, err := http.NewRequest(c.method, f.srv.URL+c.path, nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+f.token)
		status, m := f.send(req)
		require.Equal(t, c.status, status, "%s %s: %v", c.method, c.path, m)
		if c.allow != "" {
			resp, err := f.srv.Client().Do(req)
			require.NoError(t, err)
			resp.Body.Close()
			require.Equal(t, c.allow, resp.Header.Get("Allow"))
		}
	}
}

func TestStatusChanges(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	a, b := f.redeem(f.offer()), f.redeem(f.offer())

	// Lists: newest first, no claims.
	status, m := f.do("GET", "/admin/v1/credentials?limit=1", "")
	require.Equal(t, http.StatusOK, status)
	require.Len(t, m["credentials"], 1)
	require.Equal(t, b, get(m, "credentials", 0, "id"))
	_, m = f.do("GET", "/admin/v1/credentials", "")
	require.Len(t, m["credentials"], 2)
	_, m = f.do("GET", "/admin/v1/offers", "")
	require.Len(t, m["offers"], 2)

	_, ca := f.do("GET", "/admin/v1/credentials/"+a, "")
	require.Equal(t, "valid", ca["status"])
	require.Equal(t, cardVCT, ca["vct"])
	uriA, idxA := get(ca, "status_list", "uri").(string), int(get(ca, "status_list", "idx").(float64))
	require.Equal(t, issuerURL+"/status-lists/1", uriA)
	_, cb := f.do("GET", "/admin/v1/credentials/"+b, "")
	uriB, idxB := get(cb, "status_list", "uri").(string), int(get(cb, "status_list", "idx").(float64))
	require.NotEqual(t, idxA, idxB)
	// The list was published (all valid) when it was opened.
	require.Equal(t, uint8(issuer.StatusValid), f.statusOf(uriA, idxA))

	// Revoke a, suspend b.
	status, m = f.do("POST", "/admin/v1/credentials/"+a+"/revoke", "")
	require.Equal(t, http.StatusOK, status, "%v", m)
	require.Equal(t, "revoked", m["status"])
	status, m = f.do("POST", "/admin/v1/credentials/"+b+"/suspend", "")
	require.Equal(t, http.StatusOK, status, "%v", m)
	require.Equal(t, "suspended", m["status"])

	// Nothing reaches the ledger until the publisher runs; then one token
	// carries both changes.
	require.Equal(t, uint8(issuer.StatusValid), f.statusOf(uriA, idxA))
	published := f.pub.count
	n, err := f.is.PublishStatusLists(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, n)
	require.Equal(t, published+1, f.pub.count)
	require.Equal(t, uint8(issuer.StatusRevoked), f.statusOf(uriA, idxA))
	require.Equal(t, uint8(issuer.StatusSuspended), f.statusOf(uriB, idxB))

	// Revocation is final; a suspension is not.
	for _, action := range []string{"reinstate", "suspend"} {
		status, m = f.do("POST", "/admin/v1/credentials/"+a+"/"+action, "")
		require.Equal(t, http.StatusConflict, status)
		require.Equal(t, "revoked_is_final", m["error"])
	}
	status, m = f.do("POST", "/admin/v1/credentials/"+b+"/reinstate", "")
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, "valid", m["status"])
	// Asking again for the status it has changes nothing.
	status, _ = f.do("POST", "/admin/v1/credentials/"+a+"/revoke", "")
	require.Equal(t, http.StatusOK, status)
	_, err = f.is.PublishStatusLists(ctx)
	require.NoError(t, err)
	require.Equal(t, uint8(issuer.StatusRevoked), f.statusOf(uriA, idxA))
	require.Equal(t, uint8(issuer.StatusValid), f.statusOf(uriB, idxB))

	// The audit log has each change once, by the operator, and its chain
	// holds.
	status, m = f.do("GET", "/admin/v1/audit", "")
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, true, m["verified"])
	var actions []string
	for _, e := range m["entries"].([]any) {
		em := e.(map[string]any)
		actions = append(actions, em["action"].(string)+" "+em["detail"].(string))
		require.Len(t, em["hash"], 64)
		if em["action"] != "operator.create" {
			require.Equal(t, f.op.ID, em["operator"])
		}
	}
	require.Equal(t, []string{
		"operator.create counter 1",
		"offer.create " + cardVCT,
		"offer.create " + cardVCT,
		"credential.revoke valid → revoked",
		"credential.suspend valid → suspended",
		"credential.reinstate suspended → valid",
	}, actions)

	// A run that does not start at the first entry is not verified.
	_, m = f.do("GET", "/admin/v1/audit?from=3&limit=2", "")
	require.Len(t, m["entries"], 2)
	require.Equal(t, float64(3), get(m, "entries", 0, "seq"))
	require.NotContains(t, m, "verified")

	// An altered entry breaks the chain, and the answer says so.
	f.store.mu.Lock()
	f.store.tamper = true
	f.store.mu.Unlock()
	_, m = f.do("GET", "/admin/v1/audit", "")
	require.Equal(t, false, m["verified"])
	require.Contains(t, m["verify_error"], "entry 2")
}

func TestOperators(t *testing.T) {
	f := newFixture(t, nil)
	status, m := f.do("POST", "/admin/v1/operators", `{"name": "  창구 2  "}`)
	require.Equal(t, http.StatusCreated, status, "%v", m)
	require.Equal(t, "창구 2", m["name"])
	token := m["token"].(string)
	require.True(t, strings.HasPrefix(token, issuer.OperatorTokenPrefix))

	// The new operator works, and what they do is theirs in the log.
	status, created := f.doAs(token, "POST", "/admin/v1/offers", `{"vct": "`+cardVCT+`", "claims": `+cardClaims+`}`)
	require.Equal(t, http.StatusCreated, status)
	_, o := f.do("GET", "/admin/v1/offers/"+created["offer_id"].(string), "")
	require.Equal(t, m["id"], o["operator"])
	_, log := f.do("GET", "/admin/v1/audit", "")
	require.Equal(t, f.op.ID, get(log, "entries", 1, "operator"), "the operator who added the new one")
	require.Equal(t, m["id"], get(log, "entries", 1, "subject"))

	for body, says := range map[string]string{
		`{"name": ""}`: `"name" must be 1 to 100 bytes`,
		`{"name": "` + strings.Repeat("a", 101) + `"}`: `"name" must be 1 to 100 bytes`,
		`{"name": "a\u0000b"}`:                         "control characters",
		`{"name": 3}`:                                  `"name" must be a string, not a number`,
		`{"name": "a", "role": "admin"}`:               `unknown member "role"`,
		`{}`:                                           `"name" is missing`,
	} {
		status, m := f.do("POST", "/admin/v1/operators", body)
		require.Equal(t, http.StatusBadRequest, status, body)
		require.Contains(t, m["error_description"], says, body)
	}
}

// TestLogSender: the tx_code is in the log in development only.
func TestLogSender(t *testing.T) {
	for _, dev := range []bool{false, true} {
		var buf bytes.Buffer
		logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		}}))
		f := newFixture(t, backoffice.LogSender{Logger: logger, Dev: dev})
		created := f.offer()
		line := buf.String()
		id, code := created["offer_id"].(string), created["tx_code"].(string)
		require.Contains(t, line, "tx_code for offer "+id+" sent by SMS")
		if dev {
			require.Contains(t, line, "tx_code="+code)
		} else {
			require.NotContains(t, strings.ReplaceAll(line, id, ""), code)
			require.NotContains(t, line, "tx_code=")
		}
	}
}

func TestNew(t *testing.T) {
	_, err := backoffice.New(nil, backoffice.Config{})
	require.Error(t, err)
}

func get(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			v = v.(map[string]any)[k]
		case int:
			v = v.([]any)[k]
		}
	}
	return v
}
