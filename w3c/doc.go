// Package w3c issues and verifies W3C Verifiable Credentials 2.0 for
// agencies outside the OpenID4VC world: credentials checked against the
// data model (internal/vcdm), secured with a Data Integrity proof in one
// of four cryptosuites (internal/dataintegrity) or enveloped as
// application/vc+jwt (VC-JOSE-COSE), and presentations with an
// authentication proof bound to a challenge and a domain.
//
// FromCatalogue makes the W3C credential of any type of seoulid's
// catalogue (package schemas): the VC 2.0 context and seoulid's own
// (ContextSeoulID, a @vocab for the catalogue's claims), the type's name in
// Korean and English, its validity, a credentialSchema (CredentialSchema:
// the catalogue's JSON Schema of the claims, bundled) and the claims,
// checked. Bitstring Status Lists (StatusLists) give an issuer's
// credentials their revocation and suspension entries, and Verify reads
// them through a StatusSource.
//
// An agency issues as its did:seoul with CatalogueOnly: only the
// catalogue's types, and only those the ledger authorises it for
// (AgencyIssuers makes them from its key).
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
