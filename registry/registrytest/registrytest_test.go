package registrytest_test

import (
	"context"
	"errors"
	"testing"

	"github.com/seoulid/seoulid/registry"
	"github.com/seoulid/seoulid/registry/registrytest"
)

// TestLedger: the helper's own promises — the genesis council, block
// heights and times, a rejected operation giving its sequence number
// back, and the one-call operations.
func TestLedger(t *testing.T) {
	ctx := context.Background()
	l := registrytest.New(t)
	r := l.Reader()
	c, err := r.Council(ctx)
	if err != nil || len(c.Members) != 5 || c.Threshold != registrytest.Threshold || len(l.Agencies) != 5 {
		t.Fatalf("council: %+v %v", c, err)
	}
	if r.Chain() != registrytest.Chain || !l.Time().Equal(registrytest.GenesisTime) {
		t.Fatalf("chain %q, time %v", r.Chain(), l.Time())
	}
	seoul := l.Agencies[0]

	// 201 DIDs take two blocks.
	ks := l.CreateMany(seoul, 201)
	if len(ks) != 201 || l.App.Height() != 2 || !l.Time().Equal(registrytest.BlockTime(2)) {
		t.Fatalf("%d keys, height %d, time %v", len(ks), l.App.Height(), l.Time())
	}
	if _, err := r.Resolve(ctx, registrytest.DIDOf(ks[200])); err != nil {
		t.Fatal(err)
	}

	// A rejected operation uses no sequence number: the next one is
	// accepted.
	l.Expect(registry.CodeQuorum, l.Council(l.Op(seoul, registry.Op{Type: registry.OpTrustIssuer, DID: registrytest.DIDOf(ks[0]), VCTs: []string{"urn:x:1"}}), registrytest.Threshold-1))
	l.BlockOK(l.Council(l.Op(seoul, registry.Op{Type: registry.OpTrustIssuer, DID: registrytest.DIDOf(ks[0]), VCTs: []string{"urn:x:1"}}), registrytest.Threshold))
	if n, _ := r.Sequence(ctx, registrytest.DIDOf(seoul)); n != 202 {
		t.Fatalf("sequence %d, want 202", n)
	}

	issuer := ks[0]
	uri := "https://example.seoul.go.kr/status/1"
	before := l.Time()
	tok := l.Publish(issuer, uri)
	if se, err := r.StatusList(ctx, uri); err != nil || se.Token != tok || !se.IssuedAt.Equal(before) {
		t.Fatalf("status list: %+v %v", se, err)
	}
	k2 := l.Rotate(issuer, "key-2")
	if doc, err := r.Resolve(ctx, registrytest.DIDOf(issuer)); err != nil || doc.VerificationMethod[0].ID != k2.KeyID() {
		t.Fatalf("rotated: %+v %v", doc, err)
	}
	l.Deactivate(k2)
	if _, err := r.Resolve(ctx, registrytest.DIDOf(issuer)); !errors.Is(err, registry.ErrDeactivated) {
		t.Fatalf("deactivated: %v", err)
	}
	if k := l.Create(l.Agencies[1]); registrytest.DIDOf(k) != registry.DeriveDID(k.Public()) {
		t.Fatalf("key id %q", k.KeyID())
	}
}
