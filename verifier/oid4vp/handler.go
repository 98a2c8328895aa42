package oid4vp

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strings"

	vp "github.com/seoulid/seoulid/internal/oid4vp"
	"github.com/seoulid/seoulid/verifier"
)

// The routes, under the handler's base URL.
const (
	PathRequest  = "/request/"  // GET (or POST with wallet_nonce) /request/{id}: the request object
	PathResponse = "/response/" // POST /response/{id}: the wallet's response (direct_post)
)

// maxRequestURIPost bounds a POST to a request_uri (§5.10).
const maxRequestURIPost = 24 << 10

// OnAnswer is called with each answer the exchange accepted or the wallet
// declined, before the wallet is answered; what it returns goes back to
// the wallet: a redirect_uri for the citizen's browser ("" for none). An
// error fails the response (server_error).
type OnAnswer func(ctx context.Context, a *verifier.Answer) (redirectURI string, err error)

// Handler is the wallet-facing HTTP face of a verifier.Exchange.
type Handler struct {
	x        *verifier.Exchange
	onAnswer OnAnswer
	log      *slog.Logger
}

// New makes a Handler. onAnswer may be nil; log nil discards.
func New(x *verifier.Exchange, onAnswer OnAnswer, log *slog.Logger) *Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Handler{x: x, onAnswer: onAnswer, log: log}
}

// ServeHTTP routes the wallet's requests.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	switch {
	case strings.HasPrefix(r.URL.Path, PathRequest):
		h.request(w, r, strings.TrimPrefix(r.URL.Path, PathRequest))
	case strings.HasPrefix(r.URL.Path, PathResponse):
		h.response(w, r, strings.TrimPrefix(r.URL.Path, PathResponse))
	default:
		http.NotFound(w, r)
	}
}

// request serves a request object (RFC 9101 §5.2; OpenID4VP §5.10): GET,
// or POST with the wallet's metadata and wallet_nonce, which the object
// then carries.
func (h *Handler) request(w http.ResponseWriter, r *http.Request, id string) {
	var walletNonce string
	switch r.Method {
	case http.MethodGet:
	case http.MethodPost:
		if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/x-www-form-urlencoded" {
			h.fail(w, http.StatusBadRequest, vp.ErrInvalidRequest, "the body must be application/x-www-form-urlencoded (§5.10)")
			return
		}
		body, err := readBody(w, r, maxRequestURIPost)
		if err != nil {
			h.fail(w, http.StatusRequestEntityTooLarge, vp.ErrInvalidRequest, "the body is too large")
			return
		}
		p, err := vp.ParseRequestURIPost(body)
		if err != nil {
			h.fail(w, http.StatusBadRequest, vp.ErrInvalidRequest, err.Error())
			return
		}
		walletNonce = p.WalletNonce
	default:
		w.Header().Set("Allow", "GET, POST")
		h.fail(w, http.StatusMethodNotAllowed, vp.ErrInvalidRequest, "GET or POST")
		return
	}
	obj, err := h.x.RequestObject(r.Context(), id, walletNonce)
	if errors.Is(err, verifier.ErrUnknownRequest) {
		h.fail(w, http.StatusNotFound, vp.ErrInvalidRequest, "no pending request "+id)
		return
	} else if err != nil {
		h.log.Error("signing a request object", "request", id, "err", err)
		h.fail(w, http.StatusInternalServerError, vp.ErrServerError, "the request object could not be made")
		return
	}
	w.Header().Set("Content-Type", "application/oauth-authz-req+jwt")
	io.WriteString(w, obj)
}

// response takes a wallet's response (§8.2): 200 with a JSON object
// (redirect_uri, receipt) when accepted, 400 with an error code otherwise.
func (h *Handler) response(w http.ResponseWriter, r *http.Request, id string) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		h.fail(w, http.StatusMethodNotAllowed, vp.ErrInvalidRequest, "POST")
		return
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/x-www-form-urlencoded" {
		h.fail(w, http.StatusBadRequest, vp.ErrInvalidRequest, "the body must be application/x-www-form-urlencoded (§8.2)")
		return
	}
	body, err := readBody(w, r, vp.MaxResponseBytes)
	if err != nil {
		h.fail(w, http.StatusRequestEntityTooLarge, vp.ErrInvalidRequest, "the response is larger than the verifier takes")
		return
	}
	a, err := h.x.Respond(r.Context(), id, body)
	var re *verifier.ResponseError
	if errors.As(err, &re) {
		h.log.Info("response refused", "request", id, "reason", re.Reason)
		if h.onAnswer != nil && a != nil {
			// The request is spent; the answer says why.
			if _, err := h.onAnswer(r.Context(), a); err != nil {
				h.log.Error("recording a refused response", "request", id, "err", err)
			}
		}
		h.fail(w, http.StatusBadRequest, re.Code, re.Reason)
		return
	} else if err != nil {
		h.log.Error("taking a response", "request", id, "err", err)
		h.fail(w, http.StatusInternalServerError, vp.ErrServerError, "the response could not be processed")
		return
	}
	out := map[string]string{}
	if a.Ack != "" {
		out["receipt"] = a.Ack
	}
	if h.onAnswer != nil {
		redirect, err := h.onAnswer(r.Context(), a)
		if err != nil {
			h.log.Error("deciding", "request", id, "err", err)
			h.fail(w, http.StatusInternalServerError, vp.ErrServerError, "the response could not be decided on")
			return
		}
		if redirect != "" {
			out["redirect_uri"] = redirect
		}
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(out)
}

// fail writes an error response (§8.5; RFC 6749 §5.2): a description of
// printable ASCII.
func (h *Handler) fail(w http.ResponseWriter, status int, code vp.Code, desc string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	d := strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' {
			return '?'
		}
		return r
	}, desc)
	if len(d) > 500 {
		d = d[:500]
	}
	json.NewEncoder(w).Encode(map[string]string{"error": string(code), "error_description": d})
}

// readBody reads a request's body of at most limit bytes, into one buffer
// of the declared Content-Length when there is one within the limit
// (io.ReadAll would grow its buffer from 512 bytes, copying as it goes).
// A body shorter than it declared, or longer than limit, is an error.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	body := http.MaxBytesReader(w, r.Body, limit)
	if n := r.ContentLength; n > 0 && n <= limit {
		buf := make([]byte, n)
		if _, err := io.ReadFull(body, buf); err != nil {
			return nil, err
		}
		return buf, nil
	}
	return io.ReadAll(body)
}
