package sqlite

import (
	"bufio"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/seoulid/seoulid/issuer"
	"github.com/seoulid/seoulid/issuer/store/storetest"
)

func open(t *testing.T, path string) *Store {
	t.Helper()
	s, err := Open(context.Background(), path)
	require.NoError(t, err)
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) issuer.Store {
		return open(t, filepath.Join(t.TempDir(), "issuer.db"))
	})
}

// TestSettings: WAL, synchronous=FULL, foreign keys and the busy timeout
// are set on the writer; readers cannot write; the schema is version 1.
func TestSettings(t *testing.T) {
	ctx := context.Background()
	s := open(t, filepath.Join(t.TempDir(), "issuer.db"))
	defer s.Close()
	for _, c := range []struct {
		pragma string
		want   string
	}{{"journal_mode", "wal"}, {"synchronous", "2"}, {"foreign_keys", "1"}, {"busy_timeout", "10000"}} {
		var got string
		require.NoError(t, s.w.QueryRowContext(ctx, "PRAGMA "+c.pragma).Scan(&got))
		assert.Equal(t, c.want, got, c.pragma)
	}
	var sync string
	require.NoError(t, s.r.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&sync))
	assert.Equal(t, "2", sync, "readers too (a reader may checkpoint)")
	_, err := s.r.ExecContext(ctx, "DELETE FROM spent_nonces")
	assert.Error(t, err, "readers are query_only")

	var v int
	require.NoError(t, s.r.QueryRowContext(ctx, "SELECT max(version) FROM schema_migrations").Scan(&v))
	assert.Equal(t, schemaVersion, v)
}

// TestReopen: what is committed is there after a reopen; migrating twice
// changes nothing; a newer schema is refused.
func TestReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "issuer.db")
	s := open(t, path)
	_, err := s.AppendAudit(ctx, &issuer.AuditEntry{Time: storetest.T0, Action: "test"})
	require.NoError(t, err)
	require.NoError(t, s.Close())

	s = open(t, path)
	got, err := s.Audit(ctx, 1, 10)
	require.NoError(t, err)
	assert.Len(t, got, 1)
	var n int
	require.NoError(t, s.r.QueryRowContext(ctx, "SELECT count(*) FROM schema_migrations").Scan(&n))
	assert.Equal(t, schemaVersion, n)
	_, err = s.w.ExecContext(ctx, "INSERT INTO schema_migrations (version, applied_at) VALUES (?, 0)", schemaVersion+1)
	require.NoError(t, err)
	require.NoError(t, s.Close())

	_, err = Open(ctx, path)
	assert.ErrorContains(t, err, fmt.Sprintf("schema version %d", schemaVersion+1))
}

// TestMigrateFromVersion1: a database of schema version 1 (nonces stored
// when made) is brought to the current version with its records kept.
func TestMigrateFromVersion1(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "issuer.db")
	db, err := sql.Open("sqlite", path)
	require.NoError(t, err)
	for _, q := range []string{
		"CREATE TABLE schema_migrations (version INTEGER NOT NULL PRIMARY KEY, applied_at INTEGER NOT NULL) STRICT",
		migrations[0],
		"INSERT INTO schema_migrations (version, applied_at) VALUES (1, 0)",
		"INSERT INTO nonces (hash, expiry) VALUES (zeroblob(32), 1)",
		"INSERT INTO audit (seq, time, operator, action, subject, detail, hash) VALUES (1, 1, '', 'test', '', '', zeroblob(32))",
	} {
		_, err := db.ExecContext(ctx, q)
		require.NoError(t, err, q)
	}
	require.NoError(t, db.Close())

	s := open(t, path)
	defer s.Close()
	var v, entries int
	require.NoError(t, s.r.QueryRowContext(ctx, "SELECT max(version) FROM schema_migrations").Scan(&v))
	assert.Equal(t, schemaVersion, v)
	require.NoError(t, s.r.QueryRowContext(ctx, "SELECT count(*) FROM audit").Scan(&entries))
	assert.Equal(t, 1, entries, "records are kept")
	key, err := s.Secret(ctx, "nonce-mac-key", make([]byte, 32))
	require.NoError(t, err)
	assert.Len(t, key, 32)
}

func TestOpenRefuses(t *testing.T) {
	for _, path := range []string{"", ":memory:", "file:x.db?mode=memory", "x.db?_pragma=synchronous(OFF)"} {
		_, err := Open(context.Background(), path)
		assert.Error(t, err, path)
	}
}

// TestSchemaEnforces: the database refuses what the contract forbids even
// when the Go code is bypassed.
func TestSchemaEnforces(t *testing.T) {
	ctx := context.Background()
	s := open(t, filepath.Join(t.TempDir(), "issuer.db"))
	defer s.Close()
	_, err := s.AppendAudit(ctx, &issuer.AuditEntry{Time: storetest.T0, Action: "test"})
	require.NoError(t, err)
	_, err = s.Secret(ctx, "key", make([]byte, 32))
	require.NoError(t, err)
	for _, c := range []struct {
		stmt string
		code int
	}{
		{"UPDATE audit SET detail = 'changed'", sqlite3.SQLITE_CONSTRAINT_TRIGGER},
		{"DELETE FROM audit", sqlite3.SQLITE_CONSTRAINT_TRIGGER},
		{"UPDATE secrets SET value = zeroblob(32)", sqlite3.SQLITE_CONSTRAINT_TRIGGER},
		{"DELETE FROM secrets", sqlite3.SQLITE_CONSTRAINT_TRIGGER},
		{"INSERT INTO spent_nonces (hash, expiry) VALUES (x'00', 1)", sqlite3.SQLITE_CONSTRAINT_CHECK},
		{"INSERT INTO secrets (name, value, created_at) VALUES ('short', x'00', 1)", sqlite3.SQLITE_CONSTRAINT_CHECK},
		{"INSERT INTO offers (id, vct, configuration_id, claims, code_hash, state, operator, created_at, expires_at, issued_at, token_hash, token_expiry) VALUES ('o', 'v', 'c', x'7b7d', zeroblob(32), 'issued', 'op', 1, 2, 3, zeroblob(32), 4)", sqlite3.SQLITE_CONSTRAINT_CHECK},
		{"INSERT INTO offers (id, vct, configuration_id, code_hash, state, operator, created_at, expires_at) VALUES ('o', 'v', 'c', zeroblob(32), 'redeemed', 'op', 1, 2)", sqlite3.SQLITE_CONSTRAINT_CHECK},
		{"INSERT INTO offers (id, vct, configuration_id, code_hash, state, operator, created_at, expires_at) VALUES ('o', 'v', 'c', zeroblob(32), 'pending', 'op', 'yesterday', 2)", sqlite3.SQLITE_CONSTRAINT_DATATYPE}, // STRICT
		{"INSERT INTO credentials (id, offer_id, vct, holder_thumbprint, list_uri, idx, status, issued_at) VALUES ('c', 'no-such-offer', 'v', 't', 'l', 1, 0, 1)", sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY},
	} {
		_, err := s.w.ExecContext(ctx, c.stmt)
		e, ok := errors.AsType[*sqlite.Error](err)
		if assert.True(t, ok, "%s: %v", c.stmt, err) {
			assert.Equal(t, c.code, e.Code(), "%s: %v", c.stmt, err)
		}
	}
}

// The crash test: a child process completes offers in a tight loop and
// reports each committed index on stdout; the parent kills it with SIGKILL
// and checks that the database has every reported index, each once, whole
// offers only, and passes integrity_check.

const crashEnv = "SEOULID_SQLITE_CRASH_DB"

const crashList = "https://issuer.seoul.go.kr/status/crash"

func TestCrash(t *testing.T) {
	if path := os.Getenv(crashEnv); path != "" {
		crashChild(path)
		return
	}
	path := filepath.Join(t.TempDir(), "issuer.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrash$")
	cmd.Env = append(os.Environ(), crashEnv+"="+path)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())

	type report struct {
		offer string
		idx   []int
	}
	var (
		mu       sync.Mutex
		got      []report
		first    = make(chan struct{})
		done     = make(chan error, 1)
		firstSet bool
	)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			f := strings.Fields(sc.Text())
			if len(f) < 2 || f[0] != "committed" {
				continue // the test binary's own output
			}
			r := report{offer: f[1]}
			for _, s := range f[2:] {
				n, err := strconv.Atoi(s)
				if err != nil {
					done <- fmt.Errorf("bad line %q", sc.Text())
					return
				}
				r.idx = append(r.idx, n)
			}
			mu.Lock()
			got = append(got, r)
			mu.Unlock()
			if !firstSet {
				firstSet = true
				close(first)
			}
		}
		done <- sc.Err()
	}()

	// Kill it a second after its first commit, in the middle of its work.
	select {
	case <-first:
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatal("the child committed nothing in 30 s")
	}
	time.Sleep(time.Second)
	require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
	require.NoError(t, <-done, "reading the child's reports") // all read before Wait closes the pipe
	waitErr := cmd.Wait()
	var exit *exec.ExitError
	require.True(t, errors.As(waitErr, &exit), "the child was killed: %v", waitErr)
	mu.Lock()
	defer mu.Unlock()
	t.Logf("the child reported %d committed offers before SIGKILL", len(got))
	require.Greater(t, len(got), 10, "the child did too little to test anything")

	ctx := context.Background()
	s := open(t, path)
	defer s.Close()

	var integrity string
	require.NoError(t, s.r.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&integrity))
	assert.Equal(t, "ok", integrity)

	taken, err := s.Indexes(ctx, crashList)
	require.NoError(t, err)
	stored := map[int]bool{}
	for _, i := range taken {
		stored[i] = true
	}
	seen := map[int]bool{}
	for _, r := range got {
		o, err := s.Offer(ctx, r.offer)
		require.NoError(t, err, "a reported offer is there")
		assert.Equal(t, issuer.OfferIssued, o.State, r.offer)
		assert.Nil(t, o.Claims, r.offer)
		assert.Equal(t, len(r.idx), o.Credentials, r.offer)
		for _, idx := range r.idx {
			assert.False(t, seen[idx], "index %d reported twice", idx)
			seen[idx] = true
			assert.True(t, stored[idx], "reported index %d is stored", idx)
		}
	}

	// Whole offers only: every offer is issued with all its records, or
	// redeemed with none (the last one, killed before or during its
	// commit, or committed after its report could be written).
	var dups int
	require.NoError(t, s.r.QueryRowContext(ctx, "SELECT count(*) FROM (SELECT 1 FROM credentials GROUP BY list_uri, idx HAVING count(*) > 1)").Scan(&dups))
	assert.Zero(t, dups, "no index twice")
	rows, err := s.r.QueryContext(ctx, `SELECT o.id, o.state, o.credentials, (SELECT count(*) FROM credentials c WHERE c.offer_id = o.id) FROM offers o`)
	require.NoError(t, err)
	defer rows.Close()
	unreported := 0
	for rows.Next() {
		var (
			id, state      string
			declared, recs int
		)
		require.NoError(t, rows.Scan(&id, &state, &declared, &recs))
		switch issuer.OfferState(state) {
		case issuer.OfferIssued:
			assert.Equal(t, declared, recs, "offer %s has all its records", id)
			assert.Positive(t, recs, id)
		case issuer.OfferRedeemed, issuer.OfferPending:
			assert.Zero(t, recs, "offer %s has no records", id)
			unreported++
		default:
			t.Errorf("offer %s is %s", id, state)
		}
	}
	require.NoError(t, rows.Err())
	assert.LessOrEqual(t, unreported, 1, "at most the offer in flight is unfinished")

	// Every offer has its audit entry, stored in its transaction, and the
	// chain holds.
	var offers int
	require.NoError(t, s.r.QueryRowContext(ctx, "SELECT count(*) FROM offers").Scan(&offers))
	audit, err := s.Audit(ctx, 1, offers+10)
	require.NoError(t, err)
	require.NoError(t, issuer.VerifyAudit(audit))
	require.Len(t, audit, offers, "one audit entry per offer")
	for _, e := range audit {
		o, err := s.Offer(ctx, e.Subject)
		require.NoError(t, err, "the audited offer %s is stored", e.Subject)
		assert.Equal(t, e.Subject, o.ID)
	}
	n, err := s.CountIndexes(ctx, crashList)
	require.NoError(t, err)
	assert.GreaterOrEqual(t, n, len(seen))
	assert.LessOrEqual(t, n, len(seen)+3, "at most one committed offer went unreported")
}

// crashChild puts, redeems and completes offers of 1 to 3 credentials with
// random indexes until it is killed, printing "committed <offer> <index>…"
// after each CompleteOffer returns. Should the parent die first, it stops
// by itself after a minute.
func crashChild(path string) {
	ctx := context.Background()
	s, err := Open(ctx, path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	random := func() uint64 {
		var b [8]byte
		rand.Read(b[:])
		return binary.BigEndian.Uint64(b[:])
	}
	now := storetest.T0
	deadline := time.Now().Add(time.Minute)
	for i := 0; time.Now().Before(deadline); i++ {
		now = now.Add(time.Millisecond)
		id := fmt.Sprintf("off_%d", i)
		code, token := make([]byte, 32), make([]byte, 32)
		rand.Read(code)
		rand.Read(token)
		o := &issuer.Offer{ID: id, VCT: "vct", ConfigurationID: "conf", Claims: []byte(`{"name":"김민지"}`), CodeHash: code,
			State: issuer.OfferPending, Operator: "opr", CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
		if err := s.PutOffer(ctx, o, &issuer.AuditEntry{Time: now, Operator: "opr", Action: "offer.create", Subject: id}); err != nil {
			fail(err)
		}
		grant := issuer.TokenGrant{Hash: token, Expiry: now.Add(time.Hour)}
		if _, err := s.RedeemOffer(ctx, code, func(*issuer.Offer) bool { return true }, 5, grant, now); err != nil {
			fail(err)
		}
		for {
			recs := make([]*issuer.Credential, 1+random()%3)
			line := "committed " + id
			for j := range recs {
				idx := int(random() % (1 << 20))
				recs[j] = &issuer.Credential{ID: fmt.Sprintf("crd_%d_%d", i, j), VCT: "vct", ListURI: crashList, Index: idx, IssuedAt: now}
				line += " " + strconv.Itoa(idx)
			}
			nonce := make([]byte, 32)
			rand.Read(nonce)
			err := s.CompleteOffer(ctx, id, issuer.SpentNonce{Hash: nonce, Expiry: now.Add(time.Minute)}, recs, now)
			if errors.Is(err, issuer.ErrIndexTaken) {
				continue
			}
			if err != nil {
				fail(err)
			}
			os.Stdout.WriteString(line + "\n") // unbuffered: in the pipe once written
			break
		}
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "crash child:", err)
	os.Exit(2)
}

func BenchmarkStore(b *testing.B) {
	storetest.Benchmark(b, func(b *testing.B) issuer.Store {
		s, err := Open(context.Background(), filepath.Join(b.TempDir(), "issuer.db"))
		require.NoError(b, err)
		return s
	})
}
