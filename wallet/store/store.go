package store

import (
	"bytes"
	"context"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/chacha20poly1305"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// PIN length bounds. The wallet asks for six digits; longer PINs and
// passphrases are welcome.
const (
	MinPINLength = 6
	MaxPINLength = 64
)

// Options are a store's settings. The zero value is the production
// setting.
type Options struct {
	// Params are the Argon2id parameters new PIN wrappings use (Create,
	// ChangePIN, Restore, and the upgrade at Unlock of a store whose stored
	// parameters are lower). Zero means DefaultParams(); anything below
	// MinMemory or MinTime is refused unless it came from UnsafeParams.
	Params Params
	// BackupParams are the Argon2id parameters of the recovery passphrase
	// in Backup. Zero means DefaultBackupParams(), with the same minimum.
	BackupParams Params
	// Now is the clock of the attempt counter's delays. Nil means
	// time.Now.
	Now func() time.Time
}

func (o Options) resolve() (Options, error) {
	o.Params = o.Params.orDefault(DefaultParams())
	if err := o.Params.check(); err != nil {
		return o, fmt.Errorf("PIN parameters: %w", err)
	}
	o.BackupParams = o.BackupParams.orDefault(DefaultBackupParams())
	if err := o.BackupParams.check(); err != nil {
		return o, fmt.Errorf("backup parameters: %w", err)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o, nil
}

// LogValue shows the parameters.
func (o Options) LogValue() slog.Value {
	return slog.GroupValue(slog.Any("params", o.Params), slog.Any("backup_params", o.BackupParams))
}

// Store is an encrypted wallet store in one SQLite file. Its methods are
// safe for concurrent use; several processes may open the same file (SQLite
// locks it and the attempt counter is updated in a transaction).
type Store struct {
	path   string
	db     *sql.DB
	device DeviceSecret
	opts   Options
	id     [storeIDSize]byte

	mu     sync.RWMutex
	keys   *sessionKeys // nil while locked
	closed bool
}

// The SQLite schema. Records are rows of (row key, sealed value); meta
// holds the "header" and "attempts" rows. application_id marks the file as
// a wallet store ('SWLT').
const (
	applicationID = 0x53574c54
	schemaVersion = 1
	schema        = `
CREATE TABLE meta (
	name  TEXT NOT NULL PRIMARY KEY CHECK (name IN ('header', 'attempts')),
	value BLOB NOT NULL
) STRICT;
CREATE TABLE records (
	k BLOB NOT NULL PRIMARY KEY CHECK (length(k) = 32),
	v BLOB NOT NULL
) STRICT, WITHOUT ROWID;`
)

// busyTimeout is how long a connection waits for another process's lock.
const busyTimeout = 10 * time.Second

// testHookBeforeKDF, when set (by tests), runs after an attempt has been
// counted and before Argon2id starts.
var testHookBeforeKDF func()

// Create makes a new store at path, protected by pin, and returns it
// unlocked. Nothing may exist at path (ErrExists). The file is built under
// a temporary name and linked into place complete: a crash leaves either no
// store or the whole new one (and perhaps a stray path.tmp-* file).
//
// A fresh random 256-bit data key seals every record; it is stored wrapped
// by a key derived from the PIN with Argon2id (opts.Params) and the device
// secret. device must be the same at every Open of the store.
func Create(ctx context.Context, path string, device DeviceSecret, pin []byte, opts Options) (*Store, error) {
	opts, err := opts.resolve()
	if err != nil {
		return nil, fmt.Errorf("wallet store: %w", err)
	}
	if err := checkPIN(pin); err != nil {
		return nil, err
	}
	return create(ctx, path, device, pin, opts, nil)
}

func checkPIN(pin []byte) error {
	if len(pin) < MinPINLength || len(pin) > MaxPINLength {
		return ErrInvalidPIN
	}
	return nil
}

// create builds a store holding records (already checked).
func create(ctx context.Context, path string, device DeviceSecret, pin []byte, opts Options, records []Record) (*Store, error) {
	if device == nil {
		return nil, errors.New("wallet store: no device secret")
	}
	if _, err := os.Lstat(path); err == nil {
		return nil, fmt.Errorf("%w: %s", ErrExists, path)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("wallet store: %w", err)
	}
	var id [storeIDSize]byte
	rand.Read(id[:])
	dataKey := make([]byte, dataKeySize)
	rand.Read(dataKey)
	defer clear(dataKey)
	h, err := newHeader(ctx, device, id, opts.Params, pin, dataKey)
	if err != nil {
		return nil, err
	}
	keys, err := newSessionKeys(dataKey, id)
	if err != nil {
		return nil, err
	}
	tmp := tempName(path)
	defer os.Remove(tmp)
	defer os.Remove(tmp + "-journal")
	if err := build(ctx, tmp, device, h, keys, records); err != nil {
		keys.wipe()
		return nil, err
	}
	// link, unlike rename, refuses to replace a file that appeared at path
	// meanwhile.
	if err := os.Link(tmp, path); err != nil {
		keys.wipe()
		if errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("%w: %s", ErrExists, path)
		}
		return nil, fmt.Errorf("wallet store: %w", err)
	}
	if err := syncDir(filepath.Dir(path)); err != nil {
		keys.wipe()
		return nil, err
	}
	s, err := Open(ctx, path, device, opts)
	if err != nil {
		keys.wipe()
		return nil, err
	}
	s.keys = keys
	return s, nil
}

// build writes a complete store to the new file tmp in one transaction, in
// SQLite's default rollback-journal mode, so that everything is in the one
// file when it is closed; Open switches it to WAL.
func build(ctx context.Context, tmp string, device DeviceSecret, h *header, keys *sessionKeys, records []Record) error {
	db, err := openDB(tmp, true)
	if err != nil {
		return err
	}
	s := &Store{path: tmp, db: db, device: device, id: h.storeID}
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		for _, stmt := range []string{
			fmt.Sprintf("PRAGMA application_id = %d", applicationID),
			fmt.Sprintf("PRAGMA user_version = %d", schemaVersion),
			schema,
		} {
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				return dbError("create schema", err)
			}
		}
		if err := s.writeHeader(ctx, tx, h); err != nil {
			return err
		}
		if err := s.writeAttempts(ctx, tx, attempts{}); err != nil {
			return err
		}
		for _, r := range records {
			k, v := keys.seal(r.Kind, r.ID, r.Payload)
			if _, err := tx.ExecContext(ctx, "INSERT INTO records (k, v) VALUES (?, ?)", k, v); err != nil {
				return dbError("write record", err)
			}
		}
		return nil
	})
	if cerr := db.Close(); err == nil && cerr != nil {
		err = dbError("close", cerr)
	}
	return err
}

// Open opens the store at path, locked: Unlock it with the PIN before
// reading or writing records. It checks that the file is a whole wallet
// store (ErrCorrupt: not an SQLite file, truncated, failing SQLite's
// quick_check, no header) and that its header authenticates under device
// (ErrTampered: altered, or another device's store). A missing file is an
// error that wraps fs.ErrNotExist; Open never creates one.
func Open(ctx context.Context, path string, device DeviceSecret, opts Options) (*Store, error) {
	opts, err := opts.resolve()
	if err != nil {
		return nil, fmt.Errorf("wallet store: %w", err)
	}
	if device == nil {
		return nil, errors.New("wallet store: no device secret")
	}
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("wallet store: %w", err)
	}
	db, err := openDB(path, false)
	if err != nil {
		return nil, err
	}
	s := &Store{path: path, db: db, device: device, opts: opts}
	if err := s.checkFile(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

// openDB opens an SQLite database through a file: URI, so that the path
// needs no escaping rules of its own and mode=rw refuses to create a file.
// One connection: a wallet's load is one person's, and one connection
// makes every statement and transaction take its turn.
func openDB(path string, create bool) (*sql.DB, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("wallet store: %w", err)
	}
	q := url.Values{}
	if create {
		q.Set("mode", "rwc")
	} else {
		q.Set("mode", "rw")
	}
	// synchronous=FULL: a commit is on disk when it returns, so a kill -9 or
	// a power cut loses nothing reported done (docs/decisions/0008).
	// secure_delete overwrites what a delete frees instead of leaving it in
	// free pages. The journal mode is not set here: it is a property of the
	// file, set by Open once the file is known to be a wallet store (so that
	// opening some other file never changes it).
	q["_pragma"] = []string{
		fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()),
		"synchronous(FULL)",
		"secure_delete(ON)",
	}
	q.Set("_txlock", "immediate")
	u := url.URL{Scheme: "file", OmitHost: true, Path: filepath.ToSlash(abs), RawQuery: q.Encode()}
	db, err := sql.Open("sqlite", u.String())
	if err != nil {
		return nil, fmt.Errorf("wallet store: %w", err)
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxIdleTime(0)
	db.SetConnMaxLifetime(0)
	return db, nil
}

// dbError wraps an SQLite error, as ErrCorrupt when SQLite says the file is
// damaged or not a database.
func dbError(what string, err error) error {
	if e, ok := errors.AsType[*sqlite.Error](err); ok {
		switch e.Code() & 0xff {
		case sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB:
			return fmt.Errorf("%w: %s: %w", ErrCorrupt, what, err)
		}
	}
	return fmt.Errorf("wallet store: %s: %w", what, err)
}

// checkFile is Open's check of the file, ending with the header's.
func (s *Store) checkFile(ctx context.Context) error {
	var appID, version int64
	if err := s.db.QueryRowContext(ctx, "PRAGMA application_id").Scan(&appID); err != nil {
		return dbError("read the file header", err)
	}
	if appID != applicationID {
		return fmt.Errorf("%w: not a wallet store (SQLite application_id %#x)", ErrCorrupt, appID)
	}
	if err := s.db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return dbError("read the schema version", err)
	}
	if version != schemaVersion {
		return fmt.Errorf("%w: schema version %d (this program reads version %d)", ErrCorrupt, version, schemaVersion)
	}
	// quick_check reads every page: a truncated or scribbled file is caught
	// here, with a clear error, not at some later read. A wallet file is a
	// few hundred kilobytes, so it costs milliseconds.
	rows, err := s.db.QueryContext(ctx, "PRAGMA quick_check")
	if err != nil {
		return dbError("quick_check", err)
	}
	var problems []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			rows.Close()
			return dbError("quick_check", err)
		}
		if line != "ok" && len(problems) < 3 {
			problems = append(problems, line)
		}
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return dbError("quick_check", err)
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w: SQLite quick_check: %s", ErrCorrupt, strings.Join(problems, "; "))
	}
	// WAL: a crash never leaves half a transaction, and readers do not
	// wait for the writer. The setting stays with the file.
	var mode string
	if err := s.db.QueryRowContext(ctx, "PRAGMA journal_mode = WAL").Scan(&mode); err != nil {
		return dbError("journal mode", err)
	}
	if !strings.EqualFold(mode, "wal") {
		return fmt.Errorf("wallet store: journal mode is %q, not WAL (does the file system support shared memory?)", mode)
	}
	var tables int
	if err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name IN ('meta', 'records')").Scan(&tables); err != nil {
		return dbError("read the schema", err)
	}
	if tables != 2 {
		return fmt.Errorf("%w: tables missing", ErrCorrupt)
	}
	h, _, err := s.readHeader(ctx, s.db)
	if err != nil {
		return err
	}
	s.id = h.storeID
	return nil
}

// querier is what both *sql.DB and *sql.Tx offer.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

func (s *Store) inTx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return dbError("begin", err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return dbError("commit", err)
	}
	return nil
}

func (s *Store) readMeta(ctx context.Context, q querier, name string) ([]byte, error) {
	var v []byte
	err := q.QueryRowContext(ctx, "SELECT value FROM meta WHERE name = ?", name).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%w: no %s row", ErrCorrupt, name)
	}
	if err != nil {
		return nil, dbError("read "+name, err)
	}
	return v, nil
}

func (s *Store) writeMeta(ctx context.Context, q querier, name string, v []byte) error {
	if _, err := q.ExecContext(ctx, "INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value", name, v); err != nil {
		return dbError("write "+name, err)
	}
	return nil
}

// deviceMAC asks the device secret for the MAC of label || parts.
func (s *Store) deviceMAC(ctx context.Context, label string, parts ...[]byte) ([]byte, error) {
	return deviceMAC(ctx, s.device, label, parts...)
}

func deviceMAC(ctx context.Context, d DeviceSecret, label string, parts ...[]byte) ([]byte, error) {
	msg := []byte(label)
	for _, p := range parts {
		msg = append(msg, p...)
	}
	mac, err := d.MAC(ctx, msg)
	if err != nil {
		return nil, fmt.Errorf("wallet store: device secret: %w", err)
	}
	if len(mac) != macSize {
		return nil, fmt.Errorf("wallet store: the device secret's MAC is %d bytes, not %d", len(mac), macSize)
	}
	return mac, nil
}

// readHeader reads the header row and checks its device MAC. It returns
// the row as well, so that a later transaction can tell whether it changed.
func (s *Store) readHeader(ctx context.Context, q querier) (*header, []byte, error) {
	row, err := s.readMeta(ctx, q, "header")
	if err != nil {
		return nil, nil, err
	}
	h, body, mac, err := decodeHeader(row)
	if err != nil {
		return nil, nil, err
	}
	want, err := s.deviceMAC(ctx, labelHeader, body)
	if err != nil {
		return nil, nil, err
	}
	if !hmac.Equal(mac, want) {
		return nil, nil, fmt.Errorf("%w: the header does not authenticate under this device's secret", ErrTampered)
	}
	return &h, row, nil
}

func (s *Store) writeHeader(ctx context.Context, q querier, h *header) error {
	body := h.encode()
	mac, err := s.deviceMAC(ctx, labelHeader, body)
	if err != nil {
		return err
	}
	return s.writeMeta(ctx, q, "header", append(body, mac...))
}

// readAttempts reads the attempt counter and checks its device MAC, which
// binds it to this store.
func (s *Store) readAttempts(ctx context.Context, q querier) (attempts, error) {
	row, err := s.readMeta(ctx, q, "attempts")
	if err != nil {
		return attempts{}, err
	}
	a, body, mac, err := decodeAttempts(row)
	if err != nil {
		return attempts{}, err
	}
	want, err := s.deviceMAC(ctx, labelAttempts, s.id[:], body)
	if err != nil {
		return attempts{}, err
	}
	if !hmac.Equal(mac, want) {
		return attempts{}, fmt.Errorf("%w: the attempt counter does not authenticate", ErrTampered)
	}
	return a, nil
}

func (s *Store) writeAttempts(ctx context.Context, q querier, a attempts) error {
	body := a.encode()
	mac, err := s.deviceMAC(ctx, labelAttempts, s.id[:], body)
	if err != nil {
		return err
	}
	return s.writeMeta(ctx, q, "attempts", append(body, mac...))
}

// newHeader makes a header for the store id whose data key is wrapped
// under pin, with a fresh salt and the given parameters.
func newHeader(ctx context.Context, device DeviceSecret, id [storeIDSize]byte, p Params, pin, dataKey []byte) (*header, error) {
	h := &header{storeID: id, params: p}
	rand.Read(h.salt[:])
	rand.Read(h.nonce[:])
	aead, err := h.kek(ctx, device, pin)
	if err != nil {
		return nil, err
	}
	aead.Seal(h.wrapped[:0], h.nonce[:], dataKey, h.ad())
	return h, nil
}

// kek is the AEAD that wraps the data key: XChaCha20-Poly1305 under
// MAC_device(labelKEK || store id || Argon2id(pin, salt)). Argon2id makes
// each PIN guess cost its memory and time; the device MAC makes guessing
// impossible without the device (with a secure element: without asking it,
// one guess at a time).
func (h *header) kek(ctx context.Context, device DeviceSecret, pin []byte) (cipher.AEAD, error) {
	stretched, err := h.params.derive(ctx, pin, h.salt[:])
	if err != nil {
		return nil, err
	}
	defer clear(stretched)
	k, err := deviceMAC(ctx, device, labelKEK, h.storeID[:], stretched)
	if err != nil {
		return nil, err
	}
	defer clear(k)
	return chacha20poly1305.NewX(k)
}

// unwrap opens the wrapped data key; an error means a wrong PIN, since the
// header's MAC has been checked.
func (h *header) unwrap(aead cipher.AEAD) ([]byte, error) {
	return aead.Open(nil, h.nonce[:], h.wrapped[:], h.ad())
}

// Unlock checks pin and, if it is right, loads the store's keys so that
// records can be read and written.
//
// Every try is counted durably before the PIN is tried (so that killing the
// process during the Argon2id computation gives no free try) and the count
// is reset by a right PIN. A wrong PIN gives an *UnlockError wrapping
// ErrWrongPIN with the tries left and the wait before the next; after
// FreeAttempts wrong PINs in a row each further try must wait (ErrLocked,
// not counted), and the MaxAttempts-th wrong PIN locks the store for good
// (ErrHardLocked). A counter that fails its device MAC is treated as a hard
// lock. A wrong PIN reveals nothing about the contents: no record can be
// read without the data key, and the answer is the same whatever the store
// holds. ErrInvalidPIN (wrong length) is not counted.
//
// When the stored Argon2id parameters are below the store's Options.Params,
// a right PIN also re-wraps the data key under the current parameters (the
// upgrade path: this unlock then runs Argon2id twice).
//
// Unlock does not check ctx during Argon2id; a cancelled unlock still
// counts as a try.
func (s *Store) Unlock(ctx context.Context, pin []byte) error {
	if err := s.usable(); err != nil {
		return err
	}
	if err := checkPIN(pin); err != nil {
		return err
	}
	h, row, dataKey, err := s.tryPIN(ctx, pin)
	if err != nil {
		return err
	}
	defer clear(dataKey)
	var upgraded *header
	if h.params.below(s.opts.Params) {
		if upgraded, err = newHeader(ctx, s.device, s.id, h.params.raisedTo(s.opts.Params), pin, dataKey); err != nil {
			return err
		}
	}
	if err := s.finishPIN(ctx, row, upgraded); err != nil {
		return err
	}
	keys, err := newSessionKeys(dataKey, s.id)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		keys.wipe()
		return ErrClosed
	}
	if s.keys != nil {
		s.keys.wipe()
	}
	s.keys = keys
	return nil
}

// tryPIN counts an attempt, then tries pin. It returns the header it used,
// that header's row, and the data key.
func (s *Store) tryPIN(ctx context.Context, pin []byte) (*header, []byte, []byte, error) {
	now := s.opts.Now()
	var (
		h       *header
		row     []byte
		a       attempts
		refusal error
	)
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		if h, row, err = s.readHeader(ctx, tx); err != nil {
			return err
		}
		a, err = s.readAttempts(ctx, tx)
		if errors.Is(err, ErrCorrupt) {
			// A counter that was edited, deleted, or copied from another
			// store: the safe reading is that it was at its limit.
			refusal = &UnlockError{Err: ErrHardLocked, Cause: err}
			return nil
		}
		if err != nil {
			return err
		}
		if a.failures >= MaxAttempts {
			refusal = &UnlockError{Err: ErrHardLocked}
			return nil
		}
		if d := delayAfter(a.failures); d > 0 {
			if now.UnixMilli() < a.last {
				// The clock went back since the last try. Count the wait from
				// now; otherwise a clock set back by a day would hold the user
				// off for a day. (Setting it forward skips the wait, which no
				// clock the device controls can prevent: the hard lock is what
				// holds then.)
				a.last = now.UnixMilli()
				refusal = &UnlockError{Err: ErrLocked, Remaining: MaxAttempts - int(a.failures), RetryAfter: d}
				return s.writeAttempts(ctx, tx, a)
			}
			if w := a.wait(now); w > 0 {
				refusal = &UnlockError{Err: ErrLocked, Remaining: MaxAttempts - int(a.failures), RetryAfter: w}
				return nil
			}
		}
		a.failures++
		a.last = now.UnixMilli()
		return s.writeAttempts(ctx, tx, a)
	})
	if err != nil {
		return nil, nil, nil, err
	}
	if refusal != nil {
		return nil, nil, nil, refusal
	}
	if testHookBeforeKDF != nil {
		testHookBeforeKDF()
	}
	aead, err := h.kek(ctx, s.device, pin)
	if err != nil {
		return nil, nil, nil, err
	}
	dataKey, err := h.unwrap(aead)
	if err != nil {
		return nil, nil, nil, &UnlockError{Err: ErrWrongPIN, Remaining: MaxAttempts - int(a.failures), RetryAfter: delayAfter(a.failures)}
	}
	return h, row, dataKey, nil
}

// finishPIN resets the counter after a right PIN and writes a new header
// if there is one, in one transaction. The header must still be the one the
// PIN was checked against.
func (s *Store) finishPIN(ctx context.Context, row []byte, h *header) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		_, now, err := s.readHeader(ctx, tx)
		if err != nil {
			return err
		}
		if !bytes.Equal(now, row) {
			return errors.New("wallet store: the PIN was changed by another process during this check; try again")
		}
		if h != nil {
			if err := s.writeHeader(ctx, tx, h); err != nil {
				return err
			}
		}
		return s.writeAttempts(ctx, tx, attempts{})
	})
}

// ChangePIN replaces the PIN: it checks old exactly as Unlock does (counted,
// with the same delays and lock), then wraps the same data key under newPIN
// with a fresh salt and the current parameters. No record is touched. The
// store stays locked or unlocked as it was.
func (s *Store) ChangePIN(ctx context.Context, old, newPIN []byte) error {
	if err := s.usable(); err != nil {
		return err
	}
	if err := checkPIN(old); err != nil {
		return err
	}
	if err := checkPIN(newPIN); err != nil {
		return fmt.Errorf("new PIN: %w", err)
	}
	h, row, dataKey, err := s.tryPIN(ctx, old)
	if err != nil {
		return err
	}
	defer clear(dataKey)
	nh, err := newHeader(ctx, s.device, s.id, h.params.raisedTo(s.opts.Params), newPIN, dataKey)
	if err != nil {
		return err
	}
	return s.finishPIN(ctx, row, nh)
}

// AttemptStatus is the state of the attempt counter, for a PIN screen.
type AttemptStatus struct {
	// Failures is the number of PIN tries since the last right one.
	Failures int
	// Remaining is how many more wrong PINs the store takes before the hard
	// lock.
	Remaining int
	// RetryAfter is how long until the next try is accepted; zero means
	// now.
	RetryAfter time.Duration
	// HardLocked: no PIN will be accepted again.
	HardLocked bool
}

// Attempts reads the attempt counter. A counter that fails its check reads
// as hard-locked, with the ErrTampered cause as the error.
func (s *Store) Attempts(ctx context.Context) (AttemptStatus, error) {
	if err := s.usable(); err != nil {
		return AttemptStatus{}, err
	}
	a, err := s.readAttempts(ctx, s.db)
	if errors.Is(err, ErrCorrupt) {
		return AttemptStatus{Failures: MaxAttempts, HardLocked: true}, err
	}
	if err != nil {
		return AttemptStatus{}, err
	}
	st := AttemptStatus{Failures: int(a.failures), Remaining: MaxAttempts - int(a.failures), HardLocked: a.failures >= MaxAttempts}
	if w := a.wait(s.opts.Now()); w > 0 {
		st.RetryAfter = min(w, delayAfter(a.failures))
	}
	return st, nil
}

// Lock forgets the store's keys; records cannot be read or written until
// the next Unlock. Go cannot promise that no copy of a key is left in
// memory (the AEAD keeps its own), but the store's own copies are zeroed.
func (s *Store) Lock() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.keys != nil {
		s.keys.wipe()
		s.keys = nil
	}
}

// Unlocked reports whether the store holds its keys.
func (s *Store) Unlocked() bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.keys != nil
}

// Close locks the store and closes the file. Closing twice is harmless.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	if s.keys != nil {
		s.keys.wipe()
		s.keys = nil
	}
	if err := s.db.Close(); err != nil {
		return dbError("close", err)
	}
	return nil
}

func (s *Store) usable() error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return ErrClosed
	}
	return nil
}

// String shows the path and whether the store is unlocked, never a key.
func (s *Store) String() string {
	state := "locked"
	if s.Unlocked() {
		state = "unlocked"
	}
	return fmt.Sprintf("wallet store %s (%s)", s.path, state)
}

// GoString is String, so that not even %#v prints the store's fields.
func (s *Store) GoString() string { return s.String() }

// LogValue shows the path and whether the store is unlocked, never a key.
func (s *Store) LogValue() slog.Value {
	return slog.GroupValue(slog.String("path", s.path), slog.Bool("unlocked", s.Unlocked()))
}

// sessionKeys are the keys of an unlocked store, derived from the data key
// with HKDF-Expand (RFC 5869 §2.3; the data key is uniformly random, so the
// Extract step is not needed, §3.3).
type sessionKeys struct {
	id    [storeIDSize]byte
	index []byte      // HMAC-SHA256 key of the row keys
	aead  cipher.AEAD // XChaCha20-Poly1305 under the record key
}

func newSessionKeys(dataKey []byte, id [storeIDSize]byte) (*sessionKeys, error) {
	rk, err := hkdf.Expand(sha256.New, dataKey, infoRecordKey, chacha20poly1305.KeySize)
	if err != nil {
		return nil, fmt.Errorf("wallet store: %w", err)
	}
	defer clear(rk)
	ik, err := hkdf.Expand(sha256.New, dataKey, infoIndexKey, 32)
	if err != nil {
		return nil, fmt.Errorf("wallet store: %w", err)
	}
	aead, err := chacha20poly1305.NewX(rk)
	if err != nil {
		return nil, fmt.Errorf("wallet store: %w", err)
	}
	return &sessionKeys{id: id, index: ik, aead: aead}, nil
}

func (k *sessionKeys) wipe() {
	clear(k.index)
	k.aead = nil
}

// rowKey is HMAC-SHA256(index key, kind || 0x00 || id): the row of a record,
// which shows neither its kind nor its id. A kind has no 0x00, so the input
// is unambiguous.
func (k *sessionKeys) rowKey(kind, id string) []byte {
	m := hmac.New(sha256.New, k.index)
	m.Write([]byte(kind))
	m.Write([]byte{0})
	m.Write([]byte(id))
	return m.Sum(nil)
}

func (k *sessionKeys) ad(rowKey []byte) []byte {
	ad := make([]byte, 0, len(labelRecordAD)+storeIDSize+len(rowKey))
	ad = append(ad, labelRecordAD...)
	ad = append(ad, k.id[:]...)
	return append(ad, rowKey...)
}

// seal makes a record's row. The nonce is random: XChaCha20's 192-bit
// nonces make a collision negligible for any number of records a wallet
// will write (draft-irtf-cfrg-xchacha §3.1).
func (k *sessionKeys) seal(kind, id string, payload []byte) (rowKey, value []byte) {
	rowKey = k.rowKey(kind, id)
	plain := encodeRecord(kind, id, payload)
	defer clear(plain)
	value = make([]byte, 1+nonceSize, 1+nonceSize+len(plain)+tagSize)
	value[0] = sealedVersion
	rand.Read(value[1:])
	value = k.aead.Seal(value, value[1:1+nonceSize], plain, k.ad(rowKey))
	return rowKey, value
}

// open opens a record's row: ErrTampered if it does not authenticate in
// this row of this store.
func (k *sessionKeys) open(rowKey, value []byte) (Record, error) {
	nonce, ct, err := decodeSealed(value)
	if err != nil {
		return Record{}, err
	}
	plain, err := k.aead.Open(nil, nonce, ct, k.ad(rowKey))
	if err != nil {
		return Record{}, fmt.Errorf("%w: a record does not open in its row", ErrTampered)
	}
	defer clear(plain)
	kind, id, payload, err := decodeRecord(plain)
	if err != nil {
		return Record{}, err
	}
	// The AEAD already binds the row key; this also catches a plaintext
	// that is not the record of its row, whatever made it.
	if !hmac.Equal(k.rowKey(kind, id), rowKey) {
		return Record{}, fmt.Errorf("%w: a record is not the one its row key names", ErrTampered)
	}
	return Record{Kind: kind, ID: id, Payload: payload}, nil
}
