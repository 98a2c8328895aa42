package did

import (
	"errors"
	"strconv"
)

// Errors callers branch on. Every error this package returns wraps one of
// these (or keys.ErrUnsupportedKey, for keys that are well formed but of a
// kind seoulid does not use), with a message that says what is wrong.
var (
	// ErrInvalidDID: a DID or DID URL breaks the syntax of DID Core §3, or a
	// did:key or did:jwk identifier does not decode to a public key.
	ErrInvalidDID = errors.New("did: invalid DID")

	// ErrInvalidDocument: a DID document breaks DID Core §5 or cannot be
	// read as JSON.
	ErrInvalidDocument = errors.New("did: invalid DID document")

	// ErrInvalidVerificationMethod: a verification method's key material is
	// missing or malformed.
	ErrInvalidVerificationMethod = errors.New("did: invalid verification method")

	// ErrKeyNotFound: the document has no verification method with the id
	// asked for, or the id belongs to another DID.
	ErrKeyNotFound = errors.New("did: verification method not found")

	// ErrNotAuthorized: the verification method exists, but the document
	// does not list it under the verification relationship asked for
	// (DID Core §5.3), so it must not be used for that purpose.
	ErrNotAuthorized = errors.New("did: verification method not authorized for this relationship")

	// ErrMethodNotSupported: a resolver was asked for a DID of a method it
	// does not resolve.
	ErrMethodNotSupported = errors.New("did: DID method not supported")

	// ErrNotFound: a resolver that looks DIDs up (in a registry, over the
	// network) found no document for the DID. LocalResolver never returns
	// it: a did:key or did:jwk either decodes or is invalid.
	ErrNotFound = errors.New("did: DID not found")
)

// maxQuoted bounds how much of an input an error message repeats: at most
// maxQuoted bytes of it, and at most 2*maxQuoted characters once quoted (a
// control character takes four).
const maxQuoted = 128

// quote is strconv.Quote of the start of s, so that an error about a long or
// hostile input stays one short, printable line.
func quote(s string) string {
	cut := false
	if len(s) > maxQuoted {
		s, cut = s[:maxQuoted], true
	}
	q := strconv.Quote(s)
	for len(q) > 2*maxQuoted {
		s, cut = s[:len(s)/2], true
		q = strconv.Quote(s)
	}
	if cut {
		q += "..."
	}
	return q
}
