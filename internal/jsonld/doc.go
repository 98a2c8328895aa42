// Package jsonld is seoulid's JSON-LD processing for W3C Verifiable
// Credentials: RDF Dataset Canonicalization (RDFC-1.0, which
// github.com/piprate/json-gold implements as URDNA2015) of a JSON-LD
// document into canonical N-Quads, with every context embedded and the
// network never touched.
//
// # Offline contexts
//
// Loader answers only the contexts compiled into the binary (contexts/:
// the VC Data Model 2.0 and 1.1 contexts and their examples contexts,
// Data Integrity v2, Multikey v1); any other URL is ErrUnknownContext, so a document cannot
// make a verifier fetch anything, and the meaning of its terms cannot
// change under a signature. Each context is parsed once.
//
// # Limits against hostile graphs
//
// Canonicalize bounds the input (bytes, nesting depth) before JSON-LD
// processing, and the dataset (quads, blank nodes) before canonicalization:
// RDFC-1.0's hash-n-degree-quads step is exponential in the worst case on
// graphs of many interlinked blank nodes, and a credential has few. A
// document over a limit is ErrLimit.
package jsonld
