package verifier

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/seoulid/seoulid/internal/did"
	"github.com/seoulid/seoulid/internal/jsonx"
	"github.com/seoulid/seoulid/internal/keys"
	"github.com/seoulid/seoulid/internal/sdjwt"
	"github.com/seoulid/seoulid/internal/sdjwtvc"
	"github.com/seoulid/seoulid/internal/statuslist"
	"github.com/seoulid/seoulid/schemas"
)

// Ledger is what the verifier reads from the registry ledger: issuers'
// keys with their history, the trust registry, and status lists.
// registry.Reader (with an adapter for StatusToken) and node.Remote
// satisfy it.
type Ledger interface {
	// KeyAt returns the key kidURL names if its DID authorised it for rel
	// at t, or an error.
	KeyAt(ctx context.Context, kidURL string, rel did.RelationshipKind, t time.Time) (*keys.PublicKey, error)
	IssuerAuthorised(ctx context.Context, issuer, vct string) (bool, error)
	// StatusToken returns the status list token published at uri and the
	// DID that published it.
	StatusToken(ctx context.Context, uri string) (token, issuer string, err error)
}

// Config is the verifier's policy. The zero value is seoulid's: EdDSA and
// ES256, a minute of clock skew, key-binding JWTs up to five minutes old,
// status lists cached up to five minutes, the embedded catalogue.
type Config struct {
	// Algorithms the issuer and the holder may sign with; nil means EdDSA
	// and ES256.
	Algorithms []keys.Algorithm
	// ClockSkew is the tolerance on exp, nbf and iat; 0 means one minute.
	ClockSkew time.Duration
	// KeyBindingMaxAge is how old a KB-JWT may be; 0 means five minutes.
	KeyBindingMaxAge time.Duration
	// StatusMaxAge bounds how long a status list read from the ledger is
	// used before it is read again (less when the token's ttl says so);
	// 0 means five minutes. A revocation reaches verifiers within it.
	StatusMaxAge time.Duration
	// Catalogue is the credential catalogue; nil means schemas.Default().
	Catalogue *schemas.Catalogue
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Pipeline verifies presented SD-JWT VCs. It is safe for concurrent use.
type Pipeline struct {
	ledger Ledger
	cfg    Config

	mu     sync.Mutex
	status map[string]*cachedList
}

type cachedList struct {
	list    *statuslist.List
	issuer  string
	expires time.Time
}

// New makes a Pipeline that reads the ledger through l.
func New(l Ledger, cfg Config) (*Pipeline, error) {
	if l == nil {
		return nil, errors.New("verifier: a ledger is required")
	}
	if cfg.Algorithms == nil {
		cfg.Algorithms = []keys.Algorithm{keys.EdDSA, keys.ES256}
	}
	for _, a := range cfg.Algorithms {
		if _, err := keys.ParseAlgorithm(string(a)); err != nil {
			return nil, fmt.Errorf("verifier: %w", err)
		}
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&cfg.ClockSkew, time.Minute)
	def(&cfg.KeyBindingMaxAge, 5*time.Minute)
	def(&cfg.StatusMaxAge, 5*time.Minute)
	if cfg.ClockSkew < 0 || cfg.KeyBindingMaxAge < 0 || cfg.StatusMaxAge < 0 {
		return nil, errors.New("verifier: negative durations")
	}
	if cfg.Catalogue == nil {
		cfg.Catalogue = schemas.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Pipeline{ledger: l, cfg: cfg, status: map[string]*cachedList{}}, nil
}

// Expect is what a presentation must be bound to: the verifier's client
// id as the KB-JWT's aud, and the request's nonce.
type Expect struct {
	Audience string
	Nonce    string
}

// Verified is a presentation that passed every check.
type Verified struct {
	VCT    string
	Issuer string
	// Claims are the disclosed claims, without the registered ones (iss,
	// cnf, status, …).
	Claims    map[string]any
	IssuedAt  time.Time
	Expiry    time.Time
	HolderKey *keys.PublicKey
	// Checks lists every check, in the order run, all passed.
	Checks []CheckResult
}

// Verify runs every check on one presentation of an SD-JWT VC (an
// SD-JWT+KB), in this order — each named in the result, the first failure
// returned as a *CheckError:
//
//  1. format: an SD-JWT with a KB-JWT, within size limits (RFC 9901 §4);
//  2. algorithm: the issuer's alg on the allow-list (RFC 8725 §3.1);
//  3. signature: by the key the header's kid names, which must be a key of
//     the iss DID authorised for assertionMethod at the credential's iat —
//     key history honoured, a compromised key never (registry KeyAt);
//     disclosures hashed into the payload (RFC 9901 §7.1);
//  4. type: typ dc+sd-jwt (or vc+sd-jwt), a vct of the catalogue, no
//     registered claim disclosed selectively (SD-JWT VC §3.2, §3.4);
//  5. validity: exp and nbf with ClockSkew (RFC 7519 §4.1.4, §4.1.5);
//  6. key binding: a KB-JWT by the cnf key, aud = e.Audience, nonce =
//     e.Nonce, iat within KeyBindingMaxAge and not in the future, sd_hash
//     over the presentation (RFC 9901 §4.3, §7.3);
//  7. issuer authorised on the ledger for the vct;
//  8. status: the Token Status List at status.status_list.uri, read from
//     the ledger, signed by the credential's issuer, sub = uri; valid (0),
//     not revoked (1) or suspended (2) (draft-ietf-oauth-status-list §8.3);
//  9. schema: the disclosed claims valid against the type's schema
//     (required members not demanded: a holder discloses what it is asked).
//
// Single use of the nonce is the caller's: a request is answered once.
func (p *Pipeline) Verify(ctx context.Context, presentation string, e Expect) (*Verified, error) {
	v := &Verified{}
	pass := func(c Check, format string, args ...any) {
		v.Checks = append(v.Checks, CheckResult{Check: c, OK: true, Detail: fmt.Sprintf(format, args...)})
	}
	fail := func(c Check, err error) (*Verified, error) {
		return nil, &CheckError{Check: c, Err: err, Passed: v.Checks}
	}
	now := p.cfg.Now()

	sd, err := sdjwt.Parse(presentation)
	if err != nil {
		return fail(CheckFormat, fmt.Errorf("%w: %w", ErrMalformed, err))
	}
	if sd.KeyBinding == "" {
		return fail(CheckFormat, fmt.Errorf("%w: no key-binding JWT: a presentation must prove the holder", ErrKeyBinding))
	}
	// The key is chosen by the header's kid and the time of issuance,
	// read before the signature can be checked. They are nearly always in
	// the Issuer-signed JWT as it is (SD-JWT VC §3.2.2.2 forbids iss to be
	// selectively disclosable); only an iat the Issuer made disclosable
	// needs the Disclosures applied.
	header, unverified, err := sd.UnverifiedIssuerJWT()
	if err != nil {
		return fail(CheckFormat, fmt.Errorf("%w: %w", ErrMalformed, err))
	}
	if _, ok := unverified["iat"]; !ok {
		view, err := sd.UnverifiedHolderView()
		if err != nil {
			return fail(CheckFormat, fmt.Errorf("%w: %w", ErrMalformed, err))
		}
		unverified = view.Claims
	}

	alg, _ := header["alg"].(string)
	if !slices.Contains(p.cfg.Algorithms, keys.Algorithm(alg)) {
		return fail(CheckAlgorithm, fmt.Errorf("%w: %q is not one of %v", ErrAlgorithm, alg, p.cfg.Algorithms))
	}

	iss, _ := unverified["iss"].(string)
	iatN, hasIat := jsonx.Int64(unverified["iat"])
	kid, _ := header["kid"].(string)
	switch {
	case iss == "":
		return fail(CheckSignature, fmt.Errorf("%w: no iss", ErrSignature))
	case !hasIat:
		return fail(CheckSignature, fmt.Errorf("%w: no iat: the issuer's key is chosen by the time of issuance", ErrSignature))
	case !strings.HasPrefix(kid, iss+"#"):
		return fail(CheckSignature, fmt.Errorf("%w: the header's kid %q is not a key of the issuer %s", ErrSignature, kid, iss))
	}
	iat := time.Unix(iatN, 0)
	pub, err := p.ledger.KeyAt(ctx, kid, did.AssertionMethod, iat)
	if err != nil {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return fail(CheckSignature, fmt.Errorf("%w: %w", ErrLedger, err))
		}
		return fail(CheckSignature, fmt.Errorf("%w: the issuer's key %s at %s: %w", ErrSignature, kid, iat.UTC().Format(time.RFC3339), err))
	}
	sv, err := sdjwtvc.NewVerifier(sdjwtvc.FixedKey(pub), sdjwtvc.Config{
		Algorithms: p.cfg.Algorithms, ClockSkew: p.cfg.ClockSkew, KeyBindingMaxAge: p.cfg.KeyBindingMaxAge, Now: p.cfg.Now,
	})
	if err != nil {
		return nil, fmt.Errorf("verifier: %w", err)
	}
	vc, err := sv.Verify(ctx, presentation, sdjwtvc.Presentation{RequireKeyBinding: true, Audience: e.Audience, Nonce: e.Nonce})
	if err != nil {
		return fail(classify(err))
	}
	// Every Disclosure is known to be in the credential only now (§7.1
	// step 3.3, and no Disclosure left unreferenced).
	pass(CheckFormat, "an SD-JWT with %d disclosures and a key-binding JWT", len(sd.Disclosures))
	pass(CheckAlgorithm, "%s", alg)
	pass(CheckSignature, "by %s, authorised for assertionMethod at %s", kid, iat.UTC().Format(time.RFC3339))

	t, err := p.cfg.Catalogue.Lookup(vc.VCT)
	if err != nil {
		return fail(CheckType, fmt.Errorf("%w: %s is not a credential type of the catalogue", ErrType, vc.VCT))
	}
	pass(CheckType, "%s", vc.VCT)
	pass(CheckValidity, "issued %s%s", vc.IssuedAt.UTC().Format(time.RFC3339), expiryText(vc.Expiry))
	pass(CheckKeyBinding, "aud %s, the request's nonce, sd_hash", e.Audience)

	ok, err := p.ledger.IssuerAuthorised(ctx, vc.Issuer, vc.VCT)
	if err != nil {
		return fail(CheckIssuer, fmt.Errorf("%w: %w", ErrLedger, err))
	}
	if !ok {
		return fail(CheckIssuer, fmt.Errorf("%w: the ledger does not authorise %s to issue %s", ErrUnauthorisedIssuer, vc.Issuer, vc.VCT))
	}
	pass(CheckIssuer, "the ledger authorises %s for %s", vc.Issuer, vc.VCT)

	if vc.Status == nil {
		return fail(CheckStatus, fmt.Errorf("%w: the credential has no status: seoulid credentials can be revoked, so they carry one", ErrStatus))
	}
	ref, err := statuslist.ParseReference(vc.Status)
	if err != nil {
		return fail(CheckStatus, fmt.Errorf("%w: %w", ErrStatus, err))
	}
	st, err := p.statusOf(ctx, ref, vc.Issuer, now)
	if err != nil {
		return fail(CheckStatus, err)
	}
	switch st {
	case 0:
	case 1:
		return fail(CheckStatus, fmt.Errorf("%w: index %d of %s", ErrRevoked, ref.Index, ref.URI))
	case 2:
		return fail(CheckStatus, fmt.Errorf("%w: index %d of %s", ErrSuspended, ref.Index, ref.URI))
	default:
		return fail(CheckStatus, fmt.Errorf("%w: index %d of %s has status %#x, which seoulid does not define", ErrStatus, ref.Index, ref.URI, st))
	}
	pass(CheckStatus, "valid at index %d of %s", ref.Index, ref.URI)

	claims := make(map[string]any, len(vc.Claims))
	for k, val := range vc.Claims {
		if !slices.Contains(registered, k) {
			claims[k] = val
		}
	}
	if err := t.ValidateDisclosed(claims); err != nil {
		return fail(CheckSchema, fmt.Errorf("%w: %w", ErrSchema, err))
	}
	pass(CheckSchema, "the disclosed claims fit %s", t.Slug)

	v.VCT, v.Issuer, v.Claims = vc.VCT, vc.Issuer, claims
	v.IssuedAt, v.Expiry, v.HolderKey = vc.IssuedAt, vc.Expiry, vc.SDJWT.HolderKey
	return v, nil
}

// registered are the claims of SD-JWT VC §3.2.2 about the credential.
var registered = []string{"iss", "iat", "nbf", "exp", "vct", "vct#integrity", "cnf", "status", "sub", "_sd_alg"}

func expiryText(t time.Time) string {
	if t.IsZero() {
		return ", no expiry"
	}
	return ", expires " + t.UTC().Format(time.RFC3339)
}

// classify maps a failure of the SD-JWT VC verification to its check.
func classify(err error) (Check, error) {
	switch {
	case errors.Is(err, sdjwt.ErrExpired):
		return CheckValidity, fmt.Errorf("%w: %w", ErrExpired, err)
	case errors.Is(err, sdjwt.ErrNotYetValid):
		return CheckValidity, fmt.Errorf("%w: %w", ErrNotYetValid, err)
	case errors.Is(err, sdjwt.ErrKeyBinding):
		return CheckKeyBinding, fmt.Errorf("%w: %w", ErrKeyBinding, err)
	case errors.Is(err, sdjwtvc.ErrType), errors.Is(err, sdjwtvc.ErrInvalid):
		return CheckType, fmt.Errorf("%w: %w", ErrType, err)
	case errors.Is(err, sdjwt.ErrDisclosure), errors.Is(err, sdjwt.ErrMalformed):
		return CheckFormat, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	return CheckSignature, fmt.Errorf("%w: %w", ErrSignature, err)
}

// statusOf returns the status at ref, from the list cached or read from
// the ledger and checked: signed by a key of the credential's issuer
// (assertionMethod, at the token's iat), sub = ref.URI, published by that
// issuer.
func (p *Pipeline) statusOf(ctx context.Context, ref statuslist.Reference, issuer string, now time.Time) (uint8, error) {
	p.mu.Lock()
	c := p.status[ref.URI]
	p.mu.Unlock()
	if c == nil || !now.Before(c.expires) || c.issuer != issuer {
		var err error
		if c, err = p.readStatus(ctx, ref.URI, issuer, now); err != nil {
			return 0, err
		}
		p.mu.Lock()
		p.status[ref.URI] = c
		p.mu.Unlock()
	}
	s, err := c.list.Get(ref.Index)
	if err != nil {
		return 0, fmt.Errorf("%w: %w", ErrStatus, err)
	}
	return s, nil
}

func (p *Pipeline) readStatus(ctx context.Context, uri, issuer string, now time.Time) (*cachedList, error) {
	raw, publisher, err := p.ledger.StatusToken(ctx, uri)
	if err != nil {
		return nil, fmt.Errorf("%w: the ledger has no status list at %s: %w", ErrStatus, uri, err)
	}
	if publisher != issuer {
		return nil, fmt.Errorf("%w: the status list %s was published by %s, not the issuer %s", ErrStatus, uri, publisher, issuer)
	}
	tok, err := statuslist.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrStatus, err)
	}
	kid := tok.KeyID()
	if !strings.HasPrefix(kid, issuer+"#") {
		return nil, fmt.Errorf("%w: the status list %s is signed by %q, not a key of %s", ErrStatus, uri, kid, issuer)
	}
	cl := tok.Claims()
	pub, err := p.ledger.KeyAt(ctx, kid, did.AssertionMethod, cl.IssuedAt)
	if err != nil {
		return nil, fmt.Errorf("%w: the status list's key: %w", ErrStatus, err)
	}
	if err := tok.Verify(pub, p.cfg.Algorithms); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrStatus, err)
	}
	if cl.Subject != uri {
		return nil, fmt.Errorf("%w: the token at %s says it is %s (sub)", ErrStatus, uri, cl.Subject)
	}
	if !cl.Expiry.IsZero() && !now.Before(cl.Expiry.Add(p.cfg.ClockSkew)) {
		return nil, fmt.Errorf("%w: the status list %s expired at %s", ErrStatus, uri, cl.Expiry.UTC().Format(time.RFC3339))
	}
	age := p.cfg.StatusMaxAge
	if cl.TTL > 0 && cl.TTL < age {
		age = cl.TTL
	}
	return &cachedList{list: cl.List, issuer: issuer, expires: now.Add(age)}, nil
}
