package sdjwt

import "errors"

// Kinds of failure. Every error returned by Verify, Parse, Issue and the
// presentation functions is an *Error whose Kind is one of these, so callers
// can branch with errors.Is.
var (
	ErrMalformed   = errors.New("sdjwt: malformed SD-JWT")
	ErrSignature   = errors.New("sdjwt: issuer signature invalid")
	ErrDisclosure  = errors.New("sdjwt: disclosures invalid")
	ErrExpired     = errors.New("sdjwt: expired")
	ErrNotYetValid = errors.New("sdjwt: not yet valid")
	ErrKeyBinding  = errors.New("sdjwt: key binding invalid")
	ErrIssue       = errors.New("sdjwt: cannot issue")
	ErrPresent     = errors.New("sdjwt: cannot present")
	ErrConfig      = errors.New("sdjwt: invalid options")
)

// Error is a failure with a one-line, readable message such as
// "sdjwt: disclosure 3 is not referenced by any digest".
type Error struct {
	Kind  error  // one of the Err… kinds above
	Msg   string // what is wrong, without the "sdjwt: " prefix
	Cause error  // an underlying error, if any
}

func (e *Error) Error() string {
	if e.Cause != nil {
		return "sdjwt: " + e.Msg + ": " + e.Cause.Error()
	}
	return "sdjwt: " + e.Msg
}

// Unwrap exposes both the kind and the cause to errors.Is and errors.As.
func (e *Error) Unwrap() []error {
	if e.Cause != nil {
		return []error{e.Kind, e.Cause}
	}
	return []error{e.Kind}
}

func fail(kind error, msg string) *Error { return &Error{Kind: kind, Msg: msg} }

func failWrap(kind error, msg string, cause error) *Error {
	return &Error{Kind: kind, Msg: msg, Cause: cause}
}
