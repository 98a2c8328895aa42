package dcql

import (
	"fmt"
	"slices"

	"github.com/seoulid/seoulid/internal/jsonx"
	"github.com/seoulid/seoulid/internal/sdjwt"
)

// Claim is one claim a claims path pointer selects.
type Claim struct {
	// Path is where the claim is: names and array indexes, never nil.
	Path sdjwt.Path
	// Value is the claim's value, shared with the credential.
	Value any
}

// SelectClaims processes a claims path pointer against the claims of a
// JSON-based credential, as OpenID4VP 1.0 §7.1.1 says, and returns the
// claims selected with their concrete paths (a null in p stands for every
// index of the array it meets). It fails with ErrNoClaim where §7.1.1
// "aborts processing and returns an error": a name applied to an element
// that is not an object (step 2.1), null or an index applied to one that is
// not an array (steps 2.2, 2.3), a component of another kind (2.4), or an
// empty selection at the end (step 3). A member or index that does not
// exist only drops that element from the selection.
//
// The claims of an mso_mdoc credential, written as {namespace: {element:
// value}}, are processed the same way: a two-string pointer (§7.2.1)
// selects the element or fails.
func SelectClaims(claims map[string]any, p sdjwt.Path) ([]Claim, error) {
	if len(p) == 0 {
		return nil, fmt.Errorf("%w: an empty claims path pointer (§7)", ErrNoClaim)
	}
	// Step 1: the root element.
	sel := []Claim{{Path: make(sdjwt.Path, 0, len(p)), Value: claims}}
	// Step 2: the components from left to right.
	for i, comp := range p {
		next := make([]Claim, 0, len(sel))
		for _, c := range sel {
			switch k := comp.(type) {
			case string: // 2.1
				m, ok := c.Value.(map[string]any)
				if !ok {
					return nil, noClaim(p, i, "is applied to %s, not an object", jsonx.Describe(c.Value))
				}
				if v, ok := m[k]; ok {
					next = append(next, Claim{Path: child(c.Path, k), Value: v})
				}
			case nil: // 2.2
				a, ok := c.Value.([]any)
				if !ok {
					return nil, noClaim(p, i, "is applied to %s, not an array", jsonx.Describe(c.Value))
				}
				for j, v := range a {
					next = append(next, Claim{Path: child(c.Path, j), Value: v})
				}
			case int: // 2.3
				a, ok := c.Value.([]any)
				if !ok {
					return nil, noClaim(p, i, "is applied to %s, not an array", jsonx.Describe(c.Value))
				}
				if k >= 0 && k < len(a) {
					next = append(next, Claim{Path: child(c.Path, k), Value: a[k]})
				} else if k < 0 {
					return nil, noClaim(p, i, "is a negative index")
				}
			default: // 2.4
				return nil, noClaim(p, i, "is a %T, not a name, an index or null", comp)
			}
		}
		sel = next
		if len(sel) == 0 {
			// Step 3, reached early: nothing further can be selected.
			return nil, fmt.Errorf("%w: %s selects nothing", ErrNoClaim, pathString(p))
		}
	}
	return sel, nil
}

func noClaim(p sdjwt.Path, i int, format string, args ...any) error {
	return fmt.Errorf("%w: %s: element %d %s (§7.1.1)", ErrNoClaim, pathString(p), i, fmt.Sprintf(format, args...))
}

// child returns a new path with e appended, never sharing p's array.
func child(p sdjwt.Path, e any) sdjwt.Path {
	c := make(sdjwt.Path, len(p), len(p)+1)
	copy(c, p)
	return append(c, e)
}

// valueMatches: "the type and value of the claim both match exactly for at
// least one of the elements in the array" (§6.3). Numbers compare by value
// (90210 and 9.021e4 are one integer), never with strings.
func valueMatches(v any, values []any) bool {
	for _, want := range values {
		if jsonx.Equal(v, want) {
			return true
		}
	}
	return false
}

// claimResult is a Claims Query evaluated against one credential.
type claimResult struct {
	paths  []sdjwt.Path // the concrete paths of the claims that count; nil when none
	reason string       // why none counts, when paths is nil
}

// evalClaim evaluates a Claims Query against a credential's claims: the
// claims its path selects (§7.1.1) and, with "values", only those whose
// value matches (§6.4.1: the others are treated as if they did not exist).
func evalClaim(claims map[string]any, cl *ClaimsQuery) claimResult {
	sel, err := SelectClaims(claims, cl.Path)
	if err != nil {
		return claimResult{reason: "not in the credential"}
	}
	var paths []sdjwt.Path
	for _, c := range sel {
		if cl.Values == nil || valueMatches(c.Value, cl.Values) {
			paths = append(paths, c.Path)
		}
	}
	if paths == nil {
		return claimResult{reason: "no value matches the values asked for"}
	}
	return claimResult{paths: paths}
}

// ClaimOption is one way a credential answers the claims of its
// Credential Query: the claims of one claim_sets option, or all the claims
// when there are no claim_sets (§6.4.1).
type ClaimOption struct {
	// ClaimSet is the index of the option in claim_sets, or -1 when the
	// Credential Query has none.
	ClaimSet int
	// ClaimIDs are the ids of the option's claims; nil without claim_sets.
	ClaimIDs []string
	// Disclose are the claims to disclose: concrete paths (no null) in the
	// credential's claims as given, in the order of the query's claims,
	// each once. Empty when the query asks for no claims: only what is
	// always disclosed is then presented (§6.4.1).
	Disclose []sdjwt.Path
}

// claimMiss is a claim of a Credential Query that a credential does not
// answer.
type claimMiss struct {
	claimSet int // -1 without claim_sets
	path     sdjwt.Path
	reason   string
}

// claimOptions evaluates the claims of c against a credential: the options
// it satisfies, in the Verifier's order of preference (§6.4.1), and, when
// there is none, every claim that is missing, per option.
func (c *CredentialQuery) claimOptions(claims map[string]any) ([]ClaimOption, []claimMiss) {
	if len(c.Claims) == 0 {
		// §6.4.1: no claims asked for, nothing selectively disclosable sent.
		return []ClaimOption{{ClaimSet: -1, Disclose: []sdjwt.Path{}}}, nil
	}
	results := make([]claimResult, len(c.Claims))
	for i := range c.Claims {
		results[i] = evalClaim(claims, &c.Claims[i])
	}
	if c.ClaimSets == nil {
		// §6.4.1: all of claims.
		var miss []claimMiss
		for i, r := range results {
			if r.paths == nil {
				miss = append(miss, claimMiss{claimSet: -1, path: c.Claims[i].Path, reason: r.reason})
			}
		}
		if miss != nil {
			return nil, miss
		}
		all := make([]int, len(results))
		for i := range all {
			all[i] = i
		}
		return []ClaimOption{{ClaimSet: -1, Disclose: disclose(results, all)}}, nil
	}
	byID := make(map[string]int, len(c.Claims))
	for i := range c.Claims {
		byID[c.Claims[i].ID] = i
	}
	var opts []ClaimOption
	var miss []claimMiss
	for s, set := range c.ClaimSets {
		idx := make([]int, 0, len(set))
		ok := true
		for _, id := range set {
			i, known := byID[id]
			if !known {
				ok = false // Validate refuses such a query; never matched
				miss = append(miss, claimMiss{claimSet: s, reason: "claim id " + quote(id) + " is not in claims"})
				continue
			}
			if results[i].paths == nil {
				ok = false
				miss = append(miss, claimMiss{claimSet: s, path: c.Claims[i].Path, reason: results[i].reason})
			}
			idx = append(idx, i)
		}
		if ok {
			opts = append(opts, ClaimOption{ClaimSet: s, ClaimIDs: slices.Clone(set), Disclose: disclose(results, idx)})
		}
	}
	if opts != nil {
		return opts, nil
	}
	return nil, miss
}

// disclose gathers the paths of the claims at idx, in claims order, each
// once.
func disclose(results []claimResult, idx []int) []sdjwt.Path {
	idx = slices.Clone(idx)
	slices.Sort(idx)
	out := []sdjwt.Path{}
	for k, i := range idx {
		if k > 0 && idx[k-1] == i {
			continue
		}
		for _, p := range results[i].paths {
			if !slices.ContainsFunc(out, func(q sdjwt.Path) bool { return pathEqual(p, q) }) {
				out = append(out, p)
			}
		}
	}
	return out
}

// metaMatches says whether a credential of the given format and type meets
// a Credential Query's format and "meta", or why not.
func (c *CredentialQuery) metaMatches(format, typ string) (bool, string) {
	if format != c.Format {
		return false, fmt.Sprintf("format %s, not %s", quote(format), quote(c.Format))
	}
	switch c.Format {
	case FormatSDJWTVC:
		// B.3.5: vct among vct_values (exactly: inheritance is not followed).
		if !slices.Contains(c.Meta.VCTValues, typ) {
			return false, fmt.Sprintf("vct %s is not among vct_values", quote(typ))
		}
	case FormatMdoc:
		// B.2.3.
		if typ != c.Meta.DoctypeValue {
			return false, fmt.Sprintf("doctype %s, not %s", quote(typ), quote(c.Meta.DoctypeValue))
		}
	default:
		if !c.Meta.IsEmpty() {
			return false, "the meta constraints of format " + quote(c.Format) + " cannot be evaluated here"
		}
	}
	return true, ""
}
