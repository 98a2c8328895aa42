// Package sdjwt implements Selective Disclosure for JWTs (SD-JWT, RFC 9901):
// issuance with selectively disclosable object properties and array
// elements, nested and recursive disclosures, decoy digests and a choice of
// digest algorithm (§4); the compact (§4) and JWS JSON (§8) serializations;
// presentation by claim path, with an optional Key Binding JWT (§4.3); and
// verification applying every rule of §7.1 and §7.3.
//
// The package knows nothing of credential types, issuers or trust: the
// caller says which key signed the Issuer-signed JWT (KeyFunc) and which
// algorithms it accepts. Package sdjwtvc builds SD-JWT VCs on top.
//
// What Verify does not check: who the issuer is (that is the KeyFunc's
// job), whether a "status" claim says the credential is revoked, and any
// claim other than exp, nbf and iat — the application's rules apply to the
// processed payload it returns.
//
// Claim paths name claims the way OpenID4VP's DCQL does (a list of object
// member names, array indexes, and nil for "every element"), written on the
// command line as address.locality, nationalities[0] or nationalities[*].
package sdjwt
