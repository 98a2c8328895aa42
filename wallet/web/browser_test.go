package web_test

import (
	"bytes"
	"context"
	"image/png"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	vp "github.com/seoulid/seoulid/internal/oid4vp"
	"github.com/seoulid/seoulid/internal/sdjwt"
	"github.com/seoulid/seoulid/schemas"
	"github.com/seoulid/seoulid/wallet"
	"github.com/seoulid/seoulid/wallet/wallettest"
)

// chromiumPath is Debian's chromium. The browser tests need it: they fail,
// not skip, without it.
const chromiumPath = "/usr/bin/chromium"

// browser is a headless Chromium tab on the fixture's server, with the
// phone's viewport, and a record of the Content-Security-Policy
// violations of every page it loaded.
type browser struct {
	t   *testing.T
	ctx context.Context
	f   *fixture
	dir string // where screenshots go
}

// cspWatch runs before each page's own scripts (DevTools scripts are not
// subject to the page's policy) and keeps the policy's violations.
const cspWatch = `window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) { window.__csp.push(e.violatedDirective + " " + e.blockedURI); });`

func newBrowser(t *testing.T, f *fixture) *browser {
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
	tctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(cancel)
	dir := os.Getenv("SEOULID_TEST_ARTIFACTS")
	if dir == "" {
		dir = t.TempDir()
	} else {
		require.NoError(t, os.MkdirAll(dir, 0o755))
	}
	return &browser{t: t, ctx: tctx, f: f, dir: dir}
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
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
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

// open loads a page of the wallet and waits for sel on it.
func (b *browser) open(path, sel string) {
	b.t.Helper()
	b.do(chromedp.Navigate(b.f.srv.URL+path), chromedp.WaitVisible(chromedp.CSS(sel)))
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

// pin types the PIN on the page's PIN pad (the script's buttons).
func (b *browser) pin(digits string) {
	b.t.Helper()
	b.do(chromedp.WaitVisible(chromedp.CSS(".pinpad")), chromedp.Click(chromedp.CSS(`.pinpad [data-action="clear"]`)))
	for _, d := range digits {
		b.do(chromedp.Click(chromedp.CSS(`.pinpad [data-digit="` + string(d) + `"]`)))
	}
	v, err := chromedp.Run(b.ctx, chromedp.Value(chromedp.ID("pin")))
	require.NoError(b.t, err)
	require.Equal(b.t, digits, v, "the pad typed the PIN")
}

// screenshot saves the whole page as a PNG artefact and checks its width.
func (b *browser) screenshot(name string, width int) {
	b.t.Helper()
	buf, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	require.NoError(b.t, err)
	img, err := png.Decode(bytes.NewReader(buf))
	require.NoError(b.t, err, "a PNG")
	assert.Equal(b.t, width, img.Bounds().Dx(), "%s: the page is as wide as the viewport (nothing overflows)", name)
	path := filepath.Join(b.dir, "wallet-web-"+name+".png")
	require.NoError(b.t, os.WriteFile(path, buf, 0o644))
	b.t.Logf("screenshot %s (%dx%d)", path, img.Bounds().Dx(), img.Bounds().Dy())
}

// overflows reports whether the page is wider than the viewport.
func (b *browser) overflows() bool {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`))
	require.NoError(b.t, err)
	return v
}

const askResidency = `{"credentials":[{"id":"residency","format":"dc+sd-jwt","meta":{"vct_values":["urn:seoulid:vct:residency-status:1"]},
	"claims":[{"path":["resident_of_seoul"]}]}]}`

// askTooMuch asks for the name too, which the purpose does not cover.
const askTooMuch = `{"credentials":[{"id":"residency","format":"dc+sd-jwt","meta":{"vct_values":["urn:seoulid:vct:residency-status:1"]},
	"claims":[{"path":["resident_of_seoul"]},{"path":["name"]}]}]}`

// registered are the claims of an SD-JWT VC about the credential, not
// its subject (SD-JWT VC §3.2.2).
var registered = []string{"iss", "iat", "nbf", "exp", "vct", "vct#integrity", "cnf", "status", "sub", "_sd_alg"}

// TestBrowser: in a real headless Chromium, at a phone's size, a citizen
// unlocks the wallet with the PIN pad, receives a residency-status
// credential with the transaction code the issuer sent, sees its card in
// the type's colours, reads a verifier's request on the consent screen (who
// asks, why, under which law, for how long, each claim with its label, in
// Korean and English), approves with the PIN after one wrong try, and
// gets the receipt; the verifier got exactly the approved claim. A request
// beyond the verifier's registered purpose is refused with the reason and
// nothing is disclosed. Screenshots of each step are kept.
func TestBrowser(t *testing.T) {
	f := newFixture(t, schemas.Korean)
	gwanak := wallettest.NewIssuer(t, f.ledger, gwanakName, resVCT)
	f.ledger.Authorise(gwanak.DID, resVCT)
	offerURI, txCode := gwanak.Offer(t, resVCT, nil)
	portal := wallettest.NewVerifier(t, f.ledger, portalName, wallet.Purpose{
		ID:          "residency-check",
		Description: map[schemas.Lang]string{schemas.Korean: "서울 거주 확인", schemas.English: "Seoul residency check"},
		LegalBasis:  "서울특별시 청년 기본 조례 제10조", Retention: "P30D",
		Claims: map[string][]sdjwt.Path{resVCT: wallettest.Paths(t, "resident_of_seoul,district")},
	})
	ty, err := schemas.Default().Lookup(resVCT)
	require.NoError(t, err)
	b := newBrowser(t, f)

	// Unlock with the PIN pad.
	b.open("/", "#unlock")
	assert.Contains(t, b.text("h1"), "지갑 열기")
	b.screenshot("unlock-390", 390)
	b.pin(pin)
	b.do(chromedp.Click(chromedp.ID("unlock")), chromedp.WaitVisible(chromedp.CSS("p.empty")))
	assert.True(t, f.st.Unlocked())

	// Receive: paste the offer, see who offers what, type the code.
	b.open("/receive", "#offer")
	b.do(chromedp.SetValue(chromedp.ID("offer"), offerURI), chromedp.Click(chromedp.ID("preview")),
		chromedp.WaitVisible(chromedp.ID("tx_code")))
	b.noViolations()
	issuerURL, _ := url.Parse(gwanak.URL)
	assert.Equal(t, issuerURL.Host, b.text("#offer-issuer"))
	main := b.text("main")
	assert.Contains(t, main, ty.Name(schemas.Korean))
	assert.Contains(t, main, "인증번호")
	b.screenshot("offer-390", 390)
	b.do(chromedp.SendKeys(chromedp.ID("tx_code"), txCode), chromedp.Click(chromedp.ID("accept")),
		chromedp.WaitVisible(chromedp.CSS(".card.big")))
	b.noViolations()
	assert.Contains(t, b.text("main"), "증명서를 받았습니다.")
	assert.Contains(t, b.text("main"), "서울시 거주", "the claim's label")

	// The card, in the type's colours.
	b.open("/cards", "a.card")
	card := b.text("a.card")
	assert.Contains(t, card, ty.Name(schemas.Korean))
	assert.Contains(t, card, "관악구청")
	bg, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`getComputedStyle(document.querySelector("a.card")).backgroundColor`))
	require.NoError(t, err)
	assert.Equal(t, "rgb(200, 16, 46)", bg, "the catalogue's #C8102E")
	assert.False(t, b.overflows())
	b.screenshot("cards-390", 390)

	// Present: the consent screen.
	reqURI, reqID := portal.Request(t, "residency-check", askResidency, vp.ResponseModeDirectPost)
	b.open("/present", "#request")
	b.do(chromedp.SetValue(chromedp.ID("request"), reqURI), chromedp.Click(chromedp.ID("ask")),
		chromedp.WaitVisible(chromedp.ID("verifier")))
	b.noViolations()
	assert.Equal(t, "서울시 복지포털", b.text("#verifier"))
	assert.Equal(t, "서울 거주 확인", b.text("#purpose"))
	assert.Equal(t, "서울특별시 청년 기본 조례 제10조", b.text("#legal-basis"))
	assert.Equal(t, "30일", b.text("#retention"))
	what := b.text("main")
	assert.Contains(t, what, "서울시 거주")
	assert.Contains(t, what, "예", "the value, true")
	assert.NotContains(t, what, "이서연", "the name is not asked for, not shown")
	assert.Contains(t, b.text(".always"), "기준일", "as_of, which cannot be withheld, is listed as always shared")
	assert.Contains(t, b.text(".always"), "2026-03-09")
	assert.False(t, b.overflows())
	b.screenshot("consent-390", 390)
	consentPath, err := chromedp.Run(b.ctx, chromedp.Location())
	require.NoError(t, err)
	u, _ := url.Parse(consentPath)
	b.open(u.Path+"?lang=en", "#verifier")
	assert.Equal(t, "Seoul Welfare Portal", b.text("#verifier"))
	assert.Equal(t, "30 days", b.text("#retention"))
	assert.Contains(t, b.text("main"), "Resident of Seoul")
	b.do(desktop())
	b.screenshot("consent-1280", 1280)
	b.do(phone())

	// A wrong PIN: the tries left; then the right one: the receipt.
	b.pin("999999")
	b.do(chromedp.Click(chromedp.ID("approve")), chromedp.WaitVisible(chromedp.ID("error")))
	assert.Contains(t, b.text("#error"), "Wrong PIN. Tries left: 9")
	assert.Nil(t, portal.Result(reqID), "nothing sent on a wrong PIN")
	b.pin(pin)
	b.do(chromedp.Click(chromedp.ID("approve")), chromedp.WaitVisible(chromedp.ID("receipt")))
	b.noViolations()
	assert.Contains(t, b.text("#receipt-verifier"), "Seoul Welfare Portal")
	receipt := b.text("main")
	assert.Contains(t, receipt, "Resident of Seoul")
	assert.Contains(t, receipt, "Verified", "the verifier's signed acknowledgement")
	assert.NotContains(t, receipt, "Yes", "a receipt has no values")
	b.screenshot("receipt-390", 390)

	res := portal.Result(reqID)
	require.NotNil(t, res, "the verifier got the presentation")
	require.Empty(t, res.Refused)
	require.Len(t, res.Claims["residency"], 1)
	got := map[string]any{}
	for k, v := range res.Claims["residency"][0] {
		if !slices.Contains(registered, k) {
			got[k] = v
		}
	}
	// The approved claim, and the claims no presentation can withhold
	// (as_of: the consent screen lists them as always shared).
	want := map[string]any{"resident_of_seoul": true}
	creds, err := f.w.Credentials(context.Background())
	require.NoError(t, err)
	require.Len(t, creds, 1)
	for _, cl := range ty.Claims {
		if len(cl.Path) == 1 && !cl.Selectable(ty) {
			want[cl.Path[0].(string)] = creds[0].Claims[cl.Path[0].(string)]
		}
	}
	assert.Contains(t, want, "as_of")
	assert.Equal(t, want, got, "exactly the approved claim, and those that cannot be withheld")

	// Over-asking: refused with the reason, nothing disclosed.
	tooMuchURI, tooMuchID := portal.Request(t, "residency-check", askTooMuch, vp.ResponseModeDirectPost)
	b.open("/present", "#request")
	b.do(chromedp.SetValue(chromedp.ID("request"), tooMuchURI), chromedp.Click(chromedp.ID("ask")),
		chromedp.WaitVisible(chromedp.ID("refusal")))
	b.noViolations()
	reason := b.text("#reason")
	assert.Contains(t, reason, "name")
	assert.Contains(t, reason, "does not cover")
	assert.Contains(t, b.text("main"), "shared nothing")
	b.screenshot("refused-390", 390)
	refused := portal.Result(tooMuchID)
	if refused != nil {
		assert.Empty(t, refused.Claims, "no claim reached the verifier")
		require.NotNil(t, refused.Error)
		assert.Equal(t, "access_denied", string(refused.Error.Code))
	}

	// The history: received, shared, refused; the receipt names the claim.
	b.open("/history", "#events-h")
	hist := b.text("main")
	for _, s := range []string{"Received", "Shared", "Request refused", "Seoul Welfare Portal", "Resident of Seoul"} {
		assert.Contains(t, hist, s)
	}
	b.do(desktop())
	b.screenshot("history-1280", 1280)
	b.open("/cards?lang=ko", "a.card")
	b.screenshot("cards-1280", 1280)

	// Locking from the header ends the session's access.
	b.do(chromedp.Click(chromedp.ID("lock")), chromedp.WaitVisible(chromedp.ID("unlock")))
	assert.False(t, f.st.Unlocked())
}
