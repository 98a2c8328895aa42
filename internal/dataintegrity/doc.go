// Package dataintegrity secures JSON-LD documents (W3C Verifiable
// Credentials 2.0 and Presentations) with Data Integrity proofs (VC Data
// Integrity 1.0) in four cryptosuites:
//
//   - eddsa-rdfc-2022 and eddsa-jcs-2022 (Data Integrity EdDSA Cryptosuites
//     v1.0, §3.2 and §3.3): Ed25519;
//   - ecdsa-rdfc-2019 and ecdsa-jcs-2019 (Data Integrity ECDSA Cryptosuites
//     v1.0, §3.2 and §3.3): P-256 with SHA-256.
//
// Each suite turns the document without its proof and the proof's
// configuration (the proof without proofValue, with the document's
// @context) into bytes — canonical N-Quads by RDFC-1.0 (package jsonld:
// contexts embedded, never fetched) for the -rdfc- suites, RFC 8785 JSON
// (package jcs) for the -jcs- suites — hashes each with SHA-256, and signs
// proofHash || documentHash. The signature is the proofValue, multibase
// base58btc.
//
// Sign adds a proof. Verify checks one: the proof's shape (type
// DataIntegrityProof, a known cryptosuite, the expected proofPurpose, a
// well-formed created and expires, the expected challenge and domain), the
// verification method resolved through a Resolver and authorised for the
// proof's purpose in its DID document, its key of the suite's type, and the
// signature. Verify does not check what the document says (validity
// period, status, the issuer being the method's controller): that is the
// credential layer's business.
package dataintegrity
