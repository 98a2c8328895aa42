// Package vcapi is the VC-API HTTP face of package w3c: the endpoints the
// W3C test suites and other agencies' systems call.
//
//	POST /credentials/issue                          issue with the default issuer
//	POST /issuers/{name}/credentials/issue           issue with the named issuer (one per securing mechanism)
//	POST /credentials/verify                         verify a credential (its status too)
//	POST /presentations/verify                       verify a presentation, embedded-proof or vp+jwt (options.challenge, options.domain)
//	POST /credentials/status                         revoke, suspend or reinstate a credential
//	GET  /status-lists/{name}/{purpose}              an issuer's BitstringStatusListCredential
//	POST /status-lists/{name}/{purpose}/publish      publish it (204: lists are served as they are)
//	GET  /schemas/{id}                               the credential schema of a catalogue type (w3c.SchemaID)
//
// Bodies are JSON (application/json or application/ld+json) of at most
// MaxBodyBytes, parsed strictly (duplicate names refused). Issuing answers
// 201 {"verifiableCredential": …}; verifying answers 200 {"verified": true,
// "checks": […], "warnings": […], "errors": []}, or 400 {"verified": false,
// "errors": [{"message": …}]} for a credential that does not verify (the
// VC-API's "invalid input"). A malformed request, a credential the data
// model refuses and an issue request naming another issuer are 400 too;
// every error body has "message".
package vcapi
