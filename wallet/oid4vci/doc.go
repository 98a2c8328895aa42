// Package oid4vci is the wallet's client of OpenID for Verifiable
// Credential Issuance 1.0 (final), pre-authorized code flow: it reads a
// credential offer by value or by reference (§4.1), the Credential Issuer
// Metadata (§12.2) and the authorization server's metadata (RFC 8414,
// §12.3), redeems the pre-authorized code with the tx_code the citizen
// typed (§6), binds the access token to a DPoP key when the server offers
// DPoP (RFC 9449), fetches a c_nonce (§7) and requests the credentials of
// one configuration with one `openid4vci-proof+jwt` key proof per holder
// key (§8, Appendix F.1): a batch of copies bound to different keys.
//
// It checks the protocol, not the credentials: that a credential is
// signed by an issuer the ledger authorises for its type, bound to the key
// it was asked for and schema-valid is the wallet core's to check
// (package wallet). It does not support the authorization code flow,
// deferred issuance, key attestations or signed metadata.
//
// URLs must be https; Config.AllowHTTP admits http on loopback hosts for a
// city on one machine and for tests. Every response is size-limited, JSON
// with a member twice is refused, and the default HTTP client
// (internal/safehttp) will not connect to private addresses.
package oid4vci
