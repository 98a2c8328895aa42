// Package contract holds what the issuer's store back ends (store/sqlite,
// store/postgres) share beyond SQL: the rules of issuer.Store that are
// decided in Go rather than by the database (redeeming an offer, checking
// records before they are written), the column lists both schemas use and
// the conversion of times to and from Unix nanoseconds.
//
// Keeping the decisions here is what lets the two back ends agree; the
// shared conformance suite (store/storetest) checks that they do.
package contract
