package oid4vp

import (
	"errors"
	"strconv"
	"strings"
)

// Code is an error code of the wire: OAuth 2.0 (RFC 6749 §4.1.2.1), JAR
// (RFC 9101 §6.3) and OpenID4VP 1.0 §8.5. Each is also a sentinel error:
// errors.Is(err, oid4vp.ErrInvalidRequest) says that a refusal carries that
// code. CodeOf reads it from any error.
type Code string

// Error returns the code as it goes on the wire, so that printing a Code
// prints the code.
func (c Code) Error() string { return string(c) }

// The codes a Wallet refuses an Authorization Request with, and a Verifier
// may receive.
const (
	// ErrInvalidRequest: a parameter is missing, malformed or breaks a rule
	// of §5 or §8.2; the Client Identifier Prefix is not supported, or the
	// Client Identifier does not fit it (§8.5).
	ErrInvalidRequest Code = "invalid_request"
	// ErrInvalidRequestObject: the request object is not a well-formed,
	// correctly typed JWT signed by the Verifier's key, or its claims
	// (client_id, aud, exp, wallet_nonce) do not hold (RFC 9101 §6.3).
	ErrInvalidRequestObject Code = "invalid_request_object"
	// ErrInvalidClient: the Verifier could not be authenticated: its DID
	// does not resolve, or its document has no key for the request's kid
	// under "authentication" (RFC 6749 §5.2, used by §8.5).
	ErrInvalidClient Code = "invalid_client"
	// ErrInvalidScope: a scope value, which this Wallet does not accept in
	// place of dcql_query (§5.5, §8.5).
	ErrInvalidScope Code = "invalid_scope"
	// ErrUnsupportedResponseType: a response_type other than vp_token
	// (RFC 6749 §4.1.2.1; §5.6).
	ErrUnsupportedResponseType Code = "unsupported_response_type"
	// ErrAccessDenied: the Wallet has no credentials that answer, or the
	// End-User refused (§8.5).
	ErrAccessDenied Code = "access_denied"
	// ErrVPFormatsNotSupported: none of the formats asked for is one the
	// Wallet presents (§8.5).
	ErrVPFormatsNotSupported Code = "vp_formats_not_supported"
	// ErrInvalidRequestURIMethod: request_uri_method is neither get nor
	// post (§8.5).
	ErrInvalidRequestURIMethod Code = "invalid_request_uri_method"
	// ErrInvalidTransactionData: transaction_data, which this Wallet does
	// not support and so must reject (§5.1, §8.4, §8.5).
	ErrInvalidTransactionData Code = "invalid_transaction_data"
	// ErrWalletUnavailable: the Wallet cannot be invoked (§8.5).
	ErrWalletUnavailable Code = "wallet_unavailable"
	// ErrServerError: the Wallet failed for a reason of its own, such as a
	// DID resolver that could not be reached (RFC 6749 §4.1.2.1).
	ErrServerError Code = "server_error"
)

// Error is a refusal with its wire code. Code and Description go on the
// wire; Err, the cause, is for logs and never sent.
type Error struct {
	Code Code
	// Description says what is wrong, for error_description: ASCII,
	// nothing secret (strings from the input are quoted and cut short).
	Description string
	// Err is the underlying cause, if any.
	Err error
}

func (e *Error) Error() string {
	s := "oid4vp: " + string(e.Code)
	if e.Description != "" {
		s += ": " + e.Description
	}
	if e.Err != nil {
		s += " (" + e.Err.Error() + ")"
	}
	return s
}

// Unwrap exposes the code and the cause to errors.Is and errors.As.
func (e *Error) Unwrap() []error {
	if e.Err == nil {
		return []error{e.Code}
	}
	return []error{e.Code, e.Err}
}

// refuse makes a refusal. Its description is made to fit the wire: "§"
// is written "section ", and anything else that is not printable ASCII
// becomes '?' (RFC 6749 §4.1.2.1).
func refuse(code Code, description string, cause error) *Error {
	return &Error{Code: code, Description: ascii(strings.ReplaceAll(description, "§", "section ")), Err: cause}
}

// CodeOf returns the wire code of err: that of the *Error it wraps, or
// ErrServerError.
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ErrServerError
}

// ErrInvalidResponse marks an Authorization Response (or a request to the
// Request URI) that a Verifier cannot read: not the form of §8.2, not a
// JWE it can decrypt (§8.3), or without what it must hold.
var ErrInvalidResponse = errors.New("oid4vp: invalid authorization response")

// ErrConfig marks a misuse by the caller: a missing resolver, a signer
// whose key id is not a DID URL of the client, an unknown option.
var ErrConfig = errors.New("oid4vp: invalid configuration")

// maxQuoted bounds how much of an input string an error repeats.
const maxQuoted = 64

// quote is strconv.QuoteToASCII of at most maxQuoted bytes of s, so that
// a description stays short and fits error_description (RFC 6749 §4.1.2.1:
// printable ASCII).
func quote(s string) string {
	if len(s) <= maxQuoted {
		return strconv.QuoteToASCII(s)
	}
	cut := maxQuoted
	for cut > 0 && s[cut]&0xC0 == 0x80 {
		cut--
	}
	return strconv.QuoteToASCII(s[:cut]) + "..."
}
