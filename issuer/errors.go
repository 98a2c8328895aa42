package issuer

import "errors"

// The error codes of OpenID4VCI 1.0 (§6.3 token errors, from RFC 6749 §5.2;
// §8.3.1.2 credential errors; §7.2 nonce) and RFC 9449 (DPoP) that the
// issuer returns.
const (
	CodeInvalidRequest                 = "invalid_request"
	CodeInvalidGrant                   = "invalid_grant"
	CodeUnsupportedGrantType           = "unsupported_grant_type"
	CodeInvalidToken                   = "invalid_token"
	CodeInvalidCredentialRequest       = "invalid_credential_request"
	CodeUnknownCredentialConfiguration = "unknown_credential_configuration"
	CodeInvalidProof                   = "invalid_proof"
	CodeInvalidNonce                   = "invalid_nonce"
	CodeCredentialRequestDenied        = "credential_request_denied"
	CodeInvalidDPoPProof               = "invalid_dpop_proof"
	CodeServerError                    = "server_error"
)

// ProtocolError is a refusal with its OpenID4VCI error code. The HTTP face
// writes Code and Description; Err, the internal cause, is logged, never
// sent.
type ProtocolError struct {
	Code        string
	Description string
	Err         error
}

func (e *ProtocolError) Error() string {
	s := "issuer: " + e.Code
	if e.Description != "" {
		s += ": " + e.Description
	}
	if e.Err != nil {
		s += " (" + e.Err.Error() + ")"
	}
	return s
}

func (e *ProtocolError) Unwrap() error { return e.Err }

func refuse(code, description string, cause error) *ProtocolError {
	return &ProtocolError{Code: code, Description: description, Err: cause}
}

// CodeOf returns the protocol error code of err, or CodeServerError.
func CodeOf(err error) string {
	var pe *ProtocolError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return CodeServerError
}
