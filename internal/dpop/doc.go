// Package dpop checks and makes DPoP proofs (RFC 9449, OAuth 2.0
// Demonstrating Proof of Possession): the JWT a client signs with a key
// it holds and sends in the DPoP header of a token request (§5) or of a
// request to a protected resource (§7), so that an access token bound to
// that key is useless to anyone who does not hold it.
//
// It has no HTTP in it. A server hands Verifier.Verify the values of the
// DPoP header fields it received, the request's method, the URL of the
// endpoint as the server publishes it, and the access token when there is
// one; Verify applies the checks of §4.3:
//
//   - exactly one DPoP header field, holding one compact JWS of at most
//     MaxProofBytes;
//   - "typ" dpop+jwt; "alg" on the allow-list (EdDSA and ES256: the only
//     algorithms of package keys; "none" and MACs can never pass);
//   - a "jwk" header with a public key and no private member, which the
//     signature verifies with;
//   - the claims "jti", "htm", "htu" and "iat": htm equal to the method,
//     htu equal to the endpoint's URL after syntax- and scheme-based
//     normalisation (RFC 3986 §6.2.2, §6.2.3), query and fragment ignored;
//     iat no older than Config.MaxAge and no further in the future than
//     Config.MaxClockSkew (§11.1);
//   - with an access token, "ath" equal to the base64url SHA-256 of it;
//   - a jti not seen before for the same URL while the proof could still be
//     accepted (§11.1): a replay cache in memory, bounded in time (an entry
//     lives until its proof is too old to pass the iat check) and in size
//     (Config.ReplayCacheSize; when full, the entry closest to expiry is
//     dropped, so more than that many proofs within MaxAge lets the oldest
//     of them be replayed for the rest of its window).
//
// What it does not do: server-provided nonces (DPoP-Nonce, §8 and §9) —
// the window on iat bounds replay instead; binding the proof's key to the
// access token, which is the caller's (compare Proof.JKT with the token's
// confirmed thumbprint, §6); and sharing the replay cache between
// processes: each server instance keeps its own, so a proof replayed to
// another instance behind the same load balancer is not caught. The
// access token itself, and the pre-authorized code at the token endpoint,
// are single-use or bound anyway; the cache is a second line.
//
// NewProof makes a proof, for clients (the wallet) and tests.
package dpop
