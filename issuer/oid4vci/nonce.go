package oid4vci

import "net/http"

// nonce serves the nonce endpoint (OpenID4VCI 1.0 §7): no access token, no
// body needed (one that is sent is not read).
func (h *Handler) nonce(w http.ResponseWriter, r *http.Request) {
	if _, we := h.readBody(w, r); we != nil {
		h.fail(w, r, we)
		return
	}
	n, err := h.is.Nonce(r.Context())
	if err != nil {
		h.fail(w, r, fromCore(err, ""))
		return
	}
	h.json(w, r, http.StatusOK, "no-store", struct {
		CNonce string `json:"c_nonce"`
	}{n})
}
