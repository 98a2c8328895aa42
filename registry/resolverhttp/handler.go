package resolverhttp

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/seoulid/seoulid/internal/did"
	"github.com/seoulid/seoulid/registry"
	"github.com/seoulid/seoulid/registry/resolver"
)

// Media types the handler writes.
const (
	MediaResolution = "application/did-resolution" // a DID resolution result
	MediaDIDLDJSON  = "application/did+ld+json"    // a DID document, JSON-LD (DID Core §6.3)
	MediaDIDJSON    = "application/did+json"       // a DID document, JSON (DID Core §6.2)
	MediaJSON       = "application/json"           // registry records and problems
	MediaStatusList = "application/statuslist+jwt" // a status list token
)

// MaxTargetBytes bounds the request target: the escaped path and the raw
// query together. Longer requests are answered 414.
const MaxTargetBytes = 2 << 10

// The paths.
const (
	pathIdentifiers = "/1.0/identifiers/"
	pathIssuers     = "/1.0/trust/issuers/"
	pathVerifiers   = "/1.0/trust/verifiers/"
	pathStatusLists = "/1.0/status-lists"
	pathCouncil     = "/1.0/council"
	pathAgencies    = "/1.0/agencies/"
	pathCatalogue   = "/1.0/catalogue"
	pathHealth      = "/healthz"
)

// Config tunes a Handler.
type Config struct {
	// Logger receives a record for every request that fails with an
	// internal error, with the cause the response does not carry. Nil
	// discards.
	Logger *slog.Logger
}

// Handler serves the DID Resolution HTTP(S) binding and the registry's
// read endpoints (see the package documentation). It is safe for
// concurrent use.
type Handler struct {
	res    *resolver.Resolver
	ledger *registry.Reader
	log    *slog.Logger
}

// New makes a Handler over res, whose Seoul reader also serves the
// registry endpoints; res and res.Seoul must not be nil.
func New(res *resolver.Resolver, cfg Config) (*Handler, error) {
	if res == nil || res.Seoul == nil {
		return nil, errors.New("resolverhttp: a resolver with a registry reader (Seoul) is required")
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Handler{res: res, ledger: res.Seoul, log: log}, nil
}

// ServeHTTP routes a request.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := r.URL.EscapedPath()
	if len(path)+len(r.URL.RawQuery) > MaxTargetBytes {
		h.problem(w, r, http.StatusRequestURITooLong, "uriTooLong", fmt.Sprintf("the request target is longer than %d bytes", MaxTargetBytes))
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		h.problem(w, r, http.StatusMethodNotAllowed, "methodNotAllowed", "this endpoint is read-only: GET or HEAD")
		return
	}
	if rest, ok := strings.CutPrefix(path, pathIdentifiers); ok {
		h.identifiers(w, r, rest)
		return
	}
	switch {
	case path == pathHealth:
		h.json(w, r, http.StatusOK, struct {
			Status string `json:"status"`
			Chain  string `json:"chain"`
			Height int64  `json:"height"`
		}{"ok", h.ledger.Chain(), h.ledger.Height()})
	case strings.HasPrefix(path, pathIssuers):
		h.byDID(w, r, path[len(pathIssuers):], func(d string) (any, error) { return h.ledger.Issuer(r.Context(), d) })
	case strings.HasPrefix(path, pathVerifiers):
		h.byDID(w, r, path[len(pathVerifiers):], func(d string) (any, error) { return h.ledger.Verifier(r.Context(), d) })
	case strings.HasPrefix(path, pathAgencies):
		h.byDID(w, r, path[len(pathAgencies):], func(d string) (any, error) { return h.ledger.Agency(r.Context(), d) })
	case path == pathCouncil:
		h.record(w, r, func() (any, error) { return h.ledger.Council(r.Context()) })
	case path == pathCatalogue:
		h.record(w, r, func() (any, error) { return h.ledger.Catalogue(r.Context()) })
	case path == pathStatusLists:
		h.statusList(w, r)
	default:
		h.problem(w, r, http.StatusNotFound, "notFound", "no such endpoint")
	}
}

// byDID serves a registry record named by a DID in the path.
func (h *Handler) byDID(w http.ResponseWriter, r *http.Request, segment string, get func(string) (any, error)) {
	d, err := decodeDID(segment)
	if err == nil {
		_, err = did.Parse(d)
	}
	if err != nil {
		h.problem(w, r, http.StatusBadRequest, "invalidDid", err.Error())
		return
	}
	h.record(w, r, func() (any, error) { return get(d) })
}

// record serves a registry record: registry.ErrNotFound is 404.
func (h *Handler) record(w http.ResponseWriter, r *http.Request, get func() (any, error)) {
	v, err := get()
	switch {
	case errors.Is(err, registry.ErrNotFound):
		h.problem(w, r, http.StatusNotFound, "notFound", "not in the registry")
	case err != nil:
		h.internal(w, r, err, h.problem)
	default:
		h.json(w, r, http.StatusOK, v)
	}
}

// statusList serves the token published at ?uri=.
func (h *Handler) statusList(w http.ResponseWriter, r *http.Request) {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil || len(q["uri"]) != 1 || q.Get("uri") == "" || len(q) != 1 {
		h.problem(w, r, http.StatusBadRequest, "invalidRequest", "give the status list's URI, once, as the query parameter uri")
		return
	}
	e, err := h.ledger.StatusList(r.Context(), q.Get("uri"))
	switch {
	case errors.Is(err, registry.ErrNotFound):
		h.problem(w, r, http.StatusNotFound, "notFound", "no status list is published at this URI")
	case err != nil:
		h.internal(w, r, err, h.problem)
	default:
		h.write(w, r, http.StatusOK, MediaStatusList, []byte(e.Token))
	}
}

// decodeDID reads the DID in a path segment: percent-decoded once if it
// starts "did%3A" (any case), as is if it starts "did:" (see the package
// documentation). It does not check the DID.
func decodeDID(segment string) (string, error) {
	if len(segment) >= 6 && strings.EqualFold(segment[:6], "did%3A") {
		d, err := url.PathUnescape(segment)
		if err != nil {
			return "", fmt.Errorf("%w: the percent-encoding of the DID is invalid", did.ErrInvalidDID)
		}
		return d, nil
	}
	return segment, nil
}

type problemBody struct {
	Error   string `json:"error"`
	Message string `json:"message"`
}

// problem writes {"error": code, "message": message}.
func (h *Handler) problem(w http.ResponseWriter, r *http.Request, status int, code, message string) {
	h.json(w, r, status, problemBody{code, message})
}

// internal logs err and answers 500 through write.
func (h *Handler) internal(w http.ResponseWriter, r *http.Request, err error, write func(http.ResponseWriter, *http.Request, int, string, string)) {
	h.log.ErrorContext(r.Context(), "resolverhttp: internal error", "path", truncate(r.URL.EscapedPath(), 256), "err", err)
	write(w, r, http.StatusInternalServerError, "internalError", "the resolver failed; the cause is in its log")
}

func (h *Handler) json(w http.ResponseWriter, r *http.Request, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		// Cannot happen: every value written is a plain struct of
		// strings, numbers and parsed JSON.
		h.log.ErrorContext(r.Context(), "resolverhttp: encoding the response", "err", err)
		status, b = http.StatusInternalServerError, []byte(`{"error":"internalError","message":"the response could not be encoded"}`)
	}
	h.write(w, r, status, MediaJSON, b)
}

// write answers with body, or with its headers only to HEAD.
func (h *Handler) write(w http.ResponseWriter, r *http.Request, status int, contentType string, body []byte) {
	hdr := w.Header()
	hdr.Set("Content-Type", contentType)
	hdr.Set("Content-Length", strconv.Itoa(len(body)))
	hdr.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body) // a client gone is no error of ours
	}
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}
