package portal

import (
	"crypto/rand"
	"embed"
	"errors"
	"fmt"
	qrcode "github.com/skip2/go-qrcode"
	"html/template"
	"io/fs"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/seoulid/seoulid/internal/webpage"
	"github.com/seoulid/seoulid/schemas"
	"github.com/seoulid/seoulid/verifier"
	"github.com/seoulid/seoulid/verifier/programmes"
)

//go:embed templates/*.html static/*
var embedded embed.FS

// Config sets up a Handler. Every field says what its zero value means.
type Config struct {
	// Name is the portal's name by language ("ko", "en"), shown in every
	// page's header and title; a language missing takes the other's. Nil
	// or empty means "복지 포털" / "Welfare portal". Other keys are an
	// error.
	Name map[string]string
	// DefaultLang is the language of a browser that has not chosen one
	// (?lang=, remembered in a cookie); "" means Korean.
	DefaultLang schemas.Lang
	// Types is the credential catalogue that names what a programme asks
	// for (type names, claim labels); nil means schemas.Default(). It
	// should be the one the programmes were loaded against: a programme
	// asking for a type it lacks fails New.
	Types *schemas.Catalogue
	// PublicURL is the portal's public URL (https://portal.example), whose
	// origin a form's POST must come from, and whose scheme makes cookies
	// Secure. "" means the Origin's host must be the request's Host, and
	// cookies are Secure when the request came over https (r.TLS, or
	// X-Forwarded-Proto: https from the TLS terminator).
	PublicURL string
	// Now is the clock (a pending request past its expiry is shown as
	// expired); nil means time.Now. It should be the Service's.
	Now func() time.Time
	// Logger logs refused form posts and internal errors; nil discards.
	Logger *slog.Logger
}

// LogValue shows the settings; the config holds no secret.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(slog.Any("name", c.Name), slog.String("default_lang", string(c.DefaultLang)), slog.String("public_url", c.PublicURL))
}

// Limits of the handler.
const (
	// MaxWait caps the wait of a long poll (GET /api/requests/{id}?wait=).
	MaxWait = 60 * time.Second
	// maxStarted bounds the requests whose URI and QR code the handler
	// keeps (pending ones; an expired one is dropped first).
	maxStarted = 4096
	// maxBodyBytes bounds a POST: a programme id and a few parameters.
	maxBodyBytes = 16 << 10
	// maxParamBytes bounds one parameter's value.
	maxParamBytes = 200
)

// QR code parameters (the request page's image and the API's "qr").
const qrSize = 320

// Handler is the welfare portal: its pages and its JSON API (see the
// package documentation). It is safe for concurrent use.
type Handler struct {
	svc  *verifier.Service
	cfg  Config
	log  *slog.Logger
	name programmes.Text
	// origin is PublicURL's scheme://host; "" when not configured.
	origin string
	mux    *http.ServeMux
	pages  map[string]*template.Template
	static fs.FS
	// csrfKey signs the form tokens (csrf.go); it lives as long as the
	// process.
	csrfKey []byte
	// progs are the programmes as shown, in the catalogue's order.
	progs []*programmeView
	byID  map[string]*programmeView

	mu      sync.Mutex
	started map[string]*started
	// order holds started's ids, oldest first.
	order []string
}

// started is a request this handler made, with what the request page
// shows: the URI the wallet opens and its QR code, drawn when first asked
// for (drawing a PNG costs more than the whole OpenID4VP exchange).
type started struct {
	uri     string
	expires time.Time

	qrOnce sync.Once
	qr     []byte // PNG; nil when it could not be drawn
}

// png returns the QR code of the request's URI.
func (s *started) png(log *slog.Logger) []byte {
	s.qrOnce.Do(func() {
		var err error
		if s.qr, err = qrcode.Encode(s.uri, qrcode.Medium, qrSize); err != nil {
			// The page shows the link without the image.
			log.Warn("drawing a request's QR code", "err", err)
		}
	})
	return s.qr
}

// New makes the portal over a verifier service and the programmes it
// decides on (the same catalogue the service was made with).
func New(svc *verifier.Service, cat *programmes.Catalogue, cfg Config) (*Handler, error) {
	if svc == nil || cat == nil {
		return nil, errors.New("portal: a service and its programmes are required")
	}
	switch cfg.DefaultLang {
	case "":
		cfg.DefaultLang = schemas.Korean
	case schemas.Korean, schemas.English:
	default:
		return nil, fmt.Errorf("portal: default language %q: ko or en", cfg.DefaultLang)
	}
	if cfg.Types == nil {
		cfg.Types = schemas.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	name, err := portalName(cfg.Name)
	if err != nil {
		return nil, err
	}
	origin, err := originOf(cfg.PublicURL)
	if err != nil {
		return nil, err
	}
	h := &Handler{svc: svc, cfg: cfg, log: cfg.Logger, name: name, origin: origin, byID: map[string]*programmeView{}, started: map[string]*started{}}
	for _, p := range cat.Programmes() {
		v, err := newProgrammeView(p, cfg.Types)
		if err != nil {
			return nil, err
		}
		h.progs = append(h.progs, v)
		h.byID[v.ID] = v
	}
	h.csrfKey = make([]byte, 32)
	if _, err := rand.Read(h.csrfKey); err != nil {
		return nil, fmt.Errorf("portal: %w", err)
	}
	if h.pages, err = parsePages(); err != nil {
		return nil, err
	}
	if h.static, err = fs.Sub(embedded, "static"); err != nil {
		return nil, fmt.Errorf("portal: %w", err)
	}
	h.routes()
	return h, nil
}

// portalName checks Config.Name and fills a missing language.
func portalName(m map[string]string) (programmes.Text, error) {
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if _, err := schemas.ParseLang(k); err != nil {
			return programmes.Text{}, fmt.Errorf("portal: Config.Name: %w", err)
		}
	}
	n := programmes.Text{Ko: strings.TrimSpace(m["ko"]), En: strings.TrimSpace(m["en"])}
	switch {
	case n.Ko == "" && n.En == "":
		return programmes.Text{Ko: "복지 포털", En: "Welfare portal"}, nil
	case n.Ko == "":
		n.Ko = n.En
	case n.En == "":
		n.En = n.Ko
	}
	return n, nil
}

// originOf is a public URL's origin, scheme://host; "" for "".
func originOf(public string) (string, error) {
	if public == "" {
		return "", nil
	}
	u, err := url.Parse(public)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("portal: Config.PublicURL %q is not an http(s) URL", public)
	}
	return u.Scheme + "://" + u.Host, nil
}

// parsePages parses each page with the layout.
func parsePages() (map[string]*template.Template, error) {
	pages, err := webpage.ParsePages(embedded)
	if err != nil {
		return nil, fmt.Errorf("portal: %w", err)
	}
	return pages, nil
}

// contentSecurityPolicy allows only the portal's own script, styles,
// images (the QR code) and API (the long poll): no inline script or
// style, no frames, forms posted here only.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// ServeHTTP sets the security headers and routes.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	webpage.SetSecurityHeaders(w.Header(), contentSecurityPolicy)
	h.mux.ServeHTTP(w, r)
}

// routes registers the API and the pages.
func (h *Handler) routes() {
	h.mux = http.NewServeMux()
	// The API: methods are checked by the handlers, so that a wrong one
	// is a JSON error too.
	h.mux.HandleFunc("/api/programmes", h.apiProgrammes)
	h.mux.HandleFunc("/api/programmes/{id}", h.apiProgramme)
	h.mux.HandleFunc("/api/requests", h.apiStart)
	h.mux.HandleFunc("/api/requests/{id}", h.apiStatus)
	h.mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		h.apiError(w, http.StatusNotFound, codeNotFound, "no such API endpoint")
	})
	// The pages.
	h.mux.HandleFunc("/static/", h.serveStatic)
	page := func(fn func(*request)) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			fn(&request{h: h, w: w, r: r, lang: h.language(w, r)})
		}
	}
	h.mux.HandleFunc("GET /{$}", page(h.home))
	h.mux.HandleFunc("GET /programmes/{id}", page(h.programmePage))
	h.mux.HandleFunc("POST /programmes/{id}", page(h.startPage))
	h.mux.HandleFunc("GET /requests/{id}", page(h.requestPage))
	h.mux.HandleFunc("GET /requests/{id}/qr.png", h.qrImage)
	h.mux.HandleFunc("/", page(func(rq *request) { rq.fail(http.StatusNotFound, "error.notFound") }))
}

// serveStatic serves the embedded script and styles.
func (h *Handler) serveStatic(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	name := strings.TrimPrefix(r.URL.Path, "/static/")
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
	default:
		w.Header().Set("Content-Type", "application/octet-stream")
	}
	w.Write(b)
}

// remember keeps a started request's URI and QR code, dropping expired
// ones, and the oldest when full. Requests are kept in the order they
// were made, which is the order they expire in (one lifetime for all), so
// dropping looks only at the front of the queue: O(1) amortised, where a
// scan of the map under the lock was 8% of a loaded verifier's CPU.
func (h *Handler) remember(id string, s *started) {
	now := h.cfg.Now()
	h.mu.Lock()
	defer h.mu.Unlock()
	for len(h.order) > 0 {
		front := h.order[0]
		v, ok := h.started[front]
		if ok && now.Before(v.expires) && len(h.started) < maxStarted {
			break
		}
		if ok {
			delete(h.started, front)
		}
		// Slicing off the front shrinks the capacity too, so append
		// moves the queue to a fresh array now and then and the old
		// one is freed.
		h.order = h.order[1:]
	}
	h.started[id] = s
	h.order = append(h.order, id)
}

// lookup returns a started request this handler still keeps, or nil.
func (h *Handler) lookup(id string) *started {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.started[id]
}
