package conformance_test

import (
	"testing"

	"github.com/seoulid/seoulid/conformance"
)

// seoulid's library passes every vector of the standards; the suite needs
// no target but a URL to name.
func TestVectorsSuite(t *testing.T) {
	target := conformance.Target{URL: "library:seoulid"}
	conformance.RunT(t, "vectors", target)
	results, err := conformance.Run(t.Context(), "vectors", target, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != 5 {
		t.Fatalf("%d results", len(results))
	}
	for _, r := range results {
		if r.Outcome != conformance.Pass {
			t.Errorf("%s: %s %s", r.ID, r.Outcome, r.Reason)
		}
	}
}
