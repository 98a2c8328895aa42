package sdjwt

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

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
	p := processor{disclosed: make([]Disclosed, len(disclosures))}
	// The digests of all Disclosures in one string, each a substring of
	// it, sorted for look-up.
	encLen := b64.EncodedLen(alg.size())
	var small [16 * 86]byte
	buf := small[:0]
	for _, d := range disclosures {
		buf = alg.appendDigest(buf, d.Encoded)
	}
	all := string(buf)
	p.index = make([]digestIndex, 0, len(disclosures))
	for i, d := range disclosures {
		p.index = append(p.index, digestIndex{all[i*encLen : (i+1)*encLen], i})
		p.disclosed[i] = Disclosed{Disclosure: d, Index: i, Parent: -2}
	}
	sortDigestIndex(p.index)
	// Step 4 for Disclosures: the first one, in their order, whose digest
	// an earlier one has, is reported with the first that has it.
	dup, first := -1, -1
	for k := 1; k < len(p.index); k++ {
		if p.index[k].dg == p.index[k-1].dg && (k == 1 || p.index[k-2].dg != p.index[k].dg) && (dup < 0 || p.index[k].i < dup) {
			dup, first = p.index[k].i, p.index[k-1].i
		}
	}
	if dup >= 0 {
		return nil, fail(ErrDisclosure, fmt.Sprintf("disclosure %d is the same as disclosure %d (a Disclosure may be sent only once)", dup+1, first+1))
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

// digestIndex is the digest of the i-th Disclosure.
type digestIndex struct {
	dg string
	i  int
}

// sortDigestIndex sorts by digest, and Disclosures of the same digest by
// their order: by insertion when they are few.
func sortDigestIndex(x []digestIndex) {
	if len(x) > 24 {
		slices.SortFunc(x, func(a, b digestIndex) int {
			if c := strings.Compare(a.dg, b.dg); c != 0 {
				return c
			}
			return cmp.Compare(a.i, b.i)
		})
		return
	}
	for k := 1; k < len(x); k++ { // x is in Disclosure order: a stable sort keeps it
		e, j := x[k], k
		for ; j > 0 && x[j-1].dg > e.dg; j-- {
			x[j] = x[j-1]
		}
		x[j] = e
	}
}

type processor struct {
	index     []digestIndex       // the Disclosures' digests, sorted
	seen      map[string]struct{} // the other digests met so far (decoys, withheld claims)
	disclosed []Disclosed
	paths     []any // backing store of the Paths of disclosed claims
}

// lookup returns the Disclosure whose digest is dg, or -1.
func (p *processor) lookup(dg string) int {
	lo, hi := 0, len(p.index)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if p.index[m].dg < dg {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo < len(p.index) && p.index[lo].dg == dg {
		return p.index[lo].i
	}
	return -1
}

// child is at.child(e), carved out of one backing array shared by the
// Paths of a verification; each has its capacity capped at its length, so
// that appending to one never writes into another.
func (p *processor) child(at Path, e any) Path {
	n := len(at) + 1
	if cap(p.paths)-len(p.paths) < n {
		p.paths = make([]any, 0, max(4*len(p.disclosed), 2*n, 8))
	}
	i := len(p.paths)
	p.paths = append(append(p.paths, at...), e)
	return Path(p.paths[i : i+n : i+n])
}

// use records digest dg as found at a place; it reports the Disclosure it
// names (or -1 for a decoy or withheld claim). A digest may be found only
// once (step 4).
func (p *processor) use(dg string, where Path) (int, error) {
	if i := p.lookup(dg); i >= 0 {
		// Parent is -2 until the digest is found; the caller sets it
		// before anything else can find it again.
		if p.disclosed[i].Parent != -2 {
			return -1, fail(ErrDisclosure, fmt.Sprintf("digest %s appears more than once (again at %s)", dg, describe(where)))
		}
		p.disclosed[i].Parent = -1
		return i, nil
	}
	if _, dup := p.seen[dg]; dup {
		return -1, fail(ErrDisclosure, fmt.Sprintf("digest %s appears more than once (again at %s)", dg, describe(where)))
	}
	if p.seen == nil {
		p.seen = make(map[string]struct{})
	}
	p.seen[dg] = struct{}{}
	return -1, nil
}

func describe(p Path) string {
	if len(p) == 0 {
		return "the top level"
	}
	return p.String()
}

// isContainer reports whether v is an object or an array, the only values
// process looks into.
func isContainer(v any) bool {
	switch v.(type) {
	case map[string]any, []any:
		return true
	}
	return false
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
	raw, hasSD := obj["_sd"]
	size := len(obj)
	list, isList := raw.([]any)
	if isList {
		size += len(list)
	}
	out := make(map[string]any, size)
	// The members that can fail or that hold digests are taken in sorted
	// order, so that of several faults the same one is always reported;
	// the others (scalars) are copied as they come, which changes nothing.
	var small [16]string
	names := small[:0]
	for name, v := range obj {
		switch name {
		case "_sd":
			continue
		case "...", "_sd_alg":
		default:
			if !isContainer(v) {
				out[name] = v
				continue
			}
		}
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		v := obj[name]
		switch name {
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
	if !hasSD {
		return out, nil
	}
	if !isList {
		return nil, fail(ErrDisclosure, fmt.Sprintf(`"_sd" at %s is %s, not an array of digests`, describe(at), jsonx.Describe(raw)))
	}
	for _, e := range list {
		dg, ok := e.(string)
		if !ok {
			return nil, fail(ErrDisclosure, fmt.Sprintf(`"_sd" at %s holds %s, not a digest string`, describe(at), jsonx.Describe(e)))
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
		here := p.child(at, d.Name)
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
		// len(out) is the position in the processed array.
		if dg, isDigest, err := arrayDigest(e, at, len(out)); err != nil {
			return nil, err
		} else if isDigest {
			here := at.child(len(out))
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
		if !isContainer(e) {
			out = append(out, e)
			continue
		}
		pv, err := p.value(e, at.child(len(out)), parent)
		if err != nil {
			return nil, err
		}
		out = append(out, pv)
	}
	return out, nil
}

// arrayDigest recognises {"...": "<digest>"} (§4.2.4.2) as element i of the
// array at at. An object with a "..." member that is not exactly that is a
// misuse.
func arrayDigest(e any, at Path, i int) (string, bool, error) {
	m, ok := e.(map[string]any)
	if !ok {
		return "", false, nil
	}
	v, ok := m["..."]
	if !ok {
		return "", false, nil
	}
	if len(m) != 1 {
		return "", false, fail(ErrDisclosure, fmt.Sprintf(`array element %s has "..." and other members`, at.child(i)))
	}
	dg, ok := v.(string)
	if !ok {
		return "", false, fail(ErrDisclosure, fmt.Sprintf(`array element %s has a "..." that is %s, not a digest string`, at.child(i), jsonx.Describe(v)))
	}
	return dg, true, nil
}
