package registry

// Hooks into the package's internals for its external tests (package
// registry_test). Those tests drive the App with registry/registrytest,
// which imports this package, so they cannot be internal tests.

// StateHash recomputes the hash of a's committed state.
func StateHash(a *App) []byte { return a.st.hash() }

// ExecuteOnOverlay runs the one validation function on tx against an
// overlay of a's committed state, as in block 1 of chain, and returns the
// rejection (nil when accepted) and the number of records the transaction
// would change. Nothing is applied.
func ExecuteOnOverlay(a *App, tx *Tx, chain string) (*Rejection, int) {
	o := newOverlay(a.st)
	r := execute(o, tx, env{chain: chain, height: 1})
	return r, len(o.changes)
}

// DIDRecordKey is the database key of the record of DID d.
func DIDRecordKey(d string) []byte { return []byte(dbState + prefixDID + d) }
