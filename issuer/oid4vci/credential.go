package oid4vci

import (
	"fmt"
	"mime"
	"net/http"
	"strings"

	"github.com/seoulid/seoulid/internal/dpop"
	"github.com/seoulid/seoulid/internal/jsonx"
	"github.com/seoulid/seoulid/issuer"
)

// maxTokenBytes bounds an access token in the Authorization header; the
// issuer's are 43 bytes.
const maxTokenBytes = 512

// proofTypeJWT is the one proof type this issuer takes (Appendix F.1).
const proofTypeJWT = "jwt"

// credentialRequest is a decoded credential request (OpenID4VCI 1.0 §8.2).
type credentialRequest struct {
	// configurationID is credential_configuration_id, or the
	// credential_identifier (which is a configuration id, see token).
	configurationID string
	// byIdentifier says it came as credential_identifier.
	byIdentifier bool
	proofs       []string
}

// credentialResponse is an immediate credential response (§8.3).
type credentialResponse struct {
	Credentials []issuedCredential `json:"credentials"`
}

type issuedCredential struct {
	Credential string `json:"credential"`
}

// credential serves the credential endpoint (OpenID4VCI 1.0 §8, RFC 6750
// §2.1, RFC 9449 §7).
func (h *Handler) credential(w http.ResponseWriter, r *http.Request) {
	scheme, token, we := parseAuthorization(r.Header.Values("Authorization"))
	if we != nil {
		h.fail(w, r, we)
		return
	}
	var jkt string
	if scheme == "DPoP" {
		p, err := h.dpop.Verify(r.Header.Values("DPoP"), dpop.Request{Method: http.MethodPost, URL: h.credURL, AccessToken: token})
		if err != nil {
			h.fail(w, r, &wireError{status: http.StatusUnauthorized, code: issuer.CodeInvalidDPoPProof, desc: err.Error(), scheme: "DPoP", cause: err})
			return
		}
		jkt = p.JKT
	}
	body, we := h.readBody(w, r)
	if we != nil {
		h.fail(w, r, we)
		return
	}
	req, we := decodeCredentialRequest(r.Header.Get("Content-Type"), body)
	if we != nil {
		h.fail(w, r, we)
		return
	}
	if req.byIdentifier && !h.offered(req.configurationID) {
		h.fail(w, r, &wireError{status: http.StatusBadRequest, code: CodeUnknownCredentialIdentifier, desc: "no token response of this issuer named this credential_identifier"})
		return
	}
	issued, err := h.is.Credential(r.Context(), issuer.CredentialRequest{
		AccessToken: token, DPoPJKT: jkt, ConfigurationID: req.configurationID, Proofs: req.proofs,
	})
	if err != nil {
		h.fail(w, r, fromCore(err, scheme))
		return
	}
	out := credentialResponse{Credentials: make([]issuedCredential, len(issued))}
	for i, c := range issued {
		out.Credentials[i] = issuedCredential{Credential: c.Credential}
	}
	h.json(w, r, http.StatusOK, "no-store", out)
}

// parseAuthorization reads the Authorization header of a request to the
// credential endpoint: one header, "Bearer <token>" (RFC 6750 §2.1) or
// "DPoP <token>" (RFC 9449 §7.1), the scheme in any case (RFC 9110
// §11.1), the token in the b64token / token68 syntax. It returns the
// scheme as "Bearer" or "DPoP".
func parseAuthorization(values []string) (scheme, token string, we *wireError) {
	switch len(values) {
	case 0:
		return "", "", &wireError{status: http.StatusUnauthorized, code: issuer.CodeInvalidToken, desc: "no access token: send Authorization: Bearer or DPoP"}
	case 1:
	default:
		return "", "", &wireError{status: http.StatusBadRequest, code: issuer.CodeInvalidRequest, desc: "more than one Authorization header (RFC 6750 §3.1)"}
	}
	s, t, ok := strings.Cut(values[0], " ")
	t = strings.TrimLeft(t, " ")
	switch {
	case strings.EqualFold(s, "Bearer"):
		scheme = "Bearer"
	case strings.EqualFold(s, "DPoP"):
		scheme = "DPoP"
	default:
		return "", "", &wireError{status: http.StatusUnauthorized, code: issuer.CodeInvalidToken, desc: "the Authorization scheme must be Bearer or DPoP"}
	}
	if !ok || !token68(t) || len(t) > maxTokenBytes {
		return "", "", &wireError{status: http.StatusUnauthorized, code: issuer.CodeInvalidToken, desc: "the access token is malformed", scheme: scheme}
	}
	return scheme, t, nil
}

// token68 reports whether s is a b64token (RFC 6750 §2.1), the token68 of
// RFC 9110 §11.2: 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=".
func token68(s string) bool {
	i := 0
	for ; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-._~+/", c) >= 0) {
			break
		}
	}
	if i == 0 {
		return false
	}
	for ; i < len(s); i++ {
		if s[i] != '=' {
			return false
		}
	}
	return true
}

// decodeCredentialRequest reads the body of a credential request
// (OpenID4VCI 1.0 §8.2): a JSON object (no duplicate members, at most
// MaxBodyBytes, nested at most 8 deep) with exactly one of
// credential_configuration_id and credential_identifier, and "proofs", an
// object with exactly one member, "jwt", a non-empty array of strings. It
// refuses "proof" (the drafts' single proof) and
// credential_response_encryption (not supported) and ignores any other
// member (§8.2). A request without proofs decodes with none, and the core
// refuses it (invalid_proof).
func decodeCredentialRequest(contentType string, body []byte) (*credentialRequest, *wireError) {
	bad := func(code, format string, args ...any) (*credentialRequest, *wireError) {
		return nil, &wireError{status: http.StatusBadRequest, code: code, desc: fmt.Sprintf(format, args...)}
	}
	if mt, _, err := mime.ParseMediaType(contentType); err != nil || mt != MediaJSON {
		return bad(issuer.CodeInvalidCredentialRequest, "the credential request must be %s (encrypted requests are not supported)", MediaJSON)
	}
	m, err := jsonx.ParseObjectWithLimits(body, jsonx.Limits{MaxBytes: MaxBodyBytes, MaxDepth: 8})
	if err != nil {
		return bad(issuer.CodeInvalidCredentialRequest, "the body is not a JSON object: %v", err)
	}
	if _, ok := m["proof"]; ok {
		return bad(issuer.CodeInvalidCredentialRequest, `"proof" is not a parameter of OpenID4VCI 1.0: send "proofs": {"jwt": [...]}`)
	}
	if _, ok := m["credential_response_encryption"]; ok {
		return bad(CodeInvalidEncryptionParameters, "this issuer does not encrypt credential responses")
	}
	str := func(name string) (string, bool, *wireError) {
		v, ok := m[name]
		if !ok {
			return "", false, nil
		}
		s, isStr := v.(string)
		if !isStr || s == "" || len(s) > 256 {
			_, we := bad(issuer.CodeInvalidCredentialRequest, "%s must be a non-empty string", name)
			return "", true, we
		}
		return s, true, nil
	}
	cid, hasCID, we := str("credential_configuration_id")
	if we != nil {
		return nil, we
	}
	ident, hasIdent, we := str("credential_identifier")
	if we != nil {
		return nil, we
	}
	req := &credentialRequest{}
	switch {
	case hasCID && hasIdent:
		return bad(issuer.CodeInvalidCredentialRequest, "credential_configuration_id and credential_identifier exclude each other")
	case hasCID:
		req.configurationID = cid
	case hasIdent:
		req.configurationID, req.byIdentifier = ident, true
	default:
		return bad(issuer.CodeInvalidCredentialRequest, "credential_configuration_id is missing")
	}
	pv, ok := m["proofs"]
	if !ok {
		return req, nil
	}
	proofs, ok := pv.(map[string]any)
	if !ok || len(proofs) != 1 {
		return bad(issuer.CodeInvalidProof, `proofs must be an object with exactly one proof type`)
	}
	list, ok := proofs[proofTypeJWT].([]any)
	if _, isJWT := proofs[proofTypeJWT]; !isJWT {
		return bad(issuer.CodeInvalidProof, "the only proof type supported is %s", proofTypeJWT)
	}
	if !ok || len(list) == 0 {
		return bad(issuer.CodeInvalidProof, "proofs.jwt must be a non-empty array")
	}
	req.proofs = make([]string, len(list))
	for i, p := range list {
		s, ok := p.(string)
		if !ok || s == "" {
			return bad(issuer.CodeInvalidProof, "proofs.jwt[%d] is not a JWT", i)
		}
		req.proofs[i] = s
	}
	return req, nil
}
