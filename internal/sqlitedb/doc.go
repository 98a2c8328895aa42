// Package sqlitedb is the SQLite plumbing the project's stores share
// (issuer/store/sqlite, verifier/store/sqlite): one file in WAL mode with
// synchronous=FULL; one writer connection whose transactions are BEGIN
// IMMEDIATE, so writers queue in Go instead of retrying on SQLITE_BUSY; a
// pool of query_only reader connections that WAL lets read beside the
// writer; schema migrations recorded in a table of the store's own; the
// writer's statements prepared once, the readers' on first use; and a
// group committer (Write) that commits every write queued at a moment with
// one fsync, each in its own savepoint, none reported done before the
// commit is on disk — and, with Options.GroupWindow, holds a commit open
// for a few milliseconds while writes are arriving together.
//
// It knows nothing of what the stores keep; each store keeps its schema,
// its queries and its rules.
package sqlitedb
