// Package jcs is the JSON Canonicalization Scheme of RFC 8785: one byte
// string per JSON value, for signing JSON without a JSON-LD processor
// (Data Integrity's eddsa-jcs-2022 and ecdsa-jcs-2019 cryptosuites).
//
// Canonicalize parses strictly (package jsonx: duplicate member names and
// invalid UTF-8 refused, size and depth bounded) and writes the value with
// no whitespace, object members sorted by their names' UTF-16 code units
// (§3.2.3), strings escaped as ECMAScript's JSON.stringify escapes them
// (§3.2.2.2) and numbers in ECMAScript's shortest round-trip form
// (§3.2.2.3). Every number is taken as the IEEE 754 double nearest to it
// (I-JSON, RFC 7493), as the RFC's own sample does with
// 333333333.33333329; one beyond a double's range is refused.
package jcs
