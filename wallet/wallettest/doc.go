// Package wallettest is the wallet's test kit: a ledger, issuers and
// verifiers over loopback HTTP that a wallet can be run against end to end,
// in this module's tests (the wallet core, its web UI, its command line)
// and in the conformance suite's wallet suite, which plays issuer and
// verifier with them (StartIssuer, StartVerifier: outside a test).
//
// The issuers are seoulid's own (package issuer and its OpenID4VCI face).
// The verifier is a small OpenID4VP 1.0 verifier of the seoulid profile:
// it signs request objects with its did:seoul key (internal/oid4vp), serves
// them by reference, takes direct_post and direct_post.jwt responses,
// verifies each presentation (the issuer's signature, the key binding with
// its audience and nonce, the DCQL query answered) and answers with a
// signed acknowledgement. It is not the city's verifier (package
// verifier); it keeps what it received so a test can look.
package wallettest
