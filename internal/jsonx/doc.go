// Package jsonx is seoulid's strict JSON reader and fast writer.
//
// Every JSON document that comes from outside (JWS headers and payloads,
// SD-JWT Disclosures, JWKs, DID documents, protocol messages) is parsed here
// rather than with encoding/json, because encoding/json silently accepts
// inputs that a security protocol must refuse:
//
//   - duplicate object member names (RFC 8259 §4 leaves them undefined;
//     RFC 7515 §5.2 and RFC 7519 §7.2 require JOSE parsers to reject them or
//     to use the last one — seoulid rejects them, so the signer and the
//     verifier can never disagree on a value);
//   - invalid UTF-8 and unpaired surrogate escapes (I-JSON, RFC 7493 §2.1);
//   - unbounded size and nesting (a cheap way to exhaust a verifier).
//
// Parse produces the same shapes as encoding/json's decoding into any —
// map[string]any, []any, string, bool, nil — except that numbers are kept as
// json.Number so that no precision is lost between the wire and the processed
// payload.
//
// Append writes those shapes back without reflection, with object members
// sorted by name and without HTML escaping. It is the hot path of credential
// issuance, so it allocates only the output buffer.
package jsonx
