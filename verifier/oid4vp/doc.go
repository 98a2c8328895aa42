// Package oid4vp is the wallet-facing HTTP face of a verifier.Exchange
// (OpenID for Verifiable Presentations 1.0): the request object at
// /request/{id} (GET, or POST with the wallet's metadata and wallet_nonce,
// §5.10; application/oauth-authz-req+jwt), and the response endpoint at
// /response/{id} (direct_post and direct_post.jwt, §8.2, §8.3.1), which
// answers 200 with the verifier's signed receipt and a redirect_uri, or 400
// with an error code (§8.5). Bodies are size-limited and read strictly by
// internal/oid4vp. What the verifier decides on an answer is its caller's
// (OnAnswer).
package oid4vp
