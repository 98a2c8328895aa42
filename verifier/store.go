package verifier

import (
	"context"
	"errors"
	"time"
)

// Store keeps decision records for their programme's retention, then
// purges them with the claim values they hold. Implementations:
// store/sqlite (default), store/postgres; both pass store/storetest.
type Store interface {
	// PutRecord stores the record of a decision; ErrExists when the
	// request already has one (a request is decided once).
	PutRecord(ctx context.Context, r *Record) error
	// Record returns the record of a request: ErrNotFound when there is
	// none, or it was purged, or its PurgeAt is not after now.
	Record(ctx context.Context, requestID string, now time.Time) (*Record, error)
	// Purge deletes every record whose PurgeAt is at or before now, with
	// its claim values, and returns how many it deleted.
	Purge(ctx context.Context, now time.Time) (int, error)
	// Close releases the store.
	Close() error
}

// Record is a decision as the verifier keeps it: what it decided and why,
// and the claim values it decided on, until PurgeAt.
type Record struct {
	RequestID        string
	Programme        string // the programme's id
	ProgrammeVersion string
	Purpose          string // the ledger's purpose id
	Outcome          string // eligible, not_eligible, undetermined, declined, refused (the stores check it is one of these)
	// Decision is the decision as JSON: the criteria with their outcomes
	// and reasons in Korean and English.
	Decision []byte
	// Claims are the disclosed claim values per credential query, as JSON;
	// nil when the programme keeps none: under retention P0D the values are
	// never stored, and the decision alone is kept for the short window in
	// which the citizen reads it (PurgeAt).
	Claims    []byte
	DecidedAt time.Time
	PurgeAt   time.Time
}

// Errors of a Store.
var (
	ErrNotFound = errors.New("verifier: no such record")
	ErrExists   = errors.New("verifier: the request already has a decision")
)
