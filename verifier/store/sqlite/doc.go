// Package sqlite is the verifier's store of decision records
// (verifier.Store) in one SQLite file, the default for a verifier on one
// machine. It uses modernc.org/sqlite, as the issuer's store does, so the
// binary needs no cgo (docs/decisions/0008-issuer-storage.md,
// docs/decisions/0012-verifier-storage.md).
//
// Durability: the database is in WAL mode with synchronous=FULL, so a
// record is on disk when PutRecord returns and a kill -9 or a power cut
// loses no record reported stored, nor brings back one reported purged.
// Writes go through one writer connection that group-commits them (each in
// its own savepoint, one fsync for all; while records arrive together, a
// commit is held open up to GroupWindow for more of them); reads use a
// pool of read-only connections that WAL lets run alongside the writer.
//
// Purging: secure_delete is on, so the bytes of a purged record — its
// claim values — are overwritten with zeros in the database file, not left
// in free space; a Purge that deleted records then checkpoints the
// write-ahead log into the file and truncates it, so that the log does not
// keep older copies of the pages either. Purge deletes in batches of 1,000
// records, so that a large backlog does not hold up PutRecord for long.
//
// The schema enforces what it can of the contract itself: one record per
// request id (the primary key), a non-empty request id, an outcome of the
// five, a non-empty decision, and purge_at not before decided_at, in a
// STRICT table. Times are INTEGER Unix nanoseconds (UTC);
// verifier_schema_migrations records the schema version.
package sqlite
