package verifier

import (
	"errors"
	"strings"
)

// Check names one check of the pipeline.
type Check string

// The checks, in the order Verify runs them.
const (
	CheckFormat     Check = "format"
	CheckAlgorithm  Check = "algorithm"
	CheckSignature  Check = "signature"
	CheckType       Check = "type"
	CheckValidity   Check = "validity"
	CheckKeyBinding Check = "key_binding"
	CheckIssuer     Check = "issuer_authorised"
	CheckStatus     Check = "status"
	CheckSchema     Check = "schema"
)

// CheckResult is the outcome of one check.
type CheckResult struct {
	Check  Check
	OK     bool
	Detail string
}

// The kinds of failure, for errors.Is.
var (
	ErrMalformed          = errors.New("verifier: malformed presentation")
	ErrAlgorithm          = errors.New("verifier: algorithm not allowed")
	ErrSignature          = errors.New("verifier: issuer signature invalid")
	ErrType               = errors.New("verifier: not a credential type of the catalogue")
	ErrExpired            = errors.New("verifier: expired")
	ErrNotYetValid        = errors.New("verifier: not yet valid")
	ErrKeyBinding         = errors.New("verifier: key binding invalid")
	ErrUnauthorisedIssuer = errors.New("verifier: issuer not authorised for this type")
	ErrRevoked            = errors.New("verifier: revoked")
	ErrSuspended          = errors.New("verifier: suspended")
	ErrStatus             = errors.New("verifier: status unavailable or invalid")
	ErrSchema             = errors.New("verifier: disclosed claims do not fit the type's schema")
	// ErrLedger: the ledger could not be read; the presentation is neither
	// good nor bad (a decision is undetermined).
	ErrLedger = errors.New("verifier: the ledger could not be read")
)

// CheckError is a failed check, with the checks that passed before it.
type CheckError struct {
	Check  Check
	Err    error
	Passed []CheckResult
}

func (e *CheckError) Error() string {
	return "verifier: check " + string(e.Check) + " failed: " + strings.TrimPrefix(e.Err.Error(), "verifier: ")
}

func (e *CheckError) Unwrap() error { return e.Err }

// Results lists every check as run: those that passed, the one that
// failed, and the ones not run after it.
func (e *CheckError) Results() []CheckResult {
	out := append([]CheckResult(nil), e.Passed...)
	out = append(out, CheckResult{Check: e.Check, OK: false, Detail: e.Err.Error()})
	return out
}
