package web

import (
	"bytes"
	"errors"
	"net/http"
	"slices"

	"github.com/seoulid/seoulid/schemas"
	"github.com/seoulid/seoulid/wallet"
	"github.com/seoulid/seoulid/wallet/oid4vci"
	"github.com/seoulid/seoulid/wallet/store"
)

type requestKey struct{}

// request is one request with its session, language and, when the
// session unlocked it, the wallet.
type request struct {
	h      *Handler
	w      http.ResponseWriter
	r      *http.Request
	s      *session
	lang   schemas.Lang
	wallet *wallet.Wallet
}

func (rq *request) view() viewer { return viewer{h: rq.h, lang: rq.lang, now: rq.h.cfg.Now()} }

// page is what the layout renders around a page's content.
type page struct {
	Lang     schemas.Lang
	Title    string // a message key
	CSRF     string
	Unlocked bool
	Nav      string
	LangPath string // where the language switch goes
	Notice   string
	Error    string
	Detail   string
	Data     any
}

// T translates a message key for the templates.
func (p *page) T(key string, args ...any) (string, error) { return translate(p.Lang, key, args...) }

// routes registers the pages. Those that need the wallet send a locked
// session to the unlock page.
func (h *Handler) routes() {
	h.mux = http.NewServeMux()
	handle := func(pattern string, needWallet bool, fn func(*request)) {
		h.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			rq := r.Context().Value(requestKey{}).(*request)
			rq.r = r
			if needWallet && rq.wallet == nil {
				http.Redirect(w, r, "/unlock", http.StatusSeeOther)
				return
			}
			fn(rq)
		})
	}
	handle("GET /{$}", false, h.home)
	handle("GET /unlock", false, h.unlockPage)
	handle("POST /unlock", false, h.unlock)
	handle("POST /lock", false, h.lockNow)
	handle("GET /cards", true, h.cards)
	handle("GET /cards/{id}", true, h.card)
	handle("GET /cards/{id}/delete", true, h.deletePage)
	handle("POST /cards/{id}/delete", true, h.delete)
	handle("GET /receive", true, h.receivePage)
	handle("POST /receive", true, h.preview)
	handle("POST /receive/{offer}", true, h.receive)
	handle("GET /present", true, h.presentPage)
	handle("POST /present", true, h.ask)
	handle("GET /present/{consent}", true, h.consentPage)
	handle("POST /present/{consent}", true, h.approve)
	handle("POST /present/{consent}/decline", true, h.decline)
	handle("GET /receipts/{id}", true, h.receiptPage)
	handle("GET /history", true, h.history)
	handle("/", false, func(rq *request) { rq.fail(http.StatusNotFound, "error.notFound") })
}

// render executes a page with the layout into a buffer, then writes it.
func (rq *request) render(status int, name, title, nav string, p *page) {
	if p == nil {
		p = &page{}
	}
	p.Lang, p.Title, p.Nav, p.Unlocked = rq.lang, title, nav, rq.wallet != nil
	rq.h.mu.Lock()
	p.CSRF = rq.s.csrf
	if p.Notice == "" && rq.s.notice != "" {
		p.Notice, _ = translate(rq.lang, rq.s.notice)
	}
	rq.s.notice = ""
	rq.h.mu.Unlock()
	p.LangPath = rq.r.URL.Path
	if rq.r.Method != http.MethodGet {
		p.LangPath = "/" + nav
	}
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
	msg, _ := translate(rq.lang, key)
	rq.render(status, "error", "error.title", "", &page{Error: msg})
}

// internal shows an error of the wallet, with its cause.
func (rq *request) internal(err error) {
	rq.h.log.Error("wallet error", "path", rq.r.URL.Path, "err", err)
	msg, _ := translate(rq.lang, "error.internal")
	rq.render(http.StatusInternalServerError, "error", "error.title", "", &page{Error: msg, Detail: err.Error()})
}

func (rq *request) redirect(to string) { http.Redirect(rq.w, rq.r, to, http.StatusSeeOther) }

// flash sets a message shown once on the next page.
func (rq *request) flash(key string) {
	rq.h.mu.Lock()
	rq.s.notice = key
	rq.h.mu.Unlock()
}

func (h *Handler) home(rq *request) {
	if rq.wallet == nil {
		rq.redirect("/unlock")
		return
	}
	rq.redirect("/cards")
}

// --- unlock and lock ---------------------------------------------------------

func (h *Handler) unlockPage(rq *request) {
	if rq.wallet != nil {
		rq.redirect("/cards")
		return
	}
	p := &page{}
	h.mu.Lock()
	if rq.s.idleLocked {
		p.Notice, _ = translate(rq.lang, "unlock.idle")
	}
	h.mu.Unlock()
	rq.render(http.StatusOK, "unlock", "unlock.title", "unlock", p)
}

// unlock checks the PIN (Config.Unlock), gives the session a new id and
// CSRF token, and makes it the one that holds the wallet.
func (h *Handler) unlock(rq *request) {
	pin := []byte(rq.r.PostForm.Get("pin"))
	w, err := h.cfg.Unlock(rq.r.Context(), pin)
	clear(pin)
	if err != nil {
		status, msg, detail := pinError(rq.view(), err)
		if detail != "" {
			h.log.Error("unlocking the wallet", "err", err)
		}
		rq.render(status, "unlock", "unlock.title", "unlock", &page{Error: msg, Detail: detail})
		return
	}
	if w == nil {
		rq.internal(errors.New("web: Config.Unlock returned no wallet"))
		return
	}
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		h.cfg.Lock()
		rq.fail(http.StatusServiceUnavailable, "error.closed")
		return
	}
	if h.active != nil && h.active != rq.s {
		// Another browser held the wallet: it is this one's now.
		h.active.wallet = nil
		clear(h.active.consents)
		clear(h.active.offers)
		h.active.order = nil
	}
	h.rotate(rq.w, rq.s)
	rq.s.wallet, rq.s.idleLocked, rq.s.seen = w, false, h.cfg.Now()
	h.active = rq.s
	h.armTimer()
	h.mu.Unlock()
	h.log.Info("wallet unlocked")
	rq.redirect("/cards")
}

// pinError describes a failed PIN check: the tries left, the wait, the
// hard lock. detail is the cause of an error that is not the PIN's.
func pinError(v viewer, err error) (status int, msg, detail string) {
	var ue *store.UnlockError
	switch {
	case errors.Is(err, store.ErrHardLocked):
		return http.StatusForbidden, v.t("pin.hardLocked"), ""
	case errors.As(err, &ue) && errors.Is(ue.Err, store.ErrLocked):
		return http.StatusTooManyRequests, v.t("pin.lockedWait", v.wait(ue.RetryAfter), ue.Remaining), ""
	case errors.As(err, &ue) && ue.RetryAfter > 0:
		return http.StatusUnauthorized, v.t("pin.wrongWait", ue.Remaining, v.wait(ue.RetryAfter)), ""
	case errors.As(err, &ue):
		return http.StatusUnauthorized, v.t("pin.wrong", ue.Remaining), ""
	case errors.Is(err, store.ErrInvalidPIN):
		return http.StatusBadRequest, v.t("pin.invalid"), ""
	}
	return http.StatusInternalServerError, v.t("pin.error"), err.Error()
}

func (h *Handler) lockNow(rq *request) {
	h.mu.Lock()
	if h.active == rq.s {
		h.lock(false)
	}
	rq.s.notice = "unlock.locked"
	h.mu.Unlock()
	rq.redirect("/unlock")
}

// --- cards ---------------------------------------------------------------------

func (h *Handler) cards(rq *request) {
	creds, err := rq.wallet.Credentials(rq.r.Context())
	if err != nil {
		rq.internal(err)
		return
	}
	v := rq.view()
	cards := make([]cardView, 0, len(creds))
	for _, c := range creds {
		cards = append(cards, v.card(c, false))
	}
	rq.render(http.StatusOK, "cards", "cards.title", "cards", &page{Data: cards})
}

// credential loads the {id} of the path, or shows the not-found page.
func (rq *request) credential() *wallet.Credential {
	c, err := rq.wallet.Credential(rq.r.Context(), rq.r.PathValue("id"))
	if errors.Is(err, wallet.ErrNotFound) {
		msg, _ := translate(rq.lang, "card.notFound")
		rq.render(http.StatusNotFound, "error", "error.title", "cards", &page{Error: msg})
		return nil
	} else if err != nil {
		rq.internal(err)
		return nil
	}
	return c
}

func (h *Handler) card(rq *request) {
	if c := rq.credential(); c != nil {
		rq.render(http.StatusOK, "card", "card.about", "cards", &page{Data: rq.view().card(c, true)})
	}
}

func (h *Handler) deletePage(rq *request) {
	if c := rq.credential(); c != nil {
		rq.render(http.StatusOK, "delete", "delete.title", "cards", &page{Data: rq.view().card(c, false)})
	}
}

func (h *Handler) delete(rq *request) {
	err := rq.wallet.Delete(rq.r.Context(), rq.r.PathValue("id"))
	if errors.Is(err, wallet.ErrNotFound) {
		rq.fail(http.StatusNotFound, "card.notFound")
		return
	} else if err != nil {
		rq.internal(err)
		return
	}
	rq.flash("delete.done")
	rq.redirect("/cards")
}

// --- receive -------------------------------------------------------------------

func (h *Handler) receivePage(rq *request) {
	rq.render(http.StatusOK, "receive", "receive.title", "receive", nil)
}

// preview reads the pasted offer and shows who offers what, and asks for
// the transaction code. The offer stays in the session.
func (h *Handler) preview(rq *request) {
	uri := rq.r.PostForm.Get("offer")
	offer, err := rq.wallet.Preview(rq.r.Context(), uri)
	if err != nil {
		rq.render(http.StatusBadRequest, "receive", "receive.title", "receive",
			&page{Error: rq.view().t("receive.badOffer"), Detail: errorText(err), Data: uri})
		return
	}
	if len(offer.ConfigurationIDs) == 0 {
		rq.render(http.StatusBadRequest, "receive", "receive.title", "receive", &page{Error: rq.view().t("receive.badOffer"), Data: uri})
		return
	}
	id := newToken()[:22]
	h.mu.Lock()
	rq.s.offers[id] = &pendingOffer{offer: offer}
	rq.s.remember(id)
	h.mu.Unlock()
	rq.render(http.StatusOK, "offer", "receive.preview", "receive", &page{Data: rq.view().offer(id, offer, "")})
}

// receive redeems the offer in progress with the code the citizen typed.
func (h *Handler) receive(rq *request) {
	id := rq.r.PathValue("offer")
	h.mu.Lock()
	po := rq.s.offers[id]
	h.mu.Unlock()
	if po == nil {
		rq.render(http.StatusNotFound, "receive", "receive.title", "receive", &page{Error: rq.view().t("receive.gone")})
		return
	}
	v := rq.view()
	config := rq.r.PostForm.Get("config")
	if !slices.Contains(po.offer.ConfigurationIDs, config) {
		config = po.offer.ConfigurationIDs[0]
	}
	tx := rq.r.PostForm.Get("tx_code")
	again := func(status int, msg, detail string) {
		rq.render(status, "offer", "receive.preview", "receive", &page{Error: msg, Detail: detail, Data: v.offer(id, po.offer, config)})
	}
	if po.offer.TxCode != nil {
		if err := po.offer.TxCode.Check(tx); err != nil {
			again(http.StatusBadRequest, v.t("receive.txBad", err.Error()), "")
			return
		}
	} else {
		tx = ""
	}
	c, err := rq.wallet.ReceiveOffer(rq.r.Context(), po.offer, config, tx)
	var refusal *wallet.Refusal
	switch {
	case errors.As(err, &refusal):
		h.mu.Lock()
		rq.s.forget(id)
		h.mu.Unlock()
		rq.render(http.StatusOK, "refused", "receive.refused", "receive",
			&page{Data: refusedView{Lead: "receive.refusedLead", Reason: refusal.Reason, Again: "/receive"}})
	case err != nil:
		h.log.Warn("receiving a credential", "issuer", po.offer.CredentialIssuer, "err", err)
		again(http.StatusBadGateway, v.t("receive.failed"), errorText(err))
	default:
		h.mu.Lock()
		rq.s.forget(id)
		rq.s.notice = "card.received"
		h.mu.Unlock()
		rq.redirect("/cards/" + c.ID)
	}
}

// errorText is an error as the citizen reads it: an issuer's own
// description when it gave one.
func errorText(err error) string {
	var e *oid4vci.Error
	if errors.As(err, &e) && e.Description != "" {
		if e.Code != "" {
			return e.Code + ": " + e.Description
		}
		return e.Description
	}
	return err.Error()
}

// refusedView is a refusal: a lead message key, the wallet's reason, and
// where to start again.
type refusedView struct {
	Lead   string
	Reason string
	Again  string
}

// --- present -------------------------------------------------------------------

func (h *Handler) presentPage(rq *request) {
	rq.render(http.StatusOK, "present", "present.title", "present", nil)
}

// ask reads the pasted request; the wallet checks it against the ledger
// before anything is shown. A consent is kept in the session and shown.
func (h *Handler) ask(rq *request) {
	uri := rq.r.PostForm.Get("request")
	c, err := rq.wallet.Ask(rq.r.Context(), uri)
	var refusal *wallet.RequestRefusal
	switch {
	case errors.As(err, &refusal):
		rq.render(http.StatusOK, "refused", "present.refused", "present",
			&page{Data: refusedView{Lead: "present.refusedLead", Reason: refusal.Reason, Again: "/present"}})
		return
	case err != nil:
		h.log.Warn("reading a request", "err", err)
		rq.render(http.StatusBadGateway, "present", "present.title", "present",
			&page{Error: rq.view().t("present.failed"), Detail: err.Error(), Data: uri})
		return
	}
	h.mu.Lock()
	rq.s.consents[c.ID] = c
	rq.s.remember(c.ID)
	h.mu.Unlock()
	rq.redirect("/present/" + c.ID)
}

// consent returns the consent in progress of the path, or shows that
// there is none.
func (rq *request) consent() *wallet.Consent {
	rq.h.mu.Lock()
	c := rq.s.consents[rq.r.PathValue("consent")]
	rq.h.mu.Unlock()
	if c == nil {
		rq.render(http.StatusNotFound, "present", "present.title", "present", &page{Error: rq.view().t("present.gone")})
	}
	return c
}

func (h *Handler) consentPage(rq *request) {
	if c := rq.consent(); c != nil {
		rq.render(http.StatusOK, "consent", "consent.title", "present", &page{Data: rq.view().consent(c, nil, false)})
	}
}

// approve presents what the citizen ticked, after the PIN, and shows the
// receipt.
func (h *Handler) approve(rq *request) {
	c := rq.consent()
	if c == nil {
		return
	}
	form := rq.r.PostForm
	a := wallet.Approval{PIN: []byte(form.Get("pin")), Include: map[string]bool{}, Sensitive: form.Get("sensitive") == "yes"}
	for _, q := range form["include"] {
		a.Include[q] = true
	}
	rc, err := rq.wallet.Approve(rq.r.Context(), c, a)
	clear(a.PIN)
	v := rq.view()
	again := func(status int, msg, detail string) {
		rq.render(status, "consent", "consent.title", "present", &page{Error: msg, Detail: detail, Data: v.consent(c, a.Include, a.Sensitive)})
	}
	var refusal *wallet.RequestRefusal
	switch {
	case errors.Is(err, wallet.ErrWrongPIN):
		status, msg, detail := pinError(v, err)
		again(status, msg, detail)
		return
	case errors.Is(err, wallet.ErrSensitiveNotApproved):
		again(http.StatusBadRequest, v.t("consent.sensitiveNeeded"), "")
		return
	case errors.As(err, &refusal):
		h.forgetConsent(rq, c.ID)
		rq.render(http.StatusOK, "refused", "present.refused", "present",
			&page{Data: refusedView{Lead: "present.refusedLead", Reason: refusal.Reason, Again: "/present"}})
		return
	case err != nil:
		// Whether the verifier got anything is unknown; the request's
		// nonce cannot be used again, so the consent ends here.
		h.forgetConsent(rq, c.ID)
		h.log.Warn("presenting", "verifier", c.Verifier, "err", err)
		rq.render(http.StatusBadGateway, "present", "present.title", "present", &page{Error: v.t("consent.failed"), Detail: err.Error()})
		return
	}
	h.forgetConsent(rq, c.ID)
	rq.flash("receipt.done")
	rq.redirect("/receipts/" + rc.ID)
}

func (h *Handler) forgetConsent(rq *request, id string) {
	h.mu.Lock()
	rq.s.forget(id)
	h.mu.Unlock()
}

// decline tells the verifier no.
func (h *Handler) decline(rq *request) {
	c := rq.consent()
	if c == nil {
		return
	}
	h.forgetConsent(rq, c.ID)
	p := &page{Notice: rq.view().t("consent.declined")}
	if err := rq.wallet.Decline(rq.r.Context(), c); err != nil {
		h.log.Warn("declining", "verifier", c.Verifier, "err", err)
		p.Error, p.Detail = rq.view().t("consent.failed"), err.Error()
	}
	rq.render(http.StatusOK, "present", "present.title", "present", p)
}

// --- receipts and history --------------------------------------------------------

func (h *Handler) receiptPage(rq *request) {
	rc, err := rq.wallet.Receipt(rq.r.Context(), rq.r.PathValue("id"))
	if errors.Is(err, wallet.ErrNotFound) {
		rq.fail(http.StatusNotFound, "receipt.notFound")
		return
	} else if err != nil {
		rq.internal(err)
		return
	}
	rq.render(http.StatusOK, "receipt", "receipt.title", "history", &page{Data: rq.view().receipt(rc)})
}

// historyView is the history page: events and receipts.
type historyView struct {
	Events   []eventView
	Receipts []receiptView
}

func (h *Handler) history(rq *request) {
	ctx := rq.r.Context()
	events, err := rq.wallet.History(ctx)
	if err != nil {
		rq.internal(err)
		return
	}
	rcs, err := rq.wallet.Receipts(ctx)
	if err != nil {
		rq.internal(err)
		return
	}
	v := rq.view()
	byID := map[string]*wallet.Receipt{}
	var hv historyView
	for _, rc := range rcs {
		byID[rc.ID] = rc
		hv.Receipts = append(hv.Receipts, v.receipt(rc))
	}
	// A refusal names the verifier by its DID only; its name is known
	// when another line or a receipt names it.
	names := map[string]map[string]string{}
	for _, rc := range rcs {
		if len(rc.VerifierName) > 0 {
			names[rc.Verifier] = rc.VerifierName
		}
	}
	for _, e := range events {
		if len(e.PartyName) > 0 {
			names[e.Party] = e.PartyName
		}
	}
	for _, e := range events {
		if len(e.PartyName) == 0 {
			e.PartyName = names[e.Party]
		}
		hv.Events = append(hv.Events, v.event(e, byID))
	}
	rq.render(http.StatusOK, "history", "history.title", "history", &page{Data: hv})
}
