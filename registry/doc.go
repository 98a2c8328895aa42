// Package registry is the state machine of seoulid's permissioned ledger:
// the did:seoul DID registry, the governing council of agencies, the trust
// registry (which issuer may issue which credential types, which verifier
// may ask for which claims and why), the status lists, and the catalogue
// version in force. It holds nothing about citizens.
//
// App is a CometBFT ABCI 2.0 application (v0.38). Every operation (Op) is
// a transaction (Tx) in the JWS JSON General Serialization, signed by the
// controller (capabilityInvocation) keys of the DIDs it needs: a DID's own
// key for its updates, an agency's for the DIDs it creates, a majority of
// the council for governance and trust. Per-actor sequence numbers stop
// replays; the chain id stops cross-ledger replays. A rejected transaction
// is a Code (codes.go) with a reason, never a Go error; CheckTx and
// FinalizeBlock share one validation function (execute). The app hash
// commits to every record; Commit writes a block's changes atomically and
// the CometBFT handshake replays what a crash lost.
//
// Reader reads the committed state: it resolves did:seoul documents at
// their latest version, at a versionId or at a versionTime (so credentials
// signed before a key rotation still verify), answers trust look-ups and
// serves status list tokens. It satisfies the resolver interfaces of
// packages did and sdjwtvc. The did:seoul method is specified in
// docs/did-method-seoul.md; package registry/node runs the node.
package registry
