// Package oid4vp holds the wire types and checks of OpenID for Verifiable
// Presentations 1.0 (final, July 2025) as seoulid uses it: a Verifier
// identified by a DID (Client Identifier Prefix decentralized_identifier,
// §5.9.3) sends a signed request object (RFC 9101) with a DCQL query
// (package dcql), by value or through a request_uri (§5.10), and the Wallet
// posts a vp_token back to the response_uri, in the clear (direct_post,
// §8.2) or encrypted to a key of the Verifier (direct_post.jwt, §8.3).
//
// For the Wallet:
//
//   - ParseRequestReference reads the link or QR code (client_id, request
//     or request_uri, request_uri_method); RequestURIPost is the body of a
//     request_uri POST (§5.10), with NewWalletNonce;
//   - ParseRequestObject verifies the request object — typ, the key from
//     the Verifier's DID document by the header's kid, the algorithm
//     allow-list, client_id, aud, exp, wallet_nonce — and checks the
//     request's parameters (AuthorizationRequest.Validate);
//   - DirectPostBody makes the response body, encrypting it under
//     direct_post.jwt (EncryptResponse); ErrorResponse.Encode makes an
//     error response.
//
// For the Verifier:
//
//   - NewNonce, NewState, NewEncryptionKey, then SignRequestObject;
//     RequestReference.Encode for the link; ParseRequestURIPost for a
//     Wallet's POST to the request_uri;
//   - ParseDirectPost reads what the Wallet posted; ResponseKeyID finds the
//     key (and so the request) of an encrypted response; DirectPost.Open
//     returns the response in the request's mode, decrypting it
//     (DecryptResponse); AuthorizationResponse.CheckState compares state.
//     The presentations of the vp_token are then verified one by one
//     (package sdjwtvc, with the request's nonce and client_id) and checked
//     against the query with dcql.Query.Check (§8.6).
//
// Refusals of a request are *Error values whose Code is the error code of
// the wire (§8.5, RFC 9101 §6.3, RFC 6749 §4.1.2.1); each Code is also a
// sentinel for errors.Is. Problems with a response wrap ErrInvalidResponse,
// and a Wallet's error response reaches the Verifier as an *ErrorResponse.
//
// Everything read from outside is bounded and strict: request objects of
// at most MaxRequestObjectBytes, responses of at most MaxResponseBytes,
// JSON without duplicate members (package jsonx), form bodies with each
// parameter once. There is no HTTP here: the Wallet's client and the
// Verifier's HTTP face move the bytes.
//
// What this package does not do: other Client Identifier Prefixes,
// unsigned requests, encrypted request objects, scope aliases for DCQL
// queries (§5.5), transaction_data (refused, as §5.1 requires of a Wallet
// that does not support it), verifier_info (ignored), the Digital
// Credentials API (Appendix A), and deciding whether a Verifier may ask
// for what it asks (the trust registry's job).
package oid4vp
