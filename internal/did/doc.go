// Package did reads and writes Decentralized Identifiers and DID documents,
// and resolves the two DID methods that need no network: did:key and did:jwk.
//
// The specifications it follows:
//
//   - DID Core 1.0 (W3C Recommendation, 19 July 2022,
//     https://www.w3.org/TR/did-core/): DID syntax (§3.1), DID URL syntax
//     (§3.2) and relative DID URLs (§3.2.2), and the core properties of a DID
//     document (§5): id and controller (§5.1), verification methods (§5.2),
//     verification relationships (§5.3) and services (§5.4), in the JSON
//     representation (§6.2).
//   - The did:key Method (W3C CCG, https://w3c-ccg.github.io/did-method-key/),
//     in its Multikey form: a DID document with one verification method of
//     type Multikey whose publicKeyMultibase is the method-specific id.
//     Only ed25519-pub (0xed) and p256-pub (0x1200, compressed SEC 1 point)
//     keys are accepted; the X25519 key agreement key that the method can
//     derive from an Ed25519 key is not.
//   - The did:jwk Method (https://github.com/quartzjer/did-jwk/blob/main/spec.md):
//     a DID that is the base64url of a JWK, and a document with one
//     JsonWebKey2020 verification method "#0".
//
// Everything read from outside is parsed strictly: DIDs and DID URLs are
// checked character by character against the ABNF and capped at MaxLength
// bytes; DID documents go through package jsonx, which refuses duplicate
// members, invalid UTF-8 and deep nesting, and are capped at MaxDocumentBytes;
// keys go through package keys, which admits only Ed25519 and P-256 public
// keys and refuses private key material.
//
// A DID document says which keys may be used for what. Document.Key and
// VerificationKey return a key only when the document lists it under the
// verification relationship asked for (DID Core §5.3) — a key for
// authentication is not a key for assertionMethod — so that a verifier cannot
// forget that check.
//
// Errors wrap documented sentinels (ErrInvalidDID, ErrInvalidDocument,
// ErrKeyNotFound, ErrNotAuthorized, ...) and say in one line what is wrong.
package did
