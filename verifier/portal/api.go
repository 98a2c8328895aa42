package portal

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/seoulid/seoulid/internal/jsonx"
	"github.com/seoulid/seoulid/verifier"
)

// The API's error codes, in {"error": code, "error_description": …}.
const (
	codeInvalidRequest   = "invalid_request"   // 400: a body or query that cannot be read
	codeUnknownProgramme = "unknown_programme" // 400 when starting, 404 when describing
	codeInvalidParameter = "invalid_parameter" // 400: a programme parameter missing, undeclared or malformed
	codeNotFound         = "not_found"         // 404: no such request (or endpoint)
	codeMethod           = "method_not_allowed"
	codeMediaType        = "unsupported_media_type"
	codeServerError      = "server_error"
)

// startError is why a request could not be started: the citizen's (or
// the API client's) mistake, with a code and, for a parameter, its name.
type startError struct {
	code  string
	param string // the parameter's name, for invalid_parameter
	desc  string
}

func (e *startError) Error() string { return e.desc }

// start checks the programme and its parameters, starts a request, and
// keeps its URI for the request page (the QR code is drawn when asked for). Errors are
// *startError, or the service's.
func (h *Handler) start(ctx context.Context, programme string, params map[string]string) (*verifier.Started, *started, error) {
	pv := h.byID[programme]
	if pv == nil {
		return nil, nil, &startError{code: codeUnknownProgramme, desc: fmt.Sprintf("no programme %q", programme)}
	}
	// Decide refuses a parameter the programme does not declare, so such a
	// request could never be decided: it is refused now.
	for name := range params {
		if !pv.declares(name) {
			return nil, nil, &startError{code: codeInvalidParameter, param: name, desc: fmt.Sprintf("%s declares no parameter %q", pv.ID, name)}
		}
	}
	for _, p := range pv.Parameters {
		v := params[p.Name]
		switch {
		case v == "":
			return nil, nil, &startError{code: codeInvalidParameter, param: p.Name, desc: fmt.Sprintf("%s needs the parameter %s", pv.ID, p.Name)}
		case len(v) > maxParamBytes || !utf8.ValidString(v) || strings.IndexFunc(v, unicode.IsControl) >= 0:
			return nil, nil, &startError{code: codeInvalidParameter, param: p.Name,
				desc: fmt.Sprintf("the parameter %s must be printable text of at most %d bytes", p.Name, maxParamBytes)}
		}
	}
	if params == nil {
		params = map[string]string{}
	}
	s, err := h.svc.Start(ctx, programme, params)
	if err != nil {
		return nil, nil, err
	}
	st := &started{uri: s.URI, expires: s.Expires}
	h.remember(s.ID, st)
	return s, st, nil
}

func (v *programmeView) declares(name string) bool {
	for _, p := range v.Parameters {
		if p.Name == name {
			return true
		}
	}
	return false
}

// apiProgrammes: GET /api/programmes → {"programmes": […]}.
func (h *Handler) apiProgrammes(w http.ResponseWriter, r *http.Request) {
	if !h.allow(w, r, http.MethodGet) {
		return
	}
	h.json(w, http.StatusOK, map[string]any{"programmes": h.progs})
}

// apiProgramme: GET /api/programmes/{id} → the programme.
func (h *Handler) apiProgramme(w http.ResponseWriter, r *http.Request) {
	if !h.allow(w, r, http.MethodGet) {
		return
	}
	pv := h.byID[r.PathValue("id")]
	if pv == nil {
		h.apiError(w, http.StatusNotFound, codeUnknownProgramme, fmt.Sprintf("no programme %q", r.PathValue("id")))
		return
	}
	h.json(w, http.StatusOK, pv)
}

// created is the answer to POST /api/requests.
type created struct {
	ID string `json:"id"`
	// URI is what the wallet opens (openid4vp://…).
	URI string `json:"uri"`
	// QR is a PNG of URI as a data: URL; absent if it could not be drawn,
	// or when the request asked ?qr=false.
	QR      string    `json:"qr,omitempty"`
	Expires time.Time `json:"expires"`
}

// apiStart: POST /api/requests {"programme", "parameters"} → 201.
func (h *Handler) apiStart(w http.ResponseWriter, r *http.Request) {
	if !h.allow(w, r, http.MethodPost) {
		return
	}
	// A JSON body only: a cross-site form cannot send one, and a cross-site
	// script cannot without a CORS preflight, which this handler does not
	// answer.
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		h.apiError(w, http.StatusUnsupportedMediaType, codeMediaType, "the body must be application/json")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	if err != nil {
		h.apiError(w, http.StatusRequestEntityTooLarge, codeInvalidRequest, "the body is too large")
		return
	}
	programme, params, err := parseStart(body)
	if err != nil {
		h.apiError(w, http.StatusBadRequest, codeInvalidRequest, err.Error())
		return
	}
	s, st, err := h.start(r.Context(), programme, params)
	var se *startError
	if errors.As(err, &se) {
		h.apiError(w, http.StatusBadRequest, se.code, se.desc)
		return
	} else if errors.Is(err, verifier.ErrBusy) {
		w.Header().Set("Retry-After", "60")
		h.apiError(w, http.StatusServiceUnavailable, "temporarily_unavailable", "too many requests are waiting for an answer; try again in a minute")
		return
	} else if err != nil {
		h.log.Error("starting a request", "programme", programme, "err", err)
		h.apiError(w, http.StatusInternalServerError, codeServerError, "the request could not be made")
		return
	}
	out := created{ID: s.ID, URI: s.URI, Expires: s.Expires}
	// ?qr=false leaves the QR code out: a client that shows the link
	// itself, or a load generator, does not pay for drawing it.
	if r.URL.Query().Get("qr") != "false" {
		if png := st.png(h.log); png != nil {
			out.QR = "data:image/png;base64," + base64.StdEncoding.EncodeToString(png)
		}
	}
	w.Header().Set("Location", "/api/requests/"+s.ID)
	h.json(w, http.StatusCreated, out)
}

// parseStart reads {"programme": id, "parameters": {name: value}}
// strictly: duplicate or unknown members, and values of another type,
// are refused.
func parseStart(body []byte) (string, map[string]string, error) {
	m, err := jsonx.ParseObject(body)
	if err != nil {
		return "", nil, fmt.Errorf("the body: %w", err)
	}
	var programme string
	params := map[string]string{}
	for k, v := range m {
		switch k {
		case "programme":
			s, ok := v.(string)
			if !ok || s == "" {
				return "", nil, errors.New(`"programme" must be a programme id`)
			}
			programme = s
		case "parameters":
			if v == nil {
				continue
			}
			ps, ok := v.(map[string]any)
			if !ok {
				return "", nil, errors.New(`"parameters" must be an object of strings`)
			}
			for name, pv := range ps {
				s, ok := pv.(string)
				if !ok {
					return "", nil, fmt.Errorf("the parameter %q must be a string", name)
				}
				params[name] = s
			}
		default:
			return "", nil, fmt.Errorf("unknown member %q", k)
		}
	}
	if programme == "" {
		return "", nil, errors.New(`"programme" is required`)
	}
	return programme, params, nil
}

// apiStatus: GET /api/requests/{id}?wait=30s → the status, waiting up to
// wait (at most MaxWait, and never past the request's expiry) while it is
// pending.
func (h *Handler) apiStatus(w http.ResponseWriter, r *http.Request) {
	if !h.allow(w, r, http.MethodGet) {
		return
	}
	wait, err := parseWait(r.URL.Query().Get("wait"))
	if err != nil {
		h.apiError(w, http.StatusBadRequest, codeInvalidRequest, err.Error())
		return
	}
	id := r.PathValue("id")
	st, err := h.status(r.Context(), id, wait)
	switch {
	case errors.Is(err, verifier.ErrUnknownRequest):
		h.apiError(w, http.StatusNotFound, codeNotFound, "no request "+id)
		return
	case r.Context().Err() != nil:
		return // the client left
	case err != nil:
		h.log.Error("reading a request's status", "request", id, "err", err)
		h.apiError(w, http.StatusInternalServerError, codeServerError, "the status could not be read")
		return
	}
	h.json(w, http.StatusOK, st)
}

// status is the Service's status, waiting while pending (but not past
// the expiry), with expired for a pending request past its expiry.
func (h *Handler) status(ctx context.Context, id string, wait time.Duration) (*statusView, error) {
	if wait > 0 {
		st, err := h.svc.Status(ctx, id, 0)
		if err != nil {
			return nil, err
		}
		if left := st.Expires.Sub(h.cfg.Now()); left < wait {
			wait = max(left, 0)
		}
	}
	st, err := h.svc.Status(ctx, id, wait)
	if err != nil {
		return nil, err
	}
	return newStatusView(st, h.cfg.Now()), nil
}

// parseWait reads ?wait=: a Go duration ("30s") or a number of seconds;
// "" is no wait; more than MaxWait is MaxWait.
func parseWait(s string) (time.Duration, error) {
	if s == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		n, err2 := strconv.Atoi(s)
		if err2 != nil {
			return 0, fmt.Errorf("wait %q is not a duration (30s) or a number of seconds", s)
		}
		d = time.Duration(n) * time.Second
	}
	if d < 0 {
		return 0, fmt.Errorf("wait %q is negative", s)
	}
	return min(d, MaxWait), nil
}

// allow answers 405 to another method than want (and HEAD for GET).
func (h *Handler) allow(w http.ResponseWriter, r *http.Request, want string) bool {
	if r.Method == want || (want == http.MethodGet && r.Method == http.MethodHead) {
		return true
	}
	w.Header().Set("Allow", want)
	h.apiError(w, http.StatusMethodNotAllowed, codeMethod, want+" only")
	return false
}

func (h *Handler) json(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		h.log.Error("encoding an API answer", "err", err)
		status, b = http.StatusInternalServerError, []byte(`{"error":"server_error","error_description":"the answer could not be encoded"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

func (h *Handler) apiError(w http.ResponseWriter, status int, code, desc string) {
	h.json(w, status, map[string]string{"error": code, "error_description": desc})
}
