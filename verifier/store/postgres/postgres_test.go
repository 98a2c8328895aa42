package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seoulid/seoulid/verifier"
	"github.com/seoulid/seoulid/verifier/store/storetest"
)

// testEnv names the PostgreSQL server the tests use.
const testEnv = "SEOULID_TEST_POSTGRES"

// testDatabase creates a database with a random name on the server of
// SEOULID_TEST_POSTGRES, drops it when the test ends, and returns a
// connection string for it. Without SEOULID_TEST_POSTGRES the test fails:
// the PostgreSQL back end is not optional.
func testDatabase(t testing.TB) string {
	t.Helper()
	server := os.Getenv(testEnv)
	if server == "" {
		t.Fatal(testEnv + " is not set: the PostgreSQL store needs a server to test against. " +
			"Run ./scripts/test, which installs and starts PostgreSQL, " +
			"or set " + testEnv + "=postgres://user:password@host:port/postgres (a role that may CREATE DATABASE)")
	}
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, server)
	require.NoError(t, err, "connecting to %s", testEnv)
	name := "seoulid_test_" + randomName()
	_, err = admin.Exec(ctx, "CREATE DATABASE "+name)
	require.NoError(t, err)
	t.Cleanup(func() {
		defer admin.Close(ctx)
		if _, err := admin.Exec(ctx, "DROP DATABASE "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("dropping the test database %s: %v", name, err)
		}
	})
	return withParams(t, server, map[string]string{"dbname": name})
}

func randomName() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// withParams returns connString with settings added: as URL query
// parameters or key=value pairs, whichever form it has.
func withParams(t testing.TB, connString string, params map[string]string) string {
	t.Helper()
	if strings.HasPrefix(connString, "postgres://") || strings.HasPrefix(connString, "postgresql://") {
		u, err := url.Parse(connString)
		require.NoError(t, err)
		q := u.Query()
		for k, v := range params {
			if k == "dbname" {
				u.Path = "/" + v
				continue
			}
			q.Set(k, v)
		}
		u.RawQuery = q.Encode()
		return u.String()
	}
	for k, v := range params {
		connString += " " + k + "=" + v
	}
	return connString
}

// openSchema opens a Store in a new schema of database db: every store of
// a test run shares one database, each starts empty. It returns the store
// and its connection string.
func openSchema(t testing.TB, db string) (*Store, string) {
	t.Helper()
	cs := newSchema(t, db)
	s, err := Open(context.Background(), cs)
	require.NoError(t, err)
	return s, cs
}

// newSchema creates a schema in database db and returns a connection
// string whose search_path is it.
func newSchema(t testing.TB, db string) string {
	t.Helper()
	ctx := context.Background()
	schema := "s_" + randomName()
	conn, err := pgx.Connect(ctx, db)
	require.NoError(t, err)
	_, err = conn.Exec(ctx, "CREATE SCHEMA "+schema)
	conn.Close(ctx)
	require.NoError(t, err)
	return withParams(t, db, map[string]string{"search_path": schema})
}

func TestConformance(t *testing.T) {
	db := testDatabase(t)
	storetest.Run(t, func(t *testing.T) verifier.Store {
		s, _ := openSchema(t, db)
		return s
	})
}

// TestReopen: what is committed is there after a reopen; migrating twice
// changes nothing; a newer schema is refused.
func TestReopen(t *testing.T) {
	ctx := context.Background()
	s, cs := openSchema(t, testDatabase(t))
	r := storetest.NewRecord("req_a", storetest.T0, time.Hour)
	require.NoError(t, s.PutRecord(ctx, r))
	require.NoError(t, s.Close())

	s, err := Open(ctx, cs)
	require.NoError(t, err)
	got, err := s.Record(ctx, "req_a", storetest.T0)
	require.NoError(t, err)
	assert.Equal(t, r, got)
	var n int
	require.NoError(t, s.pool.QueryRow(ctx, "SELECT count(*) FROM verifier_schema_migrations").Scan(&n))
	assert.Equal(t, schemaVersion, n)
	_, err = s.pool.Exec(ctx, "INSERT INTO verifier_schema_migrations (version, applied_at) VALUES ($1, 0)", schemaVersion+1)
	require.NoError(t, err)
	require.NoError(t, s.Close())

	_, err = Open(ctx, cs)
	assert.ErrorContains(t, err, fmt.Sprintf("schema version %d", schemaVersion+1))
}

// TestSharedSchema: the verifier's schema version is its own: a schema
// that already holds another store's schema_migrations (the issuer's, at
// version 2) is migrated for the verifier and the other table left alone.
func TestSharedSchema(t *testing.T) {
	ctx := context.Background()
	cs := newSchema(t, testDatabase(t))
	conn, err := pgx.Connect(ctx, cs)
	require.NoError(t, err)
	defer conn.Close(ctx)
	for _, q := range []string{
		"CREATE TABLE schema_migrations (version integer NOT NULL PRIMARY KEY, applied_at bigint NOT NULL)",
		"INSERT INTO schema_migrations (version, applied_at) VALUES (1, 0), (2, 0)",
	} {
		_, err := conn.Exec(ctx, q)
		require.NoError(t, err, q)
	}

	s, err := Open(ctx, cs)
	require.NoError(t, err)
	defer s.Close()
	require.NoError(t, s.PutRecord(ctx, storetest.NewRecord("req_a", storetest.T0, time.Hour)))
	var theirs, ours int
	require.NoError(t, conn.QueryRow(ctx, "SELECT max(version) FROM schema_migrations").Scan(&theirs))
	require.NoError(t, conn.QueryRow(ctx, "SELECT max(version) FROM verifier_schema_migrations").Scan(&ours))
	assert.Equal(t, 2, theirs)
	assert.Equal(t, schemaVersion, ours)
}

// TestSchemaEnforces: the database refuses what the contract forbids even
// when the Go code is bypassed.
func TestSchemaEnforces(t *testing.T) {
	ctx := context.Background()
	s, _ := openSchema(t, testDatabase(t))
	defer s.Close()
	require.NoError(t, s.PutRecord(ctx, storetest.NewRecord("req_a", storetest.T0, time.Hour)))
	const insert = "INSERT INTO decision_records (request_id, programme, programme_version, purpose, outcome, decision, claims, decided_at, purge_at) VALUES "
	for _, c := range []struct{ values, sqlstate string }{
		{`('req_a', 'p', '1', 'prp', 'eligible', '\x7b7d', NULL, 1, 2)`, "23505"}, // unique_violation: decided once
		{`('', 'p', '1', 'prp', 'eligible', '\x7b7d', NULL, 1, 2)`, "23514"},      // check_violation
		{`('req_b', 'p', '1', 'prp', 'approved', '\x7b7d', NULL, 1, 2)`, "23514"},
		{`('req_b', 'p', '1', 'prp', 'eligible', '\x', NULL, 1, 2)`, "23514"},
		{`('req_b', 'p', '1', 'prp', 'eligible', NULL, NULL, 1, 2)`, "23502"}, // not_null_violation
		{`('req_b', 'p', '1', 'prp', 'eligible', '\x7b7d', NULL, 2, 1)`, "23514"},
		{`('req_b', 'p', '1', 'prp', 'eligible', '\x7b7d', NULL, 1, NULL)`, "23502"},
	} {
		_, err := s.pool.Exec(ctx, insert+c.values)
		pe, ok := errors.AsType[*pgconn.PgError](err)
		if assert.True(t, ok, "%s: %v", c.values, err) {
			assert.Equal(t, c.sqlstate, pe.Code, "%s: %v", c.values, err)
		}
	}
}

func BenchmarkStore(b *testing.B) {
	storetest.Benchmark(b, func(b *testing.B) verifier.Store {
		s, _ := openSchema(b, testDatabase(b))
		return s
	})
}
