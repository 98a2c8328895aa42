package sqlite

// schemaVersion is the version of the schema this package writes and
// reads; verifier_schema_migrations records the version a database has.
// The table is the verifier's own, so that a database the issuer's store
// also uses (its schema_migrations) keeps the two versions apart.
const schemaVersion = 1

// migrations[v-1] takes a database from version v-1 to v. The constraints
// are the contract's, enforced by the database itself: one record per
// request, a request id, a known outcome, a decision, and PurgeAt not
// before DecidedAt.
var migrations = []string{
	// Version 1. Times are Unix nanoseconds (UTC) in an INTEGER. A rowid
	// table, not WITHOUT ROWID: decisions and claims are kilobytes, and a
	// WITHOUT ROWID table is for small rows.
	`
CREATE TABLE decision_records (
	request_id        TEXT    NOT NULL PRIMARY KEY CHECK (request_id <> ''),
	programme         TEXT    NOT NULL,
	programme_version TEXT    NOT NULL,
	purpose           TEXT    NOT NULL,
	outcome           TEXT    NOT NULL CHECK (outcome IN ('eligible', 'not_eligible', 'undetermined', 'declined', 'refused')),
	decision          BLOB    NOT NULL CHECK (length(decision) > 0),
	claims            BLOB,
	decided_at        INTEGER NOT NULL,
	purge_at          INTEGER NOT NULL,
	CHECK (purge_at >= decided_at)
) STRICT;
CREATE INDEX decision_records_purge_at ON decision_records (purge_at);
`,
}
