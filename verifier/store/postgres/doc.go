// Package postgres is the verifier's store of decision records
// (verifier.Store) in PostgreSQL, for a verifier that runs on more than
// one machine or beside other services' databases. It uses
// github.com/jackc/pgx/v5 and its connection pool, as the issuer's store
// does (docs/decisions/0008-issuer-storage.md,
// docs/decisions/0012-verifier-storage.md).
//
// The schema is store/sqlite's in PostgreSQL types, with the same
// constraints: one record per request id (the primary key), a non-empty
// request id, an outcome of the five, a non-empty decision, purge_at not
// before decided_at. Times are bigint Unix nanoseconds (UTC), not
// timestamps, which keep only microseconds. verifier_schema_migrations
// records the schema version (its own table, so that the verifier can
// share a database and schema with the issuer's store); migrations run
// under an advisory lock.
//
// Each method is one statement in its own transaction. PutRecord is an
// INSERT … ON CONFLICT (request_id) DO NOTHING: of two concurrent puts of
// one request, the second waits for the first to commit and then inserts
// nothing, which is ErrExists. Purge is one DELETE; of two concurrent
// purges, the second skips the rows the first deleted, so each record is
// counted once. A deleted row's bytes stay in the table's pages until
// VACUUM (autovacuum, by default) reclaims them, and in the server's
// write-ahead log and backups for as long as those are kept: that part of
// purging is the database operator's (docs/decisions/0012-verifier-storage.md).
package postgres
