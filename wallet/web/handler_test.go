package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seoulid/seoulid/schemas"
	"github.com/seoulid/seoulid/wallet"
	"github.com/seoulid/seoulid/wallet/store"
	"github.com/seoulid/seoulid/wallet/web"
)

// TestHost: only 127.0.0.1 and localhost, with or without a port, are
// answered; any other name — the one a DNS rebinding attack would send —
// is refused before a session is made.
func TestHost(t *testing.T) {
	f := newFixture(t, schemas.English)
	for _, tc := range []struct {
		host string
		ok   bool
	}{
		{"127.0.0.1:8421", true},
		{"127.0.0.1", true},
		{"localhost:8421", true},
		{"LOCALHOST:8421", true},
		{"evil.example:8421", false},
		{"evil.example", false},
		{"127.0.0.1.nip.io:8421", false},
		{"localhost.evil.example", false},
		{"127.0.0.2:8421", false},
		{"[::1]:8421", false},
		{"127.0.0.1:http", false},
		{"", false},
	} {
		t.Run(tc.host, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/unlock", nil)
			r.Host = tc.host
			w := httptest.NewRecorder()
			f.h.ServeHTTP(w, r)
			if tc.ok {
				assert.Equal(t, http.StatusOK, w.Code)
				assert.NotEmpty(t, w.Result().Cookies(), "a session starts")
			} else {
				assert.Equal(t, http.StatusForbidden, w.Code)
				assert.Empty(t, w.Result().Cookies(), "no session for another host")
				assert.Equal(t, "no-store", w.Header().Get("Cache-Control"))
			}
		})
	}
}

// TestHeaders: every response, page or not, is no-store and under the
// strict Content-Security-Policy; the session cookie is HttpOnly and
// SameSite=Strict.
func TestHeaders(t *testing.T) {
	f := newFixture(t, schemas.English)
	c := f.client(t)
	for _, path := range []string{"/", "/unlock", "/cards", "/nowhere", "/static/app.css", "/static/app.js", "/static/cards.css", "/static/missing.js"} {
		r := c.get(path)
		assert.Equal(t, "no-store", r.Header.Get("Cache-Control"), path)
		csp := r.Header.Get("Content-Security-Policy")
		assert.Contains(t, csp, "script-src 'self'", path)
		assert.Contains(t, csp, "frame-ancestors 'none'", path)
		assert.NotContains(t, csp, "unsafe-inline", path)
		assert.Equal(t, "DENY", r.Header.Get("X-Frame-Options"), path)
		assert.Equal(t, "nosniff", r.Header.Get("X-Content-Type-Options"), path)
	}
	r := c.post("/unlock", url.Values{"pin": {pin}})
	assert.Equal(t, "no-store", r.Header.Get("Cache-Control"), "a refused POST too")

	fresh := f.client(t).get("/unlock")
	cookies := fresh.Cookies()
	require.Len(t, cookies, 1)
	assert.True(t, cookies[0].HttpOnly)
	assert.Equal(t, http.SameSiteStrictMode, cookies[0].SameSite)
	assert.Equal(t, "/", cookies[0].Path)
	assert.GreaterOrEqual(t, len(cookies[0].Value), 43, "256 random bits")

	css := c.get("/static/cards.css")
	assert.Equal(t, "text/css; charset=utf-8", css.Header.Get("Content-Type"))
	assert.Contains(t, css.body, "background-color:#C8102E", "the residency-status card's colour, from the catalogue")

	page := c.get("/unlock")
	assert.NotContains(t, page.body, "<script>", "no inline script")
	assert.NotContains(t, page.body, "style=", "no inline style")
}

// TestCSRF: a POST without the session's token, with another token, with
// a token of another session, or from another origin is refused and
// never reaches the wallet; the token changes when the wallet is unlocked.
func TestCSRF(t *testing.T) {
	f := newFixture(t, schemas.English)
	c := f.client(t)
	token := csrf(t, c.get("/unlock").body)
	other := csrf(t, f.client(t).get("/unlock").body)
	require.NotEqual(t, token, other)

	for name, form := range map[string]url.Values{
		"no token":              {"pin": {pin}},
		"empty token":           {"pin": {pin}, "csrf": {""}},
		"wrong token":           {"pin": {pin}, "csrf": {strings.Repeat("A", len(token))}},
		"another session's":     {"pin": {pin}, "csrf": {other}},
		"token one byte longer": {"pin": {pin}, "csrf": {token + "A"}},
	} {
		r := c.post("/unlock", form)
		assert.Equal(t, http.StatusForbidden, r.StatusCode, name)
		assert.Contains(t, r.body, "security check failed", name)
	}
	// The token in the query string does not count: only the form's.
	r := c.post("/unlock?csrf="+url.QueryEscape(token), url.Values{"pin": {pin}})
	assert.Equal(t, http.StatusForbidden, r.StatusCode)
	// Right token, another origin.
	c.header.Set("Origin", "http://evil.example")
	r = c.post("/unlock", url.Values{"pin": {pin}, "csrf": {token}})
	assert.Equal(t, http.StatusForbidden, r.StatusCode)
	c.header.Del("Origin")
	c.header.Set("Sec-Fetch-Site", "cross-site")
	r = c.post("/unlock", url.Values{"pin": {pin}, "csrf": {token}})
	assert.Equal(t, http.StatusForbidden, r.StatusCode)
	c.header.Del("Sec-Fetch-Site")
	assert.Zero(t, f.unlocks.Load(), "no refused POST reached Unlock")

	// A POST from a browser with no session: refused, even with a token.
	r = f.client(t).post("/unlock", url.Values{"pin": {pin}, "csrf": {token}})
	assert.Equal(t, http.StatusForbidden, r.StatusCode)

	// The right token, the same origin: unlocked.
	c.header.Set("Origin", f.srv.URL)
	c.header.Set("Sec-Fetch-Site", "same-origin")
	r = c.post("/unlock", url.Values{"pin": {pin}, "csrf": {token}})
	require.Equal(t, http.StatusSeeOther, r.StatusCode, r.body)
	assert.Equal(t, int32(1), f.unlocks.Load())
	cards := c.get("/cards")
	require.Equal(t, http.StatusOK, cards.StatusCode)
	fresh := csrf(t, cards.body)
	assert.NotEqual(t, token, fresh, "unlocking rotates the token")
	r = c.post("/lock", url.Values{"csrf": {token}})
	assert.Equal(t, http.StatusForbidden, r.StatusCode, "the token of before the unlock is dead")
	assert.True(t, f.st.Unlocked())
	r = c.post("/lock", url.Values{"csrf": {fresh}})
	assert.Equal(t, http.StatusSeeOther, r.StatusCode)
	assert.False(t, f.st.Unlocked(), "locked")
}

// TestSessionFixation: the session id changes at unlock, so an id known
// before (planted by another localhost origin) does not open the wallet.
func TestSessionFixation(t *testing.T) {
	f := newFixture(t, schemas.English)
	c := f.client(t)
	c.get("/unlock")
	u, _ := url.Parse(f.srv.URL)
	before := c.c.Jar.Cookies(u)
	require.Len(t, before, 1)
	c.unlock(t)
	after := c.c.Jar.Cookies(u)
	require.Len(t, after, 1)
	assert.NotEqual(t, before[0].Value, after[0].Value)

	attacker := f.client(t)
	attacker.c.Jar.SetCookies(u, before)
	r := attacker.get("/cards")
	assert.Equal(t, http.StatusSeeOther, r.StatusCode)
	assert.Equal(t, "/unlock", r.Header.Get("Location"))
	// Another browser without the session sees the lock too.
	r = f.client(t).get("/cards")
	assert.Equal(t, "/unlock", r.Header.Get("Location"))
	// The citizen's browser still has the wallet.
	assert.Equal(t, http.StatusOK, c.get("/cards").StatusCode)
}

// TestWrongPIN: a wrong PIN is counted by the store and the page says how
// many tries are left, in the citizen's language; after the free tries it
// says how long to wait.
func TestWrongPIN(t *testing.T) {
	f := newFixture(t, schemas.English)
	c := f.client(t)
	token := csrf(t, c.get("/unlock").body)
	r := c.post("/unlock", url.Values{"csrf": {token}, "pin": {"000000"}})
	assert.Equal(t, http.StatusUnauthorized, r.StatusCode)
	assert.Contains(t, r.body, "Wrong PIN. Tries left: 9")
	assert.False(t, f.st.Unlocked())

	r = c.post("/unlock?lang=ko", url.Values{"csrf": {token}, "pin": {"111111"}})
	assert.Contains(t, r.body, "PIN이 틀렸습니다. 남은 시도: 8회")

	r = c.post("/unlock", url.Values{"csrf": {token}, "pin": {"12"}})
	assert.Equal(t, http.StatusBadRequest, r.StatusCode)
	assert.Contains(t, r.body, "PIN은 6~64자리입니다", "too short: refused before it is tried, in Korean (the cookie)")

	for _, p := range []string{"222222", "333333"} {
		c.post("/unlock", url.Values{"csrf": {token}, "pin": {p}})
	}
	r = c.post("/unlock?lang=en", url.Values{"csrf": {token}, "pin": {"444444"}})
	assert.Contains(t, r.body, "Wrong PIN. Tries left: 5. Try again in 60 seconds.", "after five wrong PINs, a wait")
	r = c.post("/unlock", url.Values{"csrf": {token}, "pin": {pin}})
	assert.Equal(t, http.StatusTooManyRequests, r.StatusCode)
	assert.Contains(t, r.body, "Too many wrong PINs. Try again in")
	assert.False(t, f.st.Unlocked(), "not even the right PIN during the wait")
}

// TestIdleLock: the wallet locks after the idle timeout without a request
// from the session that unlocked it; requests keep it open; the unlock
// page says why it locked.
func TestIdleLock(t *testing.T) {
	f := newFixture(t, schemas.English)
	c := f.client(t)
	c.unlock(t)
	require.True(t, f.st.Unlocked())

	f.clock.Advance(4 * time.Minute)
	require.Equal(t, http.StatusOK, c.get("/cards").StatusCode)
	f.clock.Advance(4 * time.Minute)
	require.Equal(t, http.StatusOK, c.get("/history").StatusCode, "the last request restarted the idle clock")
	// Another browser's requests do not keep it open.
	f.clock.Advance(4 * time.Minute)
	f.client(t).get("/unlock")
	f.clock.Advance(time.Minute)

	r := c.get("/cards")
	assert.Equal(t, http.StatusSeeOther, r.StatusCode)
	assert.Equal(t, "/unlock", r.Header.Get("Location"))
	assert.False(t, f.st.Unlocked(), "Config.Lock was called")
	assert.Equal(t, int32(1), f.locks.Load())
	page := c.get("/unlock")
	assert.Contains(t, page.body, "locked after a while without use")
	assert.NotContains(t, page.body, `action="/lock"`, "no lock button when locked")

	c.unlock(t)
	assert.Equal(t, http.StatusOK, c.get("/cards").StatusCode)
}

// TestNeedsUnlock: every page of the wallet sends a locked browser to the
// PIN pad, and a POST to one (with its token) changes nothing.
func TestNeedsUnlock(t *testing.T) {
	f := newFixture(t, schemas.English)
	c := f.client(t)
	token := csrf(t, c.get("/unlock").body)
	for _, path := range []string{"/", "/cards", "/cards/wcr_x", "/cards/wcr_x/delete", "/receive", "/present", "/present/cns_x", "/receipts/rct_x", "/history"} {
		r := c.get(path)
		assert.Equal(t, http.StatusSeeOther, r.StatusCode, path)
		assert.Equal(t, "/unlock", r.Header.Get("Location"), path)
	}
	for _, path := range []string{"/cards/wcr_x/delete", "/receive", "/present", "/present/cns_x", "/present/cns_x/decline"} {
		r := c.post(path, url.Values{"csrf": {token}})
		assert.Equal(t, "/unlock", r.Header.Get("Location"), path)
	}
}

// TestDelete: deleting a credential asks first, needs the token, and
// takes it away.
func TestDelete(t *testing.T) {
	f := newFixture(t, schemas.English)
	cred := f.withResidency(t)
	c := f.client(t)
	c.unlock(t)

	confirm := c.get("/cards/" + cred.ID + "/delete")
	require.Equal(t, http.StatusOK, confirm.StatusCode)
	assert.Contains(t, confirm.body, "It cannot be undone")
	r := c.post("/cards/"+cred.ID+"/delete", url.Values{"csrf": {"nope"}})
	assert.Equal(t, http.StatusForbidden, r.StatusCode)
	_, err := f.w.Credential(context.Background(), cred.ID)
	require.NoError(t, err, "still there")

	r = c.post("/cards/"+cred.ID+"/delete", url.Values{"csrf": {csrf(t, confirm.body)}})
	require.Equal(t, http.StatusSeeOther, r.StatusCode)
	_, err = f.w.Credential(context.Background(), cred.ID)
	assert.ErrorIs(t, err, wallet.ErrNotFound)
	cards := c.get("/cards")
	assert.Contains(t, cards.body, "Credential deleted.")
	assert.Contains(t, cards.body, "No credentials yet")
	assert.Equal(t, http.StatusNotFound, c.get("/cards/"+cred.ID).StatusCode)
}

// TestPagesInBothLanguages: each page of an unlocked wallet that holds a
// credential renders in Korean and in English, with the card's type name
// and claim labels from the catalogue.
func TestPagesInBothLanguages(t *testing.T) {
	f := newFixture(t, schemas.Korean)
	cred := f.withResidency(t)
	ty, err := schemas.Default().Lookup(resVCT)
	require.NoError(t, err)
	c := f.client(t)
	c.unlock(t)
	for _, lang := range []schemas.Lang{schemas.Korean, schemas.English} {
		for _, path := range []string{"/unlock", "/cards", "/cards/" + cred.ID, "/cards/" + cred.ID + "/delete", "/receive", "/present", "/history"} {
			r := c.get(path + "?lang=" + string(lang))
			if path == "/unlock" {
				assert.Equal(t, http.StatusSeeOther, r.StatusCode)
				continue
			}
			require.Equal(t, http.StatusOK, r.StatusCode, "%s %s:\n%s", lang, path, r.body)
			assert.Contains(t, r.body, `<html lang="`+string(lang)+`">`)
			app := map[schemas.Lang]string{schemas.Korean: "서울시민카드 지갑", schemas.English: "Seoul Citizen Card wallet"}[lang]
			assert.Contains(t, r.body, app)
		}
		list := c.get("/cards")
		assert.Contains(t, list.body, ty.Name(lang))
		assert.Contains(t, list.body, gwanakName[lang])
		detail := c.get("/cards/" + cred.ID)
		for _, cl := range ty.Claims {
			if _, ok := cred.Claims[cl.Path[0].(string)]; ok && len(cl.Path) == 1 {
				assert.Contains(t, detail.body, cl.Label.In(lang), "the label of %s", cl.Path)
			}
		}
	}
	assert.Equal(t, http.StatusNotFound, c.get("/cards/wcr_none").StatusCode)
	assert.Equal(t, http.StatusNotFound, c.get("/no/such/page").StatusCode)
}

// TestMessages: every string of the UI exists in Korean and in English.
func TestMessages(t *testing.T) {
	for key, m := range web.Messages() {
		assert.NotEmpty(t, m[schemas.Korean], "%s in Korean", key)
		assert.NotEmpty(t, m[schemas.English], "%s in English", key)
	}
}

// TestConfig: New refuses a config it cannot run with.
func TestConfig(t *testing.T) {
	unlock := func(context.Context, []byte) (*wallet.Wallet, error) { return nil, store.ErrWrongPIN }
	for name, cfg := range map[string]web.Config{
		"no Unlock":            {Lock: func() {}},
		"no Lock":              {Unlock: unlock},
		"a third language":     {Unlock: unlock, Lock: func() {}, DefaultLang: "ja"},
		"negative idle period": {Unlock: unlock, Lock: func() {}, IdleTimeout: -time.Second},
	} {
		_, err := web.New(cfg)
		assert.Error(t, err, name)
	}
	_, err := web.New(web.Config{Unlock: unlock, Lock: func() {}})
	assert.NoError(t, err)
}

// TestClose: closing the handler locks the wallet, and it does not open
// again.
func TestClose(t *testing.T) {
	f := newFixture(t, schemas.English)
	c := f.client(t)
	c.unlock(t)
	require.True(t, f.st.Unlocked())
	require.NoError(t, f.h.Close())
	assert.False(t, f.st.Unlocked())
	assert.Equal(t, "/unlock", c.get("/cards").Header.Get("Location"))
	page := c.get("/unlock")
	r := c.post("/unlock", url.Values{"csrf": {csrf(t, page.body)}, "pin": {pin}})
	assert.Equal(t, http.StatusServiceUnavailable, r.StatusCode)
	assert.False(t, f.st.Unlocked())
}
