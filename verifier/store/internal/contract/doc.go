// Package contract holds what the verifier's store back ends
// (store/sqlite, store/postgres) share beyond SQL: the checks a record
// passes before it is written, the column list both schemas use, and the
// conversion of times to and from Unix nanoseconds.
//
// Keeping them here is what lets the two back ends agree; the shared
// conformance suite (store/storetest) checks that they do.
package contract
