// Package issuer is the core of seoulid's credential issuer: transport-free
// OpenID for Verifiable Credential Issuance 1.0 (pre-authorized code flow
// with a tx_code), SD-JWT VCs of any catalogue type, and revocation through
// the IETF Token Status List.
//
// An operator of an agency creates an offer for a citizen (CreateOffer):
// the claims are checked against the catalogue, and a single-use
// pre-authorized code with a short lifetime and a 6-digit tx_code are
// made; the tx_code goes to the citizen out of band (TxCodeSender). The
// wallet redeems the code and tx_code for an access token (Token), asks
// for a nonce (Nonce), and requests the credential with one or more key
// proofs (Credential): one copy per proof, each bound to its own holder
// key and its own status-list index (batch issuance, so copies cannot be
// linked). Issuance is refused unless the ledger authorises the issuer
// for the credential type (Trust).
//
// Each credential gets a random, unused index in a status list of at least
// 131,072 entries (2 bits: valid, revoked, suspended); Revoke, Suspend and
// Reinstate change it. Status list tokens (statuslist+jwt) are re-signed in
// batches and published to the ledger (Publisher) and served over HTTP
// (StatusListToken).
//
// The package holds no claim value longer than until the credential is
// issued; codes, tokens and nonces are stored hashed (Store). The HTTP
// face is package issuer/oid4vci; storage is issuer/store/sqlite and
// issuer/store/postgres.
package issuer
