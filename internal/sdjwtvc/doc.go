// Package sdjwtvc implements SD-JWT-based Verifiable Digital Credentials
// (SD-JWT VC, draft-ietf-oauth-sd-jwt-vc) on top of package sdjwt: the
// "dc+sd-jwt" type (and the older "vc+sd-jwt" on input), the registered
// claims vct, iss, iat, nbf, exp, cnf and status, the rule that the claims
// which control validity are never selectively disclosable (§3.2.2.2), and
// the discovery of the issuer's key (§3.5).
//
// Keys are found through the small KeyResolver interface, declared here
// because this package is its consumer. Two mechanisms exist:
//
//   - DIDs (DIDKeys): "iss" is a DID and the header's "kid" a DID URL of a
//     key the DID document lists for assertionMethod — did:key and did:jwk
//     now, the ledger's did:seoul when the registry resolves it;
//   - JWT VC Issuer Metadata (package issuermeta): "iss" is an HTTPS URL and
//     the key is in the JWK Set at /.well-known/jwt-vc-issuer (§4).
//
// ByIssuer puts them together so that the form of "iss" alone decides which
// one is used — an attacker cannot pick the mechanism (§8.3).
//
// What Verify does not check: the credential's status (the "status" claim
// is returned as is for a status list client to check), whether the issuer
// is authorised for this vct (the trust registry's job), and type metadata.
package sdjwtvc
