// Package statuslist implements the IETF Token Status List
// (draft-ietf-oauth-status-list) in its JWT form: the status list itself
// (§4), Status List Tokens that carry it (§5.1), and the "status" claim by
// which a credential points into one (§6).
//
// A List holds one status of 1, 2, 4 or 8 bits per credential, packed from
// the least significant bit of each byte (§4.1), and is written as ZLIB at
// the best compression, base64url-encoded (§4.2). Decode reads such a list
// strictly: base64url without padding or stray characters, a well-formed
// ZLIB stream with nothing after it, and at most MaxBytes once
// decompressed — decompression stops as soon as the bound is passed, so a
// small input cannot make it allocate more (a "zip bomb").
//
// Sign makes a Status List Token; Parse reads one and refuses it, with an
// error wrapping ErrInvalid, unless its header says "typ":"statuslist+jwt"
// and its claims are those of §5.1 with the types §5.1 gives them. Parse
// does not verify the signature; Token.Verify does, against a key and an
// algorithm allow-list the caller supplies. ParseReference reads the
// "status" claim of a credential (§6.2).
//
// What this package does not do:
//
//   - fetch anything: finding the token at a Reference's URI (§8.1, §8.2),
//     following redirects and choosing which URI schemes to fetch belong to
//     the caller;
//   - cache: honouring "ttl" and "exp" for caching (§11.5, §13.7) is the caller's;
//   - decide trust: which key may sign the Status List Token (§11.3) is the
//     caller's, who passes it to Verify;
//   - check time: Parse and Verify do not compare "exp" or "iat" with the
//     clock, and do not read "nbf" (§8.3 step 4); the claims are there for
//     the caller to check;
//   - match a credential to a token: the caller checks that the token's
//     "sub" equals the Reference's URI (§8.3 step 4a) before reading the
//     status at the Reference's index;
//   - read the CWT form (§5.2) or Status List Aggregation (§9).
package statuslist
