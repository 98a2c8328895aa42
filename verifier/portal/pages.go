package portal

import (
	"bytes"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strings"

	"github.com/seoulid/seoulid/schemas"
	"github.com/seoulid/seoulid/verifier"
	"github.com/seoulid/seoulid/verifier/programmes"
)

// request is one page request, in its language.
type request struct {
	h    *Handler
	w    http.ResponseWriter
	r    *http.Request
	lang schemas.Lang
}

// page is what the layout renders around a page's content.
type page struct {
	Lang     schemas.Lang
	Name     string // the portal's name
	Title    string
	LangPath string // where the language switch goes
	Error    string
	Detail   string
	Data     any
}

// T translates a message key for the templates.
func (p *page) T(key string, args ...any) (string, error) { return translate(p.Lang, key, args...) }

// L is a text of the programmes in the page's language.
func (p *page) L(x programmes.Text) string { return in(p.Lang, x) }

// Retention says how long a programme keeps what it receives.
func (p *page) Retention(iso string) string { return retentionText(p.Lang, iso) }

// render executes a page with the layout into a buffer, then writes it.
func (rq *request) render(status int, name, title string, p *page) {
	if p == nil {
		p = &page{}
	}
	p.Lang, p.Name, p.Title = rq.lang, in(rq.lang, rq.h.name), title
	p.LangPath = rq.r.URL.Path
	var buf bytes.Buffer
	if err := rq.h.pages[name].ExecuteTemplate(&buf, "layout", p); err != nil {
		rq.h.log.Error("rendering a page", "page", name, "err", err)
		http.Error(rq.w, "internal error", http.StatusInternalServerError)
		return
	}
	rq.w.Header().Set("Content-Type", "text/html; charset=utf-8")
	rq.w.WriteHeader(status)
	rq.w.Write(buf.Bytes())
}

// fail shows an error page.
func (rq *request) fail(status int, key string) {
	rq.render(status, "error", t(rq.lang, "error.title"), &page{Error: t(rq.lang, key)})
}

// home lists the programmes.
func (h *Handler) home(rq *request) {
	rq.render(http.StatusOK, "programmes", t(rq.lang, "home.title"), &page{Data: h.progs})
}

// programmeForm is a programme's page: what it asks and why, and the form
// that starts a request.
type programmeForm struct {
	*programmeView
	CSRF   string
	Values map[string]string // the parameters typed, shown again after an error
	// Invalid names the parameter the error is about.
	Invalid string
}

func (h *Handler) programmePage(rq *request) {
	pv := h.byID[rq.r.PathValue("id")]
	if pv == nil {
		rq.fail(http.StatusNotFound, "programme.notFound")
		return
	}
	rq.render(http.StatusOK, "programme", in(rq.lang, pv.Name), &page{Data: &programmeForm{programmeView: pv, CSRF: h.csrfToken(rq.w, rq.r)}})
}

// startPage starts a request from the programme page's form and sends
// the browser to the request page.
func (h *Handler) startPage(rq *request) {
	if err := h.checkPost(rq.w, rq.r); err != nil {
		h.log.Warn("refused a form post", "path", rq.r.URL.Path, "err", err)
		rq.fail(http.StatusForbidden, "error.csrf")
		return
	}
	pv := h.byID[rq.r.PathValue("id")]
	if pv == nil {
		rq.fail(http.StatusNotFound, "programme.notFound")
		return
	}
	// Only the programme's parameters are read from the form.
	params := map[string]string{}
	for _, p := range pv.Parameters {
		params[p.Name] = strings.TrimSpace(rq.r.PostForm.Get("param." + p.Name))
	}
	s, _, err := h.start(rq.r.Context(), pv.ID, params)
	var se *startError
	if errors.As(err, &se) {
		label := se.param
		for _, p := range pv.Parameters {
			if p.Name == se.param {
				label = in(rq.lang, p.Label)
			}
		}
		msg := t(rq.lang, "error.paramBad", label)
		if params[se.param] == "" {
			msg = t(rq.lang, "error.param", label)
		}
		rq.render(http.StatusBadRequest, "programme", in(rq.lang, pv.Name), &page{Error: msg,
			Data: &programmeForm{programmeView: pv, CSRF: h.csrfToken(rq.w, rq.r), Values: params, Invalid: se.param}})
		return
	} else if err != nil {
		h.log.Error("starting a request", "programme", pv.ID, "err", err)
		rq.render(http.StatusInternalServerError, "error", t(rq.lang, "error.title"), &page{Error: t(rq.lang, "error.internal")})
		return
	}
	http.Redirect(rq.w, rq.r, "/requests/"+url.PathEscape(s.ID), http.StatusSeeOther)
}

// requestView is the request page: while pending, the QR code, the link
// and the status (polled by portal.js); then the decision, or why there
// is none.
type requestView struct {
	ID        string
	Programme *programmeView
	State     string
	Reason    string
	Params    []paramView
	// URI is the openid4vp:// link, while pending and known.
	URI     template.URL
	HasQR   bool
	Expires string
	// Poll is the API URL portal.js long-polls, while pending.
	Poll     string
	Decision *decisionView
}

type paramView struct{ Label, Value string }

// decisionView is a decision in the page's language.
type decisionView struct {
	Outcome         string // eligible, not_eligible, undetermined
	Criteria        []resultView
	Missing         []string
	NotCovered      []string
	DecidedAt       string
	ApplicationDate string
	Version         string
}

type resultView struct {
	ID, Label, Outcome, Reason string
}

func (h *Handler) requestPage(rq *request) {
	id := rq.r.PathValue("id")
	st, err := h.status(rq.r.Context(), id, 0)
	if errors.Is(err, verifier.ErrUnknownRequest) {
		rq.render(http.StatusNotFound, "error", t(rq.lang, "error.title"), &page{Error: t(rq.lang, "request.notFound")})
		return
	} else if err != nil {
		h.log.Error("reading a request's status", "request", id, "err", err)
		rq.render(http.StatusInternalServerError, "error", t(rq.lang, "error.title"), &page{Error: t(rq.lang, "error.internal")})
		return
	}
	pv := h.byID[st.Programme]
	if pv == nil {
		// A programme the service knows and this handler does not: it was
		// made with another catalogue.
		h.log.Error("a request for a programme the portal does not show", "request", id, "programme", st.Programme)
		rq.render(http.StatusInternalServerError, "error", t(rq.lang, "error.title"), &page{Error: t(rq.lang, "error.internal")})
		return
	}
	v := &requestView{ID: st.ID, Programme: pv, State: st.State, Reason: st.Reason, Expires: clock(st.Expires)}
	for _, p := range pv.Parameters {
		v.Params = append(v.Params, paramView{Label: in(rq.lang, p.Label), Value: st.Parameters[p.Name]})
	}
	title := t(rq.lang, "request.title")
	switch st.State {
	case statePending:
		v.Poll = "/api/requests/" + url.PathEscape(st.ID) + "?wait=30s"
		if s := h.lookup(st.ID); s != nil && strings.HasPrefix(s.uri, "openid4vp://") {
			// The service made the URI; only its scheme is checked, for
			// html/template, which refuses a scheme it does not know.
			v.URI, v.HasQR = template.URL(s.uri), s.png(h.log) != nil
		}
	case stateDecided:
		title = t(rq.lang, "decision.title")
		v.Decision = decisionOf(rq.lang, pv, st.Decision)
	}
	rq.render(http.StatusOK, "request", title, &page{Data: v})
}

// decisionOf renders a decision in one language.
func decisionOf(lang schemas.Lang, pv *programmeView, d *programmes.Decision) *decisionView {
	if d == nil {
		return nil
	}
	v := &decisionView{Outcome: string(d.Outcome), DecidedAt: dateTime(d.DecidedAt), ApplicationDate: d.ApplicationDate, Version: d.Version}
	for _, c := range d.Criteria {
		v.Criteria = append(v.Criteria, resultView{ID: c.ID, Label: in(lang, c.Label), Outcome: string(c.Outcome), Reason: in(lang, c.Reason)})
	}
	for _, m := range d.Missing {
		v.Missing = append(v.Missing, in(lang, pv.missingLabel(m)))
	}
	for _, n := range d.NotCovered {
		v.NotCovered = append(v.NotCovered, in(lang, n))
	}
	return v
}

// qrImage serves a pending request's QR code (PNG); an answered or
// expired request has none.
func (h *Handler) qrImage(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s := h.lookup(id)
	if s != nil {
		if st, err := h.status(r.Context(), id, 0); err != nil || st.State != statePending {
			s = nil
		}
	}
	var png []byte
	if s != nil {
		png = s.png(h.log)
	}
	if png == nil {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Write(png)
}
