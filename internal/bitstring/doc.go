// Package bitstring is the status bitstring of the W3C Bitstring Status
// List v1.0: entries of statusSize bits, index 0 the left-most bit of the
// first byte (§3.3), GZIP-compressed and written as a multibase base64url
// string, no padding, prefix 'u' (§3.3, encodedList).
//
// New refuses lists smaller than MinBits (131,072 bits, 16 KiB: §6.1
// herd privacy). Decode bounds the work a hostile list can cause: the
// encoded string, and the decompressed size, which is checked while
// decompressing (a GZIP bomb stops at the limit).
package bitstring
