package storetest

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seoulid/seoulid/issuer"
)

// Run runs the conformance suite against the store open returns. open is
// called once per subtest, which may run in parallel with the others, and
// must return a new, empty store; Run closes it when the subtest ends.
func Run(t *testing.T, open func(t *testing.T) issuer.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s issuer.Store)
	}{
		{"PutOffer", testPutOffer},
		{"PutOfferRefuses", testPutOfferRefuses},
		{"RedeemOffer", testRedeemOffer},
		{"RedeemOfferTxCode", testRedeemOfferTxCode},
		{"RedeemOfferPrecedence", testRedeemOfferPrecedence},
		{"RedeemOfferConcurrent", testRedeemOfferConcurrent},
		{"RedeemOfferConcurrentWrongTxCodes", testRedeemOfferConcurrentWrongTxCodes},
		{"OfferByToken", testOfferByToken},
		{"ListOffers", testListOffers},
		{"WipeClaims", testWipeClaims},
		{"Nonces", testNonces},
		{"NoncesConcurrent", testNoncesConcurrent},
		{"Secret", testSecret},
		{"ActionsAudited", testActionsAudited},
		{"CompleteOffer", testCompleteOffer},
		{"CompleteOfferNotRedeemed", testCompleteOfferNotRedeemed},
		{"CompleteOfferIndexTaken", testCompleteOfferIndexTaken},
		{"CompleteOfferConcurrentIndex", testCompleteOfferConcurrentIndex},
		{"CompleteOfferConcurrentOffer", testCompleteOfferConcurrentOffer},
		{"SetStatus", testSetStatus},
		{"Indexes", testIndexes},
		{"ListCredentials", testListCredentials},
		{"Operators", testOperators},
		{"Audit", testAudit},
		{"AuditConcurrent", testAuditConcurrent},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := open(t)
			t.Cleanup(func() {
				if err := s.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
			})
			tc.fn(t, s)
		})
	}
}

// T0 is the suite's clock: the tests pass times from it, never the wall
// clock, with nanoseconds, which a store must keep.
var T0 = time.Date(2026, 11, 22, 9, 0, 0, 123456789, time.UTC)

// kst is Korea Standard Time: the suite passes some times in it, and the
// store must return the same instants (in UTC).
var kst = time.FixedZone("KST", 9*60*60)

const (
	offerTTL    = 10 * time.Minute
	tokenTTL    = 5 * time.Minute
	maxAttempts = 5
)

// h is the SHA-256 of s: what the store keeps of codes, tokens and nonces.
func h(s string) []byte {
	sum := sha256.Sum256([]byte(s))
	return sum[:]
}

// spend is a fresh nonce to spend, valid for an hour after T0.
func spend() issuer.SpentNonce {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return issuer.SpentNonce{Hash: b, Expiry: T0.Add(time.Hour)}
}

// indexUsed reports whether Indexes lists idx.
func indexUsed(t *testing.T, s issuer.Store, list string, idx int) bool {
	t.Helper()
	all, err := s.Indexes(context.Background(), list)
	require.NoError(t, err)
	return slices.Contains(all, idx)
}

// newOffer is a pending offer named name, created at created, that
// accepts tx_code "123456" (see txCode).
func newOffer(name string, created time.Time) *issuer.Offer {
	salt := []byte("salt-" + name)
	return &issuer.Offer{
		ID:              "off_" + name,
		VCT:             "https://credentials.seoul.go.kr/resident-registration",
		ConfigurationID: "resident_registration_sd_jwt",
		Claims:          []byte(`{"name":"김민지","birthdate":"1999-04-01","resident_of_seoul":true}`),
		CodeHash:        h("code-" + name),
		TxCodeSalt:      salt,
		TxCodeHash:      h(string(salt) + "\x00123456"),
		State:           issuer.OfferPending,
		Operator:        "opr_clerk",
		CreatedAt:       created,
		ExpiresAt:       created.Add(offerTTL),
	}
}

// txCode returns a check that accepts the offer's tx_code if code is it
// (the way the issuer core checks: the salted hash).
func txCode(code string) func(o *issuer.Offer) bool {
	return func(o *issuer.Offer) bool {
		return string(h(string(o.TxCodeSalt)+"\x00"+code)) == string(o.TxCodeHash)
	}
}

var (
	rightCode = txCode("123456")
	wrongCode = txCode("654321")
)

// grant is the grant of the access token named name, valid tokenTTL from
// now.
func grant(name string, now time.Time) issuer.TokenGrant {
	return issuer.TokenGrant{Hash: h("token-" + name), Expiry: now.Add(tokenTTL), JKT: "jkt-" + name}
}

// putOffer stores a new offer.
func putOffer(t *testing.T, s issuer.Store, name string, created time.Time) *issuer.Offer {
	t.Helper()
	o := newOffer(name, created)
	require.NoError(t, s.PutOffer(context.Background(), o, nil), "PutOffer %s", name)
	return o
}

// redeemedOffer stores a new offer and redeems it for the token named
// name.
func redeemedOffer(t *testing.T, s issuer.Store, name string, created time.Time) *issuer.Offer {
	t.Helper()
	putOffer(t, s, name, created)
	o, err := s.RedeemOffer(context.Background(), h("code-"+name), rightCode, maxAttempts, grant(name, created.Add(time.Minute)), created.Add(time.Minute))
	require.NoError(t, err, "RedeemOffer %s", name)
	return o
}

// record is an issuance record of offer o at index idx of list.
func record(o *issuer.Offer, name, list string, idx int, now time.Time) *issuer.Credential {
	return &issuer.Credential{
		ID: "crd_" + name, OfferID: o.ID, VCT: o.VCT, HolderThumbprint: "thumb-" + name,
		ListURI: list, Index: idx, Status: issuer.StatusValid,
		IssuedAt: now, Expiry: now.AddDate(1, 0, 0), UpdatedAt: now,
	}
}

const (
	listA = "https://issuer.seoul.go.kr/status/1"
	listB = "https://issuer.seoul.go.kr/status/2"
)

// race runs fn(0) … fn(n-1) in n goroutines released at the same moment
// and returns their errors.
func race(n int, fn func(i int) error) []error {
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = fn(i)
		})
	}
	close(start)
	wg.Wait()
	return errs
}

// count tallies errors by what they are: "ok" for nil, the sentinel's
// message for a store error, "other: …" for anything else.
func count(errs []error, sentinels ...error) map[string]int {
	out := map[string]int{}
outer:
	for _, err := range errs {
		if err == nil {
			out["ok"]++
			continue
		}
		for _, s := range sentinels {
			if errors.Is(err, s) {
				out[s.Error()]++
				continue outer
			}
		}
		out[fmt.Sprintf("other: %v", err)]++
	}
	return out
}

// canon returns a deep copy of a record for comparison: every time as the
// same instant in UTC without a monotonic reading, empty byte slices as
// nil.
func canon[T any](v T) T {
	switch x := any(v).(type) {
	case *issuer.Offer:
		if x == nil {
			return v
		}
		c := *x
		c.Claims, c.CodeHash, c.TxCodeSalt, c.TxCodeHash, c.TokenHash = nilIfEmpty(c.Claims), nilIfEmpty(c.CodeHash), nilIfEmpty(c.TxCodeSalt), nilIfEmpty(c.TxCodeHash), nilIfEmpty(c.TokenHash)
		c.CreatedAt, c.ExpiresAt, c.TokenExpiry, c.IssuedAt = utc(c.CreatedAt), utc(c.ExpiresAt), utc(c.TokenExpiry), utc(c.IssuedAt)
		return any(&c).(T)
	case *issuer.Credential:
		if x == nil {
			return v
		}
		c := *x
		c.IssuedAt, c.Expiry, c.UpdatedAt = utc(c.IssuedAt), utc(c.Expiry), utc(c.UpdatedAt)
		return any(&c).(T)
	case *issuer.Operator:
		if x == nil {
			return v
		}
		c := *x
		c.TokenHash = nilIfEmpty(c.TokenHash)
		c.CreatedAt = utc(c.CreatedAt)
		return any(&c).(T)
	case *issuer.AuditEntry:
		if x == nil {
			return v
		}
		c := *x
		c.Hash = nilIfEmpty(c.Hash)
		c.Time = utc(c.Time)
		return any(&c).(T)
	}
	panic(fmt.Sprintf("storetest: canon of %T", v))
}

func canonAll[T any](vs []T) []T {
	out := make([]T, len(vs))
	for i, v := range vs {
		out[i] = canon(v)
	}
	return out
}

// nilIfEmpty returns a copy of b, nil if b is empty.
func nilIfEmpty(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return bytes.Clone(b)
}

func utc(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return time.Unix(0, t.UnixNano()).UTC()
}

// equal asserts that got is want, as stored records compare: see canon.
func equal[T any](t *testing.T, want, got T, msgAndArgs ...any) {
	t.Helper()
	assert.Equal(t, canon(want), canon(got), msgAndArgs...)
}

// equalAll is equal for slices.
func equalAll[T any](t *testing.T, want, got []T, msgAndArgs ...any) {
	t.Helper()
	assert.Equal(t, canonAll(want), canonAll(got), msgAndArgs...)
}
