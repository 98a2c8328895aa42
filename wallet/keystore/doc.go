// Package keystore holds the wallet's holder keys: the keys a credential is
// bound to (its cnf.jwk, SD-JWT VC §3.2.2.2 / RFC 7800) and that sign the
// key-binding JWT of every presentation (RFC 9901 §4.3).
//
// The wallet core consumes a small key-store contract —
//
//	Generate(ctx, alg) (ref string, pub *keys.PublicKey, err error)
//	Sign(ctx, ref, signingInput) ([]byte, error)
//	Delete(ctx, ref) error
//
// — declared on its side, so that a phone's secure element (Android
// Keystore / StrongBox, the iOS Secure Enclave) can stand behind it with the
// private keys never leaving the hardware. Software is this package's
// implementation of it for devices without one: each private key is a
// record of the encrypted wallet store (wallet/store), sealed there with
// XChaCha20-Poly1305 like every other record, and no method returns it.
//
// The rules the wallet keeps with it: a fresh key per credential and per
// batch copy (DESIGN.md: holders are bound by a key, fresh per issuer; a
// fresh key per copy also keeps two presentations of copies unlinkable by
// key), and Delete when the credential is deleted. A key's reference is an
// opaque random handle: it says nothing about the key or the credential.
//
// What this package does not do: it does not decide which algorithm a
// credential needs (the issuer's metadata does), and a software key is only
// as safe as the store's PIN and device secret (docs/wallet-threat-model.md).
// Keys in the store are in its backups, encrypted under the recovery
// passphrase; keys in a secure element are not, and their credentials must
// be issued again after a restore.
package keystore
