package w3c

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/seoulid/seoulid/internal/dataintegrity"
	"github.com/seoulid/seoulid/internal/did"
	"github.com/seoulid/seoulid/internal/jsonld"
	"github.com/seoulid/seoulid/internal/keys"
	"github.com/seoulid/seoulid/internal/vcdm"
)

// JOSE names the enveloping securing mechanism (application/vc+jwt) where
// a cryptosuite name is expected.
const JOSE = "vc+jwt"

// Signer is an issuer's key; its key id is a DID URL of the issuer.
type Signer interface {
	Algorithm() keys.Algorithm
	KeyID() string
	Sign(ctx context.Context, data []byte) ([]byte, error)
}

// Resolver resolves DIDs: did.LocalResolver for did:key, the registry's
// client for did:seoul.
type Resolver interface {
	Resolve(ctx context.Context, did string) (*did.Document, error)
}

// The errors of Issue and Verify, wrapped with detail. Callers branch on
// them: ErrInput is the caller's mistake (HTTP 400), the rest say why a
// credential does not verify (HTTP 422 at the VC-API).
var (
	ErrInput       = errors.New("w3c: invalid input")
	ErrNotIssuer   = errors.New("w3c: the credential names another issuer")
	ErrProof       = errors.New("w3c: the proof does not verify")
	ErrNotYetValid = errors.New("w3c: not yet valid")
	ErrExpired     = errors.New("w3c: expired")
)

// Issuer issues credentials as one DID with one key and one securing
// mechanism.
type Issuer struct {
	signer Signer
	did    string
	suite  string
	now    func() time.Time
	status *StatusLists
	trust  Trust     // nil: any credential naming this issuer (CatalogueOnly)
	pub    Publisher // nil: the lists are served over HTTPS only
}

// PublishStatusLists makes the issuer put its status lists on the ledger
// through p: each list when its first credential is issued, and again at
// every change of status (SetStatus).
func (is *Issuer) PublishStatusLists(p Publisher) { is.pub = p }

// SetStatus revokes, suspends or reinstates the credential id in the
// issuer's lists (StatusLists.Set) and, with a Publisher, publishes the
// changed list on the ledger.
func (is *Issuer) SetStatus(ctx context.Context, id, purpose string, on bool) error {
	if is.status == nil {
		return fmt.Errorf("%w: this issuer keeps no status lists", ErrUnknown)
	}
	if err := is.status.Set(id, purpose, on); err != nil {
		return err
	}
	if is.pub != nil {
		return is.status.publish(ctx, is, is.pub, purpose)
	}
	return nil
}

// UseStatusLists makes the issuer give every VC 2.0 credential it issues
// that has no credentialStatus an entry in each of l's lists. A vc+jwt issuer
// publishes no Bitstring Status List.
func (is *Issuer) UseStatusLists(l *StatusLists) error {
	if is.suite == JOSE {
		return errors.New("w3c: a vc+jwt issuer publishes no Bitstring Status List")
	}
	is.status = l
	return nil
}

// StatusLists returns the issuer's lists, nil when it has none.
func (is *Issuer) StatusLists() *StatusLists { return is.status }

// NewIssuer returns an issuer signing with s (its key id a DID URL of the
// issuer) in suite: a Data Integrity cryptosuite that fits the key, or
// JOSE. now is the clock of proofs' created (nil: time.Now).
func NewIssuer(s Signer, suite string, now func() time.Time) (*Issuer, error) {
	d, frag, ok := strings.Cut(s.KeyID(), "#")
	if !ok || frag == "" || !strings.HasPrefix(d, "did:") {
		return nil, fmt.Errorf("w3c: the key id %q is not a DID URL", s.KeyID())
	}
	if suite != JOSE && !slices.Contains(dataintegrity.Cryptosuites(), suite) {
		return nil, fmt.Errorf("w3c: unknown securing mechanism %q (%s or %s)", suite, strings.Join(dataintegrity.Cryptosuites(), ", "), JOSE)
	}
	if now == nil {
		now = time.Now
	}
	return &Issuer{signer: s, did: d, suite: suite, now: now}, nil
}

// DID is the issuer's DID.
func (is *Issuer) DID() string { return is.did }

// Suite is the issuer's securing mechanism.
func (is *Issuer) Suite() string { return is.suite }

// Issue secures credential: it must meet the data model (vcdm.Check), name
// this issuer (a URL or an object with id; ErrNotIssuer otherwise) and
// carry no proof. A Data Integrity issuer returns the credential with its
// proof; a JOSE issuer returns an EnvelopedVerifiableCredential whose id
// is the data: URL of the vc+jwt (VC-JOSE-COSE §3.1.1, VC Data Model 2.0
// §4.13.1). credential is not modified.
func (is *Issuer) Issue(ctx context.Context, credential map[string]any) (map[string]any, error) {
	if err := vcdm.Check(credential); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInput, err)
	}
	if _, ok := credential["proof"]; ok {
		return nil, fmt.Errorf("%w: the credential already has a proof", ErrInput)
	}
	if iss := vcdm.IssuerID(credential); iss != is.did {
		return nil, fmt.Errorf("%w: %q; this issuer is %s", ErrNotIssuer, iss, is.did)
	}
	if err := is.allowed(ctx, credential); err != nil {
		return nil, err
	}
	// Bitstring Status List entries are VC 2.0 terms: a 1.1 credential's
	// context does not define them.
	if _, has := credential["credentialStatus"]; is.status != nil && !has && !vcdm.IsV1(credential) {
		credential = maps.Clone(credential)
		id, _ := credential["id"].(string)
		if id == "" {
			// The id by which its status is changed later (POST
			// /credentials/status): a random URN, naming nothing else.
			id = "urn:uuid:" + newUUID()
			credential["id"] = id
		}
		entries, err := is.status.entries(id)
		if err != nil {
			return nil, err
		}
		credential["credentialStatus"] = entries
		if is.pub != nil {
			// The ledger holds each list from its first credential on.
			for _, p := range []string{PurposeRevocation, PurposeSuspension} {
				if is.status.publishedAt(p).IsZero() {
					if err := is.status.publish(ctx, is, is.pub, p); err != nil {
						return nil, err
					}
				}
			}
		}
	}
	if is.suite == JOSE {
		tok, err := vcdm.SignJOSE(ctx, credential, is.signer)
		if err != nil {
			return nil, err
		}
		return Envelope(tok), nil
	}
	out, err := dataintegrity.Sign(ctx, credential, is.signer, dataintegrity.Options{Cryptosuite: is.suite, Created: is.now()})
	if err != nil {
		if errors.Is(err, jsonld.ErrInvalid) || errors.Is(err, jsonld.ErrUnknownContext) || errors.Is(err, jsonld.ErrLimit) {
			return nil, fmt.Errorf("%w: %w", ErrInput, err)
		}
		return nil, err
	}
	return out, nil
}

// Envelope is the EnvelopedVerifiableCredential of a vc+jwt.
func Envelope(token string) map[string]any {
	return map[string]any{
		"@context": []any{vcdm.ContextV2},
		"type":     "EnvelopedVerifiableCredential",
		"id":       "data:" + vcdm.MediaTypeVCJWT + "," + token,
	}
}

// VerifyOptions tune Verify.
type VerifyOptions struct {
	// Now is the clock of the validity period and proof expiry; nil means
	// time.Now.
	Now func() time.Time
	// ClockSkew is allowed on the validity period; zero means one minute.
	ClockSkew time.Duration
	// Status finds Bitstring Status List credentials; nil means status is
	// not checked (and the result warns of each entry).
	Status StatusSource
}

func (o VerifyOptions) now() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}

// Verified is a credential that verified.
type Verified struct {
	Credential map[string]any
	Issuer     string
	// Mechanism is the cryptosuite, or JOSE.
	Mechanism string
	// Checks are the checks made, as the VC-API reports them.
	Checks []string
	// Warnings say what was not checked: an issuer that is not a DID,
	// bound to no key.
	Warnings []string
}

// Verify verifies a credential: embedded-proof (Data Integrity) or
// enveloped (EnvelopedVerifiableCredential of a vc+jwt). See the package
// documentation for what it checks.
func Verify(ctx context.Context, vc map[string]any, r Resolver, opts VerifyOptions) (*Verified, error) {
	v, err := verifyCredential(ctx, vc, r, opts)
	if err != nil {
		return nil, err
	}
	warnings, err := checkStatus(ctx, v.Credential, r, opts.Status, opts)
	if err != nil {
		return nil, err
	}
	if _, ok := v.Credential["credentialStatus"]; ok {
		v.Checks = append(v.Checks, "credentialStatus")
	}
	v.Warnings = append(v.Warnings, warnings...)
	return v, nil
}

// verifyCredential is Verify without the status check.
func verifyCredential(ctx context.Context, vc map[string]any, r Resolver, opts VerifyOptions) (*Verified, error) {
	if isEnveloped(vc) {
		tok, err := envelopedToken(vc)
		if err != nil {
			return nil, err
		}
		cred, err := vcdm.VerifyJOSE(ctx, tok, r, []keys.Algorithm{keys.EdDSA, keys.ES256})
		switch {
		case errors.Is(err, vcdm.ErrInvalid):
			return nil, fmt.Errorf("%w: %w", ErrInput, err)
		case err != nil:
			return nil, fmt.Errorf("%w: %w", ErrProof, err)
		}
		if err := checkValidity(cred, opts); err != nil {
			return nil, err
		}
		return &Verified{Credential: cred, Issuer: vcdm.IssuerID(cred), Mechanism: JOSE, Checks: []string{"proof", "validity"}}, nil
	}
	if err := vcdm.Check(vc); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInput, err)
	}
	set, err := dataintegrity.VerifySet(ctx, vc, r, dataintegrity.VerifyOptions{Now: opts.Now})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrProof, err)
	}
	// Every proof verified. An issuer that is a DID must have made one of
	// them; an issuer that is another URL (https://…) publishes no keys
	// this verifier can bind to, which the result says.
	iss := vcdm.IssuerID(vc)
	var warnings []string
	i := slices.IndexFunc(set, func(v *dataintegrity.Verified) bool {
		d, _, _ := strings.Cut(v.VerificationMethod, "#")
		return d == iss
	})
	switch {
	case i >= 0:
	case strings.HasPrefix(iss, "did:"):
		return nil, fmt.Errorf("%w: no proof is by a key of the issuer %s", ErrProof, iss)
	default:
		i = 0
		warnings = append(warnings, fmt.Sprintf("the issuer %s is not a DID: nothing binds it to the key that signed (%s)", iss, set[0].VerificationMethod))
	}
	v := set[i]
	if err := checkValidity(vc, opts); err != nil {
		return nil, err
	}
	return &Verified{Credential: vc, Issuer: iss, Mechanism: v.Cryptosuite, Checks: []string{"proof", "validity"}, Warnings: warnings}, nil
}

func isEnveloped(vc map[string]any) bool {
	t, _ := vc["type"].(string)
	return t == "EnvelopedVerifiableCredential"
}

// envelopedToken returns the vc+jwt of an EnvelopedVerifiableCredential's
// data: URL, after checking that its @context includes the VC 2.0 context,
// which defines the envelope's terms (VC Data Model 2.0 §4.13.1).
func envelopedToken(vc map[string]any) (string, error) {
	if !vcdm.HasContext(vc, vcdm.ContextV2) {
		return "", fmt.Errorf("%w: an EnvelopedVerifiableCredential's @context must include %s", ErrInput, vcdm.ContextV2)
	}
	id, _ := vc["id"].(string)
	tok, ok := strings.CutPrefix(id, "data:"+vcdm.MediaTypeVCJWT+",")
	if !ok || tok == "" {
		return "", fmt.Errorf("%w: an EnvelopedVerifiableCredential's id must be data:%s,…", ErrInput, vcdm.MediaTypeVCJWT)
	}
	return tok, nil
}

// checkValidity checks the validity period (VC Data Model 2.0 §4.9)
// against the clock, with the skew allowed. A time without a zone (1.1's
// xsd:dateTime) is taken as UTC.
func checkValidity(vc map[string]any, opts VerifyOptions) error {
	skew := opts.ClockSkew
	if skew == 0 {
		skew = time.Minute
	}
	now := opts.now()
	from, until := "validFrom", "validUntil"
	if vcdm.IsV1(vc) {
		from, until = "issuanceDate", "expirationDate" // VC Data Model 1.1 §4.6, §4.7
	}
	if s, ok := vc[from].(string); ok {
		if t, ok := parseTime(s); ok && now.Add(skew).Before(t) {
			return fmt.Errorf("%w: valid from %s", ErrNotYetValid, s)
		}
	}
	if s, ok := vc[until].(string); ok {
		if t, ok := parseTime(s); ok && !now.Add(-skew).Before(t) {
			return fmt.Errorf("%w: valid until %s", ErrExpired, s)
		}
	}
	return nil
}

// PresentationOptions say what a presentation must be bound to.
type PresentationOptions struct {
	VerifyOptions
	// Challenge and Domain, when set, must be the proof's.
	Challenge, Domain string
}

// VerifiedPresentation is a presentation that verified.
type VerifiedPresentation struct {
	Presentation map[string]any
	// Holder is the DID whose authentication key signed it, "" when the
	// presentation has no proof.
	Holder      string
	Credentials []*Verified
}

// VerifyPresentation verifies a presentation: the data model
// (vcdm.CheckPresentation); its proof, when it has one, by a key in the
// authentication of its holder's DID (the holder property, when present,
// must be that DID), bound to opts' challenge and domain; then every
// credential it holds (Verify). A presentation without a proof is
// accepted only when no challenge is asked for.
func VerifyPresentation(ctx context.Context, vp map[string]any, r Resolver, opts PresentationOptions) (*VerifiedPresentation, error) {
	if t, _ := vp["type"].(string); t == "EnvelopedVerifiablePresentation" {
		return verifyEnvelopedPresentation(ctx, vp, r, opts)
	}
	if err := vcdm.CheckPresentation(vp); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInput, err)
	}
	out := &VerifiedPresentation{Presentation: vp}
	if _, ok := vp["proof"]; ok {
		v, err := dataintegrity.Verify(ctx, vp, r, dataintegrity.VerifyOptions{
			Purpose: string(did.Authentication), Challenge: opts.Challenge, Domain: opts.Domain, Now: opts.Now})
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrProof, err)
		}
		out.Holder, _, _ = strings.Cut(v.VerificationMethod, "#")
		if h := vcdm.IssuerID(map[string]any{"issuer": vp["holder"]}); h != "" && h != out.Holder {
			return nil, fmt.Errorf("%w: signed by %s, not by the holder %s", ErrProof, out.Holder, h)
		}
	} else if opts.Challenge != "" {
		return nil, fmt.Errorf("%w: a challenge was asked for and the presentation has no proof", ErrProof)
	}
	return verifyHeld(ctx, vp, out, r, opts)
}

// verifyEnvelopedPresentation verifies an EnvelopedVerifiablePresentation:
// its @context includes VC 2.0's, its id is the data: URL of a vp+jwt
// (VC-JOSE-COSE §3.2.1, vcdm.VerifyJOSEPresentation: the holder's
// authentication key, nonce = challenge, aud = domain), then the
// credentials it holds.
func verifyEnvelopedPresentation(ctx context.Context, env map[string]any, r Resolver, opts PresentationOptions) (*VerifiedPresentation, error) {
	if !vcdm.HasContext(env, vcdm.ContextV2) {
		return nil, fmt.Errorf("%w: an EnvelopedVerifiablePresentation's @context must include %s", ErrInput, vcdm.ContextV2)
	}
	id, _ := env["id"].(string)
	tok, ok := strings.CutPrefix(id, "data:"+vcdm.MediaTypeVPJWT+",")
	if !ok || tok == "" {
		return nil, fmt.Errorf("%w: an EnvelopedVerifiablePresentation's id must be data:%s,…", ErrInput, vcdm.MediaTypeVPJWT)
	}
	vp, holder, err := vcdm.VerifyJOSEPresentation(ctx, tok, r, []keys.Algorithm{keys.EdDSA, keys.ES256}, opts.Challenge, opts.Domain)
	switch {
	case errors.Is(err, vcdm.ErrInvalid):
		return nil, fmt.Errorf("%w: %w", ErrInput, err)
	case err != nil:
		return nil, fmt.Errorf("%w: %w", ErrProof, err)
	}
	return verifyHeld(ctx, vp, &VerifiedPresentation{Presentation: vp, Holder: holder}, r, opts)
}

// verifyHeld verifies every credential a presentation holds into out.
func verifyHeld(ctx context.Context, vp map[string]any, out *VerifiedPresentation, r Resolver, opts PresentationOptions) (*VerifiedPresentation, error) {
	creds := vp["verifiableCredential"]
	var list []any
	switch x := creds.(type) {
	case nil:
	case []any:
		list = x
	default:
		list = []any{x}
	}
	for i, c := range list {
		m, _ := c.(map[string]any)
		v, err := Verify(ctx, maps.Clone(m), r, opts.VerifyOptions)
		if err != nil {
			return nil, fmt.Errorf("verifiableCredential[%d]: %w", i, err)
		}
		out.Credentials = append(out.Credentials, v)
	}
	return out, nil
}

func parseTime(s string) (time.Time, bool) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, true
	}
	t, err := time.Parse("2006-01-02T15:04:05.999999999", s)
	return t, err == nil
}

// newUUID is a random (version 4) UUID, RFC 9562 §5.4.
func newUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
