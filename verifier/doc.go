// Package verifier is seoulid's verification core: the pipeline every
// presented SD-JWT VC goes through (Pipeline.Verify) — format, algorithm
// allow-list, the issuer's signature by a key of its DID authorised at the
// time of issuance (key history honoured), type, validity window with clock
// skew, key binding to the request's audience and nonce, the issuer's
// authorisation on the ledger, status from the Token Status List on the
// ledger (cached with a bounded age), and schema validity of what was
// disclosed. Each check is named in the result; a failure is a
// *CheckError whose Err is one of the sentinels, for errors.Is.
//
// The core speaks no HTTP and imports neither the registry nor a command
// line: it reads the ledger through the small Ledger interface, which
// registry.Reader and node.Remote satisfy.
package verifier
