package wallet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/seoulid/seoulid/internal/dcql"
	"github.com/seoulid/seoulid/internal/did"
	"github.com/seoulid/seoulid/internal/jsonx"
	"github.com/seoulid/seoulid/internal/jws"
	"github.com/seoulid/seoulid/internal/keys"
	vp "github.com/seoulid/seoulid/internal/oid4vp"
	"github.com/seoulid/seoulid/internal/sdjwt"
	"github.com/seoulid/seoulid/schemas"
	"github.com/seoulid/seoulid/wallet/oid4vp"
	"github.com/seoulid/seoulid/wallet/store"
)

// Presentation is the wallet's OpenID4VP client (wallet/oid4vp.Client).
type Presentation interface {
	Request(ctx context.Context, uri string) (*vp.RequestObject, error)
	Respond(ctx context.Context, req *vp.AuthorizationRequest, resp *vp.AuthorizationResponse) (*oid4vp.Answer, error)
	Decline(ctx context.Context, req *vp.AuthorizationRequest, code vp.Code, description string) error
}

// The reasons a request is refused before the citizen is asked.
var (
	// ErrOverAsking: the verifier asks for a claim, or a credential type,
	// that its registered purpose on the ledger does not cover.
	ErrOverAsking = errors.New("wallet: the verifier asks for more than its registered purpose allows")
	// ErrNotRegistered: the ledger registers no purpose for the verifier,
	// or not the one the request names.
	ErrNotRegistered = errors.New("wallet: the verifier is not registered for this purpose")
	// ErrCannotAnswer: the wallet does not hold what the request requires.
	ErrCannotAnswer = errors.New("wallet: the wallet holds no credential that answers the request")
	// ErrWrongPIN: the approval's PIN is wrong (the store's own error is
	// wrapped, with its tries left or lock).
	ErrWrongPIN = errors.New("wallet: the PIN is wrong")
	// ErrSensitiveNotApproved: the disclosure holds sensitive claims and
	// the citizen did not approve them separately.
	ErrSensitiveNotApproved = errors.New("wallet: sensitive claims need their own approval")
)

// RequestRefusal is why the wallet refused a request without asking the
// citizen. The verifier is told (access_denied) when the request itself
// verified.
type RequestRefusal struct {
	Verifier string // the verifier's DID, "" when the request did not verify
	Reason   string
	Err      error
}

func (r *RequestRefusal) Error() string { return "wallet: request refused: " + r.Reason }
func (r *RequestRefusal) Unwrap() error { return r.Err }

// Consent is what the wallet asks the citizen to approve: who asks, why,
// under which law, and each claim it would disclose.
type Consent struct {
	ID           string
	Verifier     string            // the verifier's DID
	VerifierName map[string]string // "ko", "en", from the ledger
	Purpose      Purpose
	Items        []ConsentItem
	// Request is the verified request.
	Request *vp.RequestObject
	// Expires is when the request expires: approve before.
	Expires time.Time
}

// ConsentItem is one credential the wallet would present.
type ConsentItem struct {
	// QueryID is the DCQL Credential Query it answers.
	QueryID    string
	Credential *Credential
	TypeName   map[schemas.Lang]string
	// Optional is set for a credential of an optional credential set: it
	// is presented only when the citizen ticks it (Approval.Include).
	Optional bool
	Claims   []ConsentClaim
	// Always are the claims the credential discloses whatever is asked:
	// those its issuer did not make selectively disclosable (as_of of a
	// status credential, say). The consent shows them: the citizen sees
	// everything that would leave the wallet.
	Always   []ConsentClaim
	disclose []sdjwt.Path
}

// ConsentClaim is one claim of an item, as the consent screen shows it.
type ConsentClaim struct {
	Path  sdjwt.Path
	Label map[schemas.Lang]string
	Value any
	// Sensitive claims (PIPA Art. 23: health, disability) are shown on a
	// line of their own and approved separately (Approval.Sensitive).
	Sensitive bool
}

// HasSensitive reports whether anything the consent may disclose is
// sensitive.
func (c *Consent) HasSensitive() bool {
	for _, it := range c.Items {
		for _, cl := range slices.Concat(it.Claims, it.Always) {
			if cl.Sensitive {
				return true
			}
		}
	}
	return false
}

// Approval is the citizen's answer to a Consent.
type Approval struct {
	// PIN is the wallet PIN, checked again: approving is a signature.
	PIN []byte
	// Include ticks optional items, by QueryID; they are unticked by
	// default.
	Include map[string]bool
	// Sensitive approves the sensitive claims, on their own line.
	Sensitive bool
}

// asCredential is a Credential as DCQL sees it.
type asCredential struct{ c *Credential }

func (a asCredential) Format() string { return dcql.FormatSDJWTVC }
func (a asCredential) Type() string   { return a.c.VCT }
func (a asCredential) Claims() map[string]any {
	m := make(map[string]any, len(a.c.Claims)+1)
	for k, v := range a.c.Claims {
		m[k] = v
	}
	m["cnf"] = map[string]any{} // every credential of this wallet is key-bound
	return m
}

// Ask reads a verifier's request (an openid4vp:// URI, from a QR code or
// a link) and prepares the consent. Before the citizen sees anything, the
// request must verify (signed by a key of the verifier's DID: package
// wallet/oid4vp), the ledger must register the verifier for the purpose
// the request names, and every credential type and claim asked for must be
// within that purpose (ErrOverAsking): this is the consent scope, and a
// request outside it is refused, not merely warned about — the verifier
// is told access_denied and the history records the refusal.
func (w *Wallet) Ask(ctx context.Context, uri string) (*Consent, error) {
	if w.presentation == nil {
		return nil, errors.New("wallet: no OpenID4VP client configured")
	}
	ro, err := w.presentation.Request(ctx, uri)
	if err != nil {
		// The request did not verify: its verifier is unknown, and nothing
		// is sent to the response_uri of an unverified request.
		w.event(ctx, Event{Kind: "refused", Reason: err.Error()})
		return nil, &RequestRefusal{Reason: err.Error(), Err: err}
	}
	verifier := strings.TrimPrefix(ro.ClientID, vp.PrefixDecentralizedIdentifier+":")
	c, err := w.prepare(ctx, ro, verifier)
	if err != nil {
		var r *RequestRefusal
		if errors.As(err, &r) {
			w.event(ctx, Event{Kind: "refused", Party: verifier, Purpose: ro.Purpose, Reason: r.Reason})
			if derr := w.presentation.Decline(ctx, &ro.AuthorizationRequest, vp.ErrAccessDenied, r.Reason); derr != nil {
				w.log.Warn("telling the verifier of a refusal", "verifier", verifier, "err", derr)
			}
		}
		return nil, err
	}
	return c, nil
}

func (w *Wallet) prepare(ctx context.Context, ro *vp.RequestObject, verifier string) (*Consent, error) {
	info, err := w.ledger.Verifier(ctx, verifier)
	if err != nil {
		return nil, fmt.Errorf("wallet: the ledger: %w", err)
	}
	refuse := func(e error, format string, args ...any) (*Consent, error) {
		return nil, &RequestRefusal{Verifier: verifier, Reason: fmt.Sprintf(format, args...), Err: e}
	}
	if info == nil || len(info.Purposes) == 0 {
		return refuse(ErrNotRegistered, "the ledger registers no purpose for %s", verifier)
	}
	var p *Purpose
	for i := range info.Purposes {
		if info.Purposes[i].ID == ro.Purpose {
			p = &info.Purposes[i]
		}
	}
	if p == nil {
		if ro.Purpose == "" {
			return refuse(ErrNotRegistered, "the request does not name its purpose (seoulid_purpose)")
		}
		return refuse(ErrNotRegistered, "the ledger does not register %s for the purpose %q", verifier, ro.Purpose)
	}
	if err := withinPurpose(ro.DCQLQuery, p); err != nil {
		return refuse(ErrOverAsking, "%v", err)
	}
	creds, err := w.Credentials(ctx)
	if err != nil {
		return nil, err
	}
	now := w.cfg.Now()
	held := make([]dcql.Credential, 0, len(creds))
	for _, c := range creds {
		if c.Expiry.IsZero() || now.Before(c.Expiry) {
			held = append(held, asCredential{c})
		}
	}
	res, err := ro.DCQLQuery.Match(held)
	if err != nil {
		return refuse(ErrOverAsking, "the query: %v", err)
	}
	if !res.Satisfied {
		return refuse(ErrCannotAnswer, "the wallet holds no credential for what %s requires", verifier)
	}
	consent := &Consent{ID: newID("cns_"), Verifier: verifier, VerifierName: info.Name, Purpose: *p, Request: ro, Expires: ro.ExpiresAt}
	required := map[string]bool{}
	sel, err := res.Default()
	if err != nil {
		return refuse(ErrCannotAnswer, "%v", err)
	}
	for id := range sel {
		required[id] = true
	}
	// Optional sets: their first satisfiable option, offered unticked.
	for _, s := range res.Sets {
		if s.Required {
			continue
		}
		for _, o := range s.Options {
			if !o.Satisfiable {
				continue
			}
			for _, id := range o.IDs {
				if _, done := sel[id]; done {
					continue
				}
				for _, cm := range res.Credentials {
					if cm.ID == id {
						sel[id] = []dcql.Candidate{cm.Candidates[0]}
					}
				}
			}
			break
		}
	}
	for _, cq := range ro.DCQLQuery.Credentials {
		for _, cand := range sel[cq.ID] {
			c := cand.Credential.(asCredential).c
			item := ConsentItem{QueryID: cq.ID, Credential: c, Optional: !required[cq.ID], disclose: cand.Disclose()}
			t := w.Type(c)
			if t != nil {
				item.TypeName = map[schemas.Lang]string{schemas.Korean: t.Name(schemas.Korean), schemas.English: t.Name(schemas.English)}
			}
			for _, path := range cand.Disclose() {
				item.Claims = append(item.Claims, w.consentClaims(t, c, path)...)
			}
			always, err := w.alwaysClaims(t, c, item.Claims)
			if err != nil {
				return nil, err
			}
			item.Always = always
			consent.Items = append(consent.Items, item)
		}
	}
	return consent, nil
}

// consentClaims describes the claims a path selects in c.
func (w *Wallet) consentClaims(t *schemas.Type, c *Credential, path sdjwt.Path) []ConsentClaim {
	sel, err := dcql.SelectClaims(c.Claims, path)
	if err != nil || len(sel) == 0 {
		return nil
	}
	var out []ConsentClaim
	for _, s := range sel {
		cc := ConsentClaim{Path: s.Path, Value: s.Value}
		if t != nil {
			generic := make(sdjwt.Path, len(s.Path))
			for i, e := range s.Path {
				if _, isIndex := e.(int); !isIndex {
					generic[i] = e
				}
			}
			if cl := t.Claim(generic); cl != nil {
				cc.Label = map[schemas.Lang]string{schemas.Korean: cl.Label.In(schemas.Korean), schemas.English: cl.Label.In(schemas.English)}
				cc.Sensitive = cl.EffectiveSensitivity == schemas.Sensitive
			}
			// A claim that contains sensitive claims is sensitive too.
			for _, cl := range t.SensitiveClaims() {
				if len(cl.Path) > len(generic) && covers(generic, cl.Path) {
					cc.Sensitive = true
				}
			}
		}
		out = append(out, cc)
	}
	return out
}

// alwaysClaims are the top-level claims a presentation of c discloses with
// no disclosure chosen, less those already among asked.
func (w *Wallet) alwaysClaims(t *schemas.Type, c *Credential, asked []ConsentClaim) ([]ConsentClaim, error) {
	if len(c.Copies) == 0 {
		return nil, nil
	}
	sd, err := sdjwt.Parse(c.Copies[0].SDJWT)
	if err != nil {
		return nil, fmt.Errorf("wallet: a stored credential: %w", err)
	}
	none, err := sd.Select()
	if err != nil {
		return nil, fmt.Errorf("wallet: a stored credential: %w", err)
	}
	view, err := none.UnverifiedHolderView()
	if err != nil {
		return nil, fmt.Errorf("wallet: a stored credential: %w", err)
	}
	shown := map[string]bool{}
	for _, cl := range asked {
		if len(cl.Path) > 0 {
			shown[fmt.Sprint(cl.Path[0])] = true
		}
	}
	var names []string
	for k := range userClaims(view.Claims) {
		if !shown[k] {
			names = append(names, k)
		}
	}
	slices.Sort(names)
	var out []ConsentClaim
	for _, k := range names {
		out = append(out, w.consentClaims(t, &Credential{Claims: view.Claims}, sdjwt.Path{k})...)
	}
	return out, nil
}

// withinPurpose checks that every credential type and claim path the
// query asks for is covered by the purpose: the type is one of the
// purpose's, and each path is one the purpose lists or lies within one
// (a narrower request is within; a broader one is not). A Credential
// Query without claims asks for no selectively disclosable claim
// (OpenID4VP 1.0 §6.4.1) and needs only its type covered.
func withinPurpose(q *dcql.Query, p *Purpose) error {
	for _, cq := range q.Credentials {
		if cq.Format != dcql.FormatSDJWTVC {
			return fmt.Errorf("credential query %s asks for format %s, which the purpose does not cover", cq.ID, cq.Format)
		}
		vcts := cq.Meta.VCTValues
		if len(vcts) == 0 {
			return fmt.Errorf("credential query %s does not name its credential type", cq.ID)
		}
		for _, vct := range vcts {
			allowed, ok := p.Claims[vct]
			if !ok {
				return fmt.Errorf("credential query %s asks for %s, which the purpose %s does not cover", cq.ID, vct, p.ID)
			}
			for _, cl := range cq.Claims {
				if !slices.ContainsFunc(allowed, func(a sdjwt.Path) bool { return covers(a, cl.Path) }) {
					return fmt.Errorf("credential query %s asks for %s of %s, which the purpose %s does not cover", cq.ID, cl.Path, vct, p.ID)
				}
			}
		}
	}
	return nil
}

// covers reports whether the allowed path includes the asked one: asked
// starts with allowed, where an allowed null (every element) matches any
// index or null, and an asked null is matched only by an allowed null.
func covers(allowed, asked sdjwt.Path) bool {
	if len(asked) < len(allowed) {
		return false
	}
	for i, a := range allowed {
		switch {
		case a == nil:
			if _, isName := asked[i].(string); isName {
				return false
			}
		case asked[i] == nil:
			return false
		default:
			if fmt.Sprint(a) != fmt.Sprint(asked[i]) {
				return false
			}
			if _, aName := a.(string); aName != isString(asked[i]) {
				return false
			}
		}
	}
	return true
}

func isString(v any) bool { _, ok := v.(string); return ok }

// Receipt is the record of one disclosure: to whom, why, which claims
// (never their values), when, and the verifier's signed acknowledgement
// when it sent one.
type Receipt struct {
	ID           string            `json:"id"`
	Time         time.Time         `json:"time"`
	Verifier     string            `json:"verifier"`
	VerifierName map[string]string `json:"verifier_name,omitempty"`
	Purpose      string            `json:"purpose"`
	PurposeText  map[string]string `json:"purpose_text,omitempty"`
	LegalBasis   string            `json:"legal_basis,omitempty"`
	Retention    string            `json:"retention,omitempty"`
	Disclosed    []ReceiptItem     `json:"disclosed"`
	// Acknowledgement is the verifier's signed acknowledgement (a JWT of
	// the seoulid profile), "" when it sent none; AckVerified says whether
	// it verified against the verifier's DID and the request's nonce.
	Acknowledgement string `json:"acknowledgement,omitempty"`
	AckVerified     bool   `json:"ack_verified"`
	RedirectURI     string `json:"redirect_uri,omitempty"`
}

// ReceiptItem is one credential of a disclosure.
type ReceiptItem struct {
	Credential string   `json:"credential"`
	VCT        string   `json:"vct"`
	Claims     []string `json:"claims"` // claim paths, JSON
	Sensitive  bool     `json:"sensitive,omitempty"`
}

// Approve presents what the citizen approved: it checks the PIN again,
// builds for each ticked item an SD-JWT VC presentation of the least used
// copy with only the approved disclosures and a key-binding JWT (aud the
// verifier's client_id, the request's nonce, sd_hash: RFC 9901 §4.3;
// OpenID4VP 1.0 B.3.6), sends them (direct_post or direct_post.jwt), and
// keeps a receipt.
func (w *Wallet) Approve(ctx context.Context, c *Consent, a Approval) (*Receipt, error) {
	if err := w.rec.Unlock(ctx, a.PIN); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrWrongPIN, err)
	}
	if !c.Expires.IsZero() && !w.cfg.Now().Before(c.Expires) {
		return nil, &RequestRefusal{Verifier: c.Verifier, Reason: "the request expired before it was approved", Err: vp.ErrInvalidRequest}
	}
	token, rc, used, err := w.build(ctx, c, a)
	if err != nil {
		return nil, err
	}
	ans, err := w.presentation.Respond(ctx, &c.Request.AuthorizationRequest, &vp.AuthorizationResponse{VPToken: token})
	if err != nil {
		return nil, err
	}
	for _, cred := range used {
		b, err := json.Marshal(cred)
		if err == nil {
			err = w.rec.Put(ctx, kindCredential, cred.ID, b)
		}
		if err != nil {
			w.log.Warn("counting a copy's use", "credential", cred.ID, "err", err)
		}
	}
	rc.Time = w.cfg.Now().UTC()
	rc.RedirectURI = ans.RedirectURI
	if ans.Receipt != "" {
		rc.Acknowledgement = ans.Receipt
		rc.AckVerified = w.checkAck(ctx, ans.Receipt, c) == nil
	}
	b, err := json.Marshal(rc)
	if err != nil {
		return nil, err
	}
	if err := w.rec.Put(ctx, kindReceipt, rc.ID, b); err != nil {
		w.log.Error("storing a receipt", "err", err)
	}
	var claims []string
	for _, d := range rc.Disclosed {
		claims = append(claims, d.Claims...)
	}
	w.event(ctx, Event{Kind: "presented", Party: c.Verifier, PartyName: c.VerifierName, Purpose: c.Purpose.ID, Claims: claims, Receipt: rc.ID})
	return rc, nil
}

// build makes the presentations of what the citizen approved, and the
// receipt to keep; it counts the copies' uses in the credentials it
// returns, which the caller stores once the response is sent.
func (w *Wallet) build(ctx context.Context, c *Consent, a Approval) (vp.VPToken, *Receipt, []*Credential, error) {
	token := vp.VPToken{}
	rc := &Receipt{ID: newID("rct_"), Verifier: c.Verifier, VerifierName: c.VerifierName, Purpose: c.Purpose.ID,
		PurposeText: langMap(c.Purpose.Description), LegalBasis: c.Purpose.LegalBasis, Retention: c.Purpose.Retention}
	var used []*Credential
	for _, it := range c.Items {
		if it.Optional && !a.Include[it.QueryID] {
			continue
		}
		ri := ReceiptItem{Credential: it.Credential.ID, VCT: it.Credential.VCT}
		for _, cl := range slices.Concat(it.Claims, it.Always) {
			if cl.Sensitive {
				if !a.Sensitive {
					return nil, nil, nil, fmt.Errorf("%w: %s", ErrSensitiveNotApproved, cl.Path)
				}
				ri.Sensitive = true
			}
			ri.Claims = append(ri.Claims, cl.Path.String())
		}
		cred, err := w.Credential(ctx, it.Credential.ID)
		if err != nil {
			return nil, nil, nil, err
		}
		pres, err := w.present(ctx, cred, it.disclose, c.Request)
		if err != nil {
			return nil, nil, nil, err
		}
		token[it.QueryID] = append(token[it.QueryID], pres)
		rc.Disclosed = append(rc.Disclosed, ri)
		used = append(used, cred)
	}
	if len(token) == 0 {
		return nil, nil, nil, errors.New("wallet: nothing to present")
	}
	return token, rc, used, nil
}

// present makes one presentation of cred: the least used copy, only the
// paths to disclose, a KB-JWT for the request. The copy's use is counted
// in cred (stored by the caller).
func (w *Wallet) present(ctx context.Context, cred *Credential, disclose []sdjwt.Path, ro *vp.RequestObject) (string, error) {
	best := 0
	for i, cp := range cred.Copies {
		if cp.Uses < cred.Copies[best].Uses {
			best = i
		}
	}
	cp := &cred.Copies[best]
	sd, err := sdjwt.Parse(cp.SDJWT)
	if err != nil {
		return "", fmt.Errorf("wallet: a stored credential: %w", err)
	}
	sel, err := sd.Select(disclose...)
	if err != nil {
		return "", fmt.Errorf("wallet: choosing disclosures: %w", err)
	}
	pub, err := holderPublic(sd)
	if err != nil {
		return "", err
	}
	kb, err := sel.WithKeyBinding(ctx, holderKey{w.keys, cp.KeyRef, pub}, sdjwt.KeyBindingInput{Audience: ro.ClientID, Nonce: ro.Nonce, IssuedAt: w.cfg.Now()})
	if err != nil {
		return "", fmt.Errorf("wallet: key binding: %w", err)
	}
	cp.Uses++
	return kb.String(), nil
}

// holderPublic is the cnf key of a credential the wallet holds.
func holderPublic(sd *sdjwt.SDJWT) (*keys.PublicKey, error) {
	view, err := sd.UnverifiedHolderView()
	if err != nil {
		return nil, fmt.Errorf("wallet: a stored credential: %w", err)
	}
	cnf, _ := view.Claims["cnf"].(map[string]any)
	jwk, _ := cnf["jwk"].(map[string]any)
	pub, err := keys.PublicKeyFromJWK(jwk)
	if err != nil {
		return nil, fmt.Errorf("wallet: a stored credential's cnf: %w", err)
	}
	return pub, nil
}

// AckType is the typ of the verifier's signed acknowledgement in the
// seoulid profile (docs/conformance.md).
const AckType = "seoulid-receipt+jwt"

// checkAck verifies a verifier's acknowledgement: a JWS of typ AckType
// signed by a key of the verifier's DID (authentication or assertion
// method), whose iss is the verifier and whose nonce is the request's.
func (w *Wallet) checkAck(ctx context.Context, ack string, c *Consent) error {
	tok, err := jws.Parse(ack, jws.Limits{MaxBytes: 16 << 10})
	if err != nil {
		return err
	}
	if tok.HeaderString("typ") != AckType {
		return fmt.Errorf("typ is not %s", AckType)
	}
	kid := tok.HeaderString("kid")
	if !strings.HasPrefix(kid, c.Verifier+"#") {
		return fmt.Errorf("kid %q is not a key of %s", kid, c.Verifier)
	}
	var pub *keys.PublicKey
	for _, rel := range []did.RelationshipKind{did.AssertionMethod, did.Authentication} {
		if pub, err = did.VerificationKey(ctx, w.resolver, kid, rel); err == nil {
			break
		}
	}
	if pub == nil {
		return err
	}
	if err := tok.Verify(pub, []keys.Algorithm{keys.EdDSA, keys.ES256}); err != nil {
		return err
	}
	payload, err := tok.Payload()
	if err != nil {
		return err
	}
	claims, err := jsonx.ParseObject(payload)
	if err != nil {
		return err
	}
	if claims["iss"] != c.Verifier || claims["nonce"] != c.Request.Nonce {
		return errors.New("the acknowledgement is not the verifier's for this request")
	}
	return nil
}

// Decline tells the verifier the citizen said no, and records it.
func (w *Wallet) Decline(ctx context.Context, c *Consent) error {
	w.event(ctx, Event{Kind: "declined", Party: c.Verifier, PartyName: c.VerifierName, Purpose: c.Purpose.ID})
	return w.presentation.Decline(ctx, &c.Request.AuthorizationRequest, vp.ErrAccessDenied, "the citizen declined")
}

// Receipt returns one receipt, or ErrNotFound.
func (w *Wallet) Receipt(ctx context.Context, id string) (*Receipt, error) {
	b, err := w.rec.Get(ctx, kindReceipt, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("%w: receipt %s", ErrNotFound, id)
	} else if err != nil {
		return nil, fmt.Errorf("wallet: %w", err)
	}
	var rc Receipt
	if err := json.Unmarshal(b, &rc); err != nil {
		return nil, fmt.Errorf("wallet: a receipt does not decode: %w", err)
	}
	return &rc, nil
}

// Receipts returns the receipts of every disclosure, newest first.
func (w *Wallet) Receipts(ctx context.Context) ([]*Receipt, error) {
	recs, err := w.rec.List(ctx, kindReceipt)
	if err != nil {
		return nil, fmt.Errorf("wallet: %w", err)
	}
	out := make([]*Receipt, 0, len(recs))
	for _, r := range recs {
		var rc Receipt
		if err := json.Unmarshal(r.Payload, &rc); err != nil {
			return nil, fmt.Errorf("wallet: a receipt does not decode: %w", err)
		}
		out = append(out, &rc)
	}
	slices.SortStableFunc(out, func(a, b *Receipt) int { return b.Time.Compare(a.Time) })
	return out, nil
}

func langMap(m map[schemas.Lang]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[string(k)] = v
	}
	return out
}
