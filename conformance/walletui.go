package conformance

import (
	"context"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"
)

// NewWalletUIDriver returns the WalletDriver of seoulid's wallet UI
// (`seoulid wallet serve`, the city's wallet) at base, unlocked with pin:
// it fills in the UI's forms as its holder would in a browser without
// script (wallet/web's pages), with a session cookie, the forms' CSRF
// token and the UI's own Origin. hc makes the requests (nil: a client with
// a 30 s timeout); its cookie jar and redirect policy are the driver's own.
func NewWalletUIDriver(base, pin string, hc *http.Client) WalletDriver {
	c := &http.Client{Timeout: 30 * time.Second}
	if hc != nil {
		c.Transport, c.Timeout = hc.Transport, hc.Timeout
	}
	c.Jar, _ = cookiejar.New(nil)
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &walletUI{base: strings.TrimSuffix(base, "/"), pin: pin, hc: c}
}

// walletUI is the driver of seoulid's wallet UI.
type walletUI struct {
	base, pin string
	hc        *http.Client

	mu   sync.Mutex
	csrf string
}

var (
	csrfField   = regexp.MustCompile(`name="csrf" value="([^"]*)"`)
	formAction  = regexp.MustCompile(`<form method="post" action="(/(?:receive|present)/[A-Za-z0-9_-]+)"`)
	refusalText = regexp.MustCompile(`(?s)id="refusal".*?<span id="reason">(.*?)</span>`)
	errorText   = regexp.MustCompile(`(?s)<div class="error" role="alert" id="error">(.*?)</div>`)
	includeBox  = regexp.MustCompile(`name="include" value="([^"]*)"`)
)

// page is one answer of the UI.
type page struct {
	status   int
	location string
	body     string
}

// post posts form to path (with the session's CSRF token) and reads the
// answer; get reads a page. Both keep the latest CSRF token shown.
func (d *walletUI) do(ctx context.Context, method, path string, form url.Values) (*page, error) {
	var body io.Reader
	if form != nil {
		d.mu.Lock()
		form.Set("csrf", d.csrf)
		d.mu.Unlock()
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, d.base+path, body)
	if err != nil {
		return nil, err
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", d.base)
	}
	resp, err := d.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return nil, err
	}
	p := &page{status: resp.StatusCode, location: resp.Header.Get("Location"), body: string(b)}
	if m := csrfField.FindStringSubmatch(p.body); m != nil {
		d.mu.Lock()
		d.csrf = html.UnescapeString(m[1])
		d.mu.Unlock()
	}
	return p, nil
}

// unlock unlocks the wallet with the PIN.
func (d *walletUI) unlock(ctx context.Context) error {
	if _, err := d.do(ctx, http.MethodGet, "/unlock", nil); err != nil {
		return err
	}
	p, err := d.do(ctx, http.MethodPost, "/unlock", url.Values{"pin": {d.pin}})
	if err != nil {
		return err
	}
	if p.status != http.StatusSeeOther {
		return fmt.Errorf("the wallet UI did not unlock with the PIN given (HTTP %d%s)", p.status, p.says())
	}
	// The session has a new CSRF token: read it.
	_, err = d.do(ctx, http.MethodGet, p.location, nil)
	return err
}

// post posts a form, unlocking the wallet first when the UI asks for it.
func (d *walletUI) post(ctx context.Context, path string, form url.Values) (*page, error) {
	for try := 0; ; try++ {
		p, err := d.do(ctx, http.MethodPost, path, form)
		if err != nil {
			return nil, err
		}
		locked := p.status == http.StatusSeeOther && p.location == "/unlock"
		if !locked && p.status != http.StatusForbidden || try > 0 {
			return p, nil
		}
		// Locked, or a session (and its CSRF token) the UI no longer knows.
		if err := d.unlock(ctx); err != nil {
			return nil, err
		}
	}
}

// says is what a page says went wrong, for an error message.
func (p *page) says() string {
	if m := refusalText.FindStringSubmatch(p.body); m != nil {
		return ": " + html.UnescapeString(m[1])
	}
	if m := errorText.FindStringSubmatch(p.body); m != nil {
		return ": " + strings.Join(strings.Fields(html.UnescapeString(stripTags(m[1]))), " ")
	}
	return ""
}

var tags = regexp.MustCompile(`<[^>]*>`)

func stripTags(s string) string { return tags.ReplaceAllString(s, " ") }

// refusal returns the wallet's refusal shown by p, nil when p shows none.
func (p *page) refusal() error {
	if m := refusalText.FindStringSubmatch(p.body); m != nil {
		return fmt.Errorf("%w: %s", ErrRefused, html.UnescapeString(m[1]))
	}
	return nil
}

func (d *walletUI) Receive(ctx context.Context, offerURI, txCode string) error {
	p, err := d.post(ctx, "/receive", url.Values{"offer": {offerURI}})
	if err != nil {
		return err
	}
	m := formAction.FindStringSubmatch(p.body)
	if p.status != http.StatusOK || m == nil {
		return fmt.Errorf("the wallet UI did not take the offer (HTTP %d%s)", p.status, p.says())
	}
	p, err = d.post(ctx, m[1], url.Values{"tx_code": {txCode}})
	if err != nil {
		return err
	}
	if err := p.refusal(); err != nil {
		return err
	}
	if p.status == http.StatusSeeOther && strings.HasPrefix(p.location, "/cards/") {
		return nil
	}
	return fmt.Errorf("the wallet UI did not store the credential (HTTP %d%s)", p.status, p.says())
}

func (d *walletUI) Present(ctx context.Context, requestURI string, approve bool) error {
	p, err := d.post(ctx, "/present", url.Values{"request": {requestURI}})
	if err != nil {
		return err
	}
	if err := p.refusal(); err != nil {
		return err
	}
	if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, "/present/") {
		return fmt.Errorf("the wallet UI did not show a consent (HTTP %d%s)", p.status, p.says())
	}
	consent := p.location
	if !approve {
		p, err = d.post(ctx, consent+"/decline", url.Values{})
		if err != nil {
			return err
		}
		if p.status != http.StatusOK || errorText.MatchString(p.body) {
			return fmt.Errorf("the wallet UI did not decline (HTTP %d%s)", p.status, p.says())
		}
		return nil
	}
	p, err = d.do(ctx, http.MethodGet, consent, nil)
	if err != nil {
		return err
	}
	form := url.Values{"pin": {d.pin}}
	// Everything shown is approved: the optional parts and the sensitive
	// claims too.
	for _, m := range includeBox.FindAllStringSubmatch(p.body, -1) {
		form.Add("include", html.UnescapeString(m[1]))
	}
	if strings.Contains(p.body, `name="sensitive"`) {
		form.Set("sensitive", "yes")
	}
	p, err = d.post(ctx, consent, form)
	if err != nil {
		return err
	}
	if err := p.refusal(); err != nil {
		return err
	}
	if p.status == http.StatusSeeOther && strings.HasPrefix(p.location, "/receipts/") {
		return nil
	}
	return fmt.Errorf("the wallet UI did not present (HTTP %d%s)", p.status, p.says())
}
