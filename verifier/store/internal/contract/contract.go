package contract

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/seoulid/seoulid/verifier"
)

// Outcomes are the outcomes a record may have (verifier.Record.Outcome);
// both schemas CHECK the same list.
var Outcomes = []string{"eligible", "not_eligible", "undetermined", "declined", "refused"}

// Nanos returns t as Unix nanoseconds (UTC), the way both schemas store
// time: an int64 keeps every nanosecond, which a PostgreSQL timestamp
// (microseconds) would lose. A zero time, or one outside the years
// 1678–2262 that an int64 of nanoseconds can hold, is an error naming
// field.
func Nanos(field string, t time.Time) (int64, error) {
	if t.IsZero() {
		return 0, fmt.Errorf("%s is not set", field)
	}
	n := t.UnixNano()
	if !time.Unix(0, n).Equal(t) {
		return 0, fmt.Errorf("%s (%s) cannot be stored: outside the years 1678–2262", field, t)
	}
	return n, nil
}

// Time is the UTC time of Unix nanoseconds n.
func Time(n int64) time.Time { return time.Unix(0, n).UTC() }

// Columns are the columns of a record, in the order Args uses.
const Columns = "request_id, programme, programme_version, purpose, outcome, decision, claims, decided_at, purge_at"

// SelectColumns are the columns Scan reads: Columns and whether claims
// is set, since SQLite hands an empty BLOB back as nil and the store must
// return Claims nil or empty as it was given.
const SelectColumns = Columns + ", claims IS NOT NULL"

// Args checks a record and returns the values of Columns. A record has a
// request id, one of Outcomes, a non-empty Decision, and DecidedAt and
// PurgeAt, PurgeAt not before DecidedAt (equal is a record due at once,
// retention P0D). Claims may be nil (none kept), and are not parsed:
// the store keeps the bytes it is given.
func Args(r *verifier.Record) ([]any, error) {
	switch {
	case r == nil:
		return nil, errors.New("nil record")
	case r.RequestID == "":
		return nil, errors.New("record without a request id")
	case !slices.Contains(Outcomes, r.Outcome):
		return nil, fmt.Errorf("record %s: unknown outcome %q", r.RequestID, r.Outcome)
	case len(r.Decision) == 0:
		return nil, fmt.Errorf("record %s has no decision", r.RequestID)
	}
	decided, err := Nanos("record DecidedAt", r.DecidedAt)
	if err != nil {
		return nil, fmt.Errorf("record %s: %w", r.RequestID, err)
	}
	purge, err := Nanos("record PurgeAt", r.PurgeAt)
	if err != nil {
		return nil, fmt.Errorf("record %s: %w", r.RequestID, err)
	}
	if purge < decided {
		return nil, fmt.Errorf("record %s: PurgeAt (%s) is before DecidedAt (%s)", r.RequestID, r.PurgeAt, r.DecidedAt)
	}
	return []any{r.RequestID, r.Programme, r.ProgrammeVersion, r.Purpose, r.Outcome, r.Decision, r.Claims, decided, purge}, nil
}

// Scan reads the columns of SelectColumns with scan (a Row's or Rows'
// Scan of database/sql or pgx).
func Scan(scan func(dest ...any) error) (*verifier.Record, error) {
	var (
		r              verifier.Record
		decided, purge int64
		hasClaims      bool
	)
	if err := scan(&r.RequestID, &r.Programme, &r.ProgrammeVersion, &r.Purpose, &r.Outcome, &r.Decision, &r.Claims, &decided, &purge, &hasClaims); err != nil {
		return nil, err
	}
	switch {
	case !hasClaims:
		r.Claims = nil
	case r.Claims == nil:
		r.Claims = []byte{}
	}
	r.DecidedAt, r.PurgeAt = Time(decided), Time(purge)
	return &r, nil
}
