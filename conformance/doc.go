// Package conformance is seoulid's conformance suite: requirements of the
// seoulid profile, each named by the specification section it comes from,
// checked against a running implementation through its public interface
// only (black box), runnable from "go test" (RunT) and from the command
// line ("seoulid conformance run"), with a table, JUnit XML and JSON
// reports.
//
// A suite is a list of checks; a check is a Requirement and a function
// that returns nil when the target meets it, an error saying how it does
// not, or ErrSkip (wrapped) when the target gave nothing to check it with.
// Profile renders every requirement as the seoulid profile
// (docs/conformance.md), so that the document and the suite cannot drift.
//
// The suites so far:
//
//   - resolver: the W3C DID Resolution HTTP(S) binding of a DID resolver —
//     representations and content types, HEAD, every error code;
//   - issuer: an OpenID4VCI 1.0 issuer of the profile — its metadata and
//     display locales, the pre-authorized flow with tx_code, the issued
//     credential (signature, vct, binding, schema, status reference; with
//     a seoulid resolver given, the issuer authorised on the ledger for it
//     and its status list there, valid), and the refusals of a reused
//     c_nonce, a wrong tx_code, a reused code, a bad proof and an unknown
//     configuration. It makes its offers through seoulid's back
//     office (an operator token as the "token" parameter): it issues real
//     credentials, of the catalogue's example claims, to throwaway keys, so
//     run it against an issuer for testing;
//   - verifier: an OpenID4VP 1.0 verifier of the profile — its signed
//     request object and DCQL query, the purpose it names registered for
//     it on the ledger and covering what it asks, a valid presentation
//     accepted, and refusals of a forged credential, a key binding for
//     another audience, a presentation made for another request, an
//     unbound one, an expired and a not-yet-valid credential (re-signed
//     with the issuer's key, issuer-key=), and a credential revoked after
//     it was accepted (through the issuer's back office; the verifier has
//     revocation-wait to notice). It starts requests through seoulid's
//     portal API, reads the ledger through a seoulid resolver, and gets
//     credentials from an issuer the verifier trusts (issuer=,
//     issuer-token=);
//   - wallet: a holder's wallet of the profile — it stores a valid
//     credential and refuses a tampered one and one of a type the ledger
//     does not authorise its issuer for; it answers an approved request
//     with a bound presentation disclosing only what was asked, refuses a
//     verifier the ledger registers for nothing and a request outside the
//     verifier's registered purpose, and sends nothing when declined. The
//     suite plays the issuer and the verifiers itself (package
//     wallet/wallettest's loopback issuer and verifier, as the DIDs of the
//     keys given: issuer-key=, verifier-key=) and works the wallet through a
//     WalletDriver: Target.Wallet, or by default NewWalletUIDriver on
//     seoulid's wallet UI at the target URL (pin=);
//   - vectors: the standards' own test vectors, embedded from vectors/ —
//     every SD-JWT and SD-JWT VC presentation, the Token Status List
//     lists of 1 to 8 bits, and did:key and did:jwk round trips. It proves
//     seoulid's library and needs no target.
package conformance
