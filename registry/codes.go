package registry

import "fmt"

// Code is the result of a registry transaction, as CometBFT carries it in
// ResponseCheckTx and ExecTxResult. A rejected transaction is a code, never
// a Go error: a Go error from the application means the node must stop.
type Code uint32

// The codes. They are part of the wire format: never renumber one.
const (
	OK               Code = 0
	CodeEncoding     Code = 1  // the transaction is not a well-formed signed operation
	CodeChain        Code = 2  // the operation names another chain
	CodeSequence     Code = 3  // the actor's sequence number is not the next one (a replay, or out of order)
	CodeSignature    Code = 4  // a signature does not verify, or its key is not the signer's controller key
	CodeUnauthorized Code = 5  // the signer may not do this (not an agency, not the DID's controller)
	CodeQuorum       Code = 6  // fewer distinct council members signed than the council's threshold
	CodeNotFound     Code = 7  // the DID, agency or status list does not exist
	CodeExists       Code = 8  // the DID or agency already exists
	CodeDeactivated  Code = 9  // the DID is deactivated
	CodeInvalid      Code = 10 // the operation's content breaks a rule (keys, services, purposes…)
	CodeStatusList   Code = 11 // the status list token is not valid for this issuer and URI
	CodeTooLarge     Code = 12 // the transaction is larger than MaxTxBytes
)

var codeNames = map[Code]string{
	OK:               "ok",
	CodeEncoding:     "malformed transaction",
	CodeChain:        "wrong chain",
	CodeSequence:     "wrong sequence number",
	CodeSignature:    "bad signature",
	CodeUnauthorized: "not authorised",
	CodeQuorum:       "council quorum not reached",
	CodeNotFound:     "not found",
	CodeExists:       "already exists",
	CodeDeactivated:  "deactivated",
	CodeInvalid:      "invalid operation",
	CodeStatusList:   "invalid status list",
	CodeTooLarge:     "transaction too large",
}

// String names the code in words.
func (c Code) String() string {
	if s, ok := codeNames[c]; ok {
		return s
	}
	return fmt.Sprintf("code %d", uint32(c))
}

// Rejection is a code with the reason, as the log of a rejected transaction
// carries it.
type Rejection struct {
	Code   Code
	Reason string
}

func (r *Rejection) Error() string { return r.Code.String() + ": " + r.Reason }

func reject(c Code, format string, args ...any) *Rejection {
	return &Rejection{Code: c, Reason: fmt.Sprintf(format, args...)}
}
