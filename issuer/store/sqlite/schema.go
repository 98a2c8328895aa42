package sqlite

// schemaVersion is the version of the schema this package writes and
// reads; schema_migrations records the version a database has.
const schemaVersion = 2

// migrations[v-1] takes a database from version v-1 to v. The constraints
// are the contract's, enforced by the database itself: one credential per
// status-list index, one offer per code and per token hash, hashes of
// SHA-256 size, claims gone once an offer is issued, and an audit log that
// can only grow.
var migrations = []string{
	// Version 1. Times are Unix nanoseconds (UTC) in an INTEGER.
	`
CREATE TABLE offers (
	id               TEXT    NOT NULL PRIMARY KEY,
	vct              TEXT    NOT NULL,
	configuration_id TEXT    NOT NULL,
	claims           BLOB,
	code_hash        BLOB    NOT NULL UNIQUE CHECK (length(code_hash) = 32),
	tx_code_salt     BLOB,
	tx_code_hash     BLOB,
	attempts         INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
	state            TEXT    NOT NULL CHECK (state IN ('pending', 'redeemed', 'issued', 'burned')),
	operator         TEXT    NOT NULL,
	created_at       INTEGER NOT NULL,
	expires_at       INTEGER NOT NULL,
	token_hash       BLOB    UNIQUE CHECK (token_hash IS NULL OR length(token_hash) = 32),
	token_expiry     INTEGER,
	token_jkt        TEXT    NOT NULL DEFAULT '',
	issued_at        INTEGER,
	credentials      INTEGER NOT NULL DEFAULT 0 CHECK (credentials >= 0),
	CHECK (state <> 'issued' OR (claims IS NULL AND issued_at IS NOT NULL)),
	CHECK ((state IN ('redeemed', 'issued')) = (token_hash IS NOT NULL AND token_expiry IS NOT NULL))
) STRICT;
CREATE INDEX offers_newest ON offers (created_at DESC, id DESC);

CREATE TABLE nonces (
	hash   BLOB    NOT NULL PRIMARY KEY CHECK (length(hash) = 32),
	expiry INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX nonces_expiry ON nonces (expiry);

CREATE TABLE credentials (
	id                TEXT    NOT NULL PRIMARY KEY,
	offer_id          TEXT    NOT NULL REFERENCES offers (id),
	vct               TEXT    NOT NULL,
	holder_thumbprint TEXT    NOT NULL,
	list_uri          TEXT    NOT NULL,
	idx               INTEGER NOT NULL CHECK (idx >= 0),
	status            INTEGER NOT NULL CHECK (status BETWEEN 0 AND 255),
	issued_at         INTEGER NOT NULL,
	expiry            INTEGER,
	updated_at        INTEGER,
	UNIQUE (list_uri, idx)
) STRICT;
CREATE INDEX credentials_offer ON credentials (offer_id);
CREATE INDEX credentials_newest ON credentials (issued_at DESC, id DESC);
CREATE INDEX credentials_not_valid ON credentials (list_uri) WHERE status <> 0;

CREATE TABLE operators (
	id         TEXT    NOT NULL PRIMARY KEY,
	name       TEXT    NOT NULL,
	token_hash BLOB    NOT NULL UNIQUE CHECK (length(token_hash) = 32),
	created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE audit (
	seq      INTEGER NOT NULL PRIMARY KEY CHECK (seq >= 1),
	time     INTEGER NOT NULL,
	operator TEXT    NOT NULL,
	action   TEXT    NOT NULL,
	subject  TEXT    NOT NULL,
	detail   TEXT    NOT NULL,
	hash     BLOB    NOT NULL CHECK (length(hash) = 32)
) STRICT;
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
`,
	// Version 2. Nonces are made without a write (issuer/nonce.go) and
	// recorded only when spent, until their expiry; secrets holds the key
	// that authenticates them, shared by every process of the issuer.
	`
DROP TABLE nonces;
CREATE TABLE spent_nonces (
	hash   BLOB    NOT NULL PRIMARY KEY CHECK (length(hash) = 32),
	expiry INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX spent_nonces_expiry ON spent_nonces (expiry);

CREATE TABLE secrets (
	name       TEXT    NOT NULL PRIMARY KEY,
	value      BLOB    NOT NULL CHECK (length(value) BETWEEN 16 AND 1024),
	created_at INTEGER NOT NULL
) STRICT;
CREATE TRIGGER secrets_no_update BEFORE UPDATE ON secrets
BEGIN SELECT RAISE(ABORT, 'a secret never changes'); END;
CREATE TRIGGER secrets_no_delete BEFORE DELETE ON secrets
BEGIN SELECT RAISE(ABORT, 'a secret never changes'); END;
`,
}
