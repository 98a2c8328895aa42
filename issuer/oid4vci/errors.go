package oid4vci

import (
	"errors"
	"net/http"
	"strings"

	"github.com/seoulid/seoulid/issuer"
)

// Error codes of the wire that the core does not name.
const (
	// CodeInvalidAuthorizationDetails: authorization_details this
	// authorization server does not support (RFC 9396 §5).
	CodeInvalidAuthorizationDetails = "invalid_authorization_details"
	// CodeUnknownCredentialIdentifier: a credential_identifier that no
	// token response of this issuer named (OpenID4VCI 1.0 §8.3.1.2).
	CodeUnknownCredentialIdentifier = "unknown_credential_identifier"
	// CodeInvalidEncryptionParameters: encryption this issuer does not do
	// (§8.3.1.2).
	CodeInvalidEncryptionParameters = "invalid_encryption_parameters"
)

// wireError is a response of refusal: a status, an OAuth error code and
// its description, the challenge for a 401 (the authentication scheme, ""
// for none), and the cause, which is logged and never sent.
type wireError struct {
	status int
	code   string
	desc   string
	// scheme is the auth scheme of a 401's WWW-Authenticate challenge:
	// "Bearer" or "DPoP"; "" on a 401 means both, without an error code
	// (RFC 6750 §3.1: no credentials at all).
	scheme string
	cause  error
}

// errorBody is {"error", "error_description"} (RFC 6749 §5.2, OpenID4VCI
// 1.0 §8.3.1.2).
type errorBody struct {
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description,omitempty"`
}

// serverError is a failure of ours: 500, nothing of its cause on the wire.
func serverError(err error) *wireError {
	return &wireError{status: http.StatusInternalServerError, code: issuer.CodeServerError, desc: "the issuer failed; the cause is in its log", cause: err}
}

// fromCore maps an error of the core to the wire: a *issuer.ProtocolError
// to its code with status 400 (401 for invalid_token), anything else to a
// server error.
func fromCore(err error, scheme string) *wireError {
	var pe *issuer.ProtocolError
	if !errors.As(err, &pe) || pe.Code == issuer.CodeServerError {
		return serverError(err)
	}
	we := &wireError{status: http.StatusBadRequest, code: pe.Code, desc: pe.Description, cause: err}
	if pe.Code == issuer.CodeInvalidToken {
		we.status, we.scheme = http.StatusUnauthorized, scheme
	}
	return we
}

// fail writes a refusal and logs it: server failures at Error with their
// cause, refusals at Info.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, we *wireError) {
	path := r.URL.EscapedPath()
	if len(path) > 256 {
		path = path[:256]
	}
	if we.status >= 500 {
		h.log.ErrorContext(r.Context(), "oid4vci: server error", "path", path, "err", we.cause)
	} else {
		h.log.InfoContext(r.Context(), "oid4vci: refused", "path", path, "status", we.status, "error", we.code, "description", we.desc, "cause", we.cause)
	}
	desc := describe(we.desc)
	if we.status == http.StatusUnauthorized {
		switch we.scheme {
		case "":
			w.Header().Add("WWW-Authenticate", "Bearer")
			w.Header().Add("WWW-Authenticate", `DPoP algs="`+h.algs+`"`)
		case "DPoP":
			w.Header().Set("WWW-Authenticate", `DPoP error="`+we.code+`", error_description="`+desc+`", algs="`+h.algs+`"`)
		default:
			w.Header().Set("WWW-Authenticate", `Bearer error="`+we.code+`", error_description="`+desc+`"`)
		}
	}
	h.json(w, r, we.status, "no-store", errorBody{Error: we.code, ErrorDescription: desc})
}

// describe makes an error_description fit the wire: printable ASCII
// without '"' and '\' (RFC 6749 §5.2, OpenID4VCI 1.0 §8.3.1.2), so that it
// can also stand in a quoted-string of WWW-Authenticate; at most 300
// bytes.
func describe(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteByte('\'')
		case r == '\\':
			b.WriteByte('/')
		case r < 0x20 || r > 0x7e:
			b.WriteByte('?')
		default:
			b.WriteRune(r)
		}
		if b.Len() >= 300 {
			break
		}
	}
	return b.String()
}
