package conformance_test

import (
	"testing"

	"github.com/seoulid/seoulid/conformance"
)

// requireFaultsFound shows each negative requirement of the suite able to
// fail: for each, target(broken[id]) is an implementation broken in that
// one way, and the suite must fail that requirement and no other. A fault is
// usually a wrapper of the implementation's HTTP handler.
func requireFaultsFound[F any](t *testing.T, suite string, broken map[string]F, target func(*testing.T, F) conformance.Target) {
	t.Helper()
	reqs, err := conformance.Requirements(suite)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range reqs {
		if !r.Negative {
			continue
		}
		wrap, ok := broken[r.ID]
		if !ok {
			t.Errorf("no broken double for the negative requirement %s", r.ID)
			continue
		}
		t.Run("broken/"+r.ID, func(t *testing.T) {
			results, err := conformance.Run(t.Context(), suite, target(t, wrap), nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, res := range results {
				if res.ID == r.ID && res.Outcome != conformance.Fail {
					t.Errorf("an implementation broken for %s passes it: %s", r.ID, res.Outcome)
				}
				if res.ID != r.ID && res.Outcome == conformance.Fail {
					t.Errorf("breaking %s also fails %s: %s", r.ID, res.ID, res.Reason)
				}
			}
		})
	}
}
