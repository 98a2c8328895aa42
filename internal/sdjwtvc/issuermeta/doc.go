// Package issuermeta finds SD-JWT VC issuer keys through JWT VC Issuer
// Metadata (draft-ietf-oauth-sd-jwt-vc §4): the JSON document at
// /.well-known/jwt-vc-issuer under the issuer's HTTPS URL, holding the
// issuer's JWK Set by value ("jwks") or by reference ("jwks_uri").
//
// It is the one part of the credential layer that speaks HTTP, and it
// treats every URL as untrusted input (§5, §8.1): HTTPS only, no hosts on
// loopback, private or link-local addresses (checked again on every
// connection, so DNS cannot point it inward), at most three redirects and
// only to HTTPS, a time limit and a size limit on every response, no use of
// error responses, and an "issuer" in the document that must be exactly the
// "iss" asked about. Responses are cached for their Cache-Control max-age.
package issuermeta
