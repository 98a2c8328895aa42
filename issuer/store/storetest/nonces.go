package storetest

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seoulid/seoulid/issuer"
)

// testNonces: CompleteOffer spends a nonce once; a spent nonce fails the
// whole call, which then stores nothing.
func testNonces(t *testing.T, s issuer.Store) {
	ctx := context.Background()
	now := T0.Add(2 * time.Minute)
	nonce := issuer.SpentNonce{Hash: h("nonce-a"), Expiry: T0.Add(time.Hour).In(kst)}

	a := redeemedOffer(t, s, "a", T0)
	require.NoError(t, s.CompleteOffer(ctx, a.ID, nonce, []*issuer.Credential{record(a, "a1", listA, 1, now)}, now))

	b := redeemedOffer(t, s, "b", T0)
	assert.ErrorIs(t, s.CompleteOffer(ctx, b.ID, nonce, []*issuer.Credential{record(b, "b1", listA, 2, now)}, now), issuer.ErrNonceUnknown, "spent")
	_, err := s.Credential(ctx, "crd_b1")
	assert.ErrorIs(t, err, issuer.ErrNotFound, "nothing stored")
	got, err := s.Offer(ctx, b.ID)
	require.NoError(t, err)
	equal(t, b, got, "the offer is still redeemed, with its claims")
	assert.False(t, indexUsed(t, s, listA, 2))

	// The refusal spent nothing: b completes with a fresh nonce, and an
	// index refusal does not spend the nonce either.
	fresh := issuer.SpentNonce{Hash: h("nonce-b"), Expiry: T0.Add(time.Hour)}
	assert.ErrorIs(t, s.CompleteOffer(ctx, b.ID, fresh, []*issuer.Credential{record(b, "b1", listA, 1, now)}, now), issuer.ErrIndexTaken)
	require.NoError(t, s.CompleteOffer(ctx, b.ID, fresh, []*issuer.Credential{record(b, "b1", listA, 2, now)}, now))

	// An issued offer is refused before its nonce is looked at.
	assert.ErrorIs(t, s.CompleteOffer(ctx, b.ID, issuer.SpentNonce{Hash: h("nonce-c"), Expiry: T0.Add(time.Hour)}, nil, now), issuer.ErrCodeUsed)
	c := redeemedOffer(t, s, "c", T0)
	require.NoError(t, s.CompleteOffer(ctx, c.ID, issuer.SpentNonce{Hash: h("nonce-c"), Expiry: T0.Add(time.Hour)}, []*issuer.Credential{record(c, "c1", listA, 3, now)}, now),
		"the refusal above did not spend nonce-c")

	d := redeemedOffer(t, s, "d", T0)
	assert.Error(t, s.CompleteOffer(ctx, d.ID, issuer.SpentNonce{Hash: []byte("a nonce in the clear"), Expiry: T0.Add(time.Hour)}, nil, now), "a nonce is stored as its SHA-256 hash")
	assert.Error(t, s.CompleteOffer(ctx, d.ID, issuer.SpentNonce{Hash: h("nonce-d")}, nil, now), "a nonce expires")
	got, err = s.Offer(ctx, d.ID)
	require.NoError(t, err)
	equal(t, d, got)
}

// testNoncesConcurrent: 8 offers spend one nonce at once: exactly one
// succeeds.
func testNoncesConcurrent(t *testing.T, s issuer.Store) {
	ctx := context.Background()
	now := T0.Add(2 * time.Minute)
	for round := range 5 {
		nonce := issuer.SpentNonce{Hash: h(fmt.Sprint("nonce-", round)), Expiry: T0.Add(time.Hour)}
		offers := make([]*issuer.Offer, 8)
		for i := range offers {
			offers[i] = redeemedOffer(t, s, fmt.Sprintf("r%d-%d", round, i), T0)
		}
		errs := race(8, func(i int) error {
			o := offers[i]
			return s.CompleteOffer(ctx, o.ID, nonce, []*issuer.Credential{record(o, o.ID+"-1", listA, round*8+i, now)}, now)
		})
		require.Equal(t, map[string]int{"ok": 1, issuer.ErrNonceUnknown.Error(): 7}, count(errs, issuer.ErrNonceUnknown), "round %d", round)
	}
}

// testSecret: the first candidate stored under a name is the secret, for
// every later and every concurrent caller.
func testSecret(t *testing.T, s issuer.Store) {
	ctx := context.Background()
	first := bytes.Repeat([]byte{1}, 32)
	got, err := s.Secret(ctx, "nonce-mac-key", first)
	require.NoError(t, err)
	assert.Equal(t, first, got)
	got, err = s.Secret(ctx, "nonce-mac-key", bytes.Repeat([]byte{2}, 32))
	require.NoError(t, err)
	assert.Equal(t, first, got, "the stored secret wins")
	got, err = s.Secret(ctx, "another", bytes.Repeat([]byte{3}, 16))
	require.NoError(t, err)
	assert.Equal(t, bytes.Repeat([]byte{3}, 16), got, "names are separate")

	_, err = s.Secret(ctx, "", first)
	assert.Error(t, err, "a secret has a name")
	_, err = s.Secret(ctx, "short", []byte("too short"))
	assert.Error(t, err, "a secret has 16 bytes or more")

	secrets := make([][]byte, 8)
	errs := race(8, func(i int) error {
		var err error
		secrets[i], err = s.Secret(ctx, "raced", bytes.Repeat([]byte{byte(10 + i)}, 32))
		return err
	})
	require.Equal(t, map[string]int{"ok": 8}, count(errs))
	for _, v := range secrets[1:] {
		assert.Equal(t, secrets[0], v, "every caller gets the one stored")
	}
}

// testActionsAudited: an action's audit entry is stored in the action's
// transaction: with it when it succeeds, not at all when it fails.
func testActionsAudited(t *testing.T, s issuer.Store) {
	ctx := context.Background()
	now := T0.Add(2 * time.Minute)
	entry := func(action, subject string) *issuer.AuditEntry {
		return &issuer.AuditEntry{Time: now, Operator: "opr_a", Action: action, Subject: subject}
	}
	o := newOffer("a", T0)
	require.NoError(t, s.PutOffer(ctx, o, entry("offer.create", o.ID)))
	assert.Error(t, s.PutOffer(ctx, o, entry("offer.create", "again")), "the same offer twice")
	assert.Error(t, s.PutOffer(ctx, newOffer("b", T0), &issuer.AuditEntry{Action: "no.time"}), "a bad entry fails the action")
	_, err := s.Offer(ctx, "off_b")
	assert.ErrorIs(t, err, issuer.ErrNotFound, "and nothing of it is stored")

	op := &issuer.Operator{ID: "opr_b", Name: "Lee Jun-ho", TokenHash: h("token-b"), CreatedAt: now}
	require.NoError(t, s.PutOperator(ctx, op, entry("operator.create", op.ID)))
	assert.Error(t, s.PutOperator(ctx, op, entry("operator.create", "again")))

	_, err = s.RedeemOffer(ctx, h("code-a"), rightCode, maxAttempts, grant("a", now), now)
	require.NoError(t, err)
	require.NoError(t, s.CompleteOffer(ctx, o.ID, spend(), []*issuer.Credential{record(o, "a1", listA, 1, now)}, now))
	_, err = s.SetStatus(ctx, "crd_a1", issuer.StatusRevoked, now, entry("credential.revoke", "crd_a1"))
	require.NoError(t, err)
	_, err = s.SetStatus(ctx, "crd_a1", issuer.StatusValid, now, entry("credential.reinstate", "crd_a1"))
	assert.ErrorIs(t, err, issuer.ErrRevoked)
	_, err = s.SetStatus(ctx, "crd_nope", issuer.StatusRevoked, now, entry("credential.revoke", "crd_nope"))
	assert.ErrorIs(t, err, issuer.ErrNotFound)

	all, err := s.Audit(ctx, 1, 100)
	require.NoError(t, err)
	require.NoError(t, issuer.VerifyAudit(all))
	var got []string
	for _, e := range all {
		got = append(got, e.Action+" "+e.Subject)
	}
	assert.Equal(t, []string{"offer.create off_a", "operator.create opr_b", "credential.revoke crd_a1"}, got)
}
