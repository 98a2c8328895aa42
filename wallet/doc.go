// Package wallet is the holder wallet of the Seoul Citizen Card: the
// citizen's credentials, received over OpenID4VCI 1.0 and checked before
// they are kept, disclosed over OpenID4VP 1.0 only with consent, and a
// history and receipts of every disclosure.
//
// Everything it keeps is in an encrypted store (wallet/store: one SQLite
// file, each record sealed with XChaCha20-Poly1305 under a data key that
// the PIN unwraps), and every credential copy is bound to its own holder
// key in a key store (wallet/keystore in software, a secure element on a
// phone). No key leaves the key store.
//
// Receiving (Receive): the offer is read (by value or by reference), the
// transaction code the citizen typed is sent with the pre-authorized code,
// and the issuer is asked for several copies of the credential, each bound
// to a fresh key (a batch), so that two presentations cannot be linked by
// key or signature. Each copy is then checked — the issuer's signature by
// a key of its DID (RFC 9901 §7.2; SD-JWT VC §3.4), the type in the
// catalogue and the one the issuer offered, the issuer authorised on the
// ledger for that type, the claims valid against the type's schema, the
// binding to a key this wallet sent — and anything that fails is refused
// with a *Refusal naming the reason, its keys deleted.
//
// The core speaks no HTTP itself: its OpenID4VCI client (wallet/oid4vci)
// and OpenID4VP client come in through small interfaces, as do the ledger
// (Ledger) and the DID resolver (Resolver).
package wallet
