package schemas

import (
	"testing"
	"time"
)

// BenchmarkValidate measures what the catalogue adds to each issuance:
// schema validation and the RRN scan of a typical credential (the
// resident registration certificate, 21 claim paths) and of the largest
// (the medication list).
func BenchmarkValidate(b *testing.B) {
	for _, slug := range []string{"resident-registration-certificate", "medication-list"} {
		ty, err := Default().Lookup(VCT(slug, 1))
		if err != nil {
			b.Fatal(err)
		}
		claims := ty.Example()
		b.Run(slug, func(b *testing.B) {
			for b.Loop() {
				if err := ty.Validate(claims); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(slug+"/credential", func(b *testing.B) {
			now := time.Now()
			for b.Loop() {
				if _, err := ty.Credential("did:example:office", now, claims); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
