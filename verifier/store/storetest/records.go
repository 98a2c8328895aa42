package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seoulid/seoulid/verifier"
)

// testPutRecord: a record comes back as it was stored, its times the same
// instants to the nanosecond, in UTC, whatever zone they were given in;
// neither the caller's slices nor the returned ones are the store's.
func testPutRecord(t *testing.T, s verifier.Store) {
	ctx := context.Background()
	r := NewRecord("req_a", T0.In(KST), 30*24*time.Hour)
	want := utc(NewRecord("req_a", T0, 30*24*time.Hour))
	require.NoError(t, s.PutRecord(ctx, r))
	r.Claims[0], r.Decision[0] = 'x', 'x' // the caller's slices are not the store's

	got, err := s.Record(ctx, "req_a", T0.Add(time.Hour).In(KST))
	require.NoError(t, err)
	assert.Equal(t, want, got)
	assert.Equal(t, time.UTC, got.DecidedAt.Location())
	assert.Equal(t, time.UTC, got.PurgeAt.Location())
	assert.Equal(t, 123456789, got.DecidedAt.Nanosecond())

	got.Claims[0], got.Decision[0] = 'y', 'y'
	again, err := s.Record(ctx, "req_a", T0)
	require.NoError(t, err)
	assert.Equal(t, want, again, "nor are the ones it returns")

	other := NewRecord("req_b", T0.Add(time.Nanosecond), time.Nanosecond)
	other.Outcome, other.Programme, other.Purpose = "not_eligible", "seoul-senior-transit-pass", "prp_senior_transit"
	require.NoError(t, s.PutRecord(ctx, other))
	got, err = s.Record(ctx, "req_b", T0.Add(time.Nanosecond))
	require.NoError(t, err)
	assert.Equal(t, utc(other), got, "records are separate")
	got, err = s.Record(ctx, "req_a", T0)
	require.NoError(t, err)
	assert.Equal(t, want, got)

	for _, o := range []string{"eligible", "not_eligible", "undetermined", "declined", "refused"} {
		r := NewRecord("req_"+o, T0, time.Hour)
		r.Outcome, r.Claims = o, nil
		require.NoError(t, s.PutRecord(ctx, r), o)
		got, err := s.Record(ctx, r.RequestID, T0)
		require.NoError(t, err, o)
		assert.Equal(t, o, got.Outcome)
	}
}

// testPutRecordExists: a request is decided once: a second PutRecord of
// its id is ErrExists and changes nothing, also while the first record is
// due but not yet purged; once purged, the id is free.
func testPutRecordExists(t *testing.T, s verifier.Store) {
	ctx := context.Background()
	first := NewRecord("req_a", T0, time.Hour)
	require.NoError(t, s.PutRecord(ctx, first))

	second := NewRecord("req_a", T0.Add(time.Minute), 2*time.Hour)
	second.Outcome, second.Decision, second.Claims = "not_eligible", []byte(`{"criteria":[]}`), nil
	assert.ErrorIs(t, s.PutRecord(ctx, second), verifier.ErrExists)
	got, err := s.Record(ctx, "req_a", T0)
	require.NoError(t, err)
	assert.Equal(t, utc(first), got, "the first record is unchanged")

	// Due: not found, but the request still has its decision.
	_, err = s.Record(ctx, "req_a", first.PurgeAt)
	assert.ErrorIs(t, err, verifier.ErrNotFound)
	assert.ErrorIs(t, s.PutRecord(ctx, second), verifier.ErrExists, "due but not purged")

	n, err := s.Purge(ctx, first.PurgeAt)
	require.NoError(t, err)
	require.Equal(t, 1, n)
	require.NoError(t, s.PutRecord(ctx, second), "purged: the id is free")
	got, err = s.Record(ctx, "req_a", second.DecidedAt)
	require.NoError(t, err)
	assert.Equal(t, utc(second), got)
}

// testPutRecordConcurrent: 8 PutRecords of one request at once: exactly
// one succeeds, the others are ErrExists, and the stored record is the
// winner's, whole.
func testPutRecordConcurrent(t *testing.T, s verifier.Store) {
	ctx := context.Background()
	for round := range 5 {
		id := fmt.Sprint("req_", round)
		recs := make([]*verifier.Record, 8)
		for i := range recs {
			recs[i] = NewRecord(id, T0.Add(time.Duration(i)*time.Second), time.Duration(i+1)*time.Hour)
			recs[i].Decision = fmt.Appendf(nil, `{"attempt":%d}`, i)
			recs[i].Claims = fmt.Appendf(nil, `{"attempt":%d}`, i)
		}
		errs := race(8, func(i int) error { return s.PutRecord(ctx, recs[i]) })
		require.Equal(t, map[string]int{"ok": 1, verifier.ErrExists.Error(): 7}, count(errs, verifier.ErrExists), "round %d", round)
		for i, err := range errs {
			if err != nil {
				continue
			}
			got, err := s.Record(ctx, id, T0)
			require.NoError(t, err)
			assert.Equal(t, utc(recs[i]), got, "round %d: the winner's record", round)
		}
	}
}

// testPutRecordRefuses: a record the contract does not allow is refused,
// with an error that is not ErrExists, and nothing of it is stored.
func testPutRecordRefuses(t *testing.T, s verifier.Store) {
	ctx := context.Background()
	for _, c := range []struct {
		name string
		edit func(r *verifier.Record)
	}{
		{"no request id", func(r *verifier.Record) { r.RequestID = "" }},
		{"no DecidedAt", func(r *verifier.Record) { r.DecidedAt = time.Time{} }},
		{"no PurgeAt", func(r *verifier.Record) { r.PurgeAt = time.Time{} }},
		{"PurgeAt before DecidedAt", func(r *verifier.Record) { r.PurgeAt = r.DecidedAt.Add(-time.Nanosecond) }},
		{"DecidedAt after 2262", func(r *verifier.Record) { r.DecidedAt = time.Date(2263, 1, 1, 0, 0, 0, 0, time.UTC) }},
		{"PurgeAt after 2262", func(r *verifier.Record) { r.PurgeAt = time.Date(2263, 1, 1, 0, 0, 0, 0, time.UTC) }},
		{"no outcome", func(r *verifier.Record) { r.Outcome = "" }},
		{"unknown outcome", func(r *verifier.Record) { r.Outcome = "approved" }},
		{"no decision", func(r *verifier.Record) { r.Decision = nil }},
		{"empty decision", func(r *verifier.Record) { r.Decision = []byte{} }},
	} {
		r := NewRecord("req_refused", T0, time.Hour)
		c.edit(r)
		err := s.PutRecord(ctx, r)
		if assert.Error(t, err, c.name) {
			assert.NotErrorIs(t, err, verifier.ErrExists, c.name)
		}
		_, err = s.Record(ctx, "req_refused", T0)
		assert.ErrorIs(t, err, verifier.ErrNotFound, "%s: nothing stored", c.name)
	}
	assert.Error(t, s.PutRecord(ctx, nil), "nil record")

	// What may be empty: the programme's fields, which the database leaves
	// to the verifier core; PurgeAt equal to DecidedAt (retention P0D).
	r := NewRecord("req_p0d", T0, 0)
	r.Programme, r.ProgrammeVersion, r.Purpose = "", "", ""
	require.NoError(t, s.PutRecord(ctx, r))
}

// testClaims: Claims come back as they were given: nil (the programme
// keeps no values) as nil, empty as empty, bytes as the same bytes.
func testClaims(t *testing.T, s verifier.Store) {
	ctx := context.Background()
	for _, c := range []struct {
		name   string
		claims []byte
	}{
		{"nil", nil},
		{"empty", []byte{}},
		{"JSON", []byte(`{"resident_registration":{"name":"김민지"}}`)},
		{"not JSON", []byte{0, 0xff, '{'}}, // the store keeps bytes; the core makes the JSON
	} {
		r := NewRecord("req_"+c.name, T0, time.Hour)
		r.Claims = c.claims
		require.NoError(t, s.PutRecord(ctx, r), c.name)
		got, err := s.Record(ctx, r.RequestID, T0)
		require.NoError(t, err, c.name)
		assert.Equal(t, c.claims, got.Claims, c.name)
		assert.Equal(t, c.claims == nil, got.Claims == nil, "%s: nil is nil, empty is not", c.name)
	}
}

// testRecord: Record finds a record from DecidedAt until just before
// PurgeAt, and from PurgeAt on reports ErrNotFound even before Purge has
// run, as for a request that was never decided. A record kept for zero
// time (PurgeAt = DecidedAt) is never found.
func testRecord(t *testing.T, s verifier.Store) {
	ctx := context.Background()
	_, err := s.Record(ctx, "req_none", T0)
	assert.ErrorIs(t, err, verifier.ErrNotFound)
	_, err = s.Record(ctx, "", T0)
	assert.ErrorIs(t, err, verifier.ErrNotFound)

	r := NewRecord("req_a", T0, time.Hour)
	require.NoError(t, s.PutRecord(ctx, r))
	for _, c := range []struct {
		name  string
		now   time.Time
		found bool
	}{
		{"before it was decided", T0.Add(-time.Hour), true},
		{"when decided", T0, true},
		{"a nanosecond before PurgeAt", r.PurgeAt.Add(-time.Nanosecond), true},
		{"a nanosecond before PurgeAt, KST", r.PurgeAt.Add(-time.Nanosecond).In(KST), true},
		{"at PurgeAt", r.PurgeAt, false},
		{"at PurgeAt, KST", r.PurgeAt.In(KST), false},
		{"after PurgeAt", r.PurgeAt.Add(24 * time.Hour), false},
	} {
		got, err := s.Record(ctx, "req_a", c.now)
		if c.found {
			require.NoError(t, err, c.name)
			assert.Equal(t, utc(r), got, c.name)
		} else {
			assert.ErrorIs(t, err, verifier.ErrNotFound, c.name)
			assert.Nil(t, got, c.name)
		}
	}

	p0d := NewRecord("req_p0d", T0, 0)
	p0d.Claims = nil
	require.NoError(t, s.PutRecord(ctx, p0d))
	_, err = s.Record(ctx, "req_p0d", T0)
	assert.ErrorIs(t, err, verifier.ErrNotFound, "PurgeAt = DecidedAt: due at once")
	_, err = s.Record(ctx, "req_p0d", T0.Add(-time.Nanosecond))
	assert.NoError(t, err, "but stored until purged")
}

// testPurge: Purge deletes exactly the records whose PurgeAt is at or
// before now, with their claims, and returns how many; the others stay,
// whole. Purging again deletes nothing.
func testPurge(t *testing.T, s verifier.Store) {
	ctx := context.Background()
	n, err := s.Purge(ctx, T0)
	require.NoError(t, err)
	assert.Zero(t, n, "an empty store")

	// 60 records decided a minute apart from T0, kept 1 to 3 hours (the
	// same PurgeAt for several), and one kept for zero time.
	var recs []*verifier.Record
	for i := range 60 {
		r := NewRecord(fmt.Sprintf("req_%02d", i), T0.Add(time.Duration(i)*time.Minute), time.Duration(1+i%3)*time.Hour)
		if i%2 == 1 {
			r.DecidedAt, r.PurgeAt = r.DecidedAt.In(KST), r.PurgeAt.In(KST)
		}
		recs = append(recs, r)
	}
	recs = append(recs, NewRecord("req_p0d", T0, 0))
	for _, r := range recs {
		require.NoError(t, s.PutRecord(ctx, r), r.RequestID)
	}
	// stored reports whether a record is still stored: found by Record as
	// of a time before every record is due.
	stored := func(r *verifier.Record) bool {
		got, err := s.Record(ctx, r.RequestID, T0.Add(-time.Nanosecond))
		if errors.Is(err, verifier.ErrNotFound) {
			return false
		}
		require.NoError(t, err, r.RequestID)
		assert.Equal(t, utc(r), got, "%s is whole", r.RequestID)
		return true
	}

	for _, now := range []time.Time{
		T0,                                      // the P0D record
		T0.Add(time.Hour).Add(-time.Nanosecond), // nothing more
		T0.Add(90 * time.Minute).In(KST),
		T0.Add(2 * time.Hour),
		T0.Add(3*time.Hour + 30*time.Minute),
		T0.Add(5 * time.Hour),
	} {
		due := 0
		for _, r := range recs {
			if !r.PurgeAt.After(now) && stored(r) {
				due++
			}
		}
		n, err := s.Purge(ctx, now)
		require.NoError(t, err, "purge at %s", now)
		assert.Equal(t, due, n, "purge at %s: the count", now)
		for _, r := range recs {
			assert.Equal(t, r.PurgeAt.After(now), stored(r), "purge at %s: %s (PurgeAt %s)", now, r.RequestID, r.PurgeAt)
		}
		n, err = s.Purge(ctx, now)
		require.NoError(t, err)
		assert.Zero(t, n, "purge at %s again", now)
	}
	for _, r := range recs {
		assert.False(t, stored(r), "%s purged", r.RequestID)
	}
}

// testPurgeConcurrent: purges at once delete every due record once: their
// counts add up to the records that were due.
func testPurgeConcurrent(t *testing.T, s verifier.Store) {
	ctx := context.Background()
	for i := range 40 {
		require.NoError(t, s.PutRecord(ctx, NewRecord(fmt.Sprint("req_", i), T0, time.Duration(1+i%2)*time.Hour)))
	}
	counts := make([]int, 4)
	errs := race(4, func(i int) error {
		var err error
		counts[i], err = s.Purge(ctx, T0.Add(time.Hour))
		return err
	})
	require.Equal(t, map[string]int{"ok": 4}, count(errs))
	assert.Equal(t, 20, counts[0]+counts[1]+counts[2]+counts[3], "each due record deleted once: %v", counts)
	n, err := s.Purge(ctx, T0.Add(2*time.Hour))
	require.NoError(t, err)
	assert.Equal(t, 20, n, "the others were left")
}
