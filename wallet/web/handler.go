package web

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"path"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/seoulid/seoulid/internal/webpage"
	"github.com/seoulid/seoulid/schemas"
	"github.com/seoulid/seoulid/wallet"
)

//go:embed templates/*.html static/*
var embedded embed.FS

// Config is what a Handler needs. Unlock and Lock are required; every
// other field says what its zero value means.
type Config struct {
	// Unlock checks the PIN and returns the wallet over the unlocked store
	// (the command wires the store, the ledger and the OpenID4VC clients
	// behind it). A wrong PIN is an error wrapping *store.UnlockError,
	// whose tries left and wait the unlock page shows.
	Unlock func(ctx context.Context, pin []byte) (*wallet.Wallet, error)
	// Lock locks the store: it forgets its keys. The handler calls it after
	// IdleTimeout without a request from the citizen, when she locks the
	// wallet, and on Close.
	Lock func()
	// Catalogue gives the credential types' names, colours and claim
	// labels; nil means schemas.Default(). It should be the wallet's own.
	Catalogue *schemas.Catalogue
	// DefaultLang is the language of a browser that has not chosen one
	// (?lang=, remembered in a cookie); "" means Korean.
	DefaultLang schemas.Lang
	// IdleTimeout is how long the wallet stays unlocked without a request
	// from the session that unlocked it; 0 means five minutes.
	IdleTimeout time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Logger logs refused requests and errors; nil discards.
	Logger *slog.Logger
}

// LogValue shows the settings; the config holds no secret.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(slog.String("default_lang", string(c.DefaultLang)), slog.Duration("idle_timeout", c.IdleTimeout))
}

// Limits of the handler's state: a local process that opens sessions in
// a loop evicts the oldest, never the one that holds the wallet.
const (
	maxSessions   = 64
	sessionMaxAge = 12 * time.Hour
	maxPending    = 8        // consents and offers in progress per session
	maxFormBytes  = 64 << 10 // a pasted offer or request URI is at most 32 KiB
)

// Handler is the wallet's web UI: an http.Handler meant to be served on
// 127.0.0.1 only. Close it to lock the wallet and stop its idle timer.
type Handler struct {
	cfg    Config
	log    *slog.Logger
	mux    *http.ServeMux
	pages  map[string]*template.Template
	static fs.FS
	// classes maps a vct to the CSS class of its card (cards.css).
	classes map[string]string
	cardCSS []byte

	mu       sync.Mutex
	sessions map[string]*session
	active   *session // the session that unlocked the wallet, nil when locked
	timer    *time.Timer
	closed   bool
}

var colorPattern = regexp.MustCompile(`^#[0-9A-Fa-f]{6}$`)

// New makes the web UI.
func New(cfg Config) (*Handler, error) {
	if cfg.Unlock == nil || cfg.Lock == nil {
		return nil, errors.New("web: Config.Unlock and Config.Lock are required")
	}
	if cfg.Catalogue == nil {
		cfg.Catalogue = schemas.Default()
	}
	switch cfg.DefaultLang {
	case "":
		cfg.DefaultLang = schemas.Korean
	case schemas.Korean, schemas.English:
	default:
		return nil, fmt.Errorf("web: default language %q: ko or en", cfg.DefaultLang)
	}
	switch {
	case cfg.IdleTimeout == 0:
		cfg.IdleTimeout = 5 * time.Minute
	case cfg.IdleTimeout < 0:
		return nil, fmt.Errorf("web: idle timeout %s is negative", cfg.IdleTimeout)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	h := &Handler{cfg: cfg, log: cfg.Logger, sessions: map[string]*session{}, classes: map[string]string{}}
	var err error
	if h.pages, err = parsePages(); err != nil {
		return nil, err
	}
	if h.static, err = fs.Sub(embedded, "static"); err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	var css strings.Builder
	css.WriteString("/* Card colours of the credential catalogue. */\n")
	for i, t := range cfg.Catalogue.Types() {
		class := fmt.Sprintf("type-%d", i)
		h.classes[t.VCT] = class
		if !colorPattern.MatchString(t.Colors.Background) || !colorPattern.MatchString(t.Colors.Text) {
			return nil, fmt.Errorf("web: the colours of %s are not #RRGGBB", t.VCT)
		}
		fmt.Fprintf(&css, ".%s{background-color:%s;color:%s}\n", class, t.Colors.Background, t.Colors.Text)
	}
	h.cardCSS = []byte(css.String())
	h.routes()
	return h, nil
}

// parsePages parses each page with the layout.
func parsePages() (map[string]*template.Template, error) {
	pages, err := webpage.ParsePages(embedded)
	if err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	return pages, nil
}

// contentSecurityPolicy allows only the handler's own script and styles:
// no inline script or style, no frames, forms posted here only.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; " +
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// ServeHTTP checks the Host (DNS rebinding), sets the security headers,
// finds or starts the session, checks a POST's origin and CSRF token,
// locks an idle wallet, and routes.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	webpage.SetSecurityHeaders(w.Header(), contentSecurityPolicy)
	if !localHost(r.Host) {
		h.log.Warn("refused a request for another host", "host", r.Host)
		http.Error(w, "this wallet answers only on 127.0.0.1 and localhost / 이 지갑은 127.0.0.1과 localhost에서만 응답합니다", http.StatusForbidden)
		return
	}

	if strings.HasPrefix(r.URL.Path, "/static/") {
		h.serveStatic(w, r)
		return
	}
	now := h.cfg.Now()
	rq := &request{h: h, w: w, r: r, lang: h.language(w, r)}
	h.mu.Lock()
	h.lockIfIdle(now)
	rq.s = h.session(w, r, now)
	h.mu.Unlock()

	if r.Method == http.MethodPost {
		if err := h.checkPost(rq); err != nil {
			h.log.Warn("refused a POST", "path", r.URL.Path, "err", err)
			rq.fail(http.StatusForbidden, "error.csrf")
			return
		}
	}
	h.mu.Lock()
	if rq.s == h.active {
		rq.s.seen = now
		h.armTimer()
	}
	rq.wallet = rq.s.wallet
	h.mu.Unlock()
	h.mux.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestKey{}, rq)))
}

// localHost reports whether a Host header names this machine's loopback
// by a name a DNS rebinding cannot produce: 127.0.0.1 or localhost, with
// or without a port.
func localHost(host string) bool {
	name := host
	if h, port, err := net.SplitHostPort(host); err == nil {
		if port == "" || strings.Trim(port, "0123456789") != "" {
			return false
		}
		name = h
	}
	return name == "127.0.0.1" || strings.EqualFold(name, "localhost")
}

// checkPost refuses a POST from another origin (Origin, Sec-Fetch-Site,
// when the browser sends them) and one without the session's CSRF token.
func (h *Handler) checkPost(rq *request) error {
	r := rq.r
	if o := r.Header.Get("Origin"); o != "" && o != "http://"+r.Host {
		return fmt.Errorf("origin %q is not this wallet's", o)
	}
	if s := r.Header.Get("Sec-Fetch-Site"); s != "" && s != "same-origin" && s != "none" {
		return fmt.Errorf("Sec-Fetch-Site %q", s)
	}
	r.Body = http.MaxBytesReader(rq.w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		return fmt.Errorf("the form: %w", err)
	}
	if !rq.s.fresh && validToken(r.PostForm.Get("csrf"), rq.s.csrf) {
		return nil
	}
	return errors.New("no valid CSRF token")
}

// serveStatic serves the embedded script and styles, and the card colours.
func (h *Handler) serveStatic(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	name := strings.TrimPrefix(r.URL.Path, "/static/")
	if name == "cards.css" {
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
		w.Write(h.cardCSS)
		return
	}
	b, err := fs.ReadFile(h.static, name)
	if err != nil || strings.Contains(name, "/") {
		http.NotFound(w, r)
		return
	}
	switch path.Ext(name) {
	case ".css":
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
	case ".js":
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	case ".svg":
		w.Header().Set("Content-Type", "image/svg+xml")
	default:
		w.Header().Set("Content-Type", "application/octet-stream")
	}
	w.Write(b)
}

// Close locks the wallet and stops the idle timer. The handler answers
// afterwards, locked.
func (h *Handler) Close() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.lock(false)
	h.closed = true
	if h.timer != nil {
		h.timer.Stop()
	}
	return nil
}

// lock forgets the wallet and locks the store; idle says why, for the
// unlock page. h.mu is held.
func (h *Handler) lock(idle bool) {
	s := h.active
	if s == nil {
		return
	}
	s.wallet = nil
	clear(s.consents)
	clear(s.offers)
	s.order = nil
	s.idleLocked = idle
	h.active = nil
	h.cfg.Lock()
	h.log.Info("wallet locked", "idle", idle)
}

// lockIfIdle locks the wallet when the session holding it has been idle
// for IdleTimeout. h.mu is held.
func (h *Handler) lockIfIdle(now time.Time) {
	if h.active != nil && now.Sub(h.active.seen) >= h.cfg.IdleTimeout {
		h.lock(true)
	}
}

// armTimer (re)starts the timer that locks an idle wallet even when no
// request comes. h.mu is held.
func (h *Handler) armTimer() {
	if h.closed {
		return
	}
	if h.timer == nil {
		h.timer = time.AfterFunc(h.cfg.IdleTimeout, h.idleCheck)
		return
	}
	h.timer.Reset(h.cfg.IdleTimeout)
}

func (h *Handler) idleCheck() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.lockIfIdle(h.cfg.Now())
	if h.active != nil && !h.closed {
		// The clock says not yet (a request came as the timer fired).
		h.timer.Reset(h.cfg.IdleTimeout - h.cfg.Now().Sub(h.active.seen))
	}
}
