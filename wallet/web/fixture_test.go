package web_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seoulid/seoulid/schemas"
	"github.com/seoulid/seoulid/wallet"
	"github.com/seoulid/seoulid/wallet/keystore"
	"github.com/seoulid/seoulid/wallet/oid4vci"
	"github.com/seoulid/seoulid/wallet/oid4vp"
	"github.com/seoulid/seoulid/wallet/store"
	"github.com/seoulid/seoulid/wallet/wallettest"
	"github.com/seoulid/seoulid/wallet/web"
)

const (
	resVCT = "urn:seoulid:vct:residency-status:1"
	pin    = "204863"
)

var (
	gwanakName = schemas.Text{schemas.Korean: "관악구청", schemas.English: "Gwanak-gu Office"}
	portalName = map[string]string{"ko": "서울시 복지포털", "en": "Seoul Welfare Portal"}
)

// clock is a settable clock for the idle timeout.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// fixture is a wallet on a fresh data dir, locked, behind the web UI on a
// loopback server, as `seoulid wallet serve` wires it.
type fixture struct {
	h       *web.Handler
	st      *store.Store
	w       *wallet.Wallet
	ledger  *wallettest.Ledger
	clock   *clock
	unlocks atomic.Int32
	locks   atomic.Int32
	srv     *httptest.Server
}

func newFixture(t testing.TB, lang schemas.Lang) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{ledger: wallettest.NewLedger(), clock: &clock{t: time.Now()}}
	dir := t.TempDir()
	dev, err := store.OpenFileDeviceSecret(filepath.Join(dir, "device.key"))
	require.NoError(t, err)
	f.st, err = store.Create(ctx, filepath.Join(dir, "wallet.db"), dev, []byte(pin), store.Options{Params: store.UnsafeParams(64, 1, 1)})
	require.NoError(t, err)
	t.Cleanup(func() { f.st.Close() })
	f.st.Lock()
	f.w, err = wallet.New(f.st, keystore.New(f.st), f.ledger, f.ledger, oid4vci.New(oid4vci.Config{AllowHTTP: true}),
		oid4vp.New(f.ledger, oid4vp.Config{AllowHTTP: true}), wallet.Config{})
	require.NoError(t, err)
	f.h, err = web.New(web.Config{
		Unlock: func(ctx context.Context, p []byte) (*wallet.Wallet, error) {
			f.unlocks.Add(1)
			if err := f.st.Unlock(ctx, p); err != nil {
				return nil, err
			}
			return f.w, nil
		},
		Lock:        func() { f.locks.Add(1); f.st.Lock() },
		DefaultLang: lang,
		IdleTimeout: 5 * time.Minute,
		Now:         f.clock.Now,
		Logger:      slog.New(slog.NewTextHandler(t.Output(), nil)),
	})
	require.NoError(t, err)
	t.Cleanup(func() { f.h.Close() })
	f.srv = httptest.NewServer(f.h)
	t.Cleanup(f.srv.Close)
	return f
}

// client is a browser without JavaScript: a cookie jar, no redirects
// followed (the tests look at them).
type client struct {
	t    testing.TB
	c    *http.Client
	base string
	// header is added to every request.
	header http.Header
}

func (f *fixture) client(t testing.TB) *client {
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	return &client{t: t, base: f.srv.URL, header: http.Header{}, c: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type response struct {
	*http.Response
	body string
}

func (c *client) do(method, path string, form url.Values) response {
	c.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, c.base+path, body)
	require.NoError(c.t, err)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
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

func (c *client) get(path string) response { return c.do(http.MethodGet, path, nil) }

func (c *client) post(path string, form url.Values) response {
	return c.do(http.MethodPost, path, form)
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf is the token of the first form of a page.
func csrf(t testing.TB, body string) string {
	t.Helper()
	m := csrfField.FindStringSubmatch(body)
	require.NotNil(t, m, "no CSRF token in the page:\n%s", body)
	return m[1]
}

// unlock opens the wallet in c's session with the PIN form.
func (c *client) unlock(t testing.TB) {
	t.Helper()
	page := c.get("/unlock")
	require.Equal(t, http.StatusOK, page.StatusCode)
	r := c.post("/unlock", url.Values{"csrf": {csrf(t, page.body)}, "pin": {pin}})
	require.Equal(t, http.StatusSeeOther, r.StatusCode, r.body)
	require.Equal(t, "/cards", r.Header.Get("Location"))
}

// withResidency gives the fixture's wallet a residency-status credential
// of an authorised issuer, received through the core.
func (f *fixture) withResidency(t testing.TB) *wallet.Credential {
	t.Helper()
	ctx := context.Background()
	gwanak := wallettest.NewIssuer(t, f.ledger, gwanakName, resVCT)
	f.ledger.Authorise(gwanak.DID, resVCT)
	uri, tx := gwanak.Offer(t, resVCT, nil)
	require.NoError(t, f.st.Unlock(ctx, []byte(pin)))
	defer f.st.Lock()
	cred, err := f.w.Receive(ctx, uri, "", tx)
	require.NoError(t, err)
	return cred
}
