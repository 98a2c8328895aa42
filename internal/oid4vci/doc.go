// Package oid4vci holds the wire types of OpenID for Verifiable Credential
// Issuance 1.0 (final) that more than one part of seoulid reads or writes:
// the credential configurations of the Credential Issuer Metadata (§12.2.4),
// which the catalogue generates, the issuer serves and the wallet reads.
//
// It has no HTTP in it; the issuer's HTTP face and the wallet's client use
// these types on the wire.
package oid4vci
