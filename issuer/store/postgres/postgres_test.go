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

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seoulid/seoulid/issuer"
	"github.com/seoulid/seoulid/issuer/store/storetest"
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
// a test run shares one database, each starts empty.
func openSchema(t testing.TB, db string) (*Store, string) {
	t.Helper()
	ctx := context.Background()
	schema := "s_" + randomName()
	conn, err := pgx.Connect(ctx, db)
	require.NoError(t, err)
	_, err = conn.Exec(ctx, "CREATE SCHEMA "+schema)
	conn.Close(ctx)
	require.NoError(t, err)
	cs := withParams(t, db, map[string]string{"search_path": schema})
	s, err := Open(ctx, cs)
	require.NoError(t, err)
	return s, cs
}

func TestConformance(t *testing.T) {
	db := testDatabase(t)
	storetest.Run(t, func(t *testing.T) issuer.Store {
		s, _ := openSchema(t, db)
		return s
	})
}

// TestReopen: what is committed is there after a reopen; migrating twice
// changes nothing; a newer schema is refused.
func TestReopen(t *testing.T) {
	ctx := context.Background()
	s, cs := openSchema(t, testDatabase(t))
	_, err := s.AppendAudit(ctx, &issuer.AuditEntry{Time: storetest.T0, Action: "test"})
	require.NoError(t, err)
	require.NoError(t, s.Close())

	s, err = Open(ctx, cs)
	require.NoError(t, err)
	got, err := s.Audit(ctx, 1, 10)
	require.NoError(t, err)
	assert.Len(t, got, 1)
	var n int
	require.NoError(t, s.pool.QueryRow(ctx, "SELECT count(*) FROM schema_migrations").Scan(&n))
	assert.Equal(t, schemaVersion, n)
	_, err = s.pool.Exec(ctx, "INSERT INTO schema_migrations (version, applied_at) VALUES ($1, 0)", schemaVersion+1)
	require.NoError(t, err)
	require.NoError(t, s.Close())

	_, err = Open(ctx, cs)
	assert.ErrorContains(t, err, fmt.Sprintf("schema version %d", schemaVersion+1))
}

// TestSchemaEnforces: the database refuses what the contract forbids even
// when the Go code is bypassed.
func TestSchemaEnforces(t *testing.T) {
	ctx := context.Background()
	s, _ := openSchema(t, testDatabase(t))
	defer s.Close()
	_, err := s.AppendAudit(ctx, &issuer.AuditEntry{Time: storetest.T0, Action: "test"})
	require.NoError(t, err)
	_, err = s.Secret(ctx, "key", make([]byte, 32))
	require.NoError(t, err)
	for _, c := range []struct{ stmt, sqlstate string }{
		{"UPDATE audit SET detail = 'changed'", "P0001"}, // raise_exception, by the trigger
		{"DELETE FROM audit", "P0001"},
		{"TRUNCATE audit", "P0001"},
		{"INSERT INTO spent_nonces (hash, expiry) VALUES ('\\x00', 1)", "23514"}, // check_violation
		{"INSERT INTO secrets (name, value, created_at) VALUES ('short', '\\x00', 1)", "23514"},
		{"UPDATE secrets SET value = decode(repeat('00', 32), 'hex')", "P0001"},
		{"DELETE FROM secrets", "P0001"},
		{"INSERT INTO offers (id, vct, configuration_id, claims, code_hash, state, operator, created_at, expires_at, issued_at, token_hash, token_expiry) VALUES ('o', 'v', 'c', '\\x7b7d', decode(repeat('00', 32), 'hex'), 'issued', 'op', 1, 2, 3, decode(repeat('01', 32), 'hex'), 4)", "23514"},
		{"INSERT INTO offers (id, vct, configuration_id, code_hash, state, operator, created_at, expires_at) VALUES ('o', 'v', 'c', decode(repeat('00', 32), 'hex'), 'redeemed', 'op', 1, 2)", "23514"},
		{"INSERT INTO credentials (id, offer_id, vct, holder_thumbprint, list_uri, idx, status, issued_at) VALUES ('c', 'no-such-offer', 'v', 't', 'l', 1, 0, 1)", "23503"}, // foreign_key_violation
	} {
		_, err := s.pool.Exec(ctx, c.stmt)
		pe, ok := errors.AsType[*pgconn.PgError](err)
		if assert.True(t, ok, "%s: %v", c.stmt, err) {
			assert.Equal(t, c.sqlstate, pe.Code, "%s: %v", c.stmt, err)
		}
	}
}

func BenchmarkStore(b *testing.B) {
	storetest.Benchmark(b, func(b *testing.B) issuer.Store {
		s, _ := openSchema(b, testDatabase(b))
		return s
	})
}
