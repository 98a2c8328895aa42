package verifier_test

import (
	"context"
	"testing"
	"time"

	"github.com/seoulid/seoulid/internal/keys"
	"github.com/seoulid/seoulid/verifier"
)

// BenchmarkVerify runs the whole pipeline on one presentation (two
// disclosures, a KB-JWT) against the in-memory ledger, with the status
// list cached, and reports it beside its crypto floor measured in the same
// run: one Ed25519 verification (the issuer's) and one ES256 verification
// (the holder's). The target is ≤ 1.5 × the floor. A benchmark,
// not a timed test.
func BenchmarkVerify(b *testing.B) {
	ctx := context.Background()
	w := newWorld(b)
	pres := w.present(b, w.credential(b, w.issuer, 7, nil), audience, nonce, "resident_of_seoul", "district")
	expect := verifier.Expect{Audience: audience, Nonce: nonce}
	if _, err := w.p.Verify(ctx, pres, expect); err != nil {
		b.Fatal(err)
	}
	msg := make([]byte, 700)
	edSig, _ := w.issuer.Sign(ctx, msg)
	esSig, _ := w.holder.Sign(ctx, msg)
	b.ResetTimer()
	for b.Loop() {
		if _, err := w.p.Verify(ctx, pres, expect); err != nil {
			b.Fatal(err)
		}
	}
	per := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	start := time.Now()
	for range b.N {
		if w.issuer.Public().Verify(keys.EdDSA, msg, edSig) != nil || w.holder.Public().Verify(keys.ES256, msg, esSig) != nil {
			b.Fatal("floor")
		}
	}
	floor := float64(time.Since(start).Nanoseconds()) / float64(b.N)
	b.ReportMetric(per/1e3, "µs/presentation")
	b.ReportMetric(floor/1e3, "µs/floor")
	b.ReportMetric(per/floor, "x-floor")
}
