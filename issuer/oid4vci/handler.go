package oid4vci

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/seoulid/seoulid/internal/dpop"
	"github.com/seoulid/seoulid/internal/keys"
	"github.com/seoulid/seoulid/issuer"
	"github.com/seoulid/seoulid/schemas"
)

// MaxBodyBytes bounds a request body: a credential request with the
// issuer's largest batch of key proofs is a few KiB.
const MaxBodyBytes = 64 << 10

// MaxTargetBytes bounds the request target (escaped path and query).
const MaxTargetBytes = 2 << 10

// Media types the handler writes.
const (
	MediaJSON       = "application/json"
	MediaStatusList = "application/statuslist+jwt"
	mediaForm       = "application/x-www-form-urlencoded"
)

// The well-known paths (OpenID4VCI 1.0 §12.2.2, RFC 8414 §3, SD-JWT VC §4).
const (
	WellKnownCredentialIssuer = "/.well-known/openid-credential-issuer"
	WellKnownAuthServer       = "/.well-known/oauth-authorization-server"
	WellKnownJWTVCIssuer      = "/.well-known/jwt-vc-issuer"
)

// The endpoint paths, under the path of the issuer's URL.
const (
	PathToken        = "/token"
	PathNonce        = "/nonce"
	PathCredential   = "/credential"
	PathTypeMetadata = "/type-metadata"
	PathHealth       = "/healthz"
)

// Config configures a Handler. Fields say what their zero value means.
type Config struct {
	// PublicKey is the public key of the issuer's signer, with the key id
	// its credentials carry in "kid" (a DID URL of issuer.Config.DID). It
	// is published at /.well-known/jwt-vc-issuer and decides the
	// credential_signing_alg_values_supported of the metadata. Required.
	PublicKey *keys.PublicKey
	// Name is the issuer's display name in Korean and English, for the
	// "display" of the Credential Issuer Metadata. Both are required.
	Name schemas.Text
	// Logger receives the cause of every refusal (Info) and of every
	// server failure (Error); responses carry neither. Nil discards.
	Logger *slog.Logger
	// DPoP is the policy of DPoP proofs; its zero value is the default of
	// package dpop (a minute of age, EdDSA and ES256). Nil Now means the
	// issuer's clock.
	DPoP dpop.Config
}

// LogValue prints a config without its key material (it has no secret;
// this keeps it that way).
func (c Config) LogValue() slog.Value {
	kid := ""
	if c.PublicKey != nil {
		kid = c.PublicKey.KeyID()
	}
	return slog.GroupValue(slog.String("kid", kid), slog.String("name", c.Name[schemas.English]))
}

// Handler serves the issuer's OpenID4VCI endpoints (see the package
// documentation). It is safe for concurrent use.
type Handler struct {
	is   *issuer.Issuer
	icfg issuer.Config
	dpop *dpop.Verifier
	log  *slog.Logger
	algs string // the DPoP algorithms, space-separated, for challenges

	base       string // the path of the issuer's URL: "" or "/tenant"
	tokenURL   string
	credURL    string
	statusPath string // the path of the status lists, "" when they are served elsewhere

	issuerMeta []byte
	asMeta     []byte
	vcIssuer   []byte
	typeMeta   map[string][]byte // by vct
	configs    map[string]bool   // the configuration ids offered
}

// New makes a Handler over is.
func New(is *issuer.Issuer, cfg Config) (*Handler, error) {
	if is == nil {
		return nil, errors.New("oid4vci: an issuer is required")
	}
	icfg := is.Config()
	if cfg.PublicKey == nil {
		return nil, errors.New("oid4vci: the issuer's public key is required")
	}
	if !strings.HasPrefix(cfg.PublicKey.KeyID(), icfg.DID+"#") {
		return nil, fmt.Errorf("oid4vci: the public key's kid %q is not a key of the issuer's DID %s", cfg.PublicKey.KeyID(), icfg.DID)
	}
	for _, l := range schemas.Langs {
		if strings.TrimSpace(cfg.Name[l]) == "" {
			return nil, fmt.Errorf("oid4vci: the issuer's name in %q is required", l)
		}
	}
	u, err := url.Parse(icfg.URL)
	if err != nil || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("oid4vci: the issuer URL %q is not scheme://host[/path]", icfg.URL)
	}
	if cfg.DPoP.Now == nil {
		cfg.DPoP.Now = icfg.Now
	}
	dv, err := dpop.NewVerifier(cfg.DPoP)
	if err != nil {
		return nil, fmt.Errorf("oid4vci: %w", err)
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	h := &Handler{
		is: is, icfg: icfg, dpop: dv, log: log,
		base:     strings.TrimSuffix(u.EscapedPath(), "/"),
		tokenURL: icfg.URL + PathToken, credURL: icfg.URL + PathCredential,
		typeMeta: map[string][]byte{}, configs: map[string]bool{},
	}
	var algs []string
	for _, a := range dv.Algorithms() {
		algs = append(algs, string(a))
	}
	h.algs = strings.Join(algs, " ")
	if su, err := url.Parse(icfg.StatusListURL); err == nil && su.Scheme == u.Scheme && su.Host == u.Host && su.RawQuery == "" {
		h.statusPath = strings.TrimSuffix(su.EscapedPath(), "/")
	}
	if err := h.render(cfg, algs); err != nil {
		return nil, err
	}
	return h, nil
}

// ServeHTTP routes a request.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := r.URL.EscapedPath()
	if len(path)+len(r.URL.RawQuery) > MaxTargetBytes {
		h.fail(w, r, &wireError{status: http.StatusRequestURITooLong, code: "invalid_request", desc: fmt.Sprintf("the request target is longer than %d bytes", MaxTargetBytes)})
		return
	}
	switch path {
	case WellKnownCredentialIssuer + h.base:
		h.get(w, r, func() { h.write(w, r, http.StatusOK, MediaJSON, "public, max-age=300", h.issuerMeta) })
	case WellKnownAuthServer + h.base:
		h.get(w, r, func() { h.write(w, r, http.StatusOK, MediaJSON, "public, max-age=300", h.asMeta) })
	case WellKnownJWTVCIssuer + h.base:
		h.get(w, r, func() { h.write(w, r, http.StatusOK, MediaJSON, "public, max-age=300", h.vcIssuer) })
	case h.base + PathToken:
		h.post(w, r, h.token)
	case h.base + PathNonce:
		h.post(w, r, h.nonce)
	case h.base + PathCredential:
		h.post(w, r, h.credential)
	case h.base + PathHealth:
		h.get(w, r, func() { h.write(w, r, http.StatusOK, MediaJSON, "no-store", []byte(`{"status":"ok"}`)) })
	case h.base + PathTypeMetadata:
		h.get(w, r, func() { h.typeMetadataQuery(w, r) })
	default:
		if vct, ok := strings.CutPrefix(path, h.base+PathTypeMetadata+"/"); ok {
			h.get(w, r, func() { h.typeMetadata(w, r, vct) })
			return
		}
		if n, ok := strings.CutPrefix(path, h.statusPath+"/"); ok && h.statusPath != "" {
			h.get(w, r, func() { h.statusList(w, r, n) })
			return
		}
		h.fail(w, r, &wireError{status: http.StatusNotFound, code: "not_found", desc: "no such endpoint"})
	}
}

// get serves a read-only endpoint: GET and HEAD.
func (h *Handler) get(w http.ResponseWriter, r *http.Request, serve func()) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		h.fail(w, r, &wireError{status: http.StatusMethodNotAllowed, code: "invalid_request", desc: "this endpoint takes GET"})
		return
	}
	serve()
}

// post serves an endpoint of the protocol: POST only.
func (h *Handler) post(w http.ResponseWriter, r *http.Request, serve func(http.ResponseWriter, *http.Request)) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		h.fail(w, r, &wireError{status: http.StatusMethodNotAllowed, code: "invalid_request", desc: "this endpoint takes POST"})
		return
	}
	serve(w, r)
}

// readBody reads a request body of at most MaxBodyBytes.
func (h *Handler) readBody(w http.ResponseWriter, r *http.Request) ([]byte, *wireError) {
	tooLarge := &wireError{status: http.StatusRequestEntityTooLarge, code: "invalid_request", desc: fmt.Sprintf("the body is larger than %d bytes", MaxBodyBytes)}
	if r.ContentLength > MaxBodyBytes {
		return nil, tooLarge
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return nil, tooLarge
	case err != nil:
		return nil, &wireError{status: http.StatusBadRequest, code: "invalid_request", desc: "the body could not be read", cause: err}
	}
	return body, nil
}

// typeMetadataQuery serves /type-metadata?vct=….
func (h *Handler) typeMetadataQuery(w http.ResponseWriter, r *http.Request) {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil || len(q["vct"]) != 1 || len(q) != 1 {
		h.fail(w, r, &wireError{status: http.StatusBadRequest, code: "invalid_request", desc: "give the vct, once, as the query parameter vct"})
		return
	}
	h.serveTypeMetadata(w, r, q.Get("vct"))
}

// typeMetadata serves /type-metadata/{vct}, the vct percent-encoded or not.
func (h *Handler) typeMetadata(w http.ResponseWriter, r *http.Request, escaped string) {
	vct, err := url.PathUnescape(escaped)
	if err != nil {
		h.fail(w, r, &wireError{status: http.StatusBadRequest, code: "invalid_request", desc: "the vct's percent-encoding is invalid"})
		return
	}
	h.serveTypeMetadata(w, r, vct)
}

func (h *Handler) serveTypeMetadata(w http.ResponseWriter, r *http.Request, vct string) {
	doc, ok := h.typeMeta[vct]
	if !ok {
		h.fail(w, r, &wireError{status: http.StatusNotFound, code: "not_found", desc: "this issuer offers no credential of this vct"})
		return
	}
	h.write(w, r, http.StatusOK, MediaJSON, "public, max-age=300", doc)
}

// statusList serves the status list token of list n.
func (h *Handler) statusList(w http.ResponseWriter, r *http.Request, n string) {
	if n == "" || len(n) > 10 || strings.Trim(n, "0123456789") != "" {
		h.fail(w, r, &wireError{status: http.StatusNotFound, code: "not_found", desc: "no such status list"})
		return
	}
	tok, err := h.is.StatusListToken(r.Context(), h.icfg.StatusListURL+"/"+n)
	switch {
	case errors.Is(err, issuer.ErrNotFound):
		h.fail(w, r, &wireError{status: http.StatusNotFound, code: "not_found", desc: "no such status list"})
	case err != nil:
		h.fail(w, r, serverError(err))
	default:
		h.write(w, r, http.StatusOK, MediaStatusList, "no-cache", []byte(tok))
	}
}

// json writes v as JSON.
func (h *Handler) json(w http.ResponseWriter, r *http.Request, status int, cacheControl string, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		// Cannot happen: every value written is a plain struct of strings
		// and numbers.
		h.log.ErrorContext(r.Context(), "oid4vci: encoding the response", "err", err)
		status, b = http.StatusInternalServerError, []byte(`{"error":"server_error"}`)
	}
	h.write(w, r, status, MediaJSON, cacheControl, b)
}

// write answers with body, or with its headers only to HEAD.
func (h *Handler) write(w http.ResponseWriter, r *http.Request, status int, contentType, cacheControl string, body []byte) {
	hdr := w.Header()
	hdr.Set("Content-Type", contentType)
	hdr.Set("Content-Length", strconv.Itoa(len(body)))
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Cache-Control", cacheControl)
	if cacheControl == "no-store" {
		hdr.Set("Pragma", "no-cache") // RFC 6749 §5.1, for HTTP/1.0 caches
	}
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body) // a client that went away is not an error of ours
	}
}
