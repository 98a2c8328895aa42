package web

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"time"

	"github.com/seoulid/seoulid/wallet"
	"github.com/seoulid/seoulid/wallet/oid4vci"
)

// sessionCookie names the session. It is HttpOnly and SameSite=Strict; it
// cannot be Secure (and so cannot take the __Host- prefix) because the
// wallet is served over http on the loopback.
const sessionCookie = "seoulid_wallet"

// session is one browser's state, kept on the server: its CSRF token,
// the wallet when this session unlocked it, and the consents and offers
// in progress (never in hidden form fields).
type session struct {
	id   string
	csrf string
	// fresh: made for this request; the browser does not know its token
	// yet, so no POST of this request can carry it.
	fresh      bool
	seen       time.Time
	wallet     *wallet.Wallet
	consents   map[string]*wallet.Consent
	offers     map[string]*pendingOffer
	order      []string // ids of consents and offers, oldest first
	notice     string   // a message key shown once, on the next page
	idleLocked bool     // the wallet was locked for inactivity
}

// pendingOffer is a credential offer read and shown, awaiting the
// transaction code.
type pendingOffer struct {
	offer *oid4vci.Offer
}

// newToken returns 256 random bits, base64url.
func newToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("web: crypto/rand failed: " + err.Error()) // never on a supported platform
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// validToken compares a form's token with the session's in constant time.
func validToken(got, want string) bool {
	return got != "" && want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// session returns the request's session, or starts one and sets its
// cookie. h.mu is held.
func (h *Handler) session(w http.ResponseWriter, r *http.Request, now time.Time) *session {
	for id, s := range h.sessions {
		if s != h.active && now.Sub(s.seen) > sessionMaxAge {
			delete(h.sessions, id)
		}
	}
	if c, err := r.Cookie(sessionCookie); err == nil {
		if s := h.sessions[c.Value]; s != nil {
			if s != h.active {
				s.seen = now // the active session's time is the idle clock: ServeHTTP sets it
			}
			s.fresh = false
			return s
		}
	}
	if len(h.sessions) >= maxSessions {
		var oldest *session
		for _, s := range h.sessions {
			if s != h.active && (oldest == nil || s.seen.Before(oldest.seen)) {
				oldest = s
			}
		}
		if oldest != nil {
			delete(h.sessions, oldest.id)
		}
	}
	s := &session{id: newToken(), csrf: newToken(), fresh: true, seen: now,
		consents: map[string]*wallet.Consent{}, offers: map[string]*pendingOffer{}}
	h.sessions[s.id] = s
	setSessionCookie(w, s.id)
	return s
}

func setSessionCookie(w http.ResponseWriter, id string) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: id, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode})
}

// rotate gives a session a new id and CSRF token (at unlock, so that a
// session id planted before cannot ride on the unlocked wallet). h.mu is
// held.
func (h *Handler) rotate(w http.ResponseWriter, s *session) {
	delete(h.sessions, s.id)
	s.id, s.csrf = newToken(), newToken()
	h.sessions[s.id] = s
	setSessionCookie(w, s.id)
}

// remember records a pending consent or offer id, dropping the oldest
// beyond maxPending. h.mu is held.
func (s *session) remember(id string) {
	s.order = append(s.order, id)
	for len(s.order) > maxPending {
		delete(s.consents, s.order[0])
		delete(s.offers, s.order[0])
		s.order = s.order[1:]
	}
}

// forget drops a pending consent or offer. h.mu is held.
func (s *session) forget(id string) {
	delete(s.consents, id)
	delete(s.offers, id)
	for i, o := range s.order {
		if o == id {
			s.order = append(s.order[:i:i], s.order[i+1:]...)
			break
		}
	}
}
