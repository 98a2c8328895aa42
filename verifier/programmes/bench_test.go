package programmes_test

import (
	"context"
	"testing"

	"github.com/seoulid/seoulid/verifier/programmes"
)

// BenchmarkDecide: the youth allowance (six criteria over five
// credentials) on an eligible applicant. The end-to-end target for
// verification and decision is 1,000 presentations a second on two cores
// (DESIGN.md); a decision should be a small part of that.
func BenchmarkDecide(b *testing.B) {
	p := programme(b, allowance)
	ev := allowanceApplicant(b).evidence(b, p)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		d, err := p.Decide(ctx, ev)
		if err != nil || d.Outcome != "eligible" {
			b.Fatal(d, err)
		}
	}
}

// BenchmarkLoad: compiling and checking the embedded programmes.
func BenchmarkLoad(b *testing.B) {
	for b.Loop() {
		if _, err := programmes.Load(); err != nil {
			b.Fatal(err)
		}
	}
}
