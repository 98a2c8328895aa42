package oid4vci_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seoulid/seoulid/internal/dpop"
	"github.com/seoulid/seoulid/internal/jsonx"
	"github.com/seoulid/seoulid/internal/jws"
	"github.com/seoulid/seoulid/internal/keys"
	"github.com/seoulid/seoulid/issuer"
	"github.com/seoulid/seoulid/issuer/oid4vci"
	"github.com/seoulid/seoulid/issuer/store/sqlite"
	"github.com/seoulid/seoulid/schemas"
)

const (
	issuerDID = "did:seoul:gwanak-gu-office"
	cardVCT   = "urn:seoulid:vct:seoul-citizen-card:1"
	resVCT    = "urn:seoulid:vct:residency-status:1"
)

// trust is the ledger's trust registry as the issuer sees it: which vcts
// this issuer is authorised for. It can change under a running issuer, as
// a council decision on the ledger would change it.
type trust struct {
	mu      sync.Mutex
	allowed map[string]bool
}

func (t *trust) IssuerAuthorised(_ context.Context, iss, vct string) (bool, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return iss == issuerDID && t.allowed[vct], nil
}

func (t *trust) set(vct string, ok bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.allowed[vct] = ok
}

// clock is the issuer's clock, moved by the test.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// fixture is an issuer over a SQLite store behind its OpenID4VCI handler on
// a loopback server, and a wallet's HTTP client.
type fixture struct {
	t      testing.TB
	ctx    context.Context
	store  *sqlite.Store
	trust  *trust
	clock  *clock
	key    *keys.PrivateKey
	is     *issuer.Issuer
	h      *oid4vci.Handler
	url    string
	client *http.Client
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{t: t, ctx: ctx, trust: &trust{allowed: map[string]bool{cardVCT: true, resVCT: true}},
		clock: &clock{t: time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)}}
	var err error
	f.store, err = sqlite.Open(ctx, filepath.Join(t.TempDir(), "issuer.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.store.Close() })
	k, err := keys.Generate(keys.EdDSA)
	if err != nil {
		t.Fatal(err)
	}
	f.key = k.WithKeyID(issuerDID + "#key-1")
	srv := httptest.NewUnstartedServer(nil)
	f.url = "http://" + srv.Listener.Addr().String()
	f.is, err = issuer.New(f.key, f.store, f.trust, nil, nil, issuer.Config{
		URL: f.url, DID: issuerDID, Types: []string{cardVCT, resVCT}, Now: f.clock.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	f.h, err = oid4vci.New(f.is, oid4vci.Config{
		PublicKey: f.key.Public(),
		Name:      schemas.Text{schemas.Korean: "서울특별시 관악구청", schemas.English: "Gwanak-gu Office, Seoul"},
	})
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = f.h
	srv.Start()
	t.Cleanup(srv.Close)
	f.client = srv.Client()
	return f
}

// offer creates an offer of vct with the catalogue's example claims, as an
// operator at the back office would.
func (f *fixture) offer(vct string) *issuer.OfferResult {
	f.t.Helper()
	t, err := schemas.Default().Lookup(vct)
	if err != nil {
		f.t.Fatal(err)
	}
	o, err := f.is.CreateOffer(f.ctx, "opr_test", vct, t.Example())
	if err != nil {
		f.t.Fatal(err)
	}
	return o
}

// response is an HTTP response as the tests look at it.
type response struct {
	status int
	header http.Header
	body   []byte
	json   map[string]any
}

func (r *response) str(name string) string {
	s, _ := r.json[name].(string)
	return s
}

func (f *fixture) do(req *http.Request) *response {
	f.t.Helper()
	res, err := f.client.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		f.t.Fatal(err)
	}
	out := &response{status: res.StatusCode, header: res.Header, body: body}
	if strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") && len(body) > 0 {
		if out.json, err = jsonx.ParseObject(body); err != nil {
			f.t.Fatalf("%s %s: the body is not a JSON object: %v: %s", req.Method, req.URL, err, body)
		}
	}
	return out
}

func (f *fixture) get(path string) *response {
	f.t.Helper()
	req, err := http.NewRequest(http.MethodGet, f.url+path, nil)
	if err != nil {
		f.t.Fatal(err)
	}
	return f.do(req)
}

// post sends body with contentType and headers (name, value, name, value…).
func (f *fixture) post(path, contentType string, body []byte, headers ...string) *response {
	f.t.Helper()
	req, err := http.NewRequest(http.MethodPost, f.url+path, bytes.NewReader(body))
	if err != nil {
		f.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Add(headers[i], headers[i+1])
	}
	return f.do(req)
}

// token redeems a code; dpopKey, if not nil, signs a DPoP proof for it.
func (f *fixture) token(code, txCode string, dpopKey *keys.PrivateKey, extra ...string) *response {
	f.t.Helper()
	form := url.Values{"grant_type": {issuer.PreAuthorizedGrant}, "pre-authorized_code": {code}, "tx_code": {txCode}}
	for i := 0; i+1 < len(extra); i += 2 {
		form.Set(extra[i], extra[i+1])
	}
	var headers []string
	if dpopKey != nil {
		headers = append(headers, "DPoP", f.dpopProof(dpopKey, f.url+oid4vci.PathToken, ""))
	}
	return f.post(oid4vci.PathToken, "application/x-www-form-urlencoded", []byte(form.Encode()), headers...)
}

func (f *fixture) dpopProof(k *keys.PrivateKey, endpoint, accessToken string) string {
	f.t.Helper()
	p, err := dpop.NewProof(f.ctx, k, http.MethodPost, endpoint, accessToken, f.clock.Now())
	if err != nil {
		f.t.Fatal(err)
	}
	return p
}

func (f *fixture) nonce() string {
	f.t.Helper()
	res := f.post(oid4vci.PathNonce, "", nil)
	if res.status != http.StatusOK || res.str("c_nonce") == "" || res.header.Get("Cache-Control") != "no-store" {
		f.t.Fatalf("nonce: %d %s %v", res.status, res.body, res.header)
	}
	return res.str("c_nonce")
}

// keyProof is a jwt key proof (OpenID4VCI 1.0 Appendix F.1) by holder,
// for aud with nonce.
func (f *fixture) keyProof(holder *keys.PrivateKey, aud, nonce string) string {
	f.t.Helper()
	return f.keyProofWith(holder, map[string]any{"typ": issuer.ProofType, "jwk": holder.Public().JWK()},
		map[string]any{"aud": aud, "iat": f.clock.Now().Unix(), "nonce": nonce})
}

func (f *fixture) keyProofWith(signer *keys.PrivateKey, header, claims map[string]any) string {
	f.t.Helper()
	payload, err := jsonx.Marshal(claims)
	if err != nil {
		f.t.Fatal(err)
	}
	p, err := jws.Sign(f.ctx, signer, header, payload)
	if err != nil {
		f.t.Fatal(err)
	}
	return p
}

// credential sends a credential request with body (marshalled to JSON) and
// headers.
func (f *fixture) credential(body any, headers ...string) *response {
	f.t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		f.t.Fatal(err)
	}
	return f.post(oid4vci.PathCredential, "application/json", b, headers...)
}

// snapshot is everything the store can list, for checking that a refused
// request changed nothing.
func (f *fixture) snapshot() string {
	f.t.Helper()
	offers, err := f.store.ListOffers(f.ctx, 1000)
	if err != nil {
		f.t.Fatal(err)
	}
	creds, err := f.store.ListCredentials(f.ctx, 1000)
	if err != nil {
		f.t.Fatal(err)
	}
	audit, err := f.store.Audit(f.ctx, 0, 1000)
	if err != nil {
		f.t.Fatal(err)
	}
	b, err := json.Marshal([]any{offers, creds, audit})
	if err != nil {
		f.t.Fatal(err)
	}
	return string(b)
}

// refused checks an error response: the status, the error code, a JSON
// body with an ASCII error_description, and no-store.
func refused(t *testing.T, res *response, status int, code string) {
	t.Helper()
	if res.status != status || res.str("error") != code {
		t.Fatalf("got %d %s, want %d %s", res.status, res.body, status, code)
	}
	if res.header.Get("Cache-Control") != "no-store" || res.header.Get("Content-Type") != oid4vci.MediaJSON {
		t.Errorf("headers %v", res.header)
	}
	for _, c := range res.str("error_description") {
		if c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			t.Errorf("error_description %q has %q", res.str("error_description"), c)
		}
	}
}

func mustGenerate(t *testing.T, alg keys.Algorithm) *keys.PrivateKey {
	t.Helper()
	k, err := keys.Generate(alg)
	if err != nil {
		t.Fatal(err)
	}
	return k
}
