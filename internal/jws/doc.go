// Package jws reads and writes JWS Compact Serialization (RFC 7515 §7.1)
// for the JWTs seoulid handles: Issuer-signed JWTs of SD-JWTs, Key Binding
// JWTs, and later OpenID4VC request objects, proofs and status list tokens.
//
// It is deliberately narrow. Signatures are made and checked by package keys
// (which uses jwx's signature primitives); what this package adds is the
// strict framing around them that a verifier needs:
//
//   - exactly three base64url segments without padding (RFC 7515 §2, §7.1);
//   - a protected header that is a JSON object without duplicate members
//     (RFC 7515 §5.2 step 4), with a string "alg" (§4.1.1) that is on the
//     caller's allow-list and is never "none" (RFC 8725 §3.1, §3.2);
//   - "crit" refused, since seoulid understands no extension header (§4.1.11);
//   - size limits on the whole token and on the decoded header.
//
// Verification is the only way to the payload: Parse returns a *Token
// whose Payload is available only after Verify succeeds, unless the caller
// asks for UnsafePayload by name.
package jws
