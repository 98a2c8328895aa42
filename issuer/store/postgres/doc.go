// Package postgres is the issuer's store (issuer.Store) in PostgreSQL, for
// an issuer that runs on more than one machine or beside other services'
// databases. It uses github.com/jackc/pgx/v5 and its connection pool
// (docs/decisions/0008-issuer-storage.md).
//
// The schema is store/sqlite's in PostgreSQL types, with the same
// constraints: UNIQUE (list_uri, idx) on credentials (a unique violation
// of it, SQLSTATE 23505 on constraint credentials_list_index, is
// ErrIndexTaken), unique code and token hashes of SHA-256 size, no claims
// on an issued offer, and triggers that make the audit log append-only.
// Times are bigint Unix nanoseconds (UTC), not timestamps, which keep only
// microseconds. schema_migrations records the schema version; migrations
// run under an advisory lock.
//
// Each method is one transaction at READ COMMITTED. Where a method reads
// and then writes, it locks what it read: the offer's row (SELECT … FOR
// UPDATE) to redeem or complete an offer, the audit table (LOCK TABLE …
// IN EXCLUSIVE MODE, which lets reads through) to append to the hash
// chain. Consuming a nonce is a DELETE, which row locks make single-use.
package postgres
