package wallet_test

import (
	"context"
	"testing"
	"time"

	"github.com/seoulid/seoulid/internal/keys"
	vp "github.com/seoulid/seoulid/internal/oid4vp"
	"github.com/seoulid/seoulid/wallet"
	"github.com/seoulid/seoulid/wallet/wallettest"
)

// BenchmarkBuildPresentation measures building a presentation after
// unlock (the target: ≤ 1 ms): reading the credential from the
// encrypted store, choosing the disclosures, and the KB-JWT signed by the
// copy's ES256 key from the key store (itself sealed in the store). It
// reports the floor measured in the same run — one ES256 signature of the
// same size — and the ratio to it. A benchmark, not a timed test.
func BenchmarkBuildPresentation(b *testing.B) {
	ctx := context.Background()
	l := wallettest.NewLedger()
	c, _ := withResidency(b, l)
	portal := wallettest.NewVerifier(b, l, portalName, residencyPurpose(b))
	uri, _ := portal.Request(b, "residency-check", askResidency, vp.ResponseModeDirectPost)
	consent, err := c.w.Ask(ctx, uri)
	if err != nil {
		b.Fatal(err)
	}
	k, err := keys.Generate(keys.ES256)
	if err != nil {
		b.Fatal(err)
	}
	input := make([]byte, 600) // a KB-JWT's signing input is a few hundred bytes
	b.ResetTimer()
	for b.Loop() {
		tok, err := wallet.Build(ctx, c.w, consent, wallet.Approval{})
		if err != nil || len(tok["residency"]) != 1 {
			b.Fatal(tok, err)
		}
	}
	per := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	// The floor, in the same run: as many ES256 signatures.
	start := time.Now()
	for range b.N {
		if _, err := k.Sign(ctx, input); err != nil {
			b.Fatal(err)
		}
	}
	floor := float64(time.Since(start).Nanoseconds()) / float64(b.N)
	b.ReportMetric(per/1e3, "µs/presentation")
	b.ReportMetric(floor/1e3, "µs/es256-sign-floor")
	b.ReportMetric(per/floor, "x-floor")
}
