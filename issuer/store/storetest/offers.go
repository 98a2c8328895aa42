package storetest

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seoulid/seoulid/issuer"
)

// testPutOffer: an offer reads back as it was stored, to the nanosecond,
// with its times in UTC; the store keeps its own copy of the bytes.
func testPutOffer(t *testing.T, s issuer.Store) {
	ctx := context.Background()
	o := newOffer("a", T0.In(kst))
	require.NoError(t, s.PutOffer(ctx, o, nil))
	want := canon(o)
	o.Claims[0] = 'X' // the caller's buffer is the caller's
	o.CodeHash[0] ^= 0xff

	got, err := s.Offer(ctx, "off_a")
	require.NoError(t, err)
	equal(t, want, got)
	assert.Equal(t, time.UTC, got.CreatedAt.Location(), "times come back in UTC")
	assert.Equal(t, T0.UnixNano(), got.CreatedAt.UnixNano(), "nanoseconds are kept")

	_, err = s.Offer(ctx, "off_nope")
	assert.ErrorIs(t, err, issuer.ErrNotFound)

	// An offer with no State is pending.
	b := newOffer("b", T0)
	b.State = ""
	require.NoError(t, s.PutOffer(ctx, b, nil))
	got, err = s.Offer(ctx, "off_b")
	require.NoError(t, err)
	assert.Equal(t, issuer.OfferPending, got.State)
}

// testPutOfferRefuses: ids and code hashes are unique; a code must be
// stored as a SHA-256 hash; a new offer is pending and has times.
func testPutOfferRefuses(t *testing.T, s issuer.Store) {
	ctx := context.Background()
	putOffer(t, s, "a", T0)

	dupID := newOffer("b", T0)
	dupID.ID = "off_a"
	assert.Error(t, s.PutOffer(ctx, dupID, nil), "same id")
	dupCode := newOffer("c", T0)
	dupCode.CodeHash = h("code-a")
	assert.Error(t, s.PutOffer(ctx, dupCode, nil), "same code hash")

	for name, change := range map[string]func(o *issuer.Offer){
		"code in the clear":   func(o *issuer.Offer) { o.CodeHash = []byte("the-code") },
		"no code":             func(o *issuer.Offer) { o.CodeHash = nil },
		"redeemed":            func(o *issuer.Offer) { o.State = issuer.OfferRedeemed },
		"issued":              func(o *issuer.Offer) { o.State = issuer.OfferIssued; o.Claims = nil },
		"no creation time":    func(o *issuer.Offer) { o.CreatedAt = time.Time{} },
		"no expiry":           func(o *issuer.Offer) { o.ExpiresAt = time.Time{} },
		"with a token":        func(o *issuer.Offer) { o.TokenHash = h("token") },
		"with attempts":       func(o *issuer.Offer) { o.Attempts = 1 },
		"without an id":       func(o *issuer.Offer) { o.ID = "" },
		"year 2300 is beyond": func(o *issuer.Offer) { o.ExpiresAt = time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC) },
	} {
		o := newOffer("refused", T0)
		change(o)
		assert.Error(t, s.PutOffer(ctx, o, nil), name)
	}
	_, err := s.Offer(ctx, "off_refused")
	assert.ErrorIs(t, err, issuer.ErrNotFound, "nothing of a refused offer is stored")

	got, err := s.Offer(ctx, "off_a")
	require.NoError(t, err)
	equal(t, newOffer("a", T0), got, "the first offer is untouched")
}

// testRedeemOffer: unknown and expired codes, a redemption, and a code
// used twice.
func testRedeemOffer(t *testing.T, s issuer.Store) {
	ctx := context.Background()
	o := putOffer(t, s, "a", T0)
	now := T0.Add(time.Minute)
	calls := 0
	counting := func(o *issuer.Offer) bool { calls++; return rightCode(o) }

	_, err := s.RedeemOffer(ctx, h("code-nope"), counting, maxAttempts, grant("x", now), now)
	assert.ErrorIs(t, err, issuer.ErrCodeUnknown)

	_, err = s.RedeemOffer(ctx, h("code-a"), counting, maxAttempts, grant("x", now), o.ExpiresAt)
	assert.ErrorIs(t, err, issuer.ErrCodeExpired, "now = ExpiresAt is expired")
	_, err = s.RedeemOffer(ctx, h("code-a"), counting, maxAttempts, grant("x", now), o.ExpiresAt.Add(time.Hour))
	assert.ErrorIs(t, err, issuer.ErrCodeExpired)
	assert.Equal(t, 0, calls, "the tx_code is not checked for an unknown or expired code")

	// check sees the stored offer, and only a copy of it.
	var seen *issuer.Offer
	check := func(c *issuer.Offer) bool {
		seen = canon(c)
		c.Claims[0], c.State, c.Attempts = 'X', issuer.OfferBurned, 99
		return rightCode(c)
	}
	last := o.ExpiresAt.Add(-time.Nanosecond)
	g := grant("a", last)
	got, err := s.RedeemOffer(ctx, h("code-a"), check, maxAttempts, g, last.In(kst))
	require.NoError(t, err, "one nanosecond before ExpiresAt")
	equal(t, o, seen)

	want := canon(o)
	want.State, want.TokenHash, want.TokenExpiry, want.TokenJKT = issuer.OfferRedeemed, g.Hash, g.Expiry, g.JKT
	equal(t, want, got, "RedeemOffer returns the redeemed offer")
	stored, err := s.Offer(ctx, o.ID)
	require.NoError(t, err)
	equal(t, want, stored)

	calls = 0
	_, err = s.RedeemOffer(ctx, h("code-a"), counting, maxAttempts, grant("b", now), now)
	assert.ErrorIs(t, err, issuer.ErrCodeUsed)
	_, err = s.RedeemOffer(ctx, h("code-a"), wrongCode, maxAttempts, grant("b", now), now)
	assert.ErrorIs(t, err, issuer.ErrCodeUsed, "a used code counts no attempts")
	assert.Equal(t, 0, calls)
	stored, err = s.Offer(ctx, o.ID)
	require.NoError(t, err)
	equal(t, want, stored, "a second redemption changes nothing")
	_, err = s.OfferByToken(ctx, h("token-b"), now)
	assert.ErrorIs(t, err, issuer.ErrTokenUnknown, "a refused redemption grants no token")

	// A grant must hold a hash of the token, and an expiry.
	putOffer(t, s, "c", T0)
	for name, bad := range map[string]issuer.TokenGrant{
		"token in the clear": {Hash: []byte("token"), Expiry: now.Add(time.Minute)},
		"no expiry":          {Hash: h("token-c")},
	} {
		_, err = s.RedeemOffer(ctx, h("code-c"), rightCode, maxAttempts, bad, now)
		assert.Error(t, err, name)
	}
	stored, err = s.Offer(ctx, "off_c")
	require.NoError(t, err)
	assert.Equal(t, issuer.OfferPending, stored.State)
}

// testRedeemOfferTxCode: wrong tx_codes are counted; the one that reaches
// maxAttempts burns the offer (ErrTxCode), and from then on the code is
// burned (ErrCodeBurned), right tx_code or not.
func testRedeemOfferTxCode(t *testing.T, s issuer.Store) {
	ctx := context.Background()
	now := T0.Add(time.Minute)
	const attempts = 3

	// Two wrong tx_codes, then the right one: redeemed, the attempts kept.
	o := putOffer(t, s, "a", T0)
	for i := 1; i <= 2; i++ {
		_, err := s.RedeemOffer(ctx, o.CodeHash, wrongCode, attempts, grant("a", now), now)
		require.ErrorIs(t, err, issuer.ErrTxCode)
		got, err := s.Offer(ctx, o.ID)
		require.NoError(t, err)
		assert.Equal(t, i, got.Attempts)
		assert.Equal(t, issuer.OfferPending, got.State)
		assert.Nil(t, got.TokenHash)
	}
	got, err := s.RedeemOffer(ctx, o.CodeHash, rightCode, attempts, grant("a", now), now)
	require.NoError(t, err)
	assert.Equal(t, 2, got.Attempts)
	assert.Equal(t, issuer.OfferRedeemed, got.State)

	// As many wrong tx_codes: burned by the last, and burned after.
	b := putOffer(t, s, "b", T0)
	for i := 1; i <= attempts; i++ {
		_, err := s.RedeemOffer(ctx, b.CodeHash, wrongCode, attempts, grant("b", now), now)
		require.ErrorIs(t, err, issuer.ErrTxCode, "attempt %d", i)
	}
	got, err = s.Offer(ctx, b.ID)
	require.NoError(t, err)
	assert.Equal(t, attempts, got.Attempts)
	assert.Equal(t, issuer.OfferBurned, got.State)
	assert.NotNil(t, got.Claims, "a burned offer keeps its claims until the agency deals with it")
	_, err = s.RedeemOffer(ctx, b.CodeHash, rightCode, attempts, grant("b", now), now)
	assert.ErrorIs(t, err, issuer.ErrCodeBurned, "the right tx_code is too late")
	_, err = s.RedeemOffer(ctx, b.CodeHash, wrongCode, attempts, grant("b", now), now)
	assert.ErrorIs(t, err, issuer.ErrCodeBurned)
	got, err = s.Offer(ctx, b.ID)
	require.NoError(t, err)
	assert.Equal(t, attempts, got.Attempts, "a burned code counts no more attempts")
	_, err = s.OfferByToken(ctx, h("token-b"), now)
	assert.ErrorIs(t, err, issuer.ErrTokenUnknown)

	// maxAttempts 1: the first wrong tx_code burns.
	c := putOffer(t, s, "c", T0)
	_, err = s.RedeemOffer(ctx, c.CodeHash, wrongCode, 1, grant("c", now), now)
	require.ErrorIs(t, err, issuer.ErrTxCode)
	_, err = s.RedeemOffer(ctx, c.CodeHash, rightCode, 1, grant("c", now), now)
	require.ErrorIs(t, err, issuer.ErrCodeBurned)
}

// testRedeemOfferPrecedence: a code's state decides before its expiry, so
// a burned or used code keeps its answer after it expires; an expired
// code counts no attempt.
func testRedeemOfferPrecedence(t *testing.T, s issuer.Store) {
	ctx := context.Background()
	now := T0.Add(time.Minute)
	late := T0.Add(offerTTL + time.Hour)

	used := redeemedOffer(t, s, "used", T0)
	_, err := s.RedeemOffer(ctx, used.CodeHash, rightCode, maxAttempts, grant("x", late), late)
	assert.ErrorIs(t, err, issuer.ErrCodeUsed)

	burned := putOffer(t, s, "burned", T0)
	_, err = s.RedeemOffer(ctx, burned.CodeHash, wrongCode, 1, grant("x", now), now)
	require.ErrorIs(t, err, issuer.ErrTxCode)
	_, err = s.RedeemOffer(ctx, burned.CodeHash, rightCode, 1, grant("x", late), late)
	assert.ErrorIs(t, err, issuer.ErrCodeBurned)

	expired := putOffer(t, s, "expired", T0)
	_, err = s.RedeemOffer(ctx, expired.CodeHash, wrongCode, maxAttempts, grant("x", late), late)
	assert.ErrorIs(t, err, issuer.ErrCodeExpired)
	got, err := s.Offer(ctx, expired.ID)
	require.NoError(t, err)
	assert.Equal(t, 0, got.Attempts)
	assert.Equal(t, issuer.OfferPending, got.State)
}

// testRedeemOfferConcurrent: 8 redemptions of one code at once: exactly
// one wins, and the stored token is the winner's.
func testRedeemOfferConcurrent(t *testing.T, s issuer.Store) {
	ctx := context.Background()
	now := T0.Add(time.Minute)
	for round := range 5 {
		name := string(rune('a' + round))
		o := putOffer(t, s, name, T0)
		grants := make([]issuer.TokenGrant, 8)
		errs := race(8, func(i int) error {
			grants[i] = grant(name+string(rune('0'+i)), now)
			_, err := s.RedeemOffer(ctx, o.CodeHash, rightCode, maxAttempts, grants[i], now)
			return err
		})
		require.Equal(t, map[string]int{"ok": 1, issuer.ErrCodeUsed.Error(): 7}, count(errs, issuer.ErrCodeUsed), "round %d", round)
		got, err := s.Offer(ctx, o.ID)
		require.NoError(t, err)
		for i, err := range errs {
			if err == nil {
				assert.True(t, bytes.Equal(grants[i].Hash, got.TokenHash), "the winner's token is stored")
				_, err := s.OfferByToken(ctx, grants[i].Hash, now)
				assert.NoError(t, err)
			} else {
				_, err := s.OfferByToken(ctx, grants[i].Hash, now)
				assert.ErrorIs(t, err, issuer.ErrTokenUnknown, "a loser's token is unknown")
			}
		}
	}
}

// testRedeemOfferConcurrentWrongTxCodes: 8 wrong tx_codes at once with
// maxAttempts 5: each attempt is counted once, so exactly 5 get ErrTxCode
// and 3 find the code burned.
func testRedeemOfferConcurrentWrongTxCodes(t *testing.T, s issuer.Store) {
	ctx := context.Background()
	now := T0.Add(time.Minute)
	o := putOffer(t, s, "a", T0)
	errs := race(8, func(i int) error {
		_, err := s.RedeemOffer(ctx, o.CodeHash, wrongCode, 5, grant("a", now), now)
		return err
	})
	assert.Equal(t, map[string]int{issuer.ErrTxCode.Error(): 5, issuer.ErrCodeBurned.Error(): 3}, count(errs, issuer.ErrTxCode, issuer.ErrCodeBurned))
	got, err := s.Offer(ctx, o.ID)
	require.NoError(t, err)
	assert.Equal(t, 5, got.Attempts)
	assert.Equal(t, issuer.OfferBurned, got.State)
}

// testOfferByToken: a token finds its offer until it expires, also after
// the offer is issued (its State says so, and its claims are gone).
func testOfferByToken(t *testing.T, s issuer.Store) {
	ctx := context.Background()
	o := redeemedOffer(t, s, "a", T0)
	redeemedAt := T0.Add(time.Minute)

	_, err := s.OfferByToken(ctx, h("token-nope"), redeemedAt)
	assert.ErrorIs(t, err, issuer.ErrTokenUnknown)
	_, err = s.OfferByToken(ctx, h("code-a"), redeemedAt)
	assert.ErrorIs(t, err, issuer.ErrTokenUnknown, "a code is not a token")

	got, err := s.OfferByToken(ctx, h("token-a"), o.TokenExpiry.Add(-time.Nanosecond))
	require.NoError(t, err)
	equal(t, o, got)
	_, err = s.OfferByToken(ctx, h("token-a"), o.TokenExpiry)
	assert.ErrorIs(t, err, issuer.ErrTokenUnknown, "now = TokenExpiry is expired")

	require.NoError(t, s.CompleteOffer(ctx, o.ID, spend(), []*issuer.Credential{record(o, "a", listA, 1, redeemedAt)}, redeemedAt))
	got, err = s.OfferByToken(ctx, h("token-a"), redeemedAt)
	require.NoError(t, err)
	assert.Equal(t, issuer.OfferIssued, got.State)
	assert.Nil(t, got.Claims)
}

// testListOffers: newest first, at most limit.
func testListOffers(t *testing.T, s issuer.Store) {
	ctx := context.Background()
	got, err := s.ListOffers(ctx, 10)
	require.NoError(t, err)
	assert.Empty(t, got)

	var want []*issuer.Offer
	for _, m := range []int{3, 1, 4, 0, 2} { // stored out of order
		want = append(want, putOffer(t, s, string(rune('a'+m)), T0.Add(time.Duration(m)*time.Second)))
	}
	// newest first: e(4) d(3) c(2) b(1) a(0)
	sorted := []*issuer.Offer{want[2], want[0], want[4], want[1], want[3]}
	redeemedOffer(t, s, "f", T0.Add(-time.Hour)) // the oldest, redeemed
	sorted = append(sorted, nil)
	sorted[5], _ = s.Offer(ctx, "off_f")

	got, err = s.ListOffers(ctx, 10)
	require.NoError(t, err)
	equalAll(t, sorted, got)
	got, err = s.ListOffers(ctx, 2)
	require.NoError(t, err)
	equalAll(t, sorted[:2], got)
	got, err = s.ListOffers(ctx, 0)
	require.NoError(t, err)
	assert.Empty(t, got, "limit 0")
}

// testWipeClaims: the claims of offers that can no longer be issued — a
// pending one past its expiry, a burned one, a redeemed one whose token
// expired — are wiped; those that can still be issued keep theirs.
func testWipeClaims(t *testing.T, s issuer.Store) {
	ctx := context.Background()
	live := putOffer(t, s, "live", T0)
	expired := putOffer(t, s, "expired", T0.Add(-offerTTL-time.Minute))
	redeemed := redeemedOffer(t, s, "redeemed", T0.Add(-offerTTL/2))
	stale := redeemedOffer(t, s, "stale", T0.Add(-offerTTL-tokenTTL-time.Hour))
	burned := putOffer(t, s, "burned", T0)
	for range maxAttempts {
		_, err := s.RedeemOffer(ctx, h("code-burned"), wrongCode, maxAttempts, grant("burned", T0), T0)
		require.Error(t, err)
	}
	b, err := s.Offer(ctx, burned.ID)
	require.NoError(t, err)
	require.Equal(t, issuer.OfferBurned, b.State)

	n, err := s.WipeClaims(ctx, T0.Add(time.Second))
	require.NoError(t, err)
	assert.Equal(t, 3, n, "the expired, the stale and the burned offer")
	for _, c := range []struct {
		o    *issuer.Offer
		kept bool
	}{{live, true}, {redeemed, true}, {expired, false}, {stale, false}, {burned, false}} {
		got, err := s.Offer(ctx, c.o.ID)
		require.NoError(t, err)
		assert.Equal(t, c.kept, len(got.Claims) > 0, "%s keeps its claims: %v", c.o.ID, c.kept)
	}
	n, err = s.WipeClaims(ctx, T0.Add(time.Second))
	require.NoError(t, err)
	assert.Equal(t, 0, n, "nothing left to wipe")
}
