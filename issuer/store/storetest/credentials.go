package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seoulid/seoulid/issuer"
)

// testCompleteOffer: the records are stored, the offer is issued with its
// claims wiped, and an offer issues once.
func testCompleteOffer(t *testing.T, s issuer.Store) {
	ctx := context.Background()
	o := redeemedOffer(t, s, "a", T0)
	now := T0.Add(2 * time.Minute).In(kst)
	recs := []*issuer.Credential{record(o, "a1", listA, 131071, now), record(o, "a2", listB, 0, now)}
	recs[1].Expiry = time.Time{} // a credential without an expiry
	require.NoError(t, s.CompleteOffer(ctx, o.ID, spend(), recs, now))

	got, err := s.Offer(ctx, o.ID)
	require.NoError(t, err)
	want := canon(o)
	want.State, want.Claims, want.IssuedAt, want.Credentials = issuer.OfferIssued, nil, now, 2
	equal(t, want, got, "issued, claims wiped")
	for _, r := range recs {
		c, err := s.Credential(ctx, r.ID)
		require.NoError(t, err)
		equal(t, r, c)
	}
	_, err = s.Credential(ctx, "crd_nope")
	assert.ErrorIs(t, err, issuer.ErrNotFound)

	// Again: the offer is issued, nothing more is stored.
	again := []*issuer.Credential{record(o, "a3", listA, 7, now)}
	assert.ErrorIs(t, s.CompleteOffer(ctx, o.ID, spend(), again, now), issuer.ErrCodeUsed)
	_, err = s.Credential(ctx, "crd_a3")
	assert.ErrorIs(t, err, issuer.ErrNotFound)
	assert.False(t, indexUsed(t, s, listA, 7))
	got, err = s.Offer(ctx, o.ID)
	require.NoError(t, err)
	equal(t, want, got)

	// A record's OfferID may be left to CompleteOffer; another offer's is
	// refused.
	b := redeemedOffer(t, s, "b", T0)
	rb := record(b, "b1", listA, 8, now)
	rb.OfferID = ""
	require.NoError(t, s.CompleteOffer(ctx, b.ID, spend(), []*issuer.Credential{rb}, now))
	c, err := s.Credential(ctx, "crd_b1")
	require.NoError(t, err)
	assert.Equal(t, b.ID, c.OfferID)
	d := redeemedOffer(t, s, "d", T0)
	assert.Error(t, s.CompleteOffer(ctx, d.ID, spend(), []*issuer.Credential{record(o, "d1", listA, 9, now)}, now), "a record of another offer")
	got, err = s.Offer(ctx, d.ID)
	require.NoError(t, err)
	assert.Equal(t, issuer.OfferRedeemed, got.State)
}

// testCompleteOfferNotRedeemed: a pending or burned offer cannot be
// completed (ErrCodeUsed); an unknown one is ErrNotFound.
func testCompleteOfferNotRedeemed(t *testing.T, s issuer.Store) {
	ctx := context.Background()
	now := T0.Add(time.Minute)
	pending := putOffer(t, s, "pending", T0)
	assert.ErrorIs(t, s.CompleteOffer(ctx, pending.ID, spend(), []*issuer.Credential{record(pending, "p", listA, 1, now)}, now), issuer.ErrCodeUsed)

	burned := putOffer(t, s, "burned", T0)
	_, err := s.RedeemOffer(ctx, burned.CodeHash, wrongCode, 1, grant("burned", now), now)
	require.ErrorIs(t, err, issuer.ErrTxCode)
	assert.ErrorIs(t, s.CompleteOffer(ctx, burned.ID, spend(), []*issuer.Credential{record(burned, "b", listA, 2, now)}, now), issuer.ErrCodeUsed)

	unknown := record(pending, "n", listA, 3, now)
	unknown.OfferID = "off_nope"
	assert.ErrorIs(t, s.CompleteOffer(ctx, "off_nope", spend(), []*issuer.Credential{unknown}, now), issuer.ErrNotFound)

	n, err := s.CountIndexes(ctx, listA)
	require.NoError(t, err)
	assert.Equal(t, 0, n, "nothing stored")
	got, err := s.Offer(ctx, pending.ID)
	require.NoError(t, err)
	equal(t, pending, got, "the pending offer is untouched")
}

// testCompleteOfferIndexTaken: one taken index fails the whole call with
// ErrIndexTaken: no record is stored and the offer stays redeemed, with
// its claims, ready for another try.
func testCompleteOfferIndexTaken(t *testing.T, s issuer.Store) {
	ctx := context.Background()
	now := T0.Add(2 * time.Minute)
	a := redeemedOffer(t, s, "a", T0)
	require.NoError(t, s.CompleteOffer(ctx, a.ID, spend(), []*issuer.Credential{record(a, "a1", listA, 5, now)}, now))

	b := redeemedOffer(t, s, "b", T0)
	for name, recs := range map[string][]*issuer.Credential{
		"taken by another offer":  {record(b, "b1", listA, 6, now), record(b, "b2", listA, 5, now)},
		"taken twice in one call": {record(b, "b1", listB, 6, now), record(b, "b2", listB, 6, now)},
	} {
		assert.ErrorIs(t, s.CompleteOffer(ctx, b.ID, spend(), recs, now), issuer.ErrIndexTaken, name)
		for _, r := range recs {
			_, err := s.Credential(ctx, r.ID)
			assert.ErrorIs(t, err, issuer.ErrNotFound, "%s: %s is not stored", name, r.ID)
		}
		assert.False(t, indexUsed(t, s, recs[0].ListURI, 6), name)
		got, err := s.Offer(ctx, b.ID)
		require.NoError(t, err)
		equal(t, b, got, "%s: the offer is still redeemed, with its claims", name)
	}
	for list, want := range map[string]int{listA: 1, listB: 0} {
		n, err := s.CountIndexes(ctx, list)
		require.NoError(t, err)
		assert.Equal(t, want, n, list)
	}

	// The same index of another list is free; the retry succeeds.
	require.NoError(t, s.CompleteOffer(ctx, b.ID, spend(), []*issuer.Credential{record(b, "b1", listA, 6, now), record(b, "b2", listB, 5, now)}, now))
	got, err := s.Offer(ctx, b.ID)
	require.NoError(t, err)
	assert.Equal(t, issuer.OfferIssued, got.State)
	assert.Equal(t, 2, got.Credentials)

	// A credential id is unique too, but that is not a taken index.
	c := redeemedOffer(t, s, "c", T0)
	dup := record(c, "a1", listA, 100, now)
	err = s.CompleteOffer(ctx, c.ID, spend(), []*issuer.Credential{dup}, now)
	assert.Error(t, err, "a credential id used twice")
	assert.NotErrorIs(t, err, issuer.ErrIndexTaken)
}

// testCompleteOfferConcurrentIndex: 8 offers take the same index at once:
// one gets it, 7 get ErrIndexTaken.
func testCompleteOfferConcurrentIndex(t *testing.T, s issuer.Store) {
	ctx := context.Background()
	now := T0.Add(2 * time.Minute)
	offers := make([]*issuer.Offer, 8)
	for i := range offers {
		offers[i] = redeemedOffer(t, s, fmt.Sprint("o", i), T0)
	}
	errs := race(8, func(i int) error {
		o := offers[i]
		// Each takes a free index and the contested one, in an order that
		// differs between offers.
		recs := []*issuer.Credential{record(o, o.ID+"-free", listA, 1000+i, now), record(o, o.ID+"-42", listA, 42, now)}
		if i%2 == 1 {
			recs[0], recs[1] = recs[1], recs[0]
		}
		return s.CompleteOffer(ctx, o.ID, spend(), recs, now)
	})
	require.Equal(t, map[string]int{"ok": 1, issuer.ErrIndexTaken.Error(): 7}, count(errs, issuer.ErrIndexTaken))
	n, err := s.CountIndexes(ctx, listA)
	require.NoError(t, err)
	assert.Equal(t, 2, n, "the winner's two records and nothing else")
	for i, err := range errs {
		got, err2 := s.Offer(ctx, offers[i].ID)
		require.NoError(t, err2)
		if err == nil {
			assert.Equal(t, issuer.OfferIssued, got.State)
		} else {
			assert.Equal(t, issuer.OfferRedeemed, got.State)
		}
	}
}

// testCompleteOfferConcurrentOffer: 8 completions of one offer at once:
// one issues, 7 get ErrCodeUsed.
func testCompleteOfferConcurrentOffer(t *testing.T, s issuer.Store) {
	ctx := context.Background()
	now := T0.Add(2 * time.Minute)
	o := redeemedOffer(t, s, "a", T0)
	errs := race(8, func(i int) error {
		return s.CompleteOffer(ctx, o.ID, spend(), []*issuer.Credential{record(o, fmt.Sprint("a", i), listA, i, now)}, now)
	})
	require.Equal(t, map[string]int{"ok": 1, issuer.ErrCodeUsed.Error(): 7}, count(errs, issuer.ErrCodeUsed))
	n, err := s.CountIndexes(ctx, listA)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
}

// testSetStatus: statuses change one credential at a time; Statuses lists
// the credentials of a list that are not valid.
func testSetStatus(t *testing.T, s issuer.Store) {
	ctx := context.Background()
	issued := T0.Add(2 * time.Minute)
	o := redeemedOffer(t, s, "a", T0)
	recs := []*issuer.Credential{record(o, "a1", listA, 10, issued), record(o, "a2", listA, 20, issued),
		record(o, "a3", listA, 30, issued), record(o, "a4", listB, 10, issued)}
	require.NoError(t, s.CompleteOffer(ctx, o.ID, spend(), recs, issued))

	st, err := s.Statuses(ctx, listA)
	require.NoError(t, err)
	assert.Empty(t, st, "all valid")

	_, err = s.SetStatus(ctx, "crd_nope", issuer.StatusRevoked, issued, nil)
	assert.ErrorIs(t, err, issuer.ErrNotFound)

	later := issued.Add(time.Hour).In(kst)
	got, err := s.SetStatus(ctx, "crd_a1", issuer.StatusRevoked, later, nil)
	require.NoError(t, err)
	want := canon(recs[0])
	want.Status, want.UpdatedAt = issuer.StatusRevoked, later
	equal(t, want, got, "SetStatus returns the record as changed")
	stored, err := s.Credential(ctx, "crd_a1")
	require.NoError(t, err)
	equal(t, want, stored)

	_, err = s.SetStatus(ctx, "crd_a2", issuer.StatusSuspended, later, nil)
	require.NoError(t, err)
	_, err = s.SetStatus(ctx, "crd_a4", issuer.StatusSuspended, later, nil)
	require.NoError(t, err)
	st, err = s.Statuses(ctx, listA)
	require.NoError(t, err)
	assert.Equal(t, map[int]issuer.Status{10: issuer.StatusRevoked, 20: issuer.StatusSuspended}, st)
	st, err = s.Statuses(ctx, listB)
	require.NoError(t, err)
	assert.Equal(t, map[int]issuer.Status{10: issuer.StatusSuspended}, st)

	// Reinstated: valid again, gone from Statuses.
	_, err = s.SetStatus(ctx, "crd_a2", issuer.StatusValid, later.Add(time.Hour), nil)
	require.NoError(t, err)
	st, err = s.Statuses(ctx, listA)
	require.NoError(t, err)
	assert.Equal(t, map[int]issuer.Status{10: issuer.StatusRevoked}, st)

	st, err = s.Statuses(ctx, "https://issuer.seoul.go.kr/status/none")
	require.NoError(t, err)
	assert.Empty(t, st)

	// Revocation is final: neither reinstating nor suspending moves a
	// revoked credential, and nothing changes; revoking again is allowed.
	for _, to := range []issuer.Status{issuer.StatusValid, issuer.StatusSuspended} {
		_, err = s.SetStatus(ctx, "crd_a1", to, later.Add(2*time.Hour), nil)
		assert.ErrorIs(t, err, issuer.ErrRevoked)
	}
	stored, err = s.Credential(ctx, "crd_a1")
	require.NoError(t, err)
	equal(t, want, stored, "a refused change leaves the record as it was")
	_, err = s.SetStatus(ctx, "crd_a1", issuer.StatusRevoked, later.Add(3*time.Hour), nil)
	require.NoError(t, err)
}

// testIndexes: Indexes and CountIndexes per list.
func testIndexes(t *testing.T, s issuer.Store) {
	ctx := context.Background()
	now := T0.Add(2 * time.Minute)
	idx, err := s.Indexes(ctx, listA)
	require.NoError(t, err)
	assert.Empty(t, idx)
	n, err := s.CountIndexes(ctx, listA)
	require.NoError(t, err)
	assert.Equal(t, 0, n)

	o := redeemedOffer(t, s, "a", T0)
	require.NoError(t, s.CompleteOffer(ctx, o.ID, spend(), []*issuer.Credential{
		record(o, "a1", listA, 0, now), record(o, "a2", listA, 131071, now), record(o, "a3", listB, 5, now),
	}, now))
	for _, c := range []struct {
		list string
		idx  int
		used bool
	}{{listA, 0, true}, {listA, 131071, true}, {listA, 5, false}, {listB, 5, true}, {listB, 0, false}} {
		assert.Equal(t, c.used, indexUsed(t, s, c.list, c.idx), "%s #%d", c.list, c.idx)
	}
	idx, err = s.Indexes(ctx, listA)
	require.NoError(t, err)
	assert.Equal(t, []int{0, 131071}, idx, "ascending")
	for list, want := range map[string]int{listA: 2, listB: 1, "https://issuer.seoul.go.kr/status/none": 0} {
		n, err := s.CountIndexes(ctx, list)
		require.NoError(t, err)
		assert.Equal(t, want, n, list)
	}

	b := redeemedOffer(t, s, "b", T0)
	assert.Error(t, s.CompleteOffer(ctx, b.ID, spend(), []*issuer.Credential{record(b, "b1", listA, -1, now)}, now), "a negative index")
}

// testListCredentials: newest first, at most limit.
func testListCredentials(t *testing.T, s issuer.Store) {
	ctx := context.Background()
	got, err := s.ListCredentials(ctx, 10)
	require.NoError(t, err)
	assert.Empty(t, got)

	var want []*issuer.Credential
	for i, m := range []int{2, 0, 3, 1} { // issued out of order
		o := redeemedOffer(t, s, fmt.Sprint("o", m), T0)
		at := T0.Add(time.Duration(m) * time.Hour)
		r := record(o, fmt.Sprint("c", m), listA, i, at)
		require.NoError(t, s.CompleteOffer(ctx, o.ID, spend(), []*issuer.Credential{r}, at))
		want = append(want, r)
	}
	sorted := []*issuer.Credential{want[2], want[0], want[3], want[1]} // c3 c2 c1 c0

	got, err = s.ListCredentials(ctx, 10)
	require.NoError(t, err)
	equalAll(t, sorted, got)
	got, err = s.ListCredentials(ctx, 3)
	require.NoError(t, err)
	equalAll(t, sorted[:3], got)
	got, err = s.ListCredentials(ctx, 0)
	require.NoError(t, err)
	assert.Empty(t, got, "limit 0")
}
