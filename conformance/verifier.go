package conformance

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/seoulid/seoulid/internal/did"
	"github.com/seoulid/seoulid/internal/jws"
	"github.com/seoulid/seoulid/internal/keys"
	vp "github.com/seoulid/seoulid/internal/oid4vp"
	"github.com/seoulid/seoulid/internal/sdjwt"
	wvp "github.com/seoulid/seoulid/wallet/oid4vp"
)

const specVP = "OpenID4VP 1.0"

func init() {
	register("verifier",
		check{Requirement{ID: "verifier.request-object", Level: Must, Spec: specVP + " §5, §5.9.3; RFC 9101",
			Title: "the request object is a JWS of typ oauth-authz-req+jwt signed by a key of the verifier's DID (client_id decentralized_identifier:…), with a valid DCQL query"}, verifierRequestObject},
		check{Requirement{ID: "verifier.registered-purpose", Level: Must, Spec: "seoulid profile (seoulid_purpose, trust registry)",
			Title: "the request names a purpose the ledger registers for the verifier, and asks for nothing outside it"}, verifierRegisteredPurpose},
		check{Requirement{ID: "verifier.accepts-valid", Level: Must, Spec: specVP + " §8.2, §8.6; SD-JWT VC §3.4",
			Title: "a valid presentation with a key-binding JWT for the request's client_id and nonce is accepted (HTTP 200)"}, verifierAcceptsValid},
		check{Requirement{ID: "verifier.rejects-forged", Level: Must, Negative: true, Spec: "RFC 9901 §7.1 (issuer signature); " + specVP + " §8.5",
			Title: "a presentation whose issuer signature does not verify is refused"}, verifierRejectsForged},
		check{Requirement{ID: "verifier.rejects-wrong-audience", Level: Must, Negative: true, Spec: "RFC 9901 §7.3; " + specVP + " §14.1.2",
			Title: "a key-binding JWT for another audience is refused"}, verifierRejectsWrongAudience},
		check{Requirement{ID: "verifier.rejects-replayed", Level: Must, Negative: true, Spec: specVP + " §14.1.2 (nonce)",
			Title: "a presentation made for another request (its nonce) is refused"}, verifierRejectsReplayed},
		check{Requirement{ID: "verifier.rejects-unbound", Level: Must, Negative: true, Spec: specVP + " Appendix B.3.6; RFC 9901 §7.3",
			Title: "a presentation without a key-binding JWT is refused"}, verifierRejectsUnbound},
		check{Requirement{ID: "verifier.rejects-expired", Level: Must, Negative: true, Spec: "SD-JWT VC §3.2.2 (exp); RFC 7519 §4.1.4",
			Title: "a presentation of a credential whose exp has passed is refused (the same credential re-signed unchanged is accepted)"}, verifierRejectsExpired},
		check{Requirement{ID: "verifier.rejects-not-yet-valid", Level: Must, Negative: true, Spec: "SD-JWT VC §3.2.2 (nbf); RFC 7519 §4.1.5",
			Title: "a presentation of a credential whose nbf is in the future is refused"}, verifierRejectsNotYetValid},
		check{Requirement{ID: "verifier.rejects-revoked", Level: Must, Negative: true, Spec: "draft-ietf-oauth-status-list §8.3; seoulid profile (status lists on the ledger)",
			Title: "a presentation of a credential accepted before its issuer revoked it is refused once the revocation is published (within revocation-wait)"}, verifierRejectsRevoked},
	)
}

// httpResolver resolves DIDs through a DID Resolution HTTP endpoint.
type httpResolver struct {
	base string
	hc   *http.Client
}

func (r httpResolver) Resolve(ctx context.Context, d string) (*did.Document, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.base+"/1.0/identifiers/"+d, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/did+json")
	resp, err := r.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("resolving %s: HTTP %d", d, resp.StatusCode)
	}
	return did.ParseDocument(b)
}

// verifierRun holds what the verifier checks share: the resolver, the
// issuer that provides credentials, and how to start requests.
type verifierRun struct {
	t        *Target
	resolver httpResolver
	client   *wvp.Client
}

func newVerifierRun(t *Target) (*verifierRun, error) {
	for _, p := range []string{"resolver", "programme"} {
		if t.Params[p] == "" {
			return nil, fmt.Errorf("%w: give --param %s=…", ErrSkip, p)
		}
	}
	res := httpResolver{base: strings.TrimSuffix(t.Params["resolver"], "/"), hc: t.client()}
	return &verifierRun{t: t, resolver: res, client: wvp.New(res, wvp.Config{HTTPClient: t.client(), AllowHTTP: true})}, nil
}

// start starts a request through seoulid's portal API (POST /api/requests)
// with the programme and its parameters (param.NAME=VALUE) and returns the
// verified request object.
func (r *verifierRun) start(ctx context.Context) (*vp.RequestObject, error) {
	params := map[string]string{}
	for k, v := range r.t.Params {
		if name, ok := strings.CutPrefix(k, "param."); ok {
			params[name] = v
		}
	}
	body, _ := json.Marshal(map[string]any{"programme": r.t.Params["programme"], "parameters": params})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.t.URL+"/api/requests?qr=false", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := r.t.client().Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var started struct {
		URI string `json:"uri"`
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusCreated || json.Unmarshal(b, &started) != nil || started.URI == "" {
		return nil, fmt.Errorf("starting a request: HTTP %d %s", resp.StatusCode, b)
	}
	return r.client.Request(ctx, started.URI)
}

// credential is a credential of the type the request asks for first,
// issued by the issuer given (issuer=URL, issuer-token=TOKEN) to a fresh
// key.
func (r *verifierRun) credential(ctx context.Context, ro *vp.RequestObject) (*sdjwt.SDJWT, *keys.PrivateKey, string, error) {
	iss, tok := r.t.Params["issuer"], r.t.Params["issuer-token"]
	if iss == "" || tok == "" {
		return nil, nil, "", fmt.Errorf("%w: give --param issuer=URL and --param issuer-token=… (an issuer the verifier trusts for what it asks)", ErrSkip)
	}
	cq := ro.DCQLQuery.Credentials[0]
	if len(cq.Meta.VCTValues) == 0 {
		return nil, nil, "", errors.New("the first credential query names no vct")
	}
	ir, err := newIssuerRun(ctx, &Target{URL: strings.TrimSuffix(iss, "/"), Params: map[string]string{"token": tok, "vct": cq.Meta.VCTValues[0]}, HTTP: r.t.HTTP})
	if err != nil {
		return nil, nil, "", err
	}
	holder, err := keys.Generate(keys.ES256)
	if err != nil {
		return nil, nil, "", err
	}
	raw, _, err := ir.issue(ctx, holder)
	if err != nil {
		return nil, nil, "", err
	}
	sd, err := sdjwt.Parse(raw)
	if err != nil {
		return nil, nil, "", err
	}
	return sd, holder, cq.ID, nil
}

// answer presents cred for ro, made by how (the usual presentation when
// nil), and returns the verifier's answer.
func (r *verifierRun) answer(ctx context.Context, ro *vp.RequestObject, presentation string, qid string) error {
	_, err := r.client.Respond(ctx, &ro.AuthorizationRequest, &vp.AuthorizationResponse{VPToken: vp.VPToken{qid: {presentation}}})
	return err
}

func verifierRequestObject(ctx context.Context, t *Target) error {
	r, err := newVerifierRun(t)
	if err != nil {
		return err
	}
	ro, err := r.start(ctx)
	if err != nil {
		return err
	}
	if !strings.HasPrefix(ro.ClientID, vp.PrefixDecentralizedIdentifier+":") {
		return fmt.Errorf("client_id %s is not decentralized_identifier:…", ro.ClientID)
	}
	if ro.DCQLQuery == nil || len(ro.DCQLQuery.Credentials) == 0 {
		return errors.New("no DCQL query")
	}
	return nil
}

func verifierRegisteredPurpose(ctx context.Context, t *Target) error {
	r, err := newVerifierRun(t)
	if err != nil {
		return err
	}
	ro, err := r.start(ctx)
	if err != nil {
		return err
	}
	if ro.Purpose == "" {
		return fmt.Errorf("the request names no purpose (%s)", vp.ParamPurpose)
	}
	vd := strings.TrimPrefix(ro.ClientID, vp.PrefixDecentralizedIdentifier+":")
	purposes, err := verifierPurposes(ctx, t, vd)
	if err != nil {
		return err
	}
	for _, p := range purposes {
		if p.ID != ro.Purpose {
			continue
		}
		for _, cq := range ro.DCQLQuery.Credentials {
			for _, vct := range cq.Meta.VCTValues {
				var allowed []sdjwt.Path
				for _, c := range p.Claims {
					if c.VCT == vct {
						allowed = append(allowed, c.Paths...)
					}
				}
				if len(allowed) == 0 {
					return fmt.Errorf("the request asks for %s, which the purpose %s does not cover", vct, p.ID)
				}
				for _, c := range cq.Claims {
					ok := false
					for _, a := range allowed {
						if a.Covers(sdjwt.Path(c.Path)) || a.String() == sdjwt.Path(c.Path).String() {
							ok = true
						}
					}
					if !ok {
						return fmt.Errorf("the request asks for %v of %s, outside the purpose %s", c.Path, vct, p.ID)
					}
				}
			}
		}
		return nil
	}
	return fmt.Errorf("the ledger does not register the purpose %s for %s", ro.Purpose, vd)
}

// present makes the presentation of what the query asks, bound to aud and
// nonce by holder (no key binding when holder is nil).
func present(ctx context.Context, cred *sdjwt.SDJWT, ro *vp.RequestObject, holder *keys.PrivateKey, aud, nonce string) (string, error) {
	var paths []sdjwt.Path
	for _, c := range ro.DCQLQuery.Credentials[0].Claims {
		paths = append(paths, sdjwt.Path(c.Path))
	}
	shown, err := cred.Select(paths...)
	if err != nil {
		return "", err
	}
	if holder == nil {
		return shown.String(), nil
	}
	kb, err := shown.WithKeyBinding(ctx, holder, sdjwt.KeyBindingInput{Audience: aud, Nonce: nonce})
	if err != nil {
		return "", err
	}
	return kb.String(), nil
}

// refused checks the verifier refused an answer (HTTP 400).
func refused(err error, what string) error {
	var ae *wvp.AnswerError
	if errors.As(err, &ae) && ae.Status == http.StatusBadRequest {
		return nil
	}
	if err == nil {
		return fmt.Errorf("%s was accepted", what)
	}
	return fmt.Errorf("%s: %v, not a refusal (HTTP 400)", what, err)
}

// validCase is a request started and a credential that answers it.
type validCase struct {
	r      *verifierRun
	ro     *vp.RequestObject
	cred   *sdjwt.SDJWT
	holder *keys.PrivateKey
	qid    string
}

// startValid starts a request on the target and gets a credential for it.
func startValid(ctx context.Context, t *Target) (*validCase, error) {
	r, err := newVerifierRun(t)
	if err != nil {
		return nil, err
	}
	ro, err := r.start(ctx)
	if err != nil {
		return nil, err
	}
	cred, holder, qid, err := r.credential(ctx, ro)
	if err != nil {
		return nil, err
	}
	return &validCase{r: r, ro: ro, cred: cred, holder: holder, qid: qid}, nil
}

// presentAs answers ro with cred, by the case's holder, for its query.
func (c *validCase) presentAs(ctx context.Context, ro *vp.RequestObject, cred *sdjwt.SDJWT) error {
	return c.r.presentTo(ctx, ro, cred, c.holder, c.qid)
}

// presentTo answers ro with a presentation of cred bound by holder to its
// client_id and nonce, and returns the verifier's answer.
func (r *verifierRun) presentTo(ctx context.Context, ro *vp.RequestObject, cred *sdjwt.SDJWT, holder *keys.PrivateKey, qid string) error {
	p, err := present(ctx, cred, ro, holder, ro.ClientID, ro.Nonce)
	if err != nil {
		return err
	}
	return r.answer(ctx, ro, p, qid)
}

func verifierAcceptsValid(ctx context.Context, t *Target) error {
	c, err := startValid(ctx, t)
	if err != nil {
		return err
	}
	return c.presentAs(ctx, c.ro, c.cred)
}

// refusal checks that the verifier refuses an answer made by bad from a
// valid request, credential and holder key; what names the fault.
func refusal(what string, bad func(ctx context.Context, r *verifierRun, ro *vp.RequestObject, cred *sdjwt.SDJWT, holder *keys.PrivateKey) (*vp.RequestObject, string, error)) func(context.Context, *Target) error {
	return func(ctx context.Context, t *Target) error {
		c, err := startValid(ctx, t)
		if err != nil {
			return err
		}
		to, p, err := bad(ctx, c.r, c.ro, c.cred, c.holder)
		if err != nil {
			return err
		}
		return refused(c.r.answer(ctx, to, p, c.qid), what)
	}
}

var (
	verifierRejectsForged = refusal("a presentation with a broken issuer signature", func(ctx context.Context, _ *verifierRun, ro *vp.RequestObject, cred *sdjwt.SDJWT, holder *keys.PrivateKey) (*vp.RequestObject, string, error) {
		p, err := present(ctx, cred, ro, holder, ro.ClientID, ro.Nonce)
		return ro, flipSignature(p), err
	})
	verifierRejectsWrongAudience = refusal("a key-binding JWT for another audience", func(ctx context.Context, _ *verifierRun, ro *vp.RequestObject, cred *sdjwt.SDJWT, holder *keys.PrivateKey) (*vp.RequestObject, string, error) {
		p, err := present(ctx, cred, ro, holder, "decentralized_identifier:did:example:someone-else", ro.Nonce)
		return ro, p, err
	})
	verifierRejectsReplayed = refusal("a presentation made for another request's nonce", func(ctx context.Context, r *verifierRun, ro *vp.RequestObject, cred *sdjwt.SDJWT, holder *keys.PrivateKey) (*vp.RequestObject, string, error) {
		second, err := r.start(ctx)
		if err != nil {
			return nil, "", err
		}
		p, err := present(ctx, cred, ro, holder, ro.ClientID, ro.Nonce)
		return second, p, err
	})
	verifierRejectsUnbound = refusal("a presentation without a key-binding JWT", func(ctx context.Context, _ *verifierRun, ro *vp.RequestObject, cred *sdjwt.SDJWT, _ *keys.PrivateKey) (*vp.RequestObject, string, error) {
		p, err := present(ctx, cred, ro, nil, "", "")
		return ro, p, err
	})
)

// resign signs the issuer-signed JWT of cred again with the issuer's key
// (issuer-key=FILE, a key of the credential's issuer), its payload changed
// by edit, and returns the credential with the same Disclosures.
func resign(ctx context.Context, t *Target, cred *sdjwt.SDJWT, edit func(payload map[string]any)) (*sdjwt.SDJWT, error) {
	k, d, err := keyParam(t, "issuer-key", "the issuer of --param issuer (a key of its DID)")
	if err != nil {
		return nil, err
	}
	parts := strings.Split(cred.JWT, ".")
	if len(parts) != 3 {
		return nil, errors.New("the issuer's credential is not a compact JWS")
	}
	var header, payload map[string]any
	for i, v := range []*map[string]any{&header, &payload} {
		b, err := jws.DecodeSegment(parts[i])
		if err != nil {
			return nil, fmt.Errorf("the issuer's credential: %w", err)
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		if err := dec.Decode(v); err != nil {
			return nil, fmt.Errorf("the issuer's credential: %w", err)
		}
	}
	if payload["iss"] != d {
		return nil, fmt.Errorf("--param issuer-key is a key of %s, not of the credential's issuer %v", d, payload["iss"])
	}
	delete(header, "alg")
	delete(header, "kid")
	edit(payload)
	pb, err := json.Marshal(payload)
	if err != nil {
		return nil, err
	}
	signed, err := jws.Sign(ctx, k, header, pb)
	if err != nil {
		return nil, err
	}
	return &sdjwt.SDJWT{JWT: signed, Disclosures: cred.Disclosures}, nil
}

// timeShifted checks that a presentation of the credential re-signed with
// its times changed by edit is refused, after the same credential re-signed
// unchanged is accepted (so that the refusal is the times', not the
// re-signing's).
func timeShifted(what string, edit func(payload map[string]any, now int64)) func(context.Context, *Target) error {
	return func(ctx context.Context, t *Target) error {
		c, err := startValid(ctx, t)
		if err != nil {
			return err
		}
		same, err := resign(ctx, t, c.cred, func(map[string]any) {})
		if err != nil {
			return err
		}
		if err := c.presentAs(ctx, c.ro, same); err != nil {
			return fmt.Errorf("the credential re-signed unchanged with --param issuer-key was refused (%w): is it the issuer's current key?", err)
		}
		shifted, err := resign(ctx, t, c.cred, func(m map[string]any) { edit(m, time.Now().Unix()) })
		if err != nil {
			return err
		}
		second, err := c.r.start(ctx)
		if err != nil {
			return err
		}
		return refused(c.presentAs(ctx, second, shifted), what)
	}
}

var (
	// The credential keeps its iat: a verifier that honours key history
	// looks the issuer's key up at iat, and a young issuer had none before.
	verifierRejectsExpired = timeShifted("a credential that expired an hour ago", func(m map[string]any, now int64) {
		m["exp"] = now - 3600
	})
	verifierRejectsNotYetValid = timeShifted("a credential valid from an hour from now", func(m map[string]any, now int64) {
		m["nbf"] = now + 3600
	})
)

// defaultRevocationWait is how long verifier.rejects-revoked waits for a
// revocation to reach the verifier when revocation-wait is not given.
const defaultRevocationWait = 2 * time.Minute

// verifierRejectsRevoked presents a credential (accepted), revokes it
// through the issuer's back office (issuer-token), and presents it again to
// new requests until the verifier refuses it or revocation-wait passes.
func verifierRejectsRevoked(ctx context.Context, t *Target) error {
	wait := defaultRevocationWait
	if s := t.Params["revocation-wait"]; s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 {
			return fmt.Errorf("--param revocation-wait=%s: want a duration such as 30s", s)
		}
		wait = d
	}
	c, err := startValid(ctx, t)
	if err != nil {
		return err
	}
	if err := c.presentAs(ctx, c.ro, c.cred); err != nil {
		return fmt.Errorf("the credential was refused before it was revoked: %w", err)
	}
	if err := c.r.revoke(ctx, c.holder.Public().Thumbprint()); err != nil {
		return err
	}
	revoked := time.Now()
	for {
		next, err := c.r.start(ctx)
		if err != nil {
			return err
		}
		err = c.presentAs(ctx, next, c.cred)
		if refused(err, "") == nil {
			return nil
		}
		if err != nil {
			return fmt.Errorf("after the revocation: %w, not a refusal (HTTP 400)", err)
		}
		if time.Since(revoked) > wait {
			return fmt.Errorf("a credential revoked %s ago was accepted (--param revocation-wait=%s)", time.Since(revoked).Round(time.Second), wait)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// revoke revokes, through the issuer's back office, the credential it
// issued last to the holder key of thumbprint jkt.
func (r *verifierRun) revoke(ctx context.Context, jkt string) error {
	iss, tok := strings.TrimSuffix(r.t.Params["issuer"], "/"), r.t.Params["issuer-token"]
	call := func(method, path string, out any) error {
		req, err := http.NewRequestWithContext(ctx, method, iss+path, nil)
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := r.t.client().Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("the issuer's back office: %s %s: HTTP %d %s", method, path, resp.StatusCode, b)
		}
		return json.Unmarshal(b, out)
	}
	var list struct {
		Credentials []struct {
			ID  string `json:"id"`
			JKT string `json:"holder_jkt"`
		} `json:"credentials"`
	}
	if err := call(http.MethodGet, "/admin/v1/credentials?limit=100", &list); err != nil {
		return err
	}
	for _, c := range list.Credentials {
		if c.JKT == jkt {
			var out map[string]any
			return call(http.MethodPost, "/admin/v1/credentials/"+url.PathEscape(c.ID)+"/revoke", &out)
		}
	}
	return fmt.Errorf("the issuer's back office lists no credential of the holder key %s", jkt)
}
