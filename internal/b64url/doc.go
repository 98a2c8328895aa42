// Package b64url is base64url without padding (RFC 4648 §5, as JOSE uses
// it: RFC 7515 §2), strict and fast.
//
// Strict: Decode accepts only the 64 characters of the URL-safe alphabet,
// no padding, no line breaks (which encoding/base64 silently skips), and no
// non-zero trailing bits — so every byte string has exactly one accepted
// encoding. That matters wherever a digest or a signature is taken over the
// encoded form (SD-JWT Disclosures, JWS signing inputs).
//
// Fast: issuing and verifying a credential encodes and decodes a few
// kilobytes; AppendEncode and AppendDecode work eight characters at a time
// and are checked against encoding/base64 by tests and a fuzzer.
package b64url
