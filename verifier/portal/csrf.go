package portal

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// csrfCookie holds a browser's random CSRF secret. The form's token is
// an HMAC of it under the handler's key (a signed double-submit cookie):
// a site that cannot read the cookie cannot make the token, and one that
// can plant a cookie (a sibling subdomain) cannot make a token for it
// without the key.
const csrfCookie = "seoulid_portal_csrf"

// csrfToken returns the token of the form on this page, setting the
// browser's secret when it has none (or one that is not ours).
func (h *Handler) csrfToken(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(csrfCookie); err == nil {
		if secret, err := base64.RawURLEncoding.DecodeString(c.Value); err == nil && len(secret) == 32 {
			return h.sign(secret)
		}
	}
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		panic("portal: crypto/rand failed: " + err.Error()) // never on a supported platform
	}
	http.SetCookie(w, &http.Cookie{Name: csrfCookie, Value: base64.RawURLEncoding.EncodeToString(secret), Path: "/",
		HttpOnly: true, Secure: h.secure(r), SameSite: http.SameSiteStrictMode})
	return h.sign(secret)
}

func (h *Handler) sign(secret []byte) string {
	m := hmac.New(sha256.New, h.csrfKey)
	m.Write([]byte("seoulid portal csrf\x00"))
	m.Write(secret)
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// checkPost refuses a form POST from another origin (Origin,
// Sec-Fetch-Site, when the browser sends them) and one whose token is not
// the HMAC of the browser's secret. r.PostForm is parsed.
func (h *Handler) checkPost(w http.ResponseWriter, r *http.Request) error {
	if o := r.Header.Get("Origin"); o != "" {
		u, err := url.Parse(o)
		ok := err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host == r.Host
		if h.origin != "" {
			ok = o == h.origin
		}
		if !ok {
			return fmt.Errorf("origin %q is not this portal's", o)
		}
	}
	if s := r.Header.Get("Sec-Fetch-Site"); s != "" && s != "same-origin" && s != "none" {
		return fmt.Errorf("Sec-Fetch-Site %q", s)
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
	if err := r.ParseForm(); err != nil {
		return fmt.Errorf("the form: %w", err)
	}
	c, err := r.Cookie(csrfCookie)
	if err != nil {
		return errors.New("no CSRF cookie")
	}
	secret, err := base64.RawURLEncoding.DecodeString(c.Value)
	if err != nil || len(secret) != 32 {
		return errors.New("a CSRF cookie that is not ours")
	}
	got, err := base64.RawURLEncoding.DecodeString(r.PostForm.Get("csrf"))
	want, _ := base64.RawURLEncoding.DecodeString(h.sign(secret))
	if err != nil || !hmac.Equal(got, want) {
		return errors.New("no valid CSRF token")
	}
	return nil
}

// secure reports whether the portal's cookies are Secure: its public URL
// is https, or, without one, the browser reached it over https (directly,
// or through the TLS terminator in front of it).
func (h *Handler) secure(r *http.Request) bool {
	if h.origin != "" {
		return strings.HasPrefix(h.origin, "https:")
	}
	return r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https"
}
