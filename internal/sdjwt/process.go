package sdjwt

import (
	"fmt"
	"slices"

	"github.com/seoulid/seoulid/internal/jsonx"
)

// Disclosed is a Disclosure placed in the claims: where its claim sits in
// the issuer's structure and which Disclosure, if any, contains its digest.
type Disclosed struct {
	Disclosure
	// Index is the Disclosure's position (from 0) in SDJWT.Disclosures.
	Index int
	// Path is where the claim sits in the processed claims. For a Holder,
	// who has every Disclosure, array indexes count the issuer's real
	// elements (decoys are never there); for a Verifier they count the
	// elements it received.
	Path Path
	// Parent is the Index of the Disclosure whose value holds this one's
	// digest (a recursive disclosure, §4.2.6), or -1 when the digest is in
	// the Issuer-signed JWT payload itself.
	Parent int
}

// processed is the outcome of RFC 9901 §7.1 step 3 to 5.
type processed struct {
	claims    map[string]any
	disclosed []Disclosed // in the order of SDJWT.Disclosures
}

// process applies RFC 9901 §7.1 steps 3 to 5 to an Issuer-signed JWT
// payload and the Disclosures that came with it: it replaces each digest
// that has a Disclosure by the disclosed claim, drops the others, and
// rejects every misuse the RFC names — a digest that appears twice (step 4),
// a Disclosure that no digest references (step 5), a two-element
// Disclosure for an object property or a three-element one for an array
// element (3.3.2.1, 3.3.3.1), a claim name that already exists (3.3.2.3),
// "_sd" that is not an array of strings (§4.2.4.1), "..." outside an array
// digest (§4.1 rule 7), and "_sd_alg" below the top level (§4.1.1).
//
// payload is not modified; the returned claims share only scalars with it.
func process(payload map[string]any, disclosures []Disclosure, alg HashAlg) (*processed, error) {
	p := processor{
		byDigest:  make(map[string]int, len(disclosures)),
		seen:      make(map[string]struct{}, len(disclosures)+8),
		disclosed: make([]Disclosed, len(disclosures)),
	}
	for i, d := range disclosures {
		dg := alg.Digest(d.Encoded)
		if j, dup := p.byDigest[dg]; dup {
			return nil, fail(ErrDisclosure, fmt.Sprintf("disclosure %d is the same as disclosure %d (a Disclosure may be sent only once)", i+1, j+1))
		}
		p.byDigest[dg] = i
		p.disclosed[i] = Disclosed{Disclosure: d, Index: i, Parent: -2}
	}
	out, err := p.object(payload, nil, -1, true)
	if err != nil {
		return nil, err
	}
	delete(out, "_sd_alg") // step 3.6
	for i, d := range p.disclosed {
		if d.Parent == -2 {
			return nil, fail(ErrDisclosure, fmt.Sprintf("disclosure %d is not referenced by any digest", i+1))
		}
	}
	return &processed{claims: out, disclosed: p.disclosed}, nil
}

type processor struct {
	byDigest  map[string]int
	seen      map[string]struct{}
	disclosed []Disclosed
}

// use records digest dg as found at a place; it reports the Disclosure it
// names (or -1 for a decoy or withheld claim).
func (p *processor) use(dg string, where Path) (int, error) {
	if _, dup := p.seen[dg]; dup {
		return -1, fail(ErrDisclosure, fmt.Sprintf("digest %s appears more than once (again at %s)", dg, describe(where)))
	}
	p.seen[dg] = struct{}{}
	i, ok := p.byDigest[dg]
	if !ok {
		return -1, nil
	}
	return i, nil
}

func describe(p Path) string {
	if len(p) == 0 {
		return "the top level"
	}
	return p.String()
}

func (p *processor) value(v any, at Path, parent int) (any, error) {
	switch x := v.(type) {
	case map[string]any:
		return p.object(x, at, parent, false)
	case []any:
		return p.array(x, at, parent)
	default:
		return v, nil
	}
}

func (p *processor) object(obj map[string]any, at Path, parent int, top bool) (map[string]any, error) {
	out := make(map[string]any, len(obj))
	// Sorted, so that of several faults the same one is always reported.
	for _, name := range sortedKeys(obj) {
		v := obj[name]
		switch name {
		case "_sd":
			continue
		case "...":
			return nil, fail(ErrDisclosure, fmt.Sprintf(`%s has a "..." member outside an array element digest`, describe(at)))
		case "_sd_alg":
			if !top {
				return nil, fail(ErrDisclosure, fmt.Sprintf(`%s has "_sd_alg", which may appear only at the top level`, describe(at)))
			}
			out[name] = v
			continue
		}
		pv, err := p.value(v, at.child(name), parent)
		if err != nil {
			return nil, err
		}
		out[name] = pv
	}
	raw, ok := obj["_sd"]
	if !ok {
		return out, nil
	}
	list, ok := raw.([]any)
	if !ok {
		return nil, fail(ErrDisclosure, fmt.Sprintf(`"_sd" at %s is a %s, not an array of digests`, describe(at), jsonx.TypeName(raw)))
	}
	for _, e := range list {
		dg, ok := e.(string)
		if !ok {
			return nil, fail(ErrDisclosure, fmt.Sprintf(`"_sd" at %s holds a %s, not a digest string`, describe(at), jsonx.TypeName(e)))
		}
		i, err := p.use(dg, at)
		if err != nil {
			return nil, err
		}
		if i < 0 {
			continue // a decoy, or a claim the holder withheld
		}
		d := p.disclosed[i].Disclosure
		if d.Element {
			return nil, fail(ErrDisclosure, fmt.Sprintf("disclosure %d is an array element (two elements) but its digest is in the \"_sd\" of %s", i+1, describe(at)))
		}
		if _, exists := out[d.Name]; exists {
			return nil, fail(ErrDisclosure, fmt.Sprintf("disclosure %d discloses %q, which already exists at %s", i+1, d.Name, describe(at)))
		}
		if d.Name == "_sd_alg" {
			return nil, fail(ErrDisclosure, fmt.Sprintf("disclosure %d discloses \"_sd_alg\", which cannot be selectively disclosed", i+1))
		}
		here := at.child(d.Name)
		p.disclosed[i].Path = here
		p.disclosed[i].Parent = parent
		pv, err := p.value(d.Value, here, i)
		if err != nil {
			return nil, err
		}
		out[d.Name] = pv
	}
	return out, nil
}

func (p *processor) array(arr []any, at Path, parent int) ([]any, error) {
	out := make([]any, 0, len(arr))
	for _, e := range arr {
		here := at.child(len(out)) // the position in the processed array
		if dg, isDigest, err := arrayDigest(e, here); err != nil {
			return nil, err
		} else if isDigest {
			i, err := p.use(dg, here)
			if err != nil {
				return nil, err
			}
			if i < 0 {
				continue // §7.1 step 3.4: drop elements without a Disclosure
			}
			d := p.disclosed[i].Disclosure
			if !d.Element {
				return nil, fail(ErrDisclosure, fmt.Sprintf("disclosure %d is an object property (three elements) but its digest is an array element at %s", i+1, here))
			}
			p.disclosed[i].Path = here
			p.disclosed[i].Parent = parent
			pv, err := p.value(d.Value, here, i)
			if err != nil {
				return nil, err
			}
			out = append(out, pv)
			continue
		}
		pv, err := p.value(e, here, parent)
		if err != nil {
			return nil, err
		}
		out = append(out, pv)
	}
	return out, nil
}

// arrayDigest recognises {"...": "<digest>"} (§4.2.4.2). An object with a
// "..." member that is not exactly that is a misuse.
func arrayDigest(e any, at Path) (string, bool, error) {
	m, ok := e.(map[string]any)
	if !ok {
		return "", false, nil
	}
	v, ok := m["..."]
	if !ok {
		return "", false, nil
	}
	if len(m) != 1 {
		return "", false, fail(ErrDisclosure, fmt.Sprintf(`array element %s has "..." and other members`, at))
	}
	dg, ok := v.(string)
	if !ok {
		return "", false, fail(ErrDisclosure, fmt.Sprintf(`array element %s has a "..." that is a %s, not a digest string`, at, jsonx.TypeName(v)))
	}
	return dg, true, nil
}

func sortedKeys(m map[string]any) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}
