package vcapi

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"slices"
	"sort"
	"strings"

	"github.com/seoulid/seoulid/internal/jsonx"
	"github.com/seoulid/seoulid/schemas"
	"github.com/seoulid/seoulid/w3c"
)

// MaxBodyBytes bounds a request body.
const MaxBodyBytes = 256 << 10

// Config assembles a Handler.
type Config struct {
	// Issuers by name (the {name} of /issuers/{name}/…); may be empty for
	// a verifier only.
	Issuers map[string]*w3c.Issuer
	// Default is the name of the issuer of /credentials/issue; "" means
	// that endpoint answers 404.
	Default string
	// Resolver resolves the DIDs of verification methods. Required.
	Resolver w3c.Resolver
	// Verify tunes verification (clock, skew, where status lists are read).
	Verify w3c.VerifyOptions
	// Logger logs failures of the server's own; nil discards.
	Logger *slog.Logger
	// Token, when not "", is the bearer token (RFC 6750) that issuing and
	// changing a status require; "" leaves them open (a test server of
	// did:key issuers) unless Authorize is set. Verifying and reading lists
	// and schemas never need it.
	Token string
	// Authorize, when set, decides instead of Token whether a bearer token
	// may issue and change a status (an issuer's back-office operators).
	Authorize func(ctx context.Context, token string) bool
}

// Handler serves the VC-API.
type Handler struct {
	cfg Config
	mux *http.ServeMux
	log *slog.Logger
}

// New returns the handler.
func New(cfg Config) (*Handler, error) {
	if cfg.Resolver == nil {
		return nil, errors.New("vcapi: a resolver is required")
	}
	if cfg.Default != "" && cfg.Issuers[cfg.Default] == nil {
		return nil, fmt.Errorf("vcapi: no issuer named %q", cfg.Default)
	}
	h := &Handler{cfg: cfg, mux: http.NewServeMux(), log: cfg.Logger}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	h.mux.HandleFunc("POST /credentials/issue", h.authorized(func(w http.ResponseWriter, r *http.Request) { h.issue(w, r, cfg.Default) }))
	h.mux.HandleFunc("POST /issuers/{name}/credentials/issue", h.authorized(func(w http.ResponseWriter, r *http.Request) { h.issue(w, r, r.PathValue("name")) }))
	h.mux.HandleFunc("POST /credentials/verify", h.verify)
	h.mux.HandleFunc("POST /presentations/verify", h.verifyPresentation)
	h.mux.HandleFunc("POST /credentials/status", h.authorized(h.setStatus))
	h.mux.HandleFunc("GET /status-lists/{name}/{purpose}", h.statusList)
	h.mux.HandleFunc("POST /status-lists/{name}/{purpose}/publish", h.publish)
	h.mux.HandleFunc("GET /schemas/{id}", h.schema)
	h.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		h.fail(w, http.StatusNotFound, "no such endpoint")
	})
	return h, nil
}

// authorized wraps fn with the bearer token check of Config.Authorize or
// Config.Token (RFC 6750 §2.1; 401 with WWW-Authenticate as §3 says).
func (h *Handler) authorized(fn http.HandlerFunc) http.HandlerFunc {
	check := h.cfg.Authorize
	if check == nil && h.cfg.Token != "" {
		want := []byte(h.cfg.Token)
		check = func(_ context.Context, token string) bool {
			return subtle.ConstantTimeCompare([]byte(token), want) == 1
		}
	}
	if check == nil {
		return fn
	}
	return func(w http.ResponseWriter, r *http.Request) {
		got := r.Header.Values("Authorization")
		scheme, token, ok := "", "", false
		if len(got) == 1 {
			scheme, token, ok = strings.Cut(got[0], " ")
		}
		if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" || !check(r.Context(), token) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="seoulid-vcapi"`)
			h.fail(w, http.StatusUnauthorized, "issuing and changing a status need an operator's bearer token")
			return
		}
		fn(w, r)
	}
}

// Names returns the issuers' names, sorted.
func (h *Handler) Names() []string {
	var out []string
	for n := range h.cfg.Issuers {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	h.mux.ServeHTTP(w, r)
}

func (h *Handler) json(w http.ResponseWriter, status int, v any) {
	b, err := jsonx.Marshal(v)
	if err != nil {
		h.log.Error("vcapi: encoding an answer", "err", err)
		b, status = []byte(`{"message":"internal error"}`), http.StatusInternalServerError
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(b)
}

func (h *Handler) fail(w http.ResponseWriter, status int, msg string) {
	h.json(w, status, map[string]any{"message": msg})
}

// body reads the request as a JSON object whose members are among
// allowed, and returns it.
func (h *Handler) body(w http.ResponseWriter, r *http.Request, allowed ...string) (map[string]any, bool) {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && mt != "application/ld+json") {
			h.fail(w, http.StatusUnsupportedMediaType, "the body must be application/json or application/ld+json")
			return nil, false
		}
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, MaxBodyBytes+1))
	if err != nil {
		h.fail(w, http.StatusBadRequest, "reading the body: "+err.Error())
		return nil, false
	}
	if len(b) > MaxBodyBytes {
		h.fail(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("the body is larger than %d bytes", MaxBodyBytes))
		return nil, false
	}
	m, err := jsonx.ParseObjectWithLimits(b, jsonx.Limits{MaxBytes: MaxBodyBytes, MaxDepth: 64})
	if err != nil {
		h.fail(w, http.StatusBadRequest, "the body is not a JSON object: "+err.Error())
		return nil, false
	}
	for k := range m {
		if !slices.Contains(allowed, k) {
			h.fail(w, http.StatusBadRequest, fmt.Sprintf("unknown member %q", k))
			return nil, false
		}
	}
	return m, true
}

// object returns the member name of m as an object, or answers 400.
func (h *Handler) object(w http.ResponseWriter, m map[string]any, name string, required bool) (map[string]any, bool) {
	v, ok := m[name]
	if !ok && !required {
		return map[string]any{}, true
	}
	o, isObject := v.(map[string]any)
	if !isObject {
		h.fail(w, http.StatusBadRequest, fmt.Sprintf("%q must be an object", name))
		return nil, false
	}
	return o, true
}

func (h *Handler) issue(w http.ResponseWriter, r *http.Request, name string) {
	is := h.cfg.Issuers[name]
	if is == nil {
		h.fail(w, http.StatusNotFound, fmt.Sprintf("no issuer %q", name))
		return
	}
	m, ok := h.body(w, r, "@context", "credential", "options")
	if !ok {
		return
	}
	cred, ok := h.object(w, m, "credential", true)
	if !ok {
		return
	}
	if _, ok := h.object(w, m, "options", false); !ok {
		return
	}
	vc, err := is.Issue(r.Context(), cred)
	switch {
	case errors.Is(err, w3c.ErrInput), errors.Is(err, w3c.ErrNotIssuer):
		h.fail(w, http.StatusBadRequest, err.Error())
	case err != nil:
		h.log.Error("vcapi: issuing", "issuer", name, "err", err)
		h.fail(w, http.StatusInternalServerError, "the credential could not be issued")
	default:
		h.json(w, http.StatusCreated, map[string]any{"verifiableCredential": vc})
	}
}

// verdict answers a verification: 200 verified, else 400 with
// verified false and the reason (VC-API: the credential is invalid input).
func (h *Handler) verdict(w http.ResponseWriter, checks, warnings []string, err error) {
	switch {
	case err != nil:
		h.json(w, http.StatusBadRequest, map[string]any{"verified": false, "message": err.Error(), "errors": []any{map[string]any{"message": err.Error()}}})
	default:
		cs := make([]any, len(checks))
		for i, c := range checks {
			cs[i] = c
		}
		ws := make([]any, len(warnings))
		for i, m := range warnings {
			ws[i] = map[string]any{"message": m}
		}
		h.json(w, http.StatusOK, map[string]any{"verified": true, "checks": cs, "warnings": ws, "errors": []any{}})
	}
}

func (h *Handler) verify(w http.ResponseWriter, r *http.Request) {
	m, ok := h.body(w, r, "@context", "verifiableCredential", "options")
	if !ok {
		return
	}
	vc, ok := h.object(w, m, "verifiableCredential", true)
	if !ok {
		return
	}
	if _, ok := h.object(w, m, "options", false); !ok {
		return
	}
	v, err := w3c.Verify(r.Context(), vc, h.cfg.Resolver, h.cfg.Verify)
	var checks, warnings []string
	if v != nil {
		checks, warnings = v.Checks, v.Warnings
	}
	h.verdict(w, checks, warnings, err)
}

func (h *Handler) verifyPresentation(w http.ResponseWriter, r *http.Request) {
	m, ok := h.body(w, r, "@context", "verifiablePresentation", "presentation", "options")
	if !ok {
		return
	}
	name := "verifiablePresentation"
	if _, ok := m[name]; !ok {
		name = "presentation"
	}
	vp, ok := h.object(w, m, name, true)
	if !ok {
		return
	}
	opts, ok := h.object(w, m, "options", false)
	if !ok {
		return
	}
	po := w3c.PresentationOptions{VerifyOptions: h.cfg.Verify}
	for k, dst := range map[string]*string{"challenge": &po.Challenge, "domain": &po.Domain} {
		if v, ok := opts[k]; ok {
			s, isString := v.(string)
			if !isString {
				h.fail(w, http.StatusBadRequest, fmt.Sprintf("options.%s must be a string", k))
				return
			}
			*dst = s
		}
	}
	_, err := w3c.VerifyPresentation(r.Context(), vp, h.cfg.Resolver, po)
	h.verdict(w, []string{"proof"}, nil, err)
}

// statusLists returns the lists of the issuer name, or answers 404.
func (h *Handler) statusLists(w http.ResponseWriter, name string) (*w3c.Issuer, *w3c.StatusLists, bool) {
	is := h.cfg.Issuers[name]
	if is == nil || is.StatusLists() == nil {
		h.fail(w, http.StatusNotFound, fmt.Sprintf("no status lists of an issuer %q", name))
		return nil, nil, false
	}
	return is, is.StatusLists(), true
}

// statusList serves a BitstringStatusListCredential, signed now.
func (h *Handler) statusList(w http.ResponseWriter, r *http.Request) {
	is, lists, ok := h.statusLists(w, r.PathValue("name"))
	if !ok {
		return
	}
	slc, err := lists.Credential(r.Context(), is, r.PathValue("purpose"))
	switch {
	case errors.Is(err, w3c.ErrUnknown):
		h.fail(w, http.StatusNotFound, err.Error())
	case err != nil:
		h.log.Error("vcapi: signing a status list", "err", err)
		h.fail(w, http.StatusInternalServerError, "the status list could not be signed")
	default:
		b, err := jsonx.Marshal(slc)
		if err != nil {
			h.fail(w, http.StatusInternalServerError, "internal error")
			return
		}
		w.Header().Set("Content-Type", "application/vc+ld+json")
		w.Write(b)
	}
}

// publish answers 204: the lists are served as they are, signed when
// read, so that a change is published at once.
func (h *Handler) publish(w http.ResponseWriter, r *http.Request) {
	if _, _, ok := h.statusLists(w, r.PathValue("name")); !ok {
		return
	}
	switch r.PathValue("purpose") {
	case w3c.PurposeRevocation, w3c.PurposeSuspension:
		w.WriteHeader(http.StatusNoContent)
	default:
		h.fail(w, http.StatusNotFound, "no such list")
	}
}

// setStatus revokes or suspends a credential (VC-API "update status"):
// {"credentialId": …, "credentialStatus": {"type": "BitstringStatusListEntry",
// "statusPurpose": "revocation" | "suspension"}, "status": true | false}.
func (h *Handler) setStatus(w http.ResponseWriter, r *http.Request) {
	m, ok := h.body(w, r, "@context", "credentialId", "credentialStatus", "status")
	if !ok {
		return
	}
	id, _ := m["credentialId"].(string)
	cs, ok := h.object(w, m, "credentialStatus", true)
	if !ok {
		return
	}
	purpose, _ := cs["statusPurpose"].(string)
	if id == "" || cs["type"] != w3c.TypeStatusEntry || purpose == "" {
		h.fail(w, http.StatusBadRequest, `want {"credentialId": ID, "credentialStatus": {"type": "BitstringStatusListEntry", "statusPurpose": "revocation" or "suspension"}}`)
		return
	}
	on := true
	if v, ok := m["status"]; ok {
		if on, ok = v.(bool); !ok {
			h.fail(w, http.StatusBadRequest, `"status" must be true or false`)
			return
		}
	}
	for _, name := range h.Names() {
		is := h.cfg.Issuers[name]
		if lists := is.StatusLists(); lists == nil || !lists.Knows(id) {
			continue
		}
		switch err := is.SetStatus(r.Context(), id, purpose, on); {
		case errors.Is(err, w3c.ErrInput):
			h.fail(w, http.StatusBadRequest, err.Error())
		case err != nil:
			h.log.Error("vcapi: setting a status", "err", err)
			h.fail(w, http.StatusInternalServerError, "the status could not be set")
		default:
			h.json(w, http.StatusOK, map[string]any{})
		}
		return
	}
	h.fail(w, http.StatusNotFound, "no credential "+id)
}

// HTTPStatus is a w3c.StatusSource that fetches status list credentials
// over HTTP with Client (give a safehttp client: public HTTPS only).
type HTTPStatus struct{ Client *http.Client }

// StatusListCredential implements w3c.StatusSource.
func (s HTTPStatus) StatusListCredential(ctx context.Context, url string) (map[string]any, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/vc+ld+json, application/ld+json;q=0.9, application/json;q=0.8")
	resp, err := s.Client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, bitstringMaxCredential+1))
	if err != nil {
		return nil, err
	}
	if len(b) > bitstringMaxCredential {
		return nil, fmt.Errorf("larger than %d bytes", bitstringMaxCredential)
	}
	return jsonx.ParseObjectWithLimits(b, jsonx.Limits{MaxBytes: bitstringMaxCredential, MaxDepth: 32})
}

// bitstringMaxCredential bounds a fetched status list credential: the
// encoded list's limit and room for the rest.
const bitstringMaxCredential = 1<<20 + 64<<10

// schema serves the credential schema of a catalogue type, by SLUG-vMAJOR
// (w3c.SchemaID), as application/schema+json.
func (h *Handler) schema(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	for _, ty := range schemas.Default().Types() {
		if w3c.SchemaID(ty) != id {
			continue
		}
		doc, err := w3c.CredentialSchema(ty, "")
		if err == nil {
			var b []byte
			if b, err = jsonx.Marshal(doc); err == nil {
				w.Header().Set("Content-Type", "application/schema+json")
				w.Write(b)
				return
			}
		}
		h.log.Error("vcapi: a credential schema", "id", id, "err", err)
		h.fail(w, http.StatusInternalServerError, "internal error")
		return
	}
	h.fail(w, http.StatusNotFound, "no credential schema "+id)
}
