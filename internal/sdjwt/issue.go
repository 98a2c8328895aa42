package sdjwt

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"io"
	"slices"

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
	is := issuance{
		alg:     alg,
		paths:   opts.Disclosable,
		matched: make([]bool, len(opts.Disclosable)),
		decoys:  opts.Decoys,
		rnd:     newEntropy(rnd),
	}
	payload, err := is.object(claims, nil)
	if err != nil {
		return nil, err
	}
	for i, hit := range is.matched {
		if !hit {
			return nil, fail(ErrIssue, fmt.Sprintf("disclosable claim %s matches no claim", opts.Disclosable[i]))
		}
	}
	if len(is.disclosures) > 0 || alg != SHA256 {
		payload["_sd_alg"] = string(alg)
	}
	body, err := jsonx.Marshal(payload)
	if err != nil {
		return nil, failWrap(ErrIssue, "payload", err)
	}
	jwt, err := jws.Sign(ctx, signer, opts.Header, body)
	if err != nil {
		return nil, failWrap(ErrIssue, "signing", err)
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
}

// disclosable reports whether the concrete path c is to be disclosable,
// and marks the patterns that select it as used.
func (is *issuance) disclosable(c Path) bool {
	hit := false
	for i, p := range is.paths {
		if p.matches(c) {
			is.matched[i] = true
			hit = true
		}
	}
	return hit
}

// relevant reports whether any pattern names something strictly inside the
// claim at c, so that claims nobody asked about are copied without walking
// them.
func (is *issuance) relevant(c Path) bool {
	for _, p := range is.paths {
		if len(p) > len(c) && p[:len(c)].prefixOf(c) {
			return true
		}
	}
	return false
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

func (is *issuance) object(obj map[string]any, at Path) (map[string]any, error) {
	out := make(map[string]any, len(obj)+1)
	var digests []string
	// Sorted, so that a fixed random source gives a fixed SD-JWT.
	for _, name := range sortedKeys(obj) {
		v := obj[name]
		if slices.Contains(reservedNames, name) {
			return nil, fail(ErrIssue, fmt.Sprintf("claim %s uses the reserved name %q", at.child(name), name))
		}
		here := at.child(name)
		if is.relevant(here) {
			var err error
			if v, err = is.value(v, here); err != nil {
				return nil, err
			}
		} else if err := checkReserved(v, here); err != nil {
			return nil, err
		}
		if !is.disclosable(here) {
			out[name] = v
			continue
		}
		d, err := is.disclose(false, name, v)
		if err != nil {
			return nil, failWrap(ErrIssue, "claim "+here.String(), err)
		}
		digests = append(digests, d)
	}
	if len(digests) > 0 {
		n, err := is.rnd.intn(is.decoys + 1)
		if err != nil {
			return nil, err
		}
		for range n {
			decoy, err := is.decoy()
			if err != nil {
				return nil, err
			}
			digests = append(digests, decoy)
		}
		// §4.2.4.1: hide the original order; sorted is what the RFC suggests.
		slices.Sort(digests)
		sd := make([]any, len(digests))
		for i, d := range digests {
			sd[i] = d
		}
		out["_sd"] = sd
	}
	return out, nil
}

func (is *issuance) array(arr []any, at Path) ([]any, error) {
	out := make([]any, 0, len(arr))
	hasSD := false
	for i, v := range arr {
		here := at.child(i)
		if is.relevant(here) {
			var err error
			if v, err = is.value(v, here); err != nil {
				return nil, err
			}
		} else if err := checkReserved(v, here); err != nil {
			return nil, err
		}
		if !is.disclosable(here) {
			out = append(out, v)
			continue
		}
		d, err := is.disclose(true, "", v)
		if err != nil {
			return nil, failWrap(ErrIssue, "claim "+here.String(), err)
		}
		out = append(out, map[string]any{"...": d})
		hasSD = true
	}
	if hasSD && is.decoys > 0 {
		// Decoy elements at random positions; verifiers drop them (§7.1 step 3.4).
		n, err := is.rnd.intn(is.decoys + 1)
		if err != nil {
			return nil, err
		}
		for range n {
			decoy, err := is.decoy()
			if err != nil {
				return nil, err
			}
			pos, err := is.rnd.intn(len(out) + 1)
			if err != nil {
				return nil, err
			}
			out = slices.Insert(out, pos, any(map[string]any{"...": decoy}))
		}
	}
	return out, nil
}

// disclose makes a Disclosure and returns its digest.
func (is *issuance) disclose(element bool, name string, v any) (string, error) {
	salt, err := is.rnd.salt()
	if err != nil {
		return "", err
	}
	d, err := newDisclosure(salt, element, name, v)
	if err != nil {
		return "", err
	}
	is.disclosures = append(is.disclosures, d)
	return is.alg.Digest(d.Encoded), nil
}

// decoy is a digest over fresh random bytes (§4.2.5).
func (is *issuance) decoy() (string, error) {
	salt, err := is.rnd.salt()
	if err != nil {
		return "", err
	}
	return is.alg.Digest(salt), nil
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

func (e *entropy) salt() (string, error) {
	b, err := e.read(saltBytes)
	if err != nil {
		return "", err
	}
	return b64.EncodeToString(b), nil
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
