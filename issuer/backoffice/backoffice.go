package backoffice

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	qrcode "github.com/skip2/go-qrcode"

	"github.com/seoulid/seoulid/issuer"
	"github.com/seoulid/seoulid/schemas"
)

// Prefix is the path every back-office endpoint starts with.
const Prefix = "/admin/v1/"

// List sizes.
const (
	DefaultLimit = 50   // items a list returns without ?limit=
	MaxLimit     = 1000 // the most a list returns
)

// QR code parameters of the offer's "qr_png".
const (
	qrSize     = 256
	qrRecovery = qrcode.Medium // level M: 15% of the code may be damaged
)

// Config tunes a Handler. The zero value is ready to use.
type Config struct {
	// Logger receives a record for every request that fails with an
	// internal error, with the cause the response does not carry. Nil
	// discards.
	Logger *slog.Logger
}

// Handler serves the back office (see the package documentation). It is
// safe for concurrent use.
type Handler struct {
	is  *issuer.Issuer
	log *slog.Logger
}

// New makes a Handler over an issuer; is must not be nil.
func New(is *issuer.Issuer, cfg Config) (*Handler, error) {
	if is == nil {
		return nil, errors.New("backoffice: an issuer is required")
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Handler{is: is, log: log}, nil
}

// ServeHTTP authenticates the operator, then routes the request.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.Path, Prefix)
	if !ok {
		h.problem(w, http.StatusNotFound, "not_found", "no such endpoint")
		return
	}
	op, ok := h.authenticate(w, r)
	if !ok {
		return
	}
	seg := strings.Split(rest, "/")
	switch {
	case rest == "offers":
		switch r.Method {
		case http.MethodPost:
			h.createOffer(w, r, op)
		case http.MethodGet:
			h.listOffers(w, r)
		default:
			h.notAllowed(w, "GET, POST")
		}
	case len(seg) == 2 && seg[0] == "offers" && seg[1] != "":
		if h.method(w, r, http.MethodGet) {
			h.offer(w, r, seg[1])
		}
	case rest == "credentials":
		if h.method(w, r, http.MethodGet) {
			h.listCredentials(w, r)
		}
	case len(seg) == 2 && seg[0] == "credentials" && seg[1] != "":
		if h.method(w, r, http.MethodGet) {
			h.credential(w, r, seg[1])
		}
	case len(seg) == 3 && seg[0] == "credentials" && seg[1] != "" && isAction(seg[2]):
		if h.method(w, r, http.MethodPost) {
			h.setStatus(w, r, op, seg[1], seg[2])
		}
	case rest == "operators":
		if h.method(w, r, http.MethodPost) {
			h.createOperator(w, r, op)
		}
	case rest == "audit":
		if h.method(w, r, http.MethodGet) {
			h.audit(w, r)
		}
	default:
		h.problem(w, http.StatusNotFound, "not_found", "no such endpoint")
	}
}

// authenticate finds the operator of the request's bearer token (RFC 6750
// §2.1), or answers 401 (RFC 6750 §3).
func (h *Handler) authenticate(w http.ResponseWriter, r *http.Request) (*issuer.Operator, bool) {
	deny := func(code, desc string) (*issuer.Operator, bool) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="seoulid-backoffice", error="`+code+`"`)
		h.problem(w, http.StatusUnauthorized, code, desc)
		return nil, false
	}
	auths := r.Header.Values("Authorization")
	if len(auths) == 0 {
		w.Header().Set("WWW-Authenticate", `Bearer realm="seoulid-backoffice"`)
		h.problem(w, http.StatusUnauthorized, "unauthorized", "an operator token is required (Authorization: Bearer …)")
		return nil, false
	}
	scheme, token, ok := strings.Cut(auths[0], " ")
	if len(auths) > 1 || !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return deny("invalid_request", "the Authorization header must be one Bearer token")
	}
	op, err := h.is.Authenticate(r.Context(), token)
	switch {
	case errors.Is(err, issuer.ErrTokenUnknown):
		return deny("invalid_token", "unknown operator token")
	case err != nil:
		h.internal(w, r, err)
		return nil, false
	}
	return op, true
}

// targets are the status-change actions of a credential's path and the
// statuses they set.
var targets = map[string]issuer.Status{"revoke": issuer.StatusRevoked, "suspend": issuer.StatusSuspended, "reinstate": issuer.StatusValid}

func isAction(s string) bool {
	_, ok := targets[s]
	return ok
}

func (h *Handler) method(w http.ResponseWriter, r *http.Request, m string) bool {
	if r.Method == m {
		return true
	}
	h.notAllowed(w, m)
	return false
}

func (h *Handler) notAllowed(w http.ResponseWriter, allow string) {
	w.Header().Set("Allow", allow)
	h.problem(w, http.StatusMethodNotAllowed, "method_not_allowed", "this endpoint takes "+allow)
}

// OfferCreated is the answer to POST /admin/v1/offers.
type OfferCreated struct {
	OfferID string `json:"offer_id"`
	// OfferURI is the credential offer (OpenID4VCI 1.0 §4.1), by value.
	OfferURI string `json:"offer_uri"`
	// TxCode is the PIN the citizen types in: returned here once, and
	// never again.
	TxCode    string    `json:"tx_code"`
	ExpiresAt time.Time `json:"expires_at"`
	// QRPNG is the offer URI as a QR code: a 256-pixel PNG, base64
	// (standard alphabet, padded). Absent when the request said ?qr=false,
	// or if the code could not be drawn.
	QRPNG string `json:"qr_png,omitempty"`
}

func (h *Handler) createOffer(w http.ResponseWriter, r *http.Request, op *issuer.Operator) {
	q, ok := h.query(w, r, "qr")
	if !ok {
		return
	}
	withQR := true
	switch v, given := q["qr"]; {
	case !given || v[0] == "true":
	case v[0] == "false":
		withQR = false
	default:
		h.problem(w, http.StatusBadRequest, "invalid_request", "qr must be true or false")
		return
	}
	body, ok := h.body(w, r)
	if !ok {
		return
	}
	req, err := decodeOfferRequest(body)
	if err != nil {
		h.problem(w, http.StatusBadRequest, "invalid_request", err.Error())
		return
	}
	res, err := h.is.CreateOffer(r.Context(), op.ID, req.VCT, req.Claims)
	var ve *schemas.ValidationError
	switch {
	case errors.As(err, &ve):
		violations := ve.Violations
		if violations == nil {
			violations = []schemas.Violation{}
		}
		h.json(w, http.StatusUnprocessableEntity, struct {
			Error       string              `json:"error"`
			Description string              `json:"error_description"`
			Violations  []schemas.Violation `json:"violations"`
		}{"invalid_claims", fmt.Sprintf("the claims do not fit %s", req.VCT), violations})
		return
	case issuer.CodeOf(err) == issuer.CodeUnknownCredentialConfiguration:
		h.problem(w, http.StatusBadRequest, "unknown_vct", description(err))
		return
	case issuer.CodeOf(err) == issuer.CodeCredentialRequestDenied:
		h.problem(w, http.StatusForbidden, "issuer_not_authorised", description(err))
		return
	case err != nil:
		h.internal(w, r, err)
		return
	}
	out := OfferCreated{OfferID: res.Offer.ID, OfferURI: res.URI, TxCode: res.TxCode, ExpiresAt: res.Offer.ExpiresAt}
	// The offer exists now: a QR code that cannot be drawn must not lose
	// the tx_code, which is shown only here.
	if withQR {
		if png, err := qrcode.Encode(res.URI, qrRecovery, qrSize); err != nil {
			h.log.Warn("drawing the offer's QR code", "offer", res.Offer.ID, "err", err)
		} else {
			out.QRPNG = base64.StdEncoding.EncodeToString(png)
		}
	}
	w.Header().Set("Location", Prefix+"offers/"+url.PathEscape(res.Offer.ID))
	h.json(w, http.StatusCreated, out)
}

// description is what a refusal of the core says, without its cause.
func description(err error) string {
	var pe *issuer.ProtocolError
	if errors.As(err, &pe) && pe.Description != "" {
		return pe.Description
	}
	return issuer.CodeOf(err)
}

// Offer is an offer as the back office shows it: no claims, no hashes.
type Offer struct {
	ID              string `json:"id"`
	VCT             string `json:"vct"`
	ConfigurationID string `json:"credential_configuration_id"`
	// State is pending, redeemed, issued or burned, or expired for a
	// pending offer whose code has expired.
	State          string    `json:"state"`
	Operator       string    `json:"operator"`
	CreatedAt      time.Time `json:"created_at"`
	ExpiresAt      time.Time `json:"expires_at"`
	TxCodeAttempts int       `json:"tx_code_attempts"`
	IssuedAt       time.Time `json:"issued_at,omitzero"`
	Credentials    int       `json:"credentials"`
}

func (h *Handler) offerJSON(o *issuer.Offer, now time.Time) Offer {
	state := string(o.State)
	if o.State == issuer.OfferPending && !now.Before(o.ExpiresAt) {
		state = "expired"
	}
	return Offer{ID: o.ID, VCT: o.VCT, ConfigurationID: o.ConfigurationID, State: state, Operator: o.Operator,
		CreatedAt: o.CreatedAt, ExpiresAt: o.ExpiresAt, TxCodeAttempts: o.Attempts, IssuedAt: o.IssuedAt, Credentials: o.Credentials}
}

func (h *Handler) listOffers(w http.ResponseWriter, r *http.Request) {
	q, ok := h.query(w, r, "limit")
	if !ok {
		return
	}
	limit, ok := h.intParam(w, q, "limit", DefaultLimit, 1, MaxLimit)
	if !ok {
		return
	}
	offers, err := h.is.Store().ListOffers(r.Context(), limit)
	if err != nil {
		h.internal(w, r, err)
		return
	}
	now := h.is.Config().Now()
	out := make([]Offer, len(offers))
	for i, o := range offers {
		out[i] = h.offerJSON(o, now)
	}
	h.json(w, http.StatusOK, struct {
		Offers []Offer `json:"offers"`
	}{out})
}

func (h *Handler) offer(w http.ResponseWriter, r *http.Request, id string) {
	if _, ok := h.query(w, r); !ok {
		return
	}
	o, err := h.is.Store().Offer(r.Context(), id)
	switch {
	case errors.Is(err, issuer.ErrNotFound):
		h.problem(w, http.StatusNotFound, "not_found", "no offer "+id)
	case err != nil:
		h.internal(w, r, err)
	default:
		h.json(w, http.StatusOK, h.offerJSON(o, h.is.Config().Now()))
	}
}

// Credential is an issuance record as the back office shows it.
type Credential struct {
	ID               string     `json:"id"`
	OfferID          string     `json:"offer_id"`
	VCT              string     `json:"vct"`
	HolderThumbprint string     `json:"holder_jkt"`
	StatusList       StatusList `json:"status_list"`
	// Status is valid, revoked or suspended.
	Status    string    `json:"status"`
	IssuedAt  time.Time `json:"issued_at"`
	ExpiresAt time.Time `json:"expires_at,omitzero"`
	UpdatedAt time.Time `json:"updated_at"`
}

// StatusList is where a credential's status is: the "status_list"
// reference of its "status" claim.
type StatusList struct {
	URI   string `json:"uri"`
	Index int    `json:"idx"`
}

func credentialJSON(c *issuer.Credential) Credential {
	return Credential{ID: c.ID, OfferID: c.OfferID, VCT: c.VCT, HolderThumbprint: c.HolderThumbprint,
		StatusList: StatusList{URI: c.ListURI, Index: c.Index}, Status: c.Status.String(),
		IssuedAt: c.IssuedAt, ExpiresAt: c.Expiry, UpdatedAt: c.UpdatedAt}
}

func (h *Handler) listCredentials(w http.ResponseWriter, r *http.Request) {
	q, ok := h.query(w, r, "limit")
	if !ok {
		return
	}
	limit, ok := h.intParam(w, q, "limit", DefaultLimit, 1, MaxLimit)
	if !ok {
		return
	}
	creds, err := h.is.Store().ListCredentials(r.Context(), limit)
	if err != nil {
		h.internal(w, r, err)
		return
	}
	out := make([]Credential, len(creds))
	for i, c := range creds {
		out[i] = credentialJSON(c)
	}
	h.json(w, http.StatusOK, struct {
		Credentials []Credential `json:"credentials"`
	}{out})
}

func (h *Handler) credential(w http.ResponseWriter, r *http.Request, id string) {
	if _, ok := h.query(w, r); !ok {
		return
	}
	c, err := h.is.Store().Credential(r.Context(), id)
	switch {
	case errors.Is(err, issuer.ErrNotFound):
		h.problem(w, http.StatusNotFound, "not_found", "no credential "+id)
	case err != nil:
		h.internal(w, r, err)
	default:
		h.json(w, http.StatusOK, credentialJSON(c))
	}
}

// setStatus revokes, suspends or reinstates a credential. A change to the
// status the credential already has changes nothing (and is not audited,
// for nothing happened); leaving "revoked" is refused.
func (h *Handler) setStatus(w http.ResponseWriter, r *http.Request, op *issuer.Operator, id, action string) {
	if _, ok := h.query(w, r); !ok {
		return
	}
	target := targets[action]
	ctx := r.Context()
	cur, err := h.is.Store().Credential(ctx, id)
	switch {
	case errors.Is(err, issuer.ErrNotFound):
		h.problem(w, http.StatusNotFound, "not_found", "no credential "+id)
		return
	case err != nil:
		h.internal(w, r, err)
		return
	case cur.Status == target:
		h.json(w, http.StatusOK, credentialJSON(cur))
		return
	case cur.Status == issuer.StatusRevoked:
		h.revokedIsFinal(w, id, action)
		return
	}
	c, err := h.is.SetStatus(ctx, op.ID, id, target)
	if err != nil {
		if errors.Is(err, issuer.ErrNotFound) {
			h.problem(w, http.StatusNotFound, "not_found", "no credential "+id)
			return
		}
		// Another operator may have revoked it since it was read; the core
		// refuses that with an error of no type, so look again.
		if now, rerr := h.is.Store().Credential(ctx, id); rerr == nil && now.Status == issuer.StatusRevoked && target != issuer.StatusRevoked {
			h.revokedIsFinal(w, id, action)
			return
		}
		h.internal(w, r, err)
		return
	}
	h.json(w, http.StatusOK, credentialJSON(c))
}

func (h *Handler) revokedIsFinal(w http.ResponseWriter, id, action string) {
	h.problem(w, http.StatusConflict, "revoked_is_final", fmt.Sprintf("%s is revoked, which is final: it cannot be %s", id, map[string]string{"suspend": "suspended", "reinstate": "reinstated"}[action]))
}

// OperatorCreated is the answer to POST /admin/v1/operators.
type OperatorCreated struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Token is the new operator's bearer token: returned here once, and
	// never again (the store keeps its hash).
	Token     string    `json:"token"`
	CreatedAt time.Time `json:"created_at"`
}

func (h *Handler) createOperator(w http.ResponseWriter, r *http.Request, by *issuer.Operator) {
	if _, ok := h.query(w, r); !ok {
		return
	}
	body, ok := h.body(w, r)
	if !ok {
		return
	}
	name, err := decodeOperatorRequest(body)
	if err != nil {
		h.problem(w, http.StatusBadRequest, "invalid_request", err.Error())
		return
	}
	op, token, err := h.is.CreateOperator(r.Context(), by.ID, name)
	if err != nil {
		h.internal(w, r, err)
		return
	}
	h.json(w, http.StatusCreated, OperatorCreated{ID: op.ID, Name: op.Name, Token: token, CreatedAt: op.CreatedAt})
}

// AuditEntry is an entry of the audit log, its hash in hex.
type AuditEntry struct {
	Seq      int64     `json:"seq"`
	Time     time.Time `json:"time"`
	Operator string    `json:"operator"`
	Action   string    `json:"action"`
	Subject  string    `json:"subject"`
	Detail   string    `json:"detail"`
	Hash     string    `json:"hash"`
}

// AuditLog is the answer to GET /admin/v1/audit.
type AuditLog struct {
	Entries []AuditEntry `json:"entries"`
	// Verified says, for a run from the first entry, whether the hash chain
	// of the entries returned holds (issuer.VerifyAudit); absent otherwise.
	Verified *bool `json:"verified,omitempty"`
	// VerifyError says where the chain breaks, when it does.
	VerifyError string `json:"verify_error,omitempty"`
}

func (h *Handler) audit(w http.ResponseWriter, r *http.Request) {
	q, ok := h.query(w, r, "from", "limit")
	if !ok {
		return
	}
	from, ok := h.intParam(w, q, "from", 1, 1, math.MaxInt)
	if !ok {
		return
	}
	limit, ok := h.intParam(w, q, "limit", DefaultLimit, 1, MaxLimit)
	if !ok {
		return
	}
	entries, err := h.is.Store().Audit(r.Context(), int64(from), limit)
	if err != nil {
		h.internal(w, r, err)
		return
	}
	out := AuditLog{Entries: make([]AuditEntry, len(entries))}
	for i, e := range entries {
		out.Entries[i] = AuditEntry{Seq: e.Seq, Time: e.Time, Operator: e.Operator, Action: e.Action, Subject: e.Subject, Detail: e.Detail, Hash: hex.EncodeToString(e.Hash)}
	}
	if from == 1 {
		err := issuer.VerifyAudit(entries)
		verified := err == nil
		out.Verified = &verified
		if err != nil {
			out.VerifyError = err.Error()
			h.log.Error("the audit log's hash chain is broken", "err", err)
		}
	}
	h.json(w, http.StatusOK, out)
}

// body reads a JSON request body of at most MaxBodyBytes, or answers 415
// or 413.
func (h *Handler) body(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		h.problem(w, http.StatusUnsupportedMediaType, "invalid_request", "the body must be application/json")
		return nil, false
	}
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		h.problem(w, http.StatusRequestEntityTooLarge, "invalid_request", fmt.Sprintf("the body is larger than %d bytes", MaxBodyBytes))
		return nil, false
	case err != nil:
		h.problem(w, http.StatusBadRequest, "invalid_request", "reading the body: "+err.Error())
		return nil, false
	}
	return b, true
}

// query parses the query string and refuses parameters the endpoint does
// not take, and parameters given twice.
func (h *Handler) query(w http.ResponseWriter, r *http.Request, allowed ...string) (url.Values, bool) {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		h.problem(w, http.StatusBadRequest, "invalid_request", "the query string is malformed")
		return nil, false
	}
	for k, vs := range q {
		known := false
		for _, a := range allowed {
			known = known || k == a
		}
		switch {
		case !known:
			h.problem(w, http.StatusBadRequest, "invalid_request", fmt.Sprintf("unknown query parameter %q", k))
			return nil, false
		case len(vs) > 1:
			h.problem(w, http.StatusBadRequest, "invalid_request", fmt.Sprintf("query parameter %q is given twice", k))
			return nil, false
		}
	}
	return q, true
}

// intParam reads an integer query parameter between lo and hi, def when
// absent.
func (h *Handler) intParam(w http.ResponseWriter, q url.Values, name string, def, lo, hi int) (int, bool) {
	s, ok := q[name]
	if !ok {
		return def, true
	}
	n, err := strconv.Atoi(s[0])
	if err != nil || n < lo || n > hi {
		h.problem(w, http.StatusBadRequest, "invalid_request", fmt.Sprintf("%s must be an integer from %d to %d", name, lo, hi))
		return 0, false
	}
	return n, true
}

// internal answers 500 and logs the cause, which the client never sees.
func (h *Handler) internal(w http.ResponseWriter, r *http.Request, err error) {
	level := slog.LevelError
	if errors.Is(err, context.Canceled) {
		level = slog.LevelInfo // the client went away
	}
	h.log.Log(r.Context(), level, "back office request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	h.problem(w, http.StatusInternalServerError, "server_error", "the request could not be completed; the cause is in the issuer's log")
}

func (h *Handler) problem(w http.ResponseWriter, status int, code, desc string) {
	h.json(w, status, struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}{code, desc})
}

func (h *Handler) json(w http.ResponseWriter, status int, v any) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		h.log.Error("encoding a response", "err", err)
		http.Error(w, `{"error":"server_error"}`, http.StatusInternalServerError)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", "application/json")
	hd.Set("Cache-Control", "no-store")
	hd.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}
