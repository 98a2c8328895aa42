package sdjwt

import (
	"context"
	"crypto/rand"
	"fmt"
	mrand "math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seoulid/seoulid/internal/jsonx"
	"github.com/seoulid/seoulid/internal/jws"
	"github.com/seoulid/seoulid/internal/keys"
)

// TestAppendDigestsSorted: the "_sd" array written straight into the
// payload holds the base64url digests sorted as strings, however many
// there are and whatever prefixes they share.
func TestAppendDigestsSorted(t *testing.T) {
	for _, alg := range DefaultHashAlgs {
		is := issuance{alg: alg}
		size := alg.size()
		for n := 1; n <= 40; n++ {
			dg := make([]byte, n*size)
			_, err := rand.Read(dg)
			require.NoError(t, err)
			for i := 1; i < n; i += 3 { // some share their first bytes, or all of them
				copy(dg[i*size:i*size+size/(1+i%2)], dg[(i-1)*size:])
			}
			var want []string
			for i := range n {
				want = append(want, b64.EncodeToString(dg[i*size:(i+1)*size]))
			}
			slices.Sort(want)
			v, err := jsonx.Parse(is.appendDigests(nil, dg))
			require.NoError(t, err)
			var got []string
			for _, e := range v.([]any) {
				got = append(got, e.(string))
			}
			require.Equal(t, want, got)
		}
	}
}

// TestDuplicateDisclosureReported: of several Disclosures sent twice, the
// one reported is the first, in their order, whose digest an earlier one
// has, with the first that has it — as a scan in order reports it.
func TestDuplicateDisclosureReported(t *testing.T) {
	ds := []string{"WyJhIiwxXQ", "WyJiIiwxXQ", "WyJjIiwxXQ", "WyJkIiwxXQ"}
	for _, order := range [][]int{{0, 0}, {0, 1, 1, 0}, {0, 1, 0, 1}, {2, 0, 1, 0, 2}, {3, 3, 3}, {1, 2, 3, 0, 3, 2}} {
		var disclosures []Disclosure
		for _, k := range order {
			d, err := ParseDisclosure(ds[k])
			require.NoError(t, err)
			disclosures = append(disclosures, d)
		}
		first := map[int]int{}
		want := ""
		for i, k := range order {
			if j, ok := first[k]; ok {
				want = fmt.Sprintf("disclosure %d is the same as disclosure %d", i+1, j+1)
				break
			}
			first[k] = i
		}
		_, err := process(map[string]any{}, disclosures, SHA256)
		require.ErrorContains(t, err, want, "%v", order)
	}
}

// TestSortMembers: the sort of an object's members orders them as
// slices.Sort orders their names, whatever bytes those share.
func TestSortMembers(t *testing.T) {
	r := mrand.New(mrand.NewPCG(5, 6))
	for range 20000 {
		n := r.IntN(30)
		seen := map[string]bool{}
		var members []member
		for len(members) < n {
			b := make([]byte, r.IntN(12))
			for i := range b {
				b[i] = "\x00\x01ab\xff"[r.IntN(5)]
			}
			if s := string(b); !seen[s] {
				seen[s] = true
				members = append(members, member{name: s})
			}
		}
		sortMembers(members)
		require.True(t, slices.IsSortedFunc(members, func(a, b member) int { return strings.Compare(a.name, b.name) }), "%q", members)
	}
}

// TestPayloadAsMarshal: the payload written straight from the walk is the
// one jsonx.Marshal writes for the same object, byte for byte, and fails
// where Marshal fails — including at the same depth.
func TestPayloadAsMarshal(t *testing.T) {
	ctx := context.Background()
	k, err := keys.Generate(keys.EdDSA)
	require.NoError(t, err)
	claims := []map[string]any{
		{},
		{"a": 1, "_sc": 2, "_sd_a": 3, "_sd_alh": 4, "A": []any{1, "x", nil, true, 2.5, 1e21}, "~": map[string]any{"z": 1, "a": []string{"q"}}},
		{"given_name": "민준", "n": int64(-7), "f": float32(1.5), "m": map[string]any{}, "e": []any{}},
	}
	for _, c := range claims {
		for _, sd := range []string{"", "a", "given_name,n", "A[*],_sc"} {
			paths, _ := ParsePaths(sd)
			var live []Path
			for _, p := range paths {
				if _, ok := c[p[0].(string)]; ok {
					live = append(live, p)
				}
			}
			for _, alg := range []HashAlg{SHA256, SHA384} {
				issued, err := Issue(ctx, k, c, IssueOptions{Disclosable: live, HashAlg: alg, Decoys: 2})
				require.NoError(t, err)
				tok, err := jws.Parse(issued.JWT, jws.Limits{})
				require.NoError(t, err)
				payload, err := jsonx.ParseObject(tok.UnsafePayload())
				require.NoError(t, err)
				again, err := jsonx.Marshal(payload)
				require.NoError(t, err)
				require.Equal(t, string(again), string(tok.UnsafePayload()))
			}
		}
	}
	// Nesting: the depth at which Issue refuses a claim is the one at
	// which Marshal refuses the payload holding it.
	nest := func(depth int) any {
		var v any = "x"
		for range depth {
			v = []any{v}
		}
		return v
	}
	for depth := 250; depth <= 260; depth++ {
		_, want := jsonx.Marshal(map[string]any{"a": nest(depth)})
		_, err := Issue(ctx, k, map[string]any{"a": nest(depth)}, IssueOptions{})
		require.Equal(t, want == nil, err == nil, "depth %d: %v / %v", depth, want, err)
		if want != nil {
			require.ErrorContains(t, err, want.Error())
		}
	}
	// And a value that cannot be written fails as Marshal does.
	_, want := jsonx.Marshal(map[string]any{"a": "\xff"})
	_, err = Issue(ctx, k, map[string]any{"a": "\xff", "b": map[string]any{"c": "\xff"}}, IssueOptions{})
	require.ErrorContains(t, err, "payload: "+want.Error())
}
