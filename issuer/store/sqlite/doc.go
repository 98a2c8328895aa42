// Package sqlite is the issuer's store (issuer.Store) in one SQLite file,
// the default for an issuer on one machine. It uses modernc.org/sqlite, a
// translation of SQLite to Go, so the binary needs no cgo and no C library
// (docs/decisions/0008-issuer-storage.md).
//
// Durability: the database is in WAL mode with synchronous=FULL, so every
// committed transaction is on disk when the call returns and a kill -9 or
// a power cut loses none of them; each method of the store is one
// transaction, so it is done or not done, never half done.
//
// Concurrency: every write is a BEGIN IMMEDIATE transaction on a single
// writer connection, so writers take turns (in the process, and with other
// processes through SQLite's lock and a busy timeout); reads use a pool of
// read-only connections that WAL lets run alongside the writer.
//
// The schema enforces what it can of the contract itself: one credential
// per status-list index (UNIQUE (list_uri, idx)), one offer per code hash
// and per token hash, hashes of SHA-256 size, no claims on an issued offer,
// and an audit log that triggers make append-only. Times are INTEGER Unix
// nanoseconds (UTC); schema_migrations records the schema version.
package sqlite
