// Package oid4vp is the wallet's client of OpenID for Verifiable
// Presentations 1.0 (final) for verifiers identified by a DID (client id
// prefix decentralized_identifier, §5.9.3): it reads an authorization
// request URI, fetches the request object by reference (GET, or POST with
// the wallet's metadata and a fresh wallet_nonce when request_uri_method is
// post, §5.10), verifies it with internal/oid4vp (signature by a key of the
// verifier's DID, typ, aud, expiry, client_id, the request's parameters),
// and posts responses and error responses to the response_uri
// (direct_post, or direct_post.jwt encrypted to the verifier's key, §8.2,
// §8.3.1).
//
// Whether the verifier may ask for what it asks, and what the citizen
// approves, are the wallet core's (package wallet). The default HTTP
// client (internal/safehttp) refuses private addresses unless
// Config.AllowHTTP; every response it reads is size-limited.
package oid4vp
