package store

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
)

// Record is one record of the store: a kind (what it is: "credential",
// "receipt", "holder-key"), an id unique within the kind, and the payload,
// which the store seals and never interprets.
type Record struct {
	Kind    string
	ID      string
	Payload []byte
}

// Tx is the view of the store inside Update: its reads see its own writes,
// and its writes are committed together or not at all. A Tx is valid only
// during the function Update calls; it is not safe for concurrent use.
type Tx struct {
	tx   *sql.Tx
	keys *sessionKeys
}

// Update runs fn in one transaction: every write fn makes is committed
// durably together when fn returns nil, or none is if fn returns an error
// (which Update returns) or the process dies first. fn must not call the
// Store's own methods (it would wait for itself); it uses tx.
func (s *Store) Update(ctx context.Context, fn func(tx *Tx) error) error {
	keys, release, err := s.session()
	if err != nil {
		return err
	}
	defer release()
	return s.inTx(ctx, func(t *sql.Tx) error { return fn(&Tx{tx: t, keys: keys}) })
}

// session returns the keys of an unlocked store, holding the read lock
// until release, so that Lock and Close wait for the operation to end.
func (s *Store) session() (*sessionKeys, func(), error) {
	s.mu.RLock()
	switch {
	case s.closed:
		s.mu.RUnlock()
		return nil, nil, ErrClosed
	case s.keys == nil:
		s.mu.RUnlock()
		return nil, nil, ErrNotUnlocked
	}
	return s.keys, s.mu.RUnlock, nil
}

// Put stores payload as the record kind/id, replacing any record there.
// A kind is 1 to MaxKindLength of a-z 0-9 . _ / - (starting with a letter
// or digit), an id 1 to MaxIDLength bytes, a payload at most MaxPayload
// bytes (ErrInvalidRecord otherwise).
func (s *Store) Put(ctx context.Context, kind, id string, payload []byte) error {
	return s.Update(ctx, func(tx *Tx) error { return tx.Put(ctx, kind, id, payload) })
}

// Get returns the payload of the record kind/id, or ErrNotFound, or
// ErrTampered if its row does not authenticate.
func (s *Store) Get(ctx context.Context, kind, id string) ([]byte, error) {
	keys, release, err := s.session()
	if err != nil {
		return nil, err
	}
	defer release()
	return get(ctx, s.db, keys, kind, id)
}

// Delete removes the record kind/id, or returns ErrNotFound.
func (s *Store) Delete(ctx context.Context, kind, id string) error {
	return s.Update(ctx, func(tx *Tx) error { return tx.Delete(ctx, kind, id) })
}

// List returns the records of a kind, sorted by id. Row keys do not show
// kinds, so it opens every record of the store; one that fails to open
// fails the list (ErrTampered) rather than being skipped unseen.
func (s *Store) List(ctx context.Context, kind string) ([]Record, error) {
	if err := checkKind(kind); err != nil {
		return nil, err
	}
	keys, release, err := s.session()
	if err != nil {
		return nil, err
	}
	defer release()
	return list(ctx, s.db, keys, kind)
}

// Put stores payload as the record kind/id, as Store.Put.
func (tx *Tx) Put(ctx context.Context, kind, id string, payload []byte) error {
	if err := checkRecord(kind, id, payload); err != nil {
		return err
	}
	k, v := tx.keys.seal(kind, id, payload)
	if _, err := tx.tx.ExecContext(ctx, "INSERT INTO records (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v", k, v); err != nil {
		return dbError("write record", err)
	}
	return nil
}

// Get returns the payload of kind/id, as Store.Get.
func (tx *Tx) Get(ctx context.Context, kind, id string) ([]byte, error) {
	return get(ctx, tx.tx, tx.keys, kind, id)
}

// Delete removes kind/id, as Store.Delete.
func (tx *Tx) Delete(ctx context.Context, kind, id string) error {
	if err := checkRecord(kind, id, nil); err != nil {
		return err
	}
	res, err := tx.tx.ExecContext(ctx, "DELETE FROM records WHERE k = ?", tx.keys.rowKey(kind, id))
	if err != nil {
		return dbError("delete record", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return dbError("delete record", err)
	} else if n == 0 {
		return ErrNotFound
	}
	return nil
}

// List returns the records of a kind, as Store.List.
func (tx *Tx) List(ctx context.Context, kind string) ([]Record, error) {
	if err := checkKind(kind); err != nil {
		return nil, err
	}
	return list(ctx, tx.tx, tx.keys, kind)
}

type rowQuerier interface {
	querier
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func get(ctx context.Context, q querier, keys *sessionKeys, kind, id string) ([]byte, error) {
	if err := checkRecord(kind, id, nil); err != nil {
		return nil, err
	}
	k := keys.rowKey(kind, id)
	var v []byte
	err := q.QueryRowContext(ctx, "SELECT v FROM records WHERE k = ?", k).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, dbError("read record", err)
	}
	r, err := keys.open(k, v)
	if err != nil {
		return nil, err
	}
	return r.Payload, nil
}

func checkKind(kind string) error { return checkRecord(kind, "-", nil) }

// list opens every record and keeps those of kind; kind "" keeps all (for
// Backup), sorted by kind and id.
func list(ctx context.Context, q rowQuerier, keys *sessionKeys, kind string) ([]Record, error) {
	rows, err := q.QueryContext(ctx, "SELECT k, v FROM records")
	if err != nil {
		return nil, dbError("read records", err)
	}
	defer rows.Close()
	var out []Record
	for rows.Next() {
		var k, v []byte
		if err := rows.Scan(&k, &v); err != nil {
			return nil, dbError("read records", err)
		}
		r, err := keys.open(k, v)
		if err != nil {
			return nil, err
		}
		if kind == "" || r.Kind == kind {
			out = append(out, r)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, dbError("read records", err)
	}
	slices.SortFunc(out, func(a, b Record) int {
		if c := strings.Compare(a.Kind, b.Kind); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}
