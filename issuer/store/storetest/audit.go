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

// testAudit: entries get consecutive sequence numbers from 1 and chained
// hashes (issuer.AuditHash), and read back in order from any point.
func testAudit(t *testing.T, s issuer.Store) {
	ctx := context.Background()
	got, err := s.Audit(ctx, 1, 10)
	require.NoError(t, err)
	assert.Empty(t, got)

	in := []*issuer.AuditEntry{
		{Time: T0.In(kst), Operator: "opr_a", Action: "operator.create", Subject: "opr_b", Detail: "Lee Jun-ho"},
		{Time: T0.Add(time.Second), Operator: "opr_b", Action: "offer.create", Subject: "off_a", Detail: "resident-registration"},
		{Time: T0.Add(2 * time.Second), Operator: "", Action: "credential.revoke", Subject: "crd_a"},
	}
	var want []*issuer.AuditEntry
	var prev []byte
	for i, e := range in {
		got, err := s.AppendAudit(ctx, e)
		require.NoError(t, err)
		w := canon(e)
		w.Seq = int64(i) + 1
		w.Hash = issuer.AuditHash(prev, w)
		prev = w.Hash
		equal(t, w, got, "entry %d as returned", i+1)
		want = append(want, w)
	}

	all, err := s.Audit(ctx, 1, 10)
	require.NoError(t, err)
	equalAll(t, want, all)
	require.NoError(t, issuer.VerifyAudit(all))

	got, err = s.Audit(ctx, 2, 10)
	require.NoError(t, err)
	equalAll(t, want[1:], got, "from 2")
	got, err = s.Audit(ctx, 1, 2)
	require.NoError(t, err)
	equalAll(t, want[:2], got, "limit 2")
	got, err = s.Audit(ctx, 4, 10)
	require.NoError(t, err)
	assert.Empty(t, got, "from after the end")
	got, err = s.Audit(ctx, 1, 0)
	require.NoError(t, err)
	assert.Empty(t, got, "limit 0")

	_, err = s.AppendAudit(ctx, &issuer.AuditEntry{Action: "no.time"})
	assert.Error(t, err, "an entry has a time")
	all, err = s.Audit(ctx, 1, 10)
	require.NoError(t, err)
	assert.Len(t, all, 3, "a refused entry takes no sequence number")
}

// testAuditConcurrent: 100 appends at once make one unbroken chain.
func testAuditConcurrent(t *testing.T, s issuer.Store) {
	ctx := context.Background()
	const n = 100
	errs := race(n, func(i int) error {
		_, err := s.AppendAudit(ctx, &issuer.AuditEntry{Time: T0.Add(time.Duration(i) * time.Millisecond), Operator: "opr_a",
			Action: "offer.create", Subject: fmt.Sprint("off_", i)})
		return err
	})
	require.Equal(t, map[string]int{"ok": n}, count(errs))
	all, err := s.Audit(ctx, 1, 2*n)
	require.NoError(t, err)
	require.Len(t, all, n)
	require.NoError(t, issuer.VerifyAudit(all))
	subjects := map[string]bool{}
	for _, e := range all {
		subjects[e.Subject] = true
	}
	assert.Len(t, subjects, n, "every entry is there once")
}
