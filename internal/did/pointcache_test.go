package did

import (
	"crypto/ed25519"
	"testing"
)

// TestPointCheckCache: the memoised check answers as the check does, the
// second time as the first, for a valid key and for points it refuses.
func TestPointCheckCache(t *testing.T) {
	pub, _, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	identity := make([]byte, 32)
	identity[0] = 1 // y = 1: the neutral element, of order 1
	notCanonical := make([]byte, 32)
	for i := range notCanonical {
		notCanonical[i] = 0xff
	}
	notCanonical[31] = 0x7f // y = 2^255 - 1 ≥ p
	for _, tc := range []struct {
		name string
		key  []byte
		ok   bool
	}{{"a fresh key", pub, true}, {"the identity", identity, false}, {"y ≥ p", notCanonical, false}} {
		want := checkEd25519PointUncached(tc.key)
		if (want == nil) != tc.ok {
			t.Fatalf("%s: the check says %v", tc.name, want)
		}
		for range 2 {
			got := checkEd25519Point(tc.key)
			if (got == nil) != (want == nil) || (got != nil && got.Error() != want.Error()) {
				t.Errorf("%s: memoised %v, uncached %v", tc.name, got, want)
			}
		}
	}
}
