package postgres

// schemaVersion is the version of the schema this package writes and
// reads; schema_migrations records the version a database has.
const schemaVersion = 2

// migrationLock is the key of the advisory lock that serialises
// migrations, so that two processes opening one database at once do not
// both migrate it.
const migrationLock = 0x5e0_1d15_5e2 // "seoul id issuer"

// indexConstraint is the name of the UNIQUE (list_uri, idx) constraint: a
// unique violation of it is ErrIndexTaken.
const indexConstraint = "credentials_list_index"

// migrations[v-1] takes a database from version v-1 to v. The tables and
// constraints are store/sqlite's, in PostgreSQL types. Times are Unix
// nanoseconds (UTC) in a bigint: a timestamp keeps microseconds, and the
// audit hash covers nanoseconds.
var migrations = []string{
	// Version 1.
	`
CREATE TABLE offers (
	id               text    NOT NULL PRIMARY KEY,
	vct              text    NOT NULL,
	configuration_id text    NOT NULL,
	claims           bytea,
	code_hash        bytea   NOT NULL CONSTRAINT offers_code_hash_key UNIQUE CHECK (octet_length(code_hash) = 32),
	tx_code_salt     bytea,
	tx_code_hash     bytea,
	attempts         integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
	state            text    NOT NULL CHECK (state IN ('pending', 'redeemed', 'issued', 'burned')),
	operator         text    NOT NULL,
	created_at       bigint  NOT NULL,
	expires_at       bigint  NOT NULL,
	token_hash       bytea   CONSTRAINT offers_token_hash_key UNIQUE CHECK (octet_length(token_hash) = 32),
	token_expiry     bigint,
	token_jkt        text    NOT NULL DEFAULT '',
	issued_at        bigint,
	credentials      integer NOT NULL DEFAULT 0 CHECK (credentials >= 0),
	CONSTRAINT offers_issued_without_claims CHECK (state <> 'issued' OR (claims IS NULL AND issued_at IS NOT NULL)),
	CONSTRAINT offers_token_when_redeemed CHECK ((state IN ('redeemed', 'issued')) = (token_hash IS NOT NULL AND token_expiry IS NOT NULL))
);
CREATE INDEX offers_newest ON offers (created_at DESC, id DESC);

CREATE TABLE nonces (
	hash   bytea  NOT NULL PRIMARY KEY CHECK (octet_length(hash) = 32),
	expiry bigint NOT NULL
);
CREATE INDEX nonces_expiry ON nonces (expiry);

CREATE TABLE credentials (
	id                text     NOT NULL PRIMARY KEY,
	offer_id          text     NOT NULL REFERENCES offers (id),
	vct               text     NOT NULL,
	holder_thumbprint text     NOT NULL,
	list_uri          text     NOT NULL,
	idx               bigint   NOT NULL CHECK (idx >= 0),
	status            smallint NOT NULL CHECK (status BETWEEN 0 AND 255),
	issued_at         bigint   NOT NULL,
	expiry            bigint,
	updated_at        bigint,
	CONSTRAINT credentials_list_index UNIQUE (list_uri, idx)
);
CREATE INDEX credentials_offer ON credentials (offer_id);
CREATE INDEX credentials_newest ON credentials (issued_at DESC, id DESC);
CREATE INDEX credentials_not_valid ON credentials (list_uri) WHERE status <> 0;

CREATE TABLE operators (
	id         text   NOT NULL PRIMARY KEY,
	name       text   NOT NULL,
	token_hash bytea  NOT NULL CONSTRAINT operators_token_hash_key UNIQUE CHECK (octet_length(token_hash) = 32),
	created_at bigint NOT NULL
);

CREATE TABLE audit (
	seq      bigint NOT NULL PRIMARY KEY CHECK (seq >= 1),
	time     bigint NOT NULL,
	operator text   NOT NULL,
	action   text   NOT NULL,
	subject  text   NOT NULL,
	detail   text   NOT NULL,
	hash     bytea  NOT NULL CHECK (octet_length(hash) = 32)
);
CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'the audit log is append-only';
END
$$;
CREATE TRIGGER audit_no_change BEFORE UPDATE OR DELETE ON audit
	FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit
	FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
`,
	// Version 2. Nonces are made without a write (issuer/nonce.go) and
	// recorded only when spent, until their expiry; secrets holds the key
	// that authenticates them, shared by every process of the issuer.
	`
DROP TABLE nonces;
CREATE TABLE spent_nonces (
	hash   bytea  NOT NULL PRIMARY KEY CHECK (octet_length(hash) = 32),
	expiry bigint NOT NULL
);
CREATE INDEX spent_nonces_expiry ON spent_nonces (expiry);

CREATE TABLE secrets (
	name       text   NOT NULL PRIMARY KEY,
	value      bytea  NOT NULL CHECK (octet_length(value) BETWEEN 16 AND 1024),
	created_at bigint NOT NULL
);
CREATE FUNCTION secrets_never_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'a secret never changes'; END $$;
CREATE TRIGGER secrets_no_update BEFORE UPDATE OR DELETE ON secrets
FOR EACH ROW EXECUTE FUNCTION secrets_never_change();
`,
}
