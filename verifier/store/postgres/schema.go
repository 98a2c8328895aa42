package postgres

// schemaVersion is the version of the schema this package writes and
// reads; verifier_schema_migrations records the version a database has.
// The table is the verifier's own, so that a database (and schema) the
// issuer's store also uses — with its schema_migrations — keeps the two
// versions apart.
const schemaVersion = 1

// migrationLock is the key of the advisory lock that serialises
// migrations, so that two processes opening one database at once do not
// both migrate it; not the issuer store's key, so that the two do not wait
// for each other.
const migrationLock = 0x5e0_1d_7e21f1e2 // "seoul id verifier"

// migrations[v-1] takes a database from version v-1 to v. The table and
// its constraints are store/sqlite's, in PostgreSQL types. Times are Unix
// nanoseconds (UTC) in a bigint: a timestamp keeps microseconds.
var migrations = []string{
	// Version 1.
	`
CREATE TABLE decision_records (
	request_id        text   NOT NULL CONSTRAINT decision_records_pkey PRIMARY KEY CHECK (request_id <> ''),
	programme         text   NOT NULL,
	programme_version text   NOT NULL,
	purpose           text   NOT NULL,
	outcome           text   NOT NULL CHECK (outcome IN ('eligible', 'not_eligible', 'undetermined', 'declined', 'refused')),
	decision          bytea  NOT NULL CHECK (octet_length(decision) > 0),
	claims            bytea,
	decided_at        bigint NOT NULL,
	purge_at          bigint NOT NULL,
	CHECK (purge_at >= decided_at)
);
CREATE INDEX decision_records_purge_at ON decision_records (purge_at);
`,
}
