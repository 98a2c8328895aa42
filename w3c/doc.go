// Package w3c issues and verifies W3C Verifiable Credentials 2.0 for
// agencies outside the OpenID4VC world: credentials checked against the
// data model (internal/vcdm), secured with a Data Integrity proof in one
// of four cryptosuites (internal/dataintegrity) or enveloped as
// application/vc+jwt (VC-JOSE-COSE), and presentations with an
// authentication proof bound to a challenge and a domain.
//
// It is transport-free: w3c/vcapi is its VC-API HTTP face.
//
// What Verify checks, in order: the data model; the securing mechanism
// (every proof, by a key in its DID's assertionMethod; when the issuer is
// a DID, one proof by a key of that DID — a proof by anyone else's key is
// not the issuer's; when the issuer is another URL, a warning says that
// nothing binds it to the key); the validity period against the clock
// (validFrom, validUntil). It does not consult a status
// list or a trust registry: the caller decides which issuers it trusts.
package w3c
