// Package vcapi is the VC-API HTTP face of package w3c: the endpoints the
// W3C test suites and other agencies' systems call.
//
//	POST /credentials/issue                  issue with the default issuer
//	POST /issuers/{name}/credentials/issue   issue with the named issuer (one per securing mechanism)
//	POST /credentials/verify                 verify a credential
//	POST /presentations/verify               verify a presentation (options.challenge, options.domain)
//
// Bodies are JSON (application/json or application/ld+json) of at most
// MaxBodyBytes, parsed strictly (duplicate names refused). Issuing answers
// 201 {"verifiableCredential": …}; verifying answers 200 {"verified": true,
// "checks": […], "warnings": [], "errors": []}. A malformed request or a
// credential the data model refuses is 400; one that does not verify is
// 422 {"verified": false, "errors": [{"message": …}]}; an issue request
// naming another issuer is 400. Every error body has "message".
package vcapi
