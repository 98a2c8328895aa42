// Package registrytest is a test helper for packages that need a
// did:seoul ledger: Ledger drives a registry.App in memory the way
// CometBFT does (InitChain, then FinalizeBlock and Commit per block),
// without a node, a network or a disk.
//
// A Ledger starts from a genesis of five agencies that form the council
// with a threshold of three. Tests make operations with Op (which fills
// the chain, the actor and the actor's next sequence number), sign them
// with Sign or Council, and run them in blocks with Block, Expect or
// BlockOK; Create, CreateMany, Rotate, Deactivate and Publish do the
// common ones in one call. Block h is dated GenesisTime plus h minutes.
//
// It is for tests only: every failure of the helper itself ends the test
// (testing.TB.Fatal), and keys are generated fresh for each Ledger.
package registrytest
