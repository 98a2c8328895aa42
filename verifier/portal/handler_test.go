package portal_test

import (
	"bytes"
	"encoding/base64"
	"image/png"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seoulid/seoulid/schemas"
	"github.com/seoulid/seoulid/verifier/portal"
)

func testLogger(t testing.TB) *slog.Logger { return slog.New(slog.NewTextHandler(t.Output(), nil)) }

// TestProgrammesAPI: every programme with its purpose, legal basis,
// retention, parameters, and what it asks for — each credential type and
// claim named as the catalogue names them.
func TestProgrammesAPI(t *testing.T) {
	c := newCity(t, schemas.Korean)
	api := c.client(t)
	r := api.get("/api/programmes")
	require.Equal(t, http.StatusOK, r.StatusCode, r.body)
	assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
	list := r.json(t)["programmes"].([]any)
	require.Len(t, list, len(c.cat.Programmes()))
	byID := map[string]map[string]any{}
	for _, p := range list {
		m := p.(map[string]any)
		byID[m["id"].(string)] = m
		assert.NotEmpty(t, m["asks"], m["id"])
		assert.NotEmpty(t, m["criteria"], m["id"])
	}

	entry := byID[facilityEntry]
	require.NotNil(t, entry)
	purpose := entry["purpose"].(map[string]any)
	assert.Equal(t, "P0D", purpose["retention"])
	assert.Contains(t, purpose["legal_basis"], "개인정보 보호법")
	assert.Equal(t, "공공시설 입장·이용 시 서울 거주와 해당 시설 회원 여부 확인", purpose["description"].(map[string]any)["ko"])
	assert.Equal(t, []any{map[string]any{"name": "facility_id", "label": map[string]any{"ko": "시설 ID", "en": "Facility ID"}}}, entry["parameters"])
	asks := entry["asks"].([]any)
	require.Len(t, asks, 1)
	card := asks[0].(map[string]any)
	assert.Equal(t, "card", card["query"])
	assert.Equal(t, cardVCT, card["vct"])
	assert.Equal(t, map[string]any{"ko": "서울시민카드", "en": "Seoul Citizen Card"}, card["name"])
	assert.Equal(t, false, card["optional"])
	assert.Equal(t, []any{
		map[string]any{"path": []any{"resident_of_seoul"}, "label": map[string]any{"ko": "서울시 거주", "en": "Resident of Seoul"}, "optional": false, "sensitive": false},
		map[string]any{"path": []any{"facility_memberships", nil, "facility_id"}, "label": map[string]any{"ko": "가입 시설 › 시설 코드", "en": "Facility memberships › Facility ID"},
			"optional": true, "sensitive": false},
	}, card["claims"], "the memberships are in one claim set only: a wallet may answer without them")

	med := byID[clinic]
	require.NotNil(t, med)
	assert.Equal(t, "P10Y", med["purpose"].(map[string]any)["retention"])
	assert.NotEmpty(t, med["not_covered"])
	sensitive := 0
	for _, cl := range med["asks"].([]any)[0].(map[string]any)["claims"].([]any) {
		if cl.(map[string]any)["sensitive"] == true {
			sensitive++
		}
	}
	assert.Equal(t, 4, sensitive, "the medications are health information")

	allowance := byID["seoul-youth-allowance-2026"]
	require.NotNil(t, allowance)
	for _, a := range allowance["asks"].([]any) {
		a := a.(map[string]any)
		assert.Equal(t, a["query"] == "contract", a["optional"], "only the contract is in a credential set that is not required: %v", a["query"])
	}

	one := api.get("/api/programmes/" + facilityEntry)
	require.Equal(t, http.StatusOK, one.StatusCode)
	assert.Equal(t, entry, one.json(t))
	missing := api.get("/api/programmes/no-such-programme")
	assert.Equal(t, http.StatusNotFound, missing.StatusCode)
	assert.Equal(t, "unknown_programme", missing.json(t)["error"])
}

// TestStartAPI: a request is made for a programme with its parameters:
// its id, the openid4vp:// URI a wallet opens, a QR code of it, its
// expiry; its status is pending.
func TestStartAPI(t *testing.T) {
	c := newCity(t, schemas.Korean)
	api := c.client(t)
	r := api.postJSON("/api/requests", `{"programme":"citizen-card-facility-entry","parameters":{"facility_id":"SEOUL-LIB-0001"}}`)
	require.Equal(t, http.StatusCreated, r.StatusCode, r.body)
	m := r.json(t)
	id := m["id"].(string)
	assert.Equal(t, "/api/requests/"+id, r.Header.Get("Location"))
	uri := m["uri"].(string)
	require.True(t, strings.HasPrefix(uri, "openid4vp://?"), uri)
	u, err := url.Parse(uri)
	require.NoError(t, err)
	assert.Equal(t, c.srv.URL+"/request/"+id, u.Query().Get("request_uri"))
	exp, err := time.Parse(time.RFC3339, m["expires"].(string))
	require.NoError(t, err)
	assert.True(t, exp.After(c.now()))

	qr := m["qr"].(string)
	require.True(t, strings.HasPrefix(qr, "data:image/png;base64,"))
	b, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(qr, "data:image/png;base64,"))
	require.NoError(t, err)
	img, err := png.Decode(bytes.NewReader(b))
	require.NoError(t, err)
	assert.Equal(t, 320, img.Bounds().Dx())

	st := api.get("/api/requests/" + id)
	require.Equal(t, http.StatusOK, st.StatusCode)
	sm := st.json(t)
	assert.Equal(t, "pending", sm["state"])
	assert.Equal(t, facilityEntry, sm["programme"])
	assert.Equal(t, map[string]any{"facility_id": "SEOUL-LIB-0001"}, sm["parameters"])
	assert.NotContains(t, sm, "decision")

	// ?qr=false: no QR code drawn; the page still draws one when shown.
	r = api.postJSON("/api/requests?qr=false", `{"programme":"citizen-card-facility-entry","parameters":{"facility_id":"SEOUL-LIB-0001"}}`)
	require.Equal(t, http.StatusCreated, r.StatusCode, r.body)
	m = r.json(t)
	assert.NotContains(t, m, "qr")
	img2 := api.get("/requests/" + m["id"].(string) + "/qr.png")
	assert.Equal(t, http.StatusOK, img2.StatusCode)
}

// TestAPIErrors: each mistake of a client is a JSON error with its code
// and the right status; none starts a request.
func TestAPIErrors(t *testing.T) {
	c := newCity(t, schemas.English)
	api := c.client(t)
	long := strings.Repeat("x", 201)
	for _, tc := range []struct {
		name, method, path, contentType, body string
		status                                int
		code                                  string
	}{
		{"unknown programme", "POST", "/api/requests", "application/json", `{"programme":"no-such-programme"}`, 400, "unknown_programme"},
		{"missing parameter", "POST", "/api/requests", "application/json", `{"programme":"citizen-card-facility-entry"}`, 400, "invalid_parameter"},
		{"empty parameter", "POST", "/api/requests", "application/json", `{"programme":"citizen-card-facility-entry","parameters":{"facility_id":""}}`, 400, "invalid_parameter"},
		{"undeclared parameter", "POST", "/api/requests", "application/json", `{"programme":"clinic-medication-list","parameters":{"facility_id":"X"}}`, 400, "invalid_parameter"},
		{"control character", "POST", "/api/requests", "application/json", `{"programme":"citizen-card-facility-entry","parameters":{"facility_id":"A\nB"}}`, 400, "invalid_parameter"},
		{"long parameter", "POST", "/api/requests", "application/json", `{"programme":"citizen-card-facility-entry","parameters":{"facility_id":"` + long + `"}}`, 400, "invalid_parameter"},
		{"parameter not a string", "POST", "/api/requests", "application/json", `{"programme":"citizen-card-facility-entry","parameters":{"facility_id":1}}`, 400, "invalid_request"},
		{"no programme", "POST", "/api/requests", "application/json", `{"parameters":{}}`, 400, "invalid_request"},
		{"unknown member", "POST", "/api/requests", "application/json", `{"programme":"clinic-medication-list","purpose":"marketing"}`, 400, "invalid_request"},
		{"duplicate member", "POST", "/api/requests", "application/json", `{"programme":"no-such-programme","programme":"clinic-medication-list"}`, 400, "invalid_request"},
		{"not JSON", "POST", "/api/requests", "application/json", `programme=clinic-medication-list`, 400, "invalid_request"},
		{"a form", "POST", "/api/requests", "application/x-www-form-urlencoded", `programme=clinic-medication-list`, 415, "unsupported_media_type"},
		{"text/plain", "POST", "/api/requests", "text/plain", `{"programme":"clinic-medication-list"}`, 415, "unsupported_media_type"},
		{"too large", "POST", "/api/requests", "application/json", `{"programme":"` + strings.Repeat("a", 20<<10) + `"}`, 413, "invalid_request"},
		{"GET the collection", "GET", "/api/requests", "", "", 405, "method_not_allowed"},
		{"POST a status", "POST", "/api/requests/abc", "application/json", "{}", 405, "method_not_allowed"},
		{"unknown request", "GET", "/api/requests/abc", "", "", 404, "not_found"},
		{"unknown request, waiting", "GET", "/api/requests/abc?wait=30s", "", "", 404, "not_found"},
		{"bad wait", "GET", "/api/requests/abc?wait=soon", "", "", 400, "invalid_request"},
		{"negative wait", "GET", "/api/requests/abc?wait=-1s", "", "", 400, "invalid_request"},
		{"no such endpoint", "GET", "/api/nowhere", "", "", 404, "not_found"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := api.do(tc.method, tc.path, tc.contentType, strings.NewReader(tc.body))
			assert.Equal(t, tc.status, r.StatusCode, r.body)
			assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
			m := r.json(t)
			assert.Equal(t, tc.code, m["error"])
			assert.NotEmpty(t, m["error_description"])
		})
	}
	// The missing parameter is named.
	r := api.postJSON("/api/requests", `{"programme":"citizen-card-facility-entry"}`)
	assert.Contains(t, r.json(t)["error_description"], "facility_id")
}

// TestLongPoll: a status request with ?wait= is held while the request
// is pending and answers as soon as the wallet's answer is decided: the
// decision with a reason per criterion in Korean and English, without the
// operators' detail. A member of another facility is not eligible; a
// citizen who declines is "declined".
func TestLongPoll(t *testing.T) {
	c := newCity(t, schemas.Korean)
	api := c.client(t)
	citizen := c.citizen(t, nil, cardVCT)

	poll := func(id, wait string) <-chan response {
		out := make(chan response, 1)
		go func() { out <- c.client(t).get("/api/requests/" + id + "?wait=" + wait) }()
		return out
	}

	id, uri := api.start(facilityEntry, map[string]string{"facility_id": "SEOUL-LIB-0001"})
	waiting := poll(id, "30s")
	select {
	case r := <-waiting:
		t.Fatalf("the long poll answered before the wallet did: %s", r.body)
	case <-time.After(300 * time.Millisecond):
	}
	began := time.Now()
	citizen.answer(t, uri)
	var r response
	select {
	case r = <-waiting:
	case <-time.After(10 * time.Second):
		t.Fatal("the long poll did not answer when the decision came")
	}
	assert.Less(t, time.Since(began), 5*time.Second)
	require.Equal(t, http.StatusOK, r.StatusCode, r.body)
	st := r.json(t)
	assert.Equal(t, "decided", st["state"])
	d := st["decision"].(map[string]any)
	assert.Equal(t, "eligible", d["outcome"])
	assert.Equal(t, facilityEntry, d["programme"])
	criteria := d["criteria"].([]any)
	require.Len(t, criteria, 2)
	for _, cr := range criteria {
		cr := cr.(map[string]any)
		assert.Equal(t, "passed", cr["outcome"])
		reason := cr["reason"].(map[string]any)
		assert.NotEmpty(t, reason["ko"])
		assert.NotEmpty(t, reason["en"])
		assert.NotContains(t, cr, "detail")
	}
	assert.Equal(t, "이 시설의 회원입니다.", criteria[1].(map[string]any)["reason"].(map[string]any)["ko"])
	assert.NotContains(t, r.body, "이서연", "no claim value")

	// A decided request answers at once, whatever the wait.
	began = time.Now()
	again := api.get("/api/requests/" + id + "?wait=10m")
	assert.Less(t, time.Since(began), 2*time.Second)
	assert.Equal(t, "decided", again.json(t)["state"])

	// Another facility: not a member.
	id, uri = api.start(facilityEntry, map[string]string{"facility_id": "GANGNAM-SPT-0009"})
	waiting = poll(id, "30s")
	time.Sleep(50 * time.Millisecond)
	citizen.answer(t, uri)
	d = (<-waiting).json(t)["decision"].(map[string]any)
	assert.Equal(t, "not_eligible", d["outcome"])
	assert.Equal(t, "failed", d["criteria"].([]any)[1].(map[string]any)["outcome"])

	// Declined.
	id, uri = api.start(facilityEntry, map[string]string{"facility_id": "SEOUL-LIB-0001"})
	waiting = poll(id, "30")
	time.Sleep(50 * time.Millisecond)
	citizen.decline(t, uri)
	st = (<-waiting).json(t)
	assert.Equal(t, "declined", st["state"])
	assert.NotContains(t, st, "decision")
}

// TestExpiry: a pending request past its expiry is "expired", at once,
// even to a long poll; its page says so and offers a new request.
func TestExpiry(t *testing.T) {
	c := newCity(t, schemas.English)
	api := c.client(t)
	id, _ := api.start(clinic, nil)
	c.advance(6 * time.Minute) // the exchange's requests live five minutes
	began := time.Now()
	r := api.get("/api/requests/" + id + "?wait=30s")
	assert.Less(t, time.Since(began), 2*time.Second)
	assert.Equal(t, "expired", r.json(t)["state"])
	page := api.get("/requests/" + id)
	require.Equal(t, http.StatusOK, page.StatusCode)
	assert.Contains(t, page.body, `data-state="expired"`)
	assert.Contains(t, page.body, "The request expired")
	assert.NotContains(t, page.body, "openid4vp://", "no link to a request that cannot be answered")
	assert.NotContains(t, page.body, "data-poll")
}

// TestHeaders: every response — page, API, script, style, error — is
// no-store and under the strict Content-Security-Policy, and pages carry
// no inline script or style.
func TestHeaders(t *testing.T) {
	c := newCity(t, schemas.Korean)
	b := c.client(t)
	id, _ := b.start(clinic, nil)
	for _, path := range []string{"/", "/programmes/" + facilityEntry, "/programmes/nope", "/requests/" + id, "/requests/" + id + "/qr.png",
		"/requests/nope", "/api/programmes", "/api/requests/" + id, "/api/nowhere", "/static/portal.css", "/static/portal.js", "/static/nope.js", "/nowhere"} {
		r := b.get(path)
		assert.Equal(t, "no-store", r.Header.Get("Cache-Control"), path)
		csp := r.Header.Get("Content-Security-Policy")
		assert.Contains(t, csp, "default-src 'none'", path)
		assert.Contains(t, csp, "script-src 'self'", path)
		assert.Contains(t, csp, "frame-ancestors 'none'", path)
		assert.NotContains(t, csp, "unsafe-inline", path)
		assert.Equal(t, "DENY", r.Header.Get("X-Frame-Options"), path)
		assert.Equal(t, "nosniff", r.Header.Get("X-Content-Type-Options"), path)
		assert.Equal(t, "same-origin", r.Header.Get("Referrer-Policy"), path)
		if strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") {
			assert.NotContains(t, r.body, "<script>", path)
			assert.NotContains(t, r.body, "style=", path)
			assert.NotContains(t, r.body, "ZgotmplZ", path)
		}
	}
	assert.Equal(t, "text/javascript; charset=utf-8", b.get("/static/portal.js").Header.Get("Content-Type"))
	assert.Equal(t, "image/png", b.get("/requests/"+id+"/qr.png").Header.Get("Content-Type"))
	assert.Equal(t, http.StatusNotFound, b.get("/requests/nope").StatusCode)
	assert.Equal(t, http.StatusNotFound, b.get("/programmes/nope").StatusCode)

	page := c.client(t).get("/programmes/" + facilityEntry)
	var found bool
	for _, ck := range page.Cookies() {
		if ck.Name == "seoulid_portal_csrf" {
			found = true
			assert.True(t, ck.HttpOnly)
			assert.False(t, ck.Secure, "plain http on the loopback")
			assert.Equal(t, http.SameSiteStrictMode, ck.SameSite)
			assert.Equal(t, "/", ck.Path)
		}
	}
	assert.True(t, found, "the programme page sets the CSRF secret")
}

// TestCSRF: the form that starts a request is refused without the token,
// with another browser's, with a forged one, from another origin or site;
// with its own it starts the request and sends the browser to its page.
func TestCSRF(t *testing.T) {
	c := newCity(t, schemas.English)
	b := c.client(t)
	token := csrf(t, b.get("/programmes/"+facilityEntry).body)
	other := csrf(t, c.client(t).get("/programmes/"+facilityEntry).body)
	require.NotEqual(t, token, other)
	form := func(tok string) url.Values {
		v := url.Values{"param.facility_id": {"SEOUL-LIB-0001"}}
		if tok != "" {
			v.Set("csrf", tok)
		}
		return v
	}
	for name, v := range map[string]url.Values{
		"no token":          form(""),
		"forged token":      form(strings.Repeat("A", len(token))),
		"another browser's": form(other),
		"one byte longer":   form(token + "A"),
	} {
		r := b.post("/programmes/"+facilityEntry, v)
		assert.Equal(t, http.StatusForbidden, r.StatusCode, name)
		assert.Contains(t, r.body, "security check failed", name)
	}
	// The token in the query string does not count.
	r := b.post("/programmes/"+facilityEntry+"?csrf="+url.QueryEscape(token), form(""))
	assert.Equal(t, http.StatusForbidden, r.StatusCode)
	// A browser without the cookie: the token alone does not do.
	r = c.client(t).post("/programmes/"+facilityEntry, form(token))
	assert.Equal(t, http.StatusForbidden, r.StatusCode)
	// The right token, from another origin or site.
	b.header.Set("Origin", "https://evil.example")
	assert.Equal(t, http.StatusForbidden, b.post("/programmes/"+facilityEntry, form(token)).StatusCode)
	b.header.Del("Origin")
	b.header.Set("Sec-Fetch-Site", "cross-site")
	assert.Equal(t, http.StatusForbidden, b.post("/programmes/"+facilityEntry, form(token)).StatusCode)
	b.header.Del("Sec-Fetch-Site")

	// The right token, from this origin.
	b.header.Set("Origin", c.srv.URL)
	b.header.Set("Sec-Fetch-Site", "same-origin")
	r = b.post("/programmes/"+facilityEntry, form(token))
	require.Equal(t, http.StatusSeeOther, r.StatusCode, r.body)
	loc := r.Header.Get("Location")
	require.True(t, strings.HasPrefix(loc, "/requests/"), loc)
	st := b.get("/api/requests/" + strings.TrimPrefix(loc, "/requests/")).json(t)
	assert.Equal(t, "pending", st["state"])
	assert.Equal(t, map[string]any{"facility_id": "SEOUL-LIB-0001"}, st["parameters"])
}

// TestPagesWithoutJavaScript: the whole flow in a browser without
// JavaScript: the programme page says what will be asked and why; a
// missing parameter is named; the request page has the QR code, the
// same-device link and a refresh link; after the wallet answers, the
// same page shows the decision with its reasons, in Korean and English.
func TestPagesWithoutJavaScript(t *testing.T) {
	c := newCity(t, schemas.Korean)
	b := c.client(t)

	home := b.get("/")
	require.Equal(t, http.StatusOK, home.StatusCode)
	for _, p := range c.cat.Programmes() {
		assert.Contains(t, home.body, `href="/programmes/`+p.ID()+`"`)
		assert.Contains(t, home.body, p.Name().Ko)
	}
	assert.Contains(t, home.body, "서울시 복지포털", "the portal's name")

	prog := b.get("/programmes/" + facilityEntry)
	require.Equal(t, http.StatusOK, prog.StatusCode)
	for _, s := range []string{"서울시민카드 공공시설 이용", "공공시설 입장·이용 시 서울 거주와 해당 시설 회원 여부 확인", "개인정보 보호법 제15조제1항제1호",
		"보관하지 않음", "서울시민카드", "서울시 거주", "가입 시설 › 시설 코드", "시설 회원", `name="param.facility_id"`, "시설 ID"} {
		assert.Contains(t, prog.body, s)
	}
	token := csrf(t, prog.body)

	// A missing parameter: the form again, with the parameter named.
	r := b.post("/programmes/"+facilityEntry, url.Values{"csrf": {token}, "param.facility_id": {"  "}})
	assert.Equal(t, http.StatusBadRequest, r.StatusCode)
	assert.Contains(t, r.body, "시설 ID을(를) 입력하세요.")
	assert.Contains(t, r.body, `aria-invalid="true"`)

	r = b.post("/programmes/"+facilityEntry, url.Values{"csrf": {token}, "param.facility_id": {"SEOUL-LIB-0001"}})
	require.Equal(t, http.StatusSeeOther, r.StatusCode, r.body)
	loc := r.Header.Get("Location")
	pending := b.get(loc)
	require.Equal(t, http.StatusOK, pending.StatusCode)
	assert.Contains(t, pending.body, `data-state="pending"`)
	assert.Contains(t, pending.body, `src="`+loc+`/qr.png"`)
	assert.Contains(t, pending.body, `href="`+loc+`" id="refresh"`)
	assert.Contains(t, pending.body, "SEOUL-LIB-0001")
	uri := attr(t, pending.body, "same-device", "href")
	require.True(t, strings.HasPrefix(uri, "openid4vp://?"), uri)
	qr := b.get(loc + "/qr.png")
	require.Equal(t, http.StatusOK, qr.StatusCode)
	_, err := png.Decode(strings.NewReader(qr.body))
	require.NoError(t, err)

	c.citizen(t, nil, cardVCT).answer(t, uri)
	decided := b.get(loc)
	require.Equal(t, http.StatusOK, decided.StatusCode)
	for _, s := range []string{"판단 결과", `id="outcome">자격 있음`, "서울시민카드에 서울 거주가 확인되어 있습니다.", "이 시설의 회원입니다.", "충족"} {
		assert.Contains(t, decided.body, s)
	}
	assert.NotContains(t, decided.body, "data-poll")
	assert.NotContains(t, decided.body, "qr.png", "no QR code once answered")
	en := b.get(loc + "?lang=en")
	for _, s := range []string{"Decision", `id="outcome">Eligible`, "The Seoul Citizen Card confirms Seoul residence.", "A member of this facility.", "Met"} {
		assert.Contains(t, en.body, s)
	}
	// The language is remembered.
	assert.Contains(t, b.get("/").body, `<html lang="en">`)
	assert.Equal(t, http.StatusNotFound, b.get(loc+"/qr.png").StatusCode, "the QR code of an answered request is gone")
}

// attr returns the attribute of the element with the id in an HTML page.
func attr(t *testing.T, body, id, name string) string {
	t.Helper()
	i := strings.Index(body, `id="`+id+`"`)
	require.GreaterOrEqual(t, i, 0, "no #%s", id)
	start := strings.LastIndex(body[:i], "<")
	end := start + strings.Index(body[start:], ">")
	tag := body[start:end]
	j := strings.Index(tag, name+`="`)
	require.GreaterOrEqual(t, j, 0, "no %s on #%s", name, id)
	v := tag[j+len(name)+2:]
	v = v[:strings.Index(v, `"`)]
	return strings.ReplaceAll(v, "&amp;", "&")
}

// TestMessages: every string of the UI is in both languages, with the
// same arguments.
func TestMessages(t *testing.T) {
	for key, m := range portal.Messages() {
		assert.NotEmpty(t, m[schemas.Korean], "%s in Korean", key)
		assert.NotEmpty(t, m[schemas.English], "%s in English", key)
		assert.Equal(t, strings.Count(m[schemas.Korean], "%"), strings.Count(m[schemas.English], "%"), key)
	}
}

// TestConfig: New refuses what it cannot run with.
func TestConfig(t *testing.T) {
	c := newCity(t, schemas.Korean)
	_, err := portal.New(nil, c.cat, portal.Config{})
	assert.Error(t, err, "no service")
	_, err = portal.New(c.svc, nil, portal.Config{})
	assert.Error(t, err, "no programmes")
	for name, cfg := range map[string]portal.Config{
		"a third language":        {DefaultLang: "ja"},
		"a name in another one":   {Name: map[string]string{"ko": "포털", "ja": "ポータル"}},
		"a name in a made-up one": {Name: map[string]string{"xx": "?"}},
		"a public URL not http":   {PublicURL: "ftp://portal.example"},
		"a public URL, no host":   {PublicURL: "https://"},
		"a public URL with query": {PublicURL: "https://portal.example/?x=1"},
	} {
		_, err := portal.New(c.svc, c.cat, cfg)
		assert.Error(t, err, name)
	}
	h, err := portal.New(c.svc, c.cat, portal.Config{Name: map[string]string{"en": "Library entrance"}})
	require.NoError(t, err)
	for _, lang := range []string{"ko", "en"} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/?lang="+lang, nil))
		assert.Contains(t, w.Body.String(), "<title>"+map[string]string{"ko": "지원 사업 선택", "en": "Choose a programme"}[lang]+" · Library entrance</title>",
			"a missing language takes the other's name")
	}
}

// TestClinic: a medication list (health information, approved on its own
// line in the wallet) dated after today leaves its criterion undetermined:
// the decision is "cannot decide", with that criterion's reason, the
// others decided, and the conditions the rules do not cover listed.
func TestClinic(t *testing.T) {
	c := newCity(t, schemas.English)
	api := c.client(t)
	citizen := c.citizen(t, func(_ string, claims map[string]any) { claims["as_of"] = "2026-12-01" }, medVCT)
	id, uri := api.start(clinic, nil)
	citizen.answer(t, uri)
	st := api.get("/api/requests/" + id + "?wait=5s").json(t)
	require.Equal(t, "decided", st["state"], st)
	d := st["decision"].(map[string]any)
	assert.Equal(t, "undetermined", d["outcome"])
	outcomes := map[string]any{}
	for _, cr := range d["criteria"].([]any) {
		cr := cr.(map[string]any)
		outcomes[cr["id"].(string)] = cr["outcome"]
	}
	assert.Equal(t, map[string]any{"current": "undetermined", "institutional_source": "passed", "coded": "passed", "directions": "passed"}, outcomes)

	page := api.get("/requests/" + id)
	for _, s := range []string{`id="outcome">Cannot decide`, `data-outcome="undetermined"`, "The list is dated after today.",
		"The list comes from HIRA claims data", "Not decided here", "Medications the patient chose not to disclose"} {
		assert.Contains(t, page.body, s)
	}
	assert.NotContains(t, page.body, "리피토", "no claim value on the page")
	ko := api.get("/requests/" + id + "?lang=ko")
	assert.Contains(t, ko.body, `id="outcome">판단할 수 없음`)
	assert.Contains(t, ko.body, "목록의 기준일이 오늘보다 늦습니다.")
}

// TestPublicURL: behind a TLS terminator that does not pass the Host on,
// the form's POST must come from the configured public origin, and the
// cookies are Secure.
func TestPublicURL(t *testing.T) {
	c := newCity(t, schemas.English)
	h, err := portal.New(c.svc, c.cat, portal.Config{PublicURL: "https://portal.example/"})
	require.NoError(t, err)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "http://127.0.0.1:8090/programmes/"+clinic, nil))
	require.Equal(t, http.StatusOK, w.Code)
	cookies := w.Result().Cookies()
	require.Len(t, cookies, 1)
	assert.True(t, cookies[0].Secure)
	token := csrf(t, w.Body.String())
	post := func(origin string) int {
		r := httptest.NewRequest(http.MethodPost, "http://127.0.0.1:8090/programmes/"+clinic, strings.NewReader(url.Values{"csrf": {token}}.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.Header.Set("Origin", origin)
		r.AddCookie(cookies[0])
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Code
	}
	assert.Equal(t, http.StatusForbidden, post("http://127.0.0.1:8090"), "the request's own host is not the public origin")
	assert.Equal(t, http.StatusForbidden, post("http://portal.example"), "another scheme")
	assert.Equal(t, http.StatusSeeOther, post("https://portal.example"))
}
