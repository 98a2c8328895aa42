package sdjwt

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"crypto/sha512"
	"encoding/binary"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/seoulid/seoulid/internal/b64url"
	"github.com/seoulid/seoulid/internal/jsonx"
	"github.com/seoulid/seoulid/internal/jws"
	"github.com/seoulid/seoulid/internal/keys"
)

// Signer signs the Issuer-signed JWT and the KB-JWT. keys.PrivateKey and
// keys.CryptoSigner satisfy it.
type Signer interface {
	Algorithm() keys.Algorithm
	KeyID() string
	Sign(ctx context.Context, signingInput []byte) ([]byte, error)
}

// IssueOptions say how to make an SD-JWT. The zero value issues every claim
// in plain text with SHA-256 and no decoys.
type IssueOptions struct {
	// Disclosable lists the claims to make selectively disclosable. A path
	// to an object member makes that member disclosable; a path ending in
	// an index or nil makes that array element (or every element)
	// disclosable. Listing both a claim and something inside it gives a
	// recursive disclosure (§4.2.6). Every path must name at least one
	// claim.
	Disclosable []Path
	// Header holds extra protected header parameters ("typ", …). "alg"
	// and "kid" come from the signer.
	Header map[string]any
	// HashAlg is the digest algorithm; zero means SHA256.
	HashAlg HashAlg
	// Decoys is the most decoy digests (§4.2.5) added to each "_sd" array
	// and each array holding disclosable elements; each gets a random
	// number between zero and Decoys. Zero means no decoys.
	Decoys int
	// Rand is the source of salts, decoys and shuffling; nil means
	// crypto/rand. Tests inject a fixed one.
	Rand io.Reader
}

// saltBytes is 128 bits, the entropy RFC 9901 §9.3 recommends.
const saltBytes = 16

// maxDecoys bounds IssueOptions.Decoys.
const maxDecoys = 64

// reservedNames may not appear as claim names in the claims to issue: they
// carry the SD-JWT mechanism itself (§4.1 rule 7, §4.1.1).
var reservedNames = []string{"_sd", "...", "_sd_alg"}

// Issue makes an SD-JWT from claims (which it does not modify): it replaces
// each disclosable claim by a digest, adds decoys, signs the payload with
// signer, and returns the SD-JWT with all its Disclosures.
func Issue(ctx context.Context, signer Signer, claims map[string]any, opts IssueOptions) (*SDJWT, error) {
	if signer == nil {
		return nil, fail(ErrIssue, "no signer")
	}
	alg := opts.HashAlg
	if alg == "" {
		alg = SHA256
	}
	if !alg.valid() {
		return nil, fail(ErrIssue, fmt.Sprintf("unsupported digest algorithm %q (supported: sha-256, sha-384, sha-512)", alg))
	}
	if opts.Decoys < 0 || opts.Decoys > maxDecoys {
		return nil, fail(ErrIssue, fmt.Sprintf("decoys must be between 0 and %d", maxDecoys))
	}
	for _, p := range opts.Disclosable {
		if err := p.validate(); err != nil {
			return nil, failWrap(ErrIssue, "disclosable claim", err)
		}
		if s, ok := p[0].(string); !ok {
			return nil, fail(ErrIssue, fmt.Sprintf("claim path %s does not start with a claim name", p))
		} else if len(p) == 1 && s == "_sd_alg" {
			return nil, fail(ErrIssue, "_sd_alg cannot be disclosable")
		}
	}
	rnd := opts.Rand
	if rnd == nil {
		rnd = rand.Reader
	}
	n := len(opts.Disclosable)
	is := issuance{
		alg:         alg,
		paths:       opts.Disclosable,
		matched:     make([]bool, n),
		decoys:      opts.Decoys,
		rnd:         newEntropy(rnd),
		disclosures: make([]Disclosure, 0, n),
		spans:       make([]span, 0, n),
	}
	// The top level is walked like any object, but written out as JSON
	// straight away rather than made into a map first: nobody else sees it.
	var keptSmall [32]member
	var dgSmall [16 * sha512.Size]byte
	kept, dg, err := is.walk(claims, nil, keptSmall[:0], dgSmall[:0])
	if err != nil {
		return nil, err
	}
	for i, hit := range is.matched {
		if !hit {
			return nil, fail(ErrIssue, fmt.Sprintf("disclosable claim %s matches no claim", opts.Disclosable[i]))
		}
	}
	is.finish()
	var bodySmall [2048]byte // only read by jws.Sign, which encodes it
	body, err := is.appendPayload(bodySmall[:0], kept, dg, len(is.disclosures) > 0 || alg != SHA256)
	if err != nil {
		return nil, failWrap(ErrIssue, "payload", err)
	}
	jwt, err := jws.Sign(ctx, signer, opts.Header, body)
	if err != nil {
		return nil, failWrap(ErrIssue, "signing", err)
	}
	if len(is.disclosures) == 0 {
		is.disclosures = nil // as before: no Disclosures is a nil slice
	}
	return &SDJWT{JWT: jwt, Disclosures: is.disclosures}, nil
}

type issuance struct {
	alg         HashAlg
	paths       []Path
	matched     []bool
	decoys      int
	rnd         *entropy
	disclosures []Disclosure
	// text holds the salt and the encoded form of each Disclosure, back to
	// back, at the offsets in spans; finish makes it one string, of which
	// each Disclosure's Salt and Encoded are substrings, so that a
	// Disclosure costs no allocation of its own.
	text  []byte
	spans []span
}

type span struct{ salt, enc, end int }

// member is a claim kept in clear in an object.
type member struct {
	name  string
	value any
}

// saltLen is the length of an encoded salt.
var saltLen = b64.EncodedLen(saltBytes)

// finish sets the Salt and Encoded of every Disclosure.
func (is *issuance) finish() {
	text := string(is.text)
	for i, sp := range is.spans {
		d := &is.disclosures[i]
		d.Salt = text[sp.salt : sp.salt+saltLen]
		d.Encoded = text[sp.enc:sp.end]
	}
}

// appendPayload writes the top-level object as jsonx.Marshal writes a map
// — members sorted by name, with "_sd" (when there are digests) and
// "_sd_alg" (when withAlg) among them — from the members kept in clear, in
// name order, and the raw digests of its "_sd".
func (is *issuance) appendPayload(buf []byte, kept []member, dg []byte, withAlg bool) ([]byte, error) {
	// Reserved names are refused in claims: neither of these is in kept.
	var extraSmall [2]string
	extra := extraSmall[:0]
	if len(dg) > 0 {
		extra = append(extra, "_sd")
	}
	if withAlg {
		extra = append(extra, "_sd_alg")
	}
	buf = append(buf, '{')
	for i := 0; len(kept) > 0 || len(extra) > 0; i++ {
		if i > 0 {
			buf = append(buf, ',')
		}
		var err error
		if len(extra) > 0 && (len(kept) == 0 || extra[0] < kept[0].name) {
			name := extra[0]
			extra = extra[1:]
			buf = append(append(append(buf, '"'), name...), '"', ':')
			if name == "_sd" {
				buf = is.appendDigests(buf, dg)
			} else if buf, err = jsonx.AppendString(buf, string(is.alg)); err != nil {
				return buf, err
			}
			continue
		}
		m := kept[0]
		kept = kept[1:]
		if buf, err = jsonx.AppendString(buf, m.name); err != nil {
			return buf, err
		}
		buf = append(buf, ':')
		if buf, err = appendMember(buf, m.value); err != nil {
			return buf, err
		}
	}
	return append(buf, '}'), nil
}

// appendMember writes the value of a top-level member as jsonx.Marshal
// writes it inside the payload. An object or an array goes through
// jsonx.Append as the element of a one-element array, whose brackets are
// then dropped: so it is written one level down, as in the payload, and
// meets jsonx's depth limit at the same depth.
func appendMember(buf []byte, v any) ([]byte, error) {
	switch v.(type) {
	case map[string]any, []any:
		start := len(buf)
		buf, err := jsonx.Append(buf, []any{v})
		if err != nil {
			return buf, err
		}
		n := copy(buf[start:], buf[start+1:len(buf)-1])
		return buf[:start+n], nil
	default:
		return jsonx.Append(buf, v)
	}
}

// appendDigests writes the raw digests in dg as the JSON array of their
// base64url encodings, sorted (§4.2.4.1: hide the original order; sorted is
// what the RFC suggests).
func (is *issuance) appendDigests(buf, dg []byte) []byte {
	size := is.alg.size()
	encLen := b64.EncodedLen(size)
	n := len(dg) / size
	var encSmall [16 * 86]byte
	enc := encSmall[:0]
	// Sorted on the first eight characters, which differ between random
	// digests, and on all of them when they do not.
	type key struct {
		prefix uint64
		i      int
	}
	var orderSmall [16]key
	order := orderSmall[:0]
	for i := range n {
		enc = b64url.AppendEncode(enc, dg[i*size:(i+1)*size])
		order = append(order, key{binary.BigEndian.Uint64(enc[i*encLen:]), i})
	}
	less := func(a, b key) int {
		if a.prefix != b.prefix {
			return cmp.Compare(a.prefix, b.prefix)
		}
		return bytes.Compare(enc[a.i*encLen:(a.i+1)*encLen], enc[b.i*encLen:(b.i+1)*encLen])
	}
	if len(order) <= 16 {
		for i := 1; i < len(order); i++ { // an insertion sort: no call per comparison
			k, j := order[i], i
			for ; j > 0 && (order[j-1].prefix > k.prefix || order[j-1].prefix == k.prefix && less(order[j-1], k) > 0); j-- {
				order[j] = order[j-1]
			}
			order[j] = k
		}
	} else {
		slices.SortFunc(order, less)
	}
	buf = append(buf, '[')
	for j, k := range order {
		if j > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, '"')
		buf = append(buf, enc[k.i*encLen:(k.i+1)*encLen]...) // base64url: nothing to escape
		buf = append(buf, '"')
	}
	return append(buf, ']')
}

// encodeDigests base64url-encodes the raw digests in dg, making one string
// for all of them.
func (is *issuance) encodeDigests(dg []byte) []string {
	size := is.alg.size()
	n := len(dg) / size
	encLen := b64.EncodedLen(size)
	var small [16 * 86]byte
	buf := small[:0]
	for i := range n {
		buf = b64url.AppendEncode(buf, dg[i*size:(i+1)*size])
	}
	all := string(buf)
	out := make([]string, n)
	for i := range out {
		out[i] = all[i*encLen : (i+1)*encLen]
	}
	return out
}

// match reports, for the claim e (a name or an index) inside the claim at
// at, whether any pattern names something strictly inside it (relevant:
// the claim must be walked, otherwise it is copied as it is) and whether
// the claim itself is to be disclosable, marking the patterns that select
// it as used. It is the test of the patterns against at+[e], without
// making that path.
func (is *issuance) match(at Path, e any) (relevant, disclosable bool) {
	k := len(at)
	for i, p := range is.paths {
		if len(p) <= k || !elementMatches(p[k], e) || !p[:k].prefixOf(at) {
			continue
		}
		if len(p) == k+1 {
			is.matched[i] = true
			disclosable = true
		} else {
			relevant = true
		}
	}
	return relevant, disclosable
}

// elementMatches reports whether the pattern element pe selects the
// concrete element e (a name or an index), as prefixOf does.
func elementMatches(pe, e any) bool {
	switch x := pe.(type) {
	case nil:
		_, isIndex := e.(int)
		return isIndex
	case string:
		y, ok := e.(string)
		return ok && x == y
	case int:
		y, ok := e.(int)
		return ok && x == y
	default:
		return pe == e
	}
}

// checkReserved looks through a claim that is copied as it is for a
// reserved name, which would make the verifier misread it.
func checkReserved(v any, at Path) error {
	switch x := v.(type) {
	case map[string]any:
		for name, e := range x {
			if slices.Contains(reservedNames, name) {
				return fail(ErrIssue, fmt.Sprintf("claim %s uses the reserved name %q", at.child(name), name))
			}
			if err := checkReserved(e, at.child(name)); err != nil {
				return err
			}
		}
	case []any:
		for i, e := range x {
			if err := checkReserved(e, at.child(i)); err != nil {
				return err
			}
		}
	}
	return nil
}

// isReserved is slices.Contains(reservedNames, name).
func isReserved(name string) bool {
	switch name {
	case "_sd", "...", "_sd_alg":
		return true
	}
	return false
}

// hasReserved reports whether checkReserved would fail, without making a
// path for every claim it looks at.
func hasReserved(v any) bool {
	switch x := v.(type) {
	case map[string]any:
		for name, e := range x {
			if isReserved(name) || hasReserved(e) {
				return true
			}
		}
	case []any:
		for _, e := range x {
			if hasReserved(e) {
				return true
			}
		}
	}
	return false
}

func (is *issuance) value(v any, at Path) (any, error) {
	switch x := v.(type) {
	case map[string]any:
		return is.object(x, at)
	case []any:
		return is.array(x, at)
	default:
		return v, nil
	}
}

// object processes an object below the top level into the map that the
// payload, or a Disclosure's Value, holds.
func (is *issuance) object(obj map[string]any, at Path) (map[string]any, error) {
	kept, dg, err := is.walk(obj, at, nil, nil)
	if err != nil {
		return nil, err
	}
	out := make(map[string]any, len(kept)+1)
	for _, m := range kept {
		out[m.name] = m.value
	}
	if len(dg) > 0 {
		// §4.2.4.1: hide the original order; sorted is what the RFC suggests.
		digests := is.encodeDigests(dg)
		slices.Sort(digests)
		sd := make([]any, len(digests))
		for i, d := range digests {
			sd[i] = d
		}
		out["_sd"] = sd
	}
	return out, nil
}

// walk processes the members of an object in name order (so that a fixed
// random source gives a fixed SD-JWT): it appends those kept in clear to
// kept, in that order, and the raw digests of its "_sd", decoys included,
// to dg.
func (is *issuance) walk(obj map[string]any, at Path, kept []member, dg []byte) ([]member, []byte, error) {
	var small [32]member
	members := small[:0]
	for name, v := range obj {
		members = append(members, member{name, v})
	}
	sortMembers(members)
	// The patterns that can select a member here: those whose prefix
	// selects at and that name a member next, in name order, so that each
	// member finds its own by a merge rather than by trying them all.
	var liveSmall [16]int
	live := is.live(at, liveSmall[:0])
	start := len(dg)
	for _, m := range members {
		name, v := m.name, m.value
		if isReserved(name) {
			return nil, nil, fail(ErrIssue, fmt.Sprintf("claim %s uses the reserved name %q", at.child(name), name))
		}
		var relevant, disclosable bool
		for len(live) > 0 && is.paths[live[0]][len(at)].(string) < name {
			live = live[1:]
		}
		for _, i := range live {
			if is.paths[i][len(at)].(string) != name {
				break
			}
			if len(is.paths[i]) == len(at)+1 {
				is.matched[i] = true
				disclosable = true
			} else {
				relevant = true
			}
		}
		if relevant {
			var err error
			if v, err = is.value(v, at.child(name)); err != nil {
				return nil, nil, err
			}
		} else if hasReserved(v) {
			if err := checkReserved(v, at.child(name)); err != nil {
				return nil, nil, err
			}
		}
		if !disclosable {
			kept = append(kept, member{name, v})
			continue
		}
		var err error
		if dg, err = is.disclose(dg, false, name, v); err != nil {
			return nil, nil, failWrap(ErrIssue, "claim "+at.child(name).String(), err)
		}
	}
	if len(dg) > start {
		n, err := is.rnd.intn(is.decoys + 1)
		if err != nil {
			return nil, nil, err
		}
		for range n {
			if dg, err = is.decoy(dg); err != nil {
				return nil, nil, err
			}
		}
	}
	return kept, dg, nil
}

// sortMembers sorts members by name. When they are few, it sorts them by
// insertion on the first eight bytes of their names, comparing whole names
// only when those are equal: no call per comparison.
func sortMembers(members []member) {
	if len(members) > 24 {
		slices.SortFunc(members, func(a, b member) int { return strings.Compare(a.name, b.name) })
		return
	}
	var keys [24]uint64
	for i, m := range members {
		keys[i] = namePrefix(m.name)
	}
	for i := 1; i < len(members); i++ {
		m, k, j := members[i], keys[i], i
		for ; j > 0 && (keys[j-1] > k || keys[j-1] == k && members[j-1].name > m.name); j-- {
			members[j], keys[j] = members[j-1], keys[j-1]
		}
		members[j], keys[j] = m, k
	}
}

// namePrefix is the first eight bytes of s, big-endian, padded with zeros:
// namePrefix(a) < namePrefix(b) implies a < b.
func namePrefix(s string) uint64 {
	var k uint64
	for i := range 8 {
		k <<= 8
		if i < len(s) {
			k |= uint64(s[i])
		}
	}
	return k
}

// live appends to dst the indexes of the patterns that can select a member
// of the object at at — those with a name after a prefix that selects at —
// sorted by that name. (A pattern's nil or index never selects a member.)
func (is *issuance) live(at Path, dst []int) []int {
	k := len(at)
	for i, p := range is.paths {
		if len(p) <= k || !p[:k].prefixOf(at) {
			continue
		}
		if _, isName := p[k].(string); isName {
			dst = append(dst, i)
		}
	}
	slices.SortFunc(dst, func(a, b int) int {
		return strings.Compare(is.paths[a][k].(string), is.paths[b][k].(string))
	})
	return dst
}

func (is *issuance) array(arr []any, at Path) ([]any, error) {
	out := make([]any, 0, len(arr))
	hasSD := false
	for i, v := range arr {
		relevant, disclosable := is.match(at, i)
		if relevant {
			var err error
			if v, err = is.value(v, at.child(i)); err != nil {
				return nil, err
			}
		} else if hasReserved(v) {
			if err := checkReserved(v, at.child(i)); err != nil {
				return nil, err
			}
		}
		if !disclosable {
			out = append(out, v)
			continue
		}
		var dg [sha512.Size]byte
		d, err := is.disclose(dg[:0], true, "", v)
		if err != nil {
			return nil, failWrap(ErrIssue, "claim "+at.child(i).String(), err)
		}
		out = append(out, map[string]any{"...": is.encodeDigests(d)[0]})
		hasSD = true
	}
	if hasSD && is.decoys > 0 {
		// Decoy elements at random positions; verifiers drop them (§7.1 step 3.4).
		n, err := is.rnd.intn(is.decoys + 1)
		if err != nil {
			return nil, err
		}
		for range n {
			var dg [sha512.Size]byte
			decoy, err := is.decoy(dg[:0])
			if err != nil {
				return nil, err
			}
			pos, err := is.rnd.intn(len(out) + 1)
			if err != nil {
				return nil, err
			}
			out = slices.Insert(out, pos, any(map[string]any{"...": is.encodeDigests(decoy)[0]}))
		}
	}
	return out, nil
}

// disclose makes a Disclosure as seoulid issues it — compact JSON; RFC 9901
// §4.2.1 allows any JSON spelling, and the digest is over this one — and
// appends its raw digest to dg.
func (is *issuance) disclose(dg []byte, element bool, name string, v any) ([]byte, error) {
	raw, err := is.rnd.read(saltBytes)
	if err != nil {
		return dg, err
	}
	if is.text == nil {
		is.text = make([]byte, 0, 112*cap(is.spans)+128)
	}
	mark := len(is.text)
	sp := span{salt: mark}
	is.text = b64url.AppendEncode(is.text, raw)
	var small [256]byte
	js := append(small[:0], '[', '"')
	js = append(js, is.text[sp.salt:]...) // salts are base64url, nothing to escape
	js = append(js, '"', ',')
	if !element {
		if js, err = jsonx.AppendString(js, name); err != nil {
			is.text = is.text[:mark]
			return dg, err
		}
		js = append(js, ',')
	}
	if js, err = jsonx.Append(js, v); err != nil {
		is.text = is.text[:mark]
		return dg, err
	}
	js = append(js, ']')
	sp.enc = len(is.text)
	is.text = b64url.AppendEncode(is.text, js)
	sp.end = len(is.text)
	is.spans = append(is.spans, sp)
	is.disclosures = append(is.disclosures, Disclosure{Element: element, Name: name, Value: v})
	return is.alg.appendSum(dg, is.text[sp.enc:sp.end]), nil
}

// decoy appends a digest over fresh random bytes (§4.2.5): that of a salt,
// as if it were a Disclosure.
func (is *issuance) decoy(dg []byte) ([]byte, error) {
	raw, err := is.rnd.read(saltBytes)
	if err != nil {
		return dg, err
	}
	var salt [22]byte
	return is.alg.appendSum(dg, b64url.AppendEncode(salt[:0], raw)), nil
}

// entropy hands out salts and small random numbers from one buffered read,
// so that issuing ten disclosures costs one call into the random source.
type entropy struct {
	r   io.Reader
	buf [saltBytes * 16]byte
	off int
}

func newEntropy(r io.Reader) *entropy {
	e := &entropy{r: r}
	e.off = len(e.buf)
	return e
}

func (e *entropy) read(n int) ([]byte, error) {
	if e.off+n > len(e.buf) {
		if _, err := io.ReadFull(e.r, e.buf[:]); err != nil {
			return nil, failWrap(ErrIssue, "random source", err)
		}
		e.off = 0
	}
	b := e.buf[e.off : e.off+n]
	e.off += n
	return b, nil
}

// intn returns a uniform number in [0, n) by rejection sampling.
func (e *entropy) intn(n int) (int, error) {
	if n <= 1 {
		return 0, nil
	}
	limit := ^uint32(0) - ^uint32(0)%uint32(n)
	for {
		b, err := e.read(4)
		if err != nil {
			return 0, err
		}
		if v := binary.LittleEndian.Uint32(b); v < limit {
			return int(v % uint32(n)), nil
		}
	}
}
