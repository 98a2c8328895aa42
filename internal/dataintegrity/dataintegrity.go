package dataintegrity

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/seoulid/seoulid/internal/did"
	"github.com/seoulid/seoulid/internal/jcs"
	"github.com/seoulid/seoulid/internal/jsonld"
	"github.com/seoulid/seoulid/internal/keys"
)

// The cryptosuites.
const (
	EdDSARDFC2022 = "eddsa-rdfc-2022"
	EdDSAJCS2022  = "eddsa-jcs-2022"
	ECDSARDFC2019 = "ecdsa-rdfc-2019"
	ECDSAJCS2019  = "ecdsa-jcs-2019"
)

// ProofType is the type of every proof here (VC Data Integrity §3.1).
const ProofType = "DataIntegrityProof"

// suite is what a cryptosuite decides: how documents become bytes and
// which key algorithm signs.
type suite struct {
	rdfc bool
	alg  keys.Algorithm
}

var suites = map[string]suite{
	EdDSARDFC2022: {rdfc: true, alg: keys.EdDSA},
	EdDSAJCS2022:  {rdfc: false, alg: keys.EdDSA},
	ECDSARDFC2019: {rdfc: true, alg: keys.ES256},
	ECDSAJCS2019:  {rdfc: false, alg: keys.ES256},
}

// Cryptosuites returns the names of the cryptosuites, sorted.
func Cryptosuites() []string { return slices.Sorted(maps.Keys(suites)) }

// The errors Verify and Sign return, wrapped with detail.
var (
	ErrMalformed = errors.New("dataintegrity: malformed proof")
	ErrSuite     = errors.New("dataintegrity: unsupported cryptosuite")
	ErrPurpose   = errors.New("dataintegrity: proof purpose mismatch")
	ErrKey       = errors.New("dataintegrity: verification method unusable")
	ErrSignature = errors.New("dataintegrity: signature does not verify")
	ErrExpired   = errors.New("dataintegrity: proof expired")
	ErrChallenge = errors.New("dataintegrity: challenge or domain mismatch")
)

// Signer signs with a key whose id is a verification method's DID URL;
// *keys.PrivateKey is one. Sign must sign data itself (Ed25519), or its
// SHA-256 digest with the signature as r || s (ES256), as JWS does.
type Signer interface {
	Algorithm() keys.Algorithm
	KeyID() string
	Sign(ctx context.Context, data []byte) ([]byte, error)
}

// KeyHistory is a Resolver that knows a DID's keys as they were (the
// registry's client): a proof with a created time is then checked with the
// key its verification method named at that time (with the registry's
// rotation grace, never a key reported compromised), so that a rotation
// does not undo what the old key signed.
type KeyHistory interface {
	KeyAt(ctx context.Context, kidURL string, rel did.RelationshipKind, t time.Time) (*keys.PublicKey, error)
}

// Resolver resolves a DID to its document (did.LocalResolver for did:key,
// the registry's client for did:seoul).
type Resolver interface {
	Resolve(ctx context.Context, did string) (*did.Document, error)
}

// Options configure a proof. Cryptosuite is required and must fit the
// signer's algorithm; a zero Purpose is assertionMethod; a zero Created is
// now (to the second, UTC); Expires, Challenge and Domain are left out
// when zero.
type Options struct {
	Cryptosuite string
	Purpose     string
	Created     time.Time
	Expires     time.Time
	Challenge   string
	Domain      string
	// ID, when set, is the proof's id (a URL).
	ID string
	// PreviousProof, when set, is the id of a proof the document already
	// has: the new proof chains to it (VC Data Integrity §2.1.2) and joins
	// the document's proof set. When zero the document must have no proof.
	PreviousProof string
	// Limits bound JSON-LD processing (zero: jsonld's defaults).
	Limits jsonld.Limits
}

const timeFormat = "2006-01-02T15:04:05Z"

// Sign returns doc with a proof by s added (VC Data Integrity §4.2, the
// suite's proof configuration, transformation, hashing and serialization).
// doc must not already have a proof, unless opts.PreviousProof chains the
// new one to one of its proofs. doc is not modified.
func Sign(ctx context.Context, doc map[string]any, s Signer, opts Options) (map[string]any, error) {
	su, ok := suites[opts.Cryptosuite]
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrSuite, opts.Cryptosuite)
	}
	if s.Algorithm() != su.alg {
		return nil, fmt.Errorf("%w: %s signs with %s, not %s", ErrSuite, opts.Cryptosuite, su.alg, s.Algorithm())
	}
	var set []any
	doc = withContext(doc)
	unsecured := maps.Clone(doc)
	delete(unsecured, "proof")
	switch existing := doc["proof"].(type) {
	case nil:
		if opts.PreviousProof != "" {
			return nil, fmt.Errorf("%w: previousProof %q, and the document has no proof", ErrMalformed, opts.PreviousProof)
		}
	case map[string]any:
		set = []any{existing}
	case []any:
		set = existing
	}
	if set != nil {
		if opts.PreviousProof == "" {
			return nil, fmt.Errorf("%w: the document already has a proof (give PreviousProof to chain to it)", ErrMalformed)
		}
		var proofs []map[string]any
		for _, e := range set {
			if p, ok := e.(map[string]any); ok {
				proofs = append(proofs, p)
			}
		}
		chained, err := previous(opts.PreviousProof, proofs)
		if err != nil {
			return nil, err
		}
		unsecured["proof"] = chained
	}
	if !strings.HasPrefix(s.KeyID(), "did:") || !strings.Contains(s.KeyID(), "#") {
		return nil, fmt.Errorf("%w: the signer's key id %q is not a DID URL", ErrKey, s.KeyID())
	}
	created := opts.Created
	if created.IsZero() {
		created = time.Now()
	}
	proof := map[string]any{
		"type": ProofType, "cryptosuite": opts.Cryptosuite, "created": created.UTC().Format(timeFormat),
		"verificationMethod": s.KeyID(), "proofPurpose": purpose(opts.Purpose),
	}
	if !opts.Expires.IsZero() {
		proof["expires"] = opts.Expires.UTC().Format(timeFormat)
	}
	if opts.Challenge != "" {
		proof["challenge"] = opts.Challenge
	}
	if opts.Domain != "" {
		proof["domain"] = opts.Domain
	}
	if opts.ID != "" {
		proof["id"] = opts.ID
	}
	if opts.PreviousProof != "" {
		proof["previousProof"] = opts.PreviousProof
	}
	if c, ok := doc["@context"]; ok && !su.rdfc {
		// eddsa-jcs-2022 §3.3.1, ecdsa-jcs-2019 §3.3.1: the proof carries
		// the document's context.
		proof["@context"] = c
	}
	data, err := hashData(unsecured, proof, su, opts.Limits)
	if err != nil {
		return nil, err
	}
	sig, err := s.Sign(ctx, data)
	if err != nil {
		return nil, fmt.Errorf("dataintegrity: signing: %w", err)
	}
	proof["proofValue"] = did.EncodeBase58BTC(sig)
	out := maps.Clone(doc)
	if set != nil {
		out["proof"] = append(append([]any{}, set...), proof)
	} else {
		out["proof"] = proof
	}
	return out, nil
}

// ContextV2 is the Data Integrity context, which defines the proof's
// terms; the VC 2.0 context includes them.
const ContextV2 = "https://w3id.org/security/data-integrity/v2"

// withContext returns doc with the Data Integrity context appended to its
// @context when no context of it defines the proof's terms (VC Data
// Integrity §2.4.1: a VC 1.1 document, say). doc is not modified.
func withContext(doc map[string]any) map[string]any {
	c, ok := doc["@context"]
	if !ok {
		return doc
	}
	list, isList := c.([]any)
	if !isList {
		list = []any{c}
	}
	if slices.Contains(list, any(ContextV2)) || slices.Contains(list, any("https://www.w3.org/ns/credentials/v2")) {
		return doc
	}
	out := maps.Clone(doc)
	out["@context"] = append(slices.Clone(list), ContextV2)
	return out
}

func purpose(p string) string {
	if p == "" {
		return string(did.AssertionMethod)
	}
	return p
}

// hashData is the suite's hash of the proof configuration followed by its
// hash of the document as secured (vc-di-eddsa §3.2.4, §3.3.4;
// vc-di-ecdsa §3.2.4, §3.3.4: SHA-256 for P-256 and Ed25519). unsecured
// is the document without its proofs, or with the previous proofs of a
// chain (VC Data Integrity §4.4).
func hashData(unsecured, proof map[string]any, su suite, lim jsonld.Limits) ([]byte, error) {
	config := maps.Clone(proof)
	delete(config, "proofValue")
	if su.rdfc {
		// §3.2.5: the proof configuration takes the document's context.
		if c, ok := unsecured["@context"]; ok {
			config["@context"] = c
		} else {
			delete(config, "@context")
		}
	}
	tdoc, err := transform(unsecured, su, lim)
	if err != nil {
		return nil, fmt.Errorf("dataintegrity: the document: %w", err)
	}
	var tconf []byte
	if nq, ok := proofConfigNQuads(config); ok && su.rdfc {
		tconf = []byte(nq)
	} else if tconf, err = transform(config, su, lim); err != nil {
		return nil, fmt.Errorf("dataintegrity: the proof configuration: %w", err)
	}
	ph, dh := sha256.Sum256(tconf), sha256.Sum256(tdoc)
	return append(ph[:], dh[:]...), nil
}

// transform is the suite's transformation (§3.2.3: RDFC-1.0 N-Quads;
// §3.3.3: RFC 8785).
func transform(doc map[string]any, su suite, lim jsonld.Limits) ([]byte, error) {
	if su.rdfc {
		s, err := jsonld.Canonicalize(doc, lim)
		return []byte(s), err
	}
	return jcs.Append(nil, doc)
}

// VerifyOptions say what a proof must be for.
type VerifyOptions struct {
	// Purpose is the proof purpose expected; zero means assertionMethod.
	Purpose string
	// Challenge and Domain, when set, must equal the proof's.
	Challenge, Domain string
	// Cryptosuites, when set, are the only ones accepted.
	Cryptosuites []string
	// Now is the clock for expires; nil means time.Now.
	Now func() time.Time
	// Limits bound JSON-LD processing (zero: jsonld's defaults).
	Limits jsonld.Limits
}

// Verified is a proof that verified.
type Verified struct {
	Cryptosuite        string
	VerificationMethod string
	Purpose            string
	Created            time.Time
	Key                *keys.PublicKey
}

// Verify checks doc's proof (VC Data Integrity §4.4 and the suite's
// verification algorithm) against the key its verification method names,
// resolved with r. A proof set (an array of proofs) verifies when every
// proof in it does; a proof with previousProof is checked over the
// document with the proofs it names, which must be in the set (§2.1.2,
// proof chains). The Verified returned is the first proof's; VerifySet
// returns every proof's.
func Verify(ctx context.Context, doc map[string]any, r Resolver, opts VerifyOptions) (*Verified, error) {
	all, err := VerifySet(ctx, doc, r, opts)
	if err != nil {
		return nil, err
	}
	return all[0], nil
}

// VerifySet is Verify returning what each proof of the set verified, in
// order (VC Data Integrity §4.5, Verify Proof Sets and Chains).
func VerifySet(ctx context.Context, doc map[string]any, r Resolver, opts VerifyOptions) ([]*Verified, error) {
	var proofs []map[string]any
	switch x := doc["proof"].(type) {
	case nil:
		return nil, fmt.Errorf("%w: no proof", ErrMalformed)
	case map[string]any:
		proofs = []map[string]any{x}
	case []any:
		for _, e := range x {
			p, ok := e.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("%w: every proof of a set must be an object", ErrMalformed)
			}
			proofs = append(proofs, p)
		}
		if len(proofs) == 0 {
			return nil, fmt.Errorf("%w: an empty proof set", ErrMalformed)
		}
	default:
		return nil, fmt.Errorf("%w: proof must be an object or an array of objects", ErrMalformed)
	}
	var out []*Verified
	for i, p := range proofs {
		unsecured := maps.Clone(doc)
		delete(unsecured, "proof")
		if prev, ok := p["previousProof"]; ok {
			chained, err := previous(prev, proofs)
			if err != nil {
				return nil, err
			}
			unsecured["proof"] = chained
		}
		v, err := verifyOne(ctx, unsecured, doc, p, r, opts)
		if err != nil {
			if len(proofs) > 1 {
				return nil, fmt.Errorf("proof %d: %w", i, err)
			}
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// previous returns the proofs of the set that previousProof (a string or
// an array of strings) names by id.
func previous(prev any, set []map[string]any) ([]any, error) {
	var ids []string
	switch x := prev.(type) {
	case string:
		ids = []string{x}
	case []any:
		for _, e := range x {
			s, ok := e.(string)
			if !ok {
				return nil, fmt.Errorf("%w: previousProof must be a string or an array of strings", ErrMalformed)
			}
			ids = append(ids, s)
		}
	default:
		return nil, fmt.Errorf("%w: previousProof must be a string or an array of strings", ErrMalformed)
	}
	var out []any
	for _, id := range ids {
		found := false
		for _, p := range set {
			if p["id"] == id {
				out = append(out, p)
				found = true
			}
		}
		if !found {
			return nil, fmt.Errorf("%w: previousProof %q is not in the proof set", ErrMalformed, id)
		}
	}
	if len(out) == 1 {
		return []any{out[0]}, nil
	}
	return out, nil
}

// verifyOne checks one proof over unsecured; doc is the secured document
// (for its context).
func verifyOne(ctx context.Context, unsecured, doc, proof map[string]any, r Resolver, opts VerifyOptions) (*Verified, error) {
	str := func(name string, required bool) (string, error) {
		v, ok := proof[name]
		if !ok {
			if required {
				return "", fmt.Errorf("%w: no %s", ErrMalformed, name)
			}
			return "", nil
		}
		s, ok := v.(string)
		if !ok || s == "" {
			return "", fmt.Errorf("%w: %s must be a non-empty string", ErrMalformed, name)
		}
		return s, nil
	}
	var typ, cs, vm, pp, pv, created, expires, challenge, domain string
	for name, dst := range map[string]*string{"type": &typ, "cryptosuite": &cs, "verificationMethod": &vm, "proofPurpose": &pp, "proofValue": &pv} {
		v, err := str(name, true)
		if err != nil {
			return nil, err
		}
		*dst = v
	}
	for name, dst := range map[string]*string{"created": &created, "expires": &expires, "challenge": &challenge, "domain": &domain} {
		v, err := str(name, false)
		if err != nil {
			return nil, err
		}
		*dst = v
	}
	if typ != ProofType {
		return nil, fmt.Errorf("%w: type %q, not %s", ErrMalformed, typ, ProofType)
	}
	su, ok := suites[cs]
	if !ok || (len(opts.Cryptosuites) > 0 && !slices.Contains(opts.Cryptosuites, cs)) {
		return nil, fmt.Errorf("%w: %q", ErrSuite, cs)
	}
	if want := purpose(opts.Purpose); pp != want {
		return nil, fmt.Errorf("%w: %q, expected %q", ErrPurpose, pp, want)
	}
	var at time.Time
	if created != "" {
		t, err := time.Parse(time.RFC3339, created)
		if err != nil {
			return nil, fmt.Errorf("%w: created %q is not an XML Schema dateTime", ErrMalformed, created)
		}
		at = t
	}
	if expires != "" {
		t, err := time.Parse(time.RFC3339, expires)
		if err != nil {
			return nil, fmt.Errorf("%w: expires %q is not an XML Schema dateTime", ErrMalformed, expires)
		}
		now := time.Now
		if opts.Now != nil {
			now = opts.Now
		}
		if !now().Before(t) {
			return nil, fmt.Errorf("%w: at %s", ErrExpired, expires)
		}
	}
	if (opts.Challenge != "" && challenge != opts.Challenge) || (opts.Domain != "" && domain != opts.Domain) {
		return nil, ErrChallenge
	}
	if !su.rdfc {
		// §3.3.x: the proof's context, when present, must be the
		// document's (or begin it).
		if pc, ok := proof["@context"]; ok && !contextPrefix(pc, doc["@context"]) {
			return nil, fmt.Errorf("%w: the proof's @context is not the document's", ErrMalformed)
		}
	}
	sig, err := did.DecodeBase58BTC(pv)
	if err != nil {
		return nil, fmt.Errorf("%w: proofValue: %v", ErrMalformed, err)
	}
	base, _, ok := strings.Cut(vm, "#")
	if !ok || !strings.HasPrefix(base, "did:") {
		return nil, fmt.Errorf("%w: verificationMethod %q is not a DID URL", ErrKey, vm)
	}
	var key *keys.PublicKey
	if kh, ok := r.(KeyHistory); ok && !at.IsZero() {
		// The key as its DID had it when the proof was made: a key
		// rotated since still verifies what it signed before.
		if key, err = kh.KeyAt(ctx, vm, did.RelationshipKind(pp), at); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrKey, err)
		}
	} else {
		ddoc, err := r.Resolve(ctx, base)
		if err != nil {
			return nil, fmt.Errorf("%w: resolving %s: %w", ErrKey, base, err)
		}
		if key, err = ddoc.Key(vm, did.RelationshipKind(pp)); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrKey, err)
		}
	}
	if key.Algorithm() != su.alg {
		return nil, fmt.Errorf("%w: %s needs a %s key, %s is %s", ErrKey, cs, su.alg, vm, key.Algorithm())
	}
	data, err := hashData(unsecured, proof, su, opts.Limits)
	if err != nil {
		return nil, err
	}
	if err := key.Verify(su.alg, data, sig); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSignature, err)
	}
	return &Verified{Cryptosuite: cs, VerificationMethod: vm, Purpose: pp, Created: at, Key: key}, nil
}

// contextPrefix reports whether the context value p equals the document's
// context d or is a prefix of it (both as arrays).
func contextPrefix(p, d any) bool {
	pa, da := asArray(p), asArray(d)
	if len(pa) > len(da) {
		return false
	}
	for i := range pa {
		ps, ok1 := pa[i].(string)
		ds, ok2 := da[i].(string)
		if !ok1 || !ok2 || ps != ds {
			return false
		}
	}
	return true
}

func asArray(v any) []any {
	if a, ok := v.([]any); ok {
		return a
	}
	if v == nil {
		return nil
	}
	return []any{v}
}
