// Package storetest is the conformance suite of verifier.Store: every back
// end (store/sqlite, store/postgres, and any fake a test puts in their
// place) runs the same tests, as the issuer's stores run
// issuer/store/storetest.
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) verifier.Store { return openEmptyStore(t) })
//	}
//
// The suite covers every method and error of the contract in
// verifier.Store's documentation, and the promises that only show under
// concurrency: of 8 racing PutRecords of one request exactly one wins,
// whole, and concurrent Purges delete each due record once. It also pins
// down what the contract leaves to the store, so that the back ends agree:
// times come back in UTC to the nanosecond, Claims come back nil or empty
// as they were given, a record due but not yet purged is not found but
// still holds its request id (ErrExists), a purged one frees it, and a
// record is refused without a request id, a known outcome, a decision,
// DecidedAt or PurgeAt, or with PurgeAt before DecidedAt.
//
// It is for tests only: it fails the test it is given, and it uses fixed
// times (T0), never the clock.
package storetest
