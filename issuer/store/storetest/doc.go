// Package storetest is the conformance suite of issuer.Store: every back
// end (store/sqlite, store/postgres, and any fake a test registers in
// their place) runs the same tests, the way Trillian's storage back ends
// run storage/testonly.
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) issuer.Store { return openEmptyStore(t) })
//	}
//
// The suite covers every method and every error of the contract in
// issuer.Store's documentation, and the promises that only show under
// concurrency: one code redeemed once by 8 racing requests, wrong tx_codes
// counted once each, a nonce used once, one owner per status-list index,
// an offer issued once, and an unbroken audit chain after 100 concurrent
// appends. It also pins down what the contract leaves to the store, so
// that the back ends agree: times come back in UTC to the nanosecond, a
// redeemed offer is still found by its token after it is issued, the state
// of a code decides before its expiry, a limit ≤ 0 lists nothing, and an
// unknown offer id in CompleteOffer is ErrNotFound.
//
// It is for tests only: it fails the test it is given, and it uses fixed
// times (T0), never the clock.
package storetest
