package portal_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seoulid/seoulid/internal/keys"
	"github.com/seoulid/seoulid/internal/sdjwt"
	"github.com/seoulid/seoulid/issuer"
	issuerhttp "github.com/seoulid/seoulid/issuer/oid4vci"
	issuerstore "github.com/seoulid/seoulid/issuer/store/sqlite"
	"github.com/seoulid/seoulid/registry"
	"github.com/seoulid/seoulid/registry/registrytest"
	"github.com/seoulid/seoulid/schemas"
	"github.com/seoulid/seoulid/verifier"
	"github.com/seoulid/seoulid/verifier/oid4vp"
	"github.com/seoulid/seoulid/verifier/portal"
	"github.com/seoulid/seoulid/verifier/programmes"
	verifierstore "github.com/seoulid/seoulid/verifier/store/sqlite"
	"github.com/seoulid/seoulid/wallet"
	"github.com/seoulid/seoulid/wallet/keystore"
	walletvci "github.com/seoulid/seoulid/wallet/oid4vci"
	walletvp "github.com/seoulid/seoulid/wallet/oid4vp"
	"github.com/seoulid/seoulid/wallet/store"
)

const (
	cardVCT = "urn:seoulid:vct:seoul-citizen-card:1"
	medVCT  = "urn:seoulid:vct:medication-list:1"
	pin     = "204863"

	facilityEntry = "citizen-card-facility-entry"
	clinic        = "clinic-medication-list"
)

// city is one ledger (in memory, block by block) with a district office
// issuing over OpenID4VCI, the welfare portal verifying over OpenID4VP —
// the portal's pages and API beside the wallet-facing handler, as
// `seoulid verifier serve` mounts them — and citizens' wallets, all on
// one clock after the ledger's blocks (plus later, to let requests
// expire). Adapted from verifier/oid4vp/e2e_test.go.
type city struct {
	mu     sync.Mutex
	later  time.Duration
	l      *registrytest.Ledger
	issuer *issuer.Issuer
	offers *httptest.Server
	cat    *programmes.Catalogue
	svc    *verifier.Service
	portal *portal.Handler
	srv    *httptest.Server
}

func (c *city) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.l.Time().Add(30*time.Second + c.later)
}

// advance moves the city's clock.
func (c *city) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.later += d
}

// walletLedger is the registry as the wallet reads it.
type walletLedger struct{ r *registry.Reader }

func (w walletLedger) IssuerAuthorised(ctx context.Context, iss, vct string) (bool, error) {
	return w.r.IssuerAuthorised(ctx, iss, vct)
}

func (w walletLedger) Verifier(ctx context.Context, d string) (*wallet.VerifierInfo, error) {
	e, err := w.r.Verifier(ctx, d)
	if err != nil {
		return nil, nil
	}
	info := &wallet.VerifierInfo{Name: map[string]string{"ko": "서울시 복지포털", "en": "Seoul Welfare Portal"}}
	for _, p := range e.Purposes {
		wp := wallet.Purpose{ID: p.ID, LegalBasis: p.LegalBasis, Retention: p.Retention, Claims: map[string][]sdjwt.Path{},
			Description: map[schemas.Lang]string{schemas.Korean: p.Description.Ko, schemas.English: p.Description.En}}
		for _, c := range p.Claims {
			wp.Claims[c.VCT] = append(wp.Claims[c.VCT], c.Paths...)
		}
		info.Purposes = append(info.Purposes, wp)
	}
	return info, nil
}

// newCity builds the city with the portal in lang by default.
func newCity(t *testing.T, lang schemas.Lang) *city {
	ctx := context.Background()
	c := &city{l: registrytest.New(t)}
	l := c.l
	agency := l.Agencies[0]
	mkDID := func() *keys.PrivateKey {
		k := registrytest.NewKey(t)
		l.BlockOK(l.Sign(l.Op(agency, registry.Op{Type: registry.OpDIDCreate, DID: registrytest.DIDOf(k), Keys: []registry.Key{registrytest.KeyEntry(k, "key-1",
			registry.PurposeCapabilityInvocation, registry.PurposeAssertionMethod, registry.PurposeAuthentication)}}), agency, k))
		return k
	}
	issKey, portalKey := mkDID(), mkDID()
	l.BlockOK(l.Council(l.Op(agency, registry.Op{Type: registry.OpTrustIssuer, DID: registrytest.DIDOf(issKey), VCTs: []string{cardVCT, medVCT}}), registrytest.Threshold))

	// The portal's purposes are its programmes', as `seoulid verifier
	// serve` asks the council to register them.
	var err error
	c.cat, err = programmes.Load()
	require.NoError(t, err)
	var purposes []programmes.Purpose
	for _, p := range c.cat.Programmes() {
		purposes = append(purposes, p.Purpose())
	}
	b, err := json.Marshal(purposes)
	require.NoError(t, err)
	var reg []registry.Purpose
	require.NoError(t, json.Unmarshal(b, &reg))
	l.BlockOK(l.Council(l.Op(agency, registry.Op{Type: registry.OpTrustVerifier, DID: registrytest.DIDOf(portalKey), Purposes: reg}), registrytest.Threshold))
	l.Publish(issKey, "https://gwanak.example/status/1")

	// The district office.
	c.offers = httptest.NewUnstartedServer(nil)
	ist, err := issuerstore.Open(ctx, filepath.Join(t.TempDir(), "issuer.db"))
	require.NoError(t, err)
	t.Cleanup(func() { ist.Close() })
	c.issuer, err = issuer.New(issKey, ist, l.Reader(), nil, nil, issuer.Config{URL: "http://" + c.offers.Listener.Addr().String(),
		DID: registrytest.DIDOf(issKey), Types: []string{cardVCT, medVCT}, StatusListURL: "https://gwanak.example/status", Now: c.now})
	require.NoError(t, err)
	ih, err := issuerhttp.New(c.issuer, issuerhttp.Config{PublicKey: issKey.Public(), Name: schemas.Text{schemas.Korean: "관악구청", schemas.English: "Gwanak-gu Office"}})
	require.NoError(t, err)
	c.offers.Config.Handler = ih
	c.offers.Start()
	t.Cleanup(c.offers.Close)

	// The portal.
	c.srv = httptest.NewUnstartedServer(nil)
	base := "http://" + c.srv.Listener.Addr().String()
	pipe, err := verifier.New(l.Reader(), verifier.Config{Now: c.now})
	require.NoError(t, err)
	x, err := verifier.NewExchange(portalKey, pipe, verifier.ExchangeConfig{DID: registrytest.DIDOf(portalKey), ResponseURL: base + "/response", Now: c.now})
	require.NoError(t, err)
	vst, err := verifierstore.Open(ctx, filepath.Join(t.TempDir(), "verifier.db"))
	require.NoError(t, err)
	t.Cleanup(func() { vst.Close() })
	c.svc, err = verifier.NewService(x, c.cat, vst, verifier.ServiceConfig{RequestURL: base + "/request", Now: c.now})
	require.NoError(t, err)
	wallets := oid4vp.New(x, c.svc.OnAnswer, nil)
	c.portal, err = portal.New(c.svc, c.cat, portal.Config{Name: map[string]string{"ko": "서울시 복지포털", "en": "Seoul Welfare Portal"},
		DefaultLang: lang, Now: c.now, Logger: testLogger(t)})
	require.NoError(t, err)
	c.srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, oid4vp.PathRequest) || strings.HasPrefix(r.URL.Path, oid4vp.PathResponse) {
			wallets.ServeHTTP(w, r)
			return
		}
		c.portal.ServeHTTP(w, r)
	})
	c.srv.Start()
	t.Cleanup(c.srv.Close)
	return c
}

// citizen is a wallet holding credentials the district office issued.
type citizen struct {
	w *wallet.Wallet
}

// citizen makes a wallet and gives it a credential of each type, with
// the catalogue's example claims changed by edit (nil: as they are).
func (c *city) citizen(t *testing.T, edit func(vct string, claims map[string]any), vcts ...string) *citizen {
	ctx := context.Background()
	dir := t.TempDir()
	dev, err := store.OpenFileDeviceSecret(filepath.Join(dir, "device.key"))
	require.NoError(t, err)
	st, err := store.Create(ctx, filepath.Join(dir, "wallet.db"), dev, []byte(pin), store.Options{Params: store.UnsafeParams(64, 1, 1)})
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	reader := c.l.Reader()
	w, err := wallet.New(st, keystore.New(st), walletLedger{reader}, reader,
		walletvci.New(walletvci.Config{AllowHTTP: true, Now: c.now}), walletvp.New(reader, walletvp.Config{AllowHTTP: true, Now: c.now}),
		wallet.Config{Now: c.now})
	require.NoError(t, err)
	for _, vct := range vcts {
		ty, err := schemas.Default().Lookup(vct)
		require.NoError(t, err)
		claims := ty.Example()
		if edit != nil {
			edit(vct, claims)
		}
		offer, err := c.issuer.CreateOffer(ctx, "opr_test", vct, claims)
		require.NoError(t, err)
		_, err = w.Receive(ctx, offer.URI, "", offer.TxCode)
		require.NoError(t, err)
	}
	return &citizen{w: w}
}

// answer opens a request URI and approves it with the PIN (sensitive
// claims too).
func (z *citizen) answer(t *testing.T, uri string) *wallet.Receipt {
	ctx := context.Background()
	consent, err := z.w.Ask(ctx, uri)
	require.NoError(t, err)
	rc, err := z.w.Approve(ctx, consent, wallet.Approval{PIN: []byte(pin), Sensitive: consent.HasSensitive()})
	require.NoError(t, err)
	return rc
}

// decline opens a request URI and declines it.
func (z *citizen) decline(t *testing.T, uri string) {
	ctx := context.Background()
	consent, err := z.w.Ask(ctx, uri)
	require.NoError(t, err)
	require.NoError(t, z.w.Decline(ctx, consent))
}

// client is a browser without JavaScript (a cookie jar, redirects not
// followed) or an API client.
type client struct {
	t      testing.TB
	c      *http.Client
	base   string
	header http.Header
}

func (c *city) client(t testing.TB) *client {
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	return &client{t: t, base: c.srv.URL, header: http.Header{}, c: &http.Client{Jar: jar, Timeout: 90 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type response struct {
	*http.Response
	body string
}

// json decodes the body.
func (r response) json(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(r.body), &m), r.body)
	return m
}

func (c *client) do(method, path, contentType string, body io.Reader) response {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, body)
	require.NoError(c.t, err)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for k, v := range c.header {
		req.Header[k] = v
	}
	resp, err := c.c.Do(req)
	require.NoError(c.t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(c.t, err)
	return response{resp, string(b)}
}

func (c *client) get(path string) response { return c.do(http.MethodGet, path, "", nil) }

func (c *client) post(path string, form url.Values) response {
	return c.do(http.MethodPost, path, "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
}

func (c *client) postJSON(path, body string) response {
	return c.do(http.MethodPost, path, "application/json", strings.NewReader(body))
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf is the token of the form of a page.
func csrf(t testing.TB, body string) string {
	t.Helper()
	m := csrfField.FindStringSubmatch(body)
	require.NotNil(t, m, "no CSRF token in the page:\n%s", body)
	return m[1]
}

// start starts a request through the API and returns its id and URI.
func (c *client) start(programme string, params map[string]string) (id, uri string) {
	c.t.Helper()
	b, err := json.Marshal(map[string]any{"programme": programme, "parameters": params})
	require.NoError(c.t, err)
	r := c.postJSON("/api/requests", string(b))
	require.Equal(c.t, http.StatusCreated, r.StatusCode, r.body)
	m := r.json(c.t)
	return m["id"].(string), m["uri"].(string)
}
