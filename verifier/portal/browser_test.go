package portal_test

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seoulid/seoulid/schemas"
)

// chromiumPath is Debian's chromium. The browser test needs it: it fails,
// not skips, without it.
const chromiumPath = "/usr/bin/chromium"

// browser is a headless Chromium tab on the city's portal, with a phone's
// viewport, and a record of the Content-Security-Policy violations of
// every page it loaded.
type browser struct {
	t   *testing.T
	ctx context.Context
	c   *city
	dir string // where screenshots go
}

// cspWatch runs before each page's own scripts (DevTools scripts are not
// subject to the page's policy) and keeps the policy's violations.
const cspWatch = `window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) { window.__csp.push(e.violatedDirective + " " + e.blockedURI); });`

func newBrowser(t *testing.T, c *city) *browser {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Fatalf("install Debian's chromium: apt-get install chromium (./scripts/test does it): %v", err)
	}
	var output syncBuffer
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("force-color-profile", "srgb"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(390, 844),
		chromedp.CombinedOutput(&output),
	)
	ctx, cancelCtx := chromedp.NewContext(alloc)
	t.Cleanup(func() {
		cancelCtx()
		cancelAlloc()
		if t.Failed() {
			t.Logf("chromium's output:\n%s", output.String())
		}
	})
	// The first action starts the browser; it must not run under a
	// timeout (the timeout would stop the browser).
	_, err := chromedp.Run(ctx, chromedp.Action[page.AddScriptToEvaluateOnNewDocumentResult](
		func(ctx context.Context, tg *chromedp.Target) (page.AddScriptToEvaluateOnNewDocumentResult, error) {
			return cdp.Call(ctx, tg, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: cspWatch})
		}))
	require.NoError(t, err, "starting chromium")
	require.NoError(t, chromedp.Do(ctx, phone()))
	// Then the whole test under a deadline.
	tctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(cancel)
	dir := os.Getenv("SEOULID_TEST_ARTIFACTS")
	if dir == "" {
		dir = t.TempDir()
	} else {
		require.NoError(t, os.MkdirAll(dir, 0o755))
	}
	return &browser{t: t, ctx: tctx, c: c, dir: dir}
}

// phone is the viewport of a phone (390×844 CSS pixels, portrait).
func phone() chromedp.Action[chromedp.Void] {
	return chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulatePortrait)
}

// desktop is a laptop's window.
func desktop() chromedp.Action[chromedp.Void] {
	return chromedp.EmulateViewport(1280, 800)
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func (b *browser) do(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		loc, _ := chromedp.Run(b.ctx, chromedp.Location())
		body, _ := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS("body")))
		b.t.Fatalf("%v\nat %s:\n%s", err, loc, body)
	}
}

func (b *browser) text(sel string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(sel)))
	require.NoError(b.t, err, sel)
	return s
}

func (b *browser) eval(js string) any {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[any](js))
	require.NoError(b.t, err, js)
	return v
}

// open loads a page of the portal and waits for sel on it.
func (b *browser) open(path, sel string) {
	b.t.Helper()
	b.do(chromedp.Navigate(b.c.srv.URL+path), chromedp.WaitVisible(chromedp.CSS(sel)))
	b.noViolations()
}

// noViolations checks that the page broke nothing of its own policy (an
// inline style or script would).
func (b *browser) noViolations() {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]string](`window.__csp || []`))
	require.NoError(b.t, err)
	loc, _ := chromedp.Run(b.ctx, chromedp.Location())
	assert.Empty(b.t, v, "Content-Security-Policy violations on %s", loc)
}

// screenshot saves the whole page as a PNG artefact and checks that
// nothing is wider than the viewport.
func (b *browser) screenshot(name string, width int) {
	b.t.Helper()
	over := b.eval(`document.documentElement.scrollWidth > window.innerWidth`)
	assert.Equal(b.t, false, over, "%s: the page is wider than the viewport", name)
	buf, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	require.NoError(b.t, err)
	img, err := png.Decode(bytes.NewReader(buf))
	require.NoError(b.t, err, "a PNG")
	assert.Equal(b.t, width, img.Bounds().Dx(), "%s: the page is as wide as the viewport", name)
	path := filepath.Join(b.dir, "verifier-portal-"+name+".png")
	require.NoError(b.t, os.WriteFile(path, buf, 0o644))
	b.t.Logf("screenshot %s (%dx%d)", path, img.Bounds().Dx(), img.Bounds().Dy())
}

// TestBrowser: in a real headless Chromium, at a phone's size, a citizen
// at a library's entrance chooses the Citizen Card facility entry, reads
// what it will ask for and why, types the facility, starts the request and
// sees its QR code and same-device link; her wallet (the project's, in Go)
// opens the link and answers; the page, long-polling, switches to the
// decision without reloading — eligible, with a reason per criterion in
// Korean — and then in English. Screenshots at 390×844 and 1280×800.
func TestBrowser(t *testing.T) {
	c := newCity(t, schemas.Korean)
	citizen := c.citizen(t, nil, cardVCT)
	b := newBrowser(t, c)

	// The programmes.
	b.open("/", "#programmes")
	list := b.text("#programmes")
	for _, p := range c.cat.Programmes() {
		assert.Contains(t, list, p.Name().Ko)
	}
	b.screenshot("programmes-390", 390)

	// What will be asked, and why.
	b.do(chromedp.Click(chromedp.ID("programme-"+facilityEntry)), chromedp.WaitVisible(chromedp.ID("start-form")))
	b.noViolations()
	assert.Equal(t, "서울시민카드 공공시설 이용", b.text("#programme-name"))
	assert.Equal(t, "공공시설 입장·이용 시 서울 거주와 해당 시설 회원 여부 확인", b.text("#purpose"))
	assert.Contains(t, b.text("#legal-basis"), "개인정보 보호법 제15조제1항제1호")
	assert.Contains(t, b.text("#retention"), "보관하지 않음")
	asks := b.text("#asks")
	for _, s := range []string{"서울시민카드", "서울시 거주", "가입 시설 › 시설 코드", "선택"} {
		assert.Contains(t, asks, s)
	}
	checks := b.text("#checks")
	assert.Contains(t, checks, "서울 거주")
	assert.Contains(t, checks, "시설 회원")
	b.screenshot("programme-390", 390)

	// Start: the QR code, the same-device link, the status.
	b.do(chromedp.SendKeys(chromedp.ID("param-facility_id"), "SEOUL-LIB-0001"), chromedp.Click(chromedp.ID("start")),
		chromedp.WaitVisible(chromedp.ID("qr")))
	b.noViolations()
	assert.Contains(t, b.text("#status-text"), "지갑의 응답을 기다리는 중")
	assert.Equal(t, true, b.eval(`document.getElementById("refresh").hidden`), "portal.js polls: the refresh link is hidden")
	b.do(chromedp.Poll[chromedp.Void](`document.getElementById("qr").complete && document.getElementById("qr").naturalWidth === 320`))
	href, err := chromedp.Run(b.ctx, chromedp.AttributeValue(chromedp.ID("same-device"), "href"))
	require.NoError(t, err)
	uri := href.Value
	require.True(t, strings.HasPrefix(uri, "openid4vp://?"), uri)
	assert.Contains(t, b.text("main"), "SEOUL-LIB-0001")
	b.screenshot("request-390", 390)

	// The wallet answers; the page switches to the decision by itself,
	// without reloading (a reload would forget the marker).
	b.eval(`window.__sameDocument = true`)
	rc := citizen.answer(t, uri)
	assert.True(t, rc.AckVerified)
	b.do(chromedp.WaitVisible(chromedp.ID("outcome")))
	assert.Equal(t, true, b.eval(`window.__sameDocument === true`), "no reload")
	b.noViolations()
	assert.Equal(t, "자격 있음", b.text("#outcome"))
	assert.Contains(t, b.text("#criterion-seoul_resident"), "서울시민카드에 서울 거주가 확인되어 있습니다.")
	assert.Contains(t, b.text("#criterion-member"), "이 시설의 회원입니다.")
	assert.Contains(t, b.text("#criterion-member"), "충족")
	title, err := chromedp.Run(b.ctx, chromedp.Title())
	require.NoError(t, err)
	assert.Contains(t, title, "판단 결과")
	b.screenshot("decision-ko-390", 390)

	// In English.
	b.do(chromedp.Click(chromedp.ID("lang")), chromedp.WaitVisible(chromedp.ID("outcome")))
	b.do(chromedp.Poll[chromedp.Void](`document.documentElement.lang === "en"`))
	b.noViolations()
	assert.Equal(t, "Eligible", b.text("#outcome"))
	assert.Contains(t, b.text("#criterion-seoul_resident"), "The Seoul Citizen Card confirms Seoul residence.")
	assert.Contains(t, b.text("#criterion-member"), "A member of this facility.")
	b.screenshot("decision-en-390", 390)
	b.do(desktop())
	b.screenshot("decision-en-1280", 1280)

	// The other pages on a laptop.
	b.open("/", "#programmes")
	b.screenshot("programmes-1280", 1280)
	b.open("/programmes/"+clinic, "#start-form")
	assert.Contains(t, b.text("#asks"), "Sensitive")
	b.screenshot("programme-1280", 1280)
	b.do(chromedp.Click(chromedp.ID("start")), chromedp.WaitVisible(chromedp.ID("qr")))
	b.screenshot("request-1280", 1280)
}
