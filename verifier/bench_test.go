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
	// The pipeline and the floor alternate, each timed on its own, so
	// that this shared machine's slow and fast moments fall on both alike
	// (timing them one after the other swung the ratio 1.1–1.6). ns/op is
	// the two together: read µs/presentation and x-floor.
	var pipeline, floor time.Duration
	b.ResetTimer()
	for b.Loop() {
		t0 := time.Now()
		if _, err := w.p.Verify(ctx, pres, expect); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if w.issuer.Public().Verify(keys.EdDSA, msg, edSig) != nil || w.holder.Public().Verify(keys.ES256, msg, esSig) != nil {
			b.Fatal("floor")
		}
		pipeline += t1.Sub(t0)
		floor += time.Since(t1)
	}
	n := float64(b.N)
	b.ReportMetric(float64(pipeline.Nanoseconds())/n/1e3, "µs/presentation")
	b.ReportMetric(float64(floor.Nanoseconds())/n/1e3, "µs/floor")
	b.ReportMetric(float64(pipeline)/float64(floor), "x-floor")
}
