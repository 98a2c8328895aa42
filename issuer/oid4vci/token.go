package oid4vci

import (
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"slices"

	"github.com/seoulid/seoulid/internal/dpop"
	"github.com/seoulid/seoulid/internal/jsonx"
	"github.com/seoulid/seoulid/issuer"
)

// Limits on the parameters of a token request. A value over them cannot be
// one this issuer made.
const (
	maxCodeBytes    = 512
	maxTxCodeBytes  = 64
	maxDetailsBytes = 4 << 10
	maxDetails      = 16
)

// credentialType is the authorization details type of OpenID4VCI 1.0 §5.1.1.
const credentialType = "openid_credential"

// tokenRequest is a decoded token request.
type tokenRequest struct {
	code, txCode string
	// details are the credential_configuration_ids of authorization_details,
	// nil when the request had none.
	details []string
}

// tokenResponse is a successful token response (RFC 6749 §5.1,
// OpenID4VCI 1.0 §6.2).
type tokenResponse struct {
	AccessToken          string                 `json:"access_token"`
	TokenType            string                 `json:"token_type"`
	ExpiresIn            int                    `json:"expires_in"`
	AuthorizationDetails []authorizationDetails `json:"authorization_details,omitempty"`
}

type authorizationDetails struct {
	Type                      string   `json:"type"`
	CredentialConfigurationID string   `json:"credential_configuration_id"`
	CredentialIdentifiers     []string `json:"credential_identifiers"`
}

// token serves the token endpoint (OpenID4VCI 1.0 §6, RFC 6749 §4.1.3 and
// §5, RFC 9449 §5).
func (h *Handler) token(w http.ResponseWriter, r *http.Request) {
	body, we := h.readBody(w, r)
	if we != nil {
		h.fail(w, r, we)
		return
	}
	req, we := decodeTokenRequest(r.Header.Get("Content-Type"), body, h.offered)
	if we != nil {
		h.fail(w, r, we)
		return
	}
	var jkt string
	if values := r.Header.Values("DPoP"); len(values) > 0 {
		p, err := h.dpop.Verify(values, dpop.Request{Method: http.MethodPost, URL: h.tokenURL})
		if err != nil {
			h.fail(w, r, &wireError{status: http.StatusBadRequest, code: issuer.CodeInvalidDPoPProof, desc: err.Error(), cause: err})
			return
		}
		jkt = p.JKT
	}
	res, err := h.is.Token(r.Context(), issuer.TokenRequest{PreAuthorizedCode: req.code, TxCode: req.txCode, DPoPJKT: jkt})
	if err != nil {
		h.fail(w, r, fromCore(err, ""))
		return
	}
	out := tokenResponse{AccessToken: res.AccessToken, TokenType: res.TokenType, ExpiresIn: res.ExpiresIn}
	if req.details != nil {
		// The details granted: the configuration of the offer (see the
		// package documentation), whose identifier is its own id.
		out.AuthorizationDetails = []authorizationDetails{{
			Type: credentialType, CredentialConfigurationID: res.ConfigurationID,
			CredentialIdentifiers: []string{res.ConfigurationID},
		}}
	}
	h.json(w, r, http.StatusOK, "no-store", out)
}

// offered reports whether id is a credential configuration of this issuer.
func (h *Handler) offered(id string) bool {
	return h.configs[id]
}

// decodeTokenRequest reads a token request of the pre-authorized code
// grant: a form (RFC 6749 §4.1.3, Appendix B) with no parameter twice
// (§3.2), grant_type, pre-authorized_code and tx_code (OpenID4VCI 1.0
// §6.1), and optionally authorization_details (RFC 9396 §6, §5.1.1 of
// OpenID4VCI) whose configurations offered must accept. Other parameters
// are ignored (§6.1).
func decodeTokenRequest(contentType string, body []byte, offered func(string) bool) (*tokenRequest, *wireError) {
	invalid := func(format string, args ...any) (*tokenRequest, *wireError) {
		return nil, &wireError{status: http.StatusBadRequest, code: issuer.CodeInvalidRequest, desc: fmt.Sprintf(format, args...)}
	}
	if mt, _, err := mime.ParseMediaType(contentType); err != nil || mt != mediaForm {
		return invalid("the token request must be %s", mediaForm)
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return invalid("the form is malformed")
	}
	for name, vs := range form {
		if len(vs) > 1 {
			return invalid("%s is given %d times (RFC 6749 §3.2)", truncate(name, 64), len(vs))
		}
	}
	switch gt, ok := form["grant_type"]; {
	case !ok || gt[0] == "":
		return invalid("grant_type is missing")
	case gt[0] != issuer.PreAuthorizedGrant:
		return nil, &wireError{status: http.StatusBadRequest, code: issuer.CodeUnsupportedGrantType,
			desc: "this authorization server grants " + issuer.PreAuthorizedGrant + " only"}
	}
	req := &tokenRequest{code: form.Get("pre-authorized_code"), txCode: form.Get("tx_code")}
	switch {
	case req.code == "":
		return invalid("pre-authorized_code is missing")
	case len(req.code) > maxCodeBytes:
		return nil, &wireError{status: http.StatusBadRequest, code: issuer.CodeInvalidGrant, desc: "unknown pre-authorized code"}
	case req.txCode == "":
		return invalid("tx_code is missing: the offer asks for the code sent to the citizen (OpenID4VCI 1.0 §6.3)")
	case len(req.txCode) > maxTxCodeBytes:
		return invalid("tx_code is longer than %d bytes", maxTxCodeBytes)
	}
	if raw, ok := form["authorization_details"]; ok {
		ids, err := decodeAuthorizationDetails(raw[0], offered)
		if err != nil {
			return nil, &wireError{status: http.StatusBadRequest, code: CodeInvalidAuthorizationDetails, desc: err.Error()}
		}
		req.details = ids
	}
	return req, nil
}

// decodeAuthorizationDetails reads authorization_details (RFC 9396 §2): a
// non-empty JSON array of objects of type openid_credential, each with a
// credential_configuration_id that offered accepts (OpenID4VCI 1.0
// §5.1.1). Other members of the objects (locations, claims) are ignored:
// the issuer has no other locations and issues every claim of the offer.
func decodeAuthorizationDetails(raw string, offered func(string) bool) ([]string, error) {
	if len(raw) > maxDetailsBytes {
		return nil, fmt.Errorf("authorization_details is longer than %d bytes", maxDetailsBytes)
	}
	v, err := jsonx.ParseWithLimits([]byte(raw), jsonx.Limits{MaxBytes: maxDetailsBytes, MaxDepth: 6})
	if err != nil {
		return nil, errors.New("authorization_details is not JSON")
	}
	list, ok := v.([]any)
	if !ok || len(list) == 0 || len(list) > maxDetails {
		return nil, fmt.Errorf("authorization_details must be an array of 1 to %d objects", maxDetails)
	}
	ids := make([]string, 0, len(list))
	for i, e := range list {
		o, ok := e.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("authorization_details[%d] is not an object", i)
		}
		if t, _ := o["type"].(string); t != credentialType {
			return nil, fmt.Errorf("authorization_details[%d]: the only type supported is %s", i, credentialType)
		}
		id, _ := o["credential_configuration_id"].(string)
		if id == "" || !offered(id) {
			return nil, fmt.Errorf("authorization_details[%d]: credential_configuration_id must name a configuration of this issuer", i)
		}
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	return ids, nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
