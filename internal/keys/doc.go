// Package keys holds seoulid's signing keys and public keys: generation of
// Ed25519 and P-256 keys, JWK import and export (RFC 7517, with jwx),
// JWK thumbprints (RFC 7638), JWS signing and verification of the two
// algorithms seoulid allows (EdDSA, RFC 8037; ES256, RFC 7518 §3.4), and an
// adapter that puts any crypto.Signer — a KMS, an HSM, a phone's secure
// element — behind the same small signing contract as an in-memory key.
//
// Only Ed25519 ("OKP"/"Ed25519") and P-256 ("EC"/"P-256") keys exist here.
// Every other key type is refused at the door with ErrUnsupportedKey, so no
// code further in ever has to ask what kind of key it holds.
//
// Private keys never print: PrivateKey implements fmt.Stringer, fmt.GoStringer
// and slog.LogValuer with the secret left out.
package keys
