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
	"slices"
	"strings"
	"time"

	"github.com/seoulid/seoulid/internal/jws"
	"github.com/seoulid/seoulid/internal/keys"
	"github.com/seoulid/seoulid/internal/sdjwtvc"
	"github.com/seoulid/seoulid/internal/statuslist"
	"github.com/seoulid/seoulid/schemas"
	wci "github.com/seoulid/seoulid/wallet/oid4vci"
)

const specVCI = "OpenID4VCI 1.0"

func init() {
	register("issuer",
		check{Requirement{ID: "issuer.metadata", Level: Must, Spec: specVCI + " §12.2",
			Title: "the Credential Issuer Metadata names the issuer, the credential and nonce endpoints and at least one configuration"}, issuerMetadata},
		check{Requirement{ID: "issuer.display-locales", Level: Must, Spec: specVCI + " §12.2.4 (display); seoulid profile",
			Title: "the issuer's display has a name in Korean (ko) and in English (en)"}, issuerDisplay},
		check{Requirement{ID: "issuer.configurations", Level: Must, Spec: specVCI + " Appendix A.3 (dc+sd-jwt); seoulid profile",
			Title: "every configuration is dc+sd-jwt with a vct of the seoulid catalogue"}, issuerConfigurations},
		check{Requirement{ID: "issuer.pre-authorized-flow", Level: Must, Spec: specVCI + " §4.1.1, §6, §7, §8",
			Title: "an offer is redeemed with its pre-authorized code and tx_code, a c_nonce and a jwt key proof, and a credential comes back"}, issuerFlow},
		check{Requirement{ID: "issuer.credential", Level: Must, Spec: "SD-JWT VC §3; RFC 9901 §4; seoulid profile",
			Title: "the credential is a dc+sd-jwt signed by the key of the issuer's JWT VC Issuer Metadata, of the offered vct, bound to the proof's key, with schema-valid claims and a status list reference"}, issuerCredential},
		check{Requirement{ID: "issuer.authorised-on-ledger", Level: Must, Spec: "seoulid profile (trust registry)",
			Title: "the ledger authorises the credential's issuer (iss) for its vct"}, issuerAuthorisedOnLedger},
		check{Requirement{ID: "issuer.status-on-ledger", Level: Must, Spec: "draft-ietf-oauth-status-list §6.2, §8; seoulid profile",
			Title: "the credential's status list is on the ledger, published by its issuer, and says valid at its index"}, issuerStatusOnLedger},
		check{Requirement{ID: "issuer.reused-nonce", Level: Must, Negative: true, Spec: specVCI + " §7, §8.3.1.2",
			Title: "a c_nonce used in one credential request gets invalid_nonce in another"}, issuerReusedNonce},
		check{Requirement{ID: "issuer.wrong-tx-code", Level: Must, Negative: true, Spec: specVCI + " §6.3",
			Title: "a wrong tx_code gets invalid_grant"}, issuerWrongTxCode},
		check{Requirement{ID: "issuer.reused-code", Level: Must, Negative: true, Spec: specVCI + " §6.3 (RFC 6749 §5.2)",
			Title: "a pre-authorized code redeemed a second time gets invalid_grant"}, issuerReusedCode},
		check{Requirement{ID: "issuer.bad-proof", Level: Must, Negative: true, Spec: specVCI + " §8.3.1.2, Appendix F.1",
			Title: "a key proof not signed by the key it names gets invalid_proof"}, issuerBadProof},
		check{Requirement{ID: "issuer.unknown-configuration", Level: Must, Negative: true, Spec: specVCI + " §8.3.1.2",
			Title: "a credential request for a configuration the issuer does not offer gets unknown_credential_configuration"}, issuerUnknownConfiguration},
	)
}

// issuerRun is what the issuer checks share: the target's metadata and a
// way to make offers (seoulid's back office, with the operator token given
// as the "token" parameter).
type issuerRun struct {
	t      *Target
	client *wci.Client
	md     *wci.IssuerMetadata
	vct    string
}

func newIssuerRun(ctx context.Context, t *Target) (*issuerRun, error) {
	c := wci.New(wci.Config{HTTPClient: t.client(), AllowHTTP: true})
	md, _, err := c.Metadata(ctx, t.URL, "")
	if err != nil {
		return nil, err
	}
	r := &issuerRun{t: t, client: c, md: md, vct: t.Params["vct"]}
	if r.vct == "" {
		ids := make([]string, 0, len(md.Configurations))
		for id := range md.Configurations {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		if len(ids) == 0 {
			return nil, errors.New("the issuer offers no configuration")
		}
		r.vct = md.Configurations[ids[0]].VCT
	}
	return r, nil
}

// offer makes an offer of r.vct with the catalogue's example claims through
// the back office.
func (r *issuerRun) offer(ctx context.Context) (*wci.Offer, string, error) {
	token := r.t.Params["token"]
	if token == "" {
		return nil, "", fmt.Errorf("%w: give a back-office operator token (--param token=…) so that the suite can make offers", ErrSkip)
	}
	ty, err := schemas.Default().Lookup(r.vct)
	if err != nil {
		return nil, "", err
	}
	body, _ := json.Marshal(map[string]any{"vct": r.vct, "claims": ty.Example()})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.t.URL+"/admin/v1/offers?qr=false", bytes.NewReader(body))
	if err != nil {
		return nil, "", err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := r.t.client().Do(req)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusCreated {
		return nil, "", fmt.Errorf("the back office did not make an offer: HTTP %d %s", resp.StatusCode, b)
	}
	var out struct {
		OfferURI string `json:"offer_uri"`
		TxCode   string `json:"tx_code"`
	}
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, "", err
	}
	o, err := r.client.ResolveOffer(ctx, out.OfferURI)
	if err != nil {
		return nil, "", err
	}
	return o, out.TxCode, nil
}

func (r *issuerRun) token(ctx context.Context, o *wci.Offer, txCode string) (*wci.Token, error) {
	_, sm, err := r.client.Metadata(ctx, o.CredentialIssuer, o.AuthorizationServer)
	if err != nil {
		return nil, err
	}
	return r.client.Token(ctx, sm, o, txCode, nil)
}

// proofJWT is a jwt key proof (Appendix F.1) by holder for the issuer and
// nonce.
func proofJWT(ctx context.Context, holder *keys.PrivateKey, aud, nonce string) (string, error) {
	payload, err := json.Marshal(map[string]any{"aud": aud, "iat": time.Now().Unix(), "nonce": nonce})
	if err != nil {
		return "", err
	}
	return jws.Sign(ctx, holder, map[string]any{"typ": "openid4vci-proof+jwt", "jwk": holder.Public().JWK()}, payload)
}

// credentialRequest posts a credential request with the proof under a
// bearer token and returns the status and error code.
func (r *issuerRun) credentialRequest(ctx context.Context, token, configID, proof string) (int, string, error) {
	body, _ := json.Marshal(map[string]any{"credential_configuration_id": configID, "proofs": map[string]any{"jwt": []string{proof}}})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.md.CredentialEndpoint, bytes.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := r.t.client().Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	var e struct {
		Error string `json:"error"`
	}
	_ = json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&e)
	return resp.StatusCode, e.Error, nil
}

func issuerReusedNonce(ctx context.Context, t *Target) error {
	r, err := newIssuerRun(ctx, t)
	if err != nil {
		return err
	}
	nonce, err := r.client.Nonce(ctx, r.md)
	if err != nil {
		return err
	}
	for i := range 2 {
		o, tx, err := r.offer(ctx)
		if err != nil {
			return err
		}
		tok, err := r.token(ctx, o, tx)
		if err != nil {
			return err
		}
		holder, err := keys.Generate(keys.ES256)
		if err != nil {
			return err
		}
		p, err := proofJWT(ctx, holder, r.md.CredentialIssuer, nonce)
		if err != nil {
			return err
		}
		status, code, err := r.credentialRequest(ctx, tok.AccessToken, o.ConfigurationIDs[0], p)
		if err != nil {
			return err
		}
		switch {
		case i == 0 && status != http.StatusOK:
			return fmt.Errorf("the first request with a fresh c_nonce: HTTP %d %s", status, code)
		case i == 1 && (status != http.StatusBadRequest || code != "invalid_nonce"):
			return fmt.Errorf("the c_nonce used a second time got HTTP %d %q, not invalid_nonce", status, code)
		}
	}
	return nil
}

// ledgerRead reads a registry endpoint of the resolver given ("resolver"
// parameter).
func ledgerRead(ctx context.Context, t *Target, p string) (*http.Response, error) {
	base := strings.TrimSuffix(t.Params["resolver"], "/")
	if base == "" {
		return nil, fmt.Errorf("%w: give the seoulid resolver that reads the ledger (--param resolver=…)", ErrSkip)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+p, nil)
	if err != nil {
		return nil, err
	}
	return t.client().Do(req)
}

// issuedClaims issues a credential and returns its payload, unverified
// (issuer.credential checks the signature).
func issuedClaims(ctx context.Context, t *Target) (map[string]any, error) {
	r, err := newIssuerRun(ctx, t)
	if err != nil {
		return nil, err
	}
	holder, err := keys.Generate(keys.ES256)
	if err != nil {
		return nil, err
	}
	cred, _, err := r.issue(ctx, holder)
	if err != nil {
		return nil, err
	}
	tok, err := jws.Parse(strings.SplitN(cred, "~", 2)[0], jws.Limits{})
	if err != nil {
		return nil, err
	}
	var claims map[string]any
	if err := json.Unmarshal(tok.UnsafePayload(), &claims); err != nil {
		return nil, err
	}
	return claims, nil
}

func issuerAuthorisedOnLedger(ctx context.Context, t *Target) error {
	if t.Params["resolver"] == "" {
		_, err := ledgerRead(ctx, t, "")
		return err
	}
	claims, err := issuedClaims(ctx, t)
	if err != nil {
		return err
	}
	iss, _ := claims["iss"].(string)
	resp, err := ledgerRead(ctx, t, "/1.0/trust/issuers/"+iss)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var e struct {
		VCTs []string `json:"vcts"`
	}
	if resp.StatusCode != http.StatusOK || json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&e) != nil {
		return fmt.Errorf("the ledger has no authorisation for %s (HTTP %d)", iss, resp.StatusCode)
	}
	if !slices.Contains(e.VCTs, claims["vct"].(string)) {
		return fmt.Errorf("the ledger authorises %s for %v, not %v", iss, e.VCTs, claims["vct"])
	}
	return nil
}

func issuerStatusOnLedger(ctx context.Context, t *Target) error {
	if t.Params["resolver"] == "" {
		_, err := ledgerRead(ctx, t, "")
		return err
	}
	claims, err := issuedClaims(ctx, t)
	if err != nil {
		return err
	}
	ref, err := statuslist.ParseReference(claims["status"])
	if err != nil {
		return fmt.Errorf("the credential's status: %v", err)
	}
	// The issuer publishes at its next tick: a few tries.
	var last error
	for range 20 {
		last = statusValid(ctx, t, ref, claims["iss"].(string))
		if last == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
	return last
}

func statusValid(ctx context.Context, t *Target, ref statuslist.Reference, iss string) error {
	resp, err := ledgerRead(ctx, t, "/1.0/status-lists?uri="+url.QueryEscape(ref.URI))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("the ledger has no status list %s (HTTP %d)", ref.URI, resp.StatusCode)
	}
	tok, err := statuslist.Parse(strings.TrimSpace(string(b)))
	if err != nil {
		return fmt.Errorf("the ledger's status list: %v", err)
	}
	c := tok.Claims()
	if c.Subject != ref.URI || (c.Issuer != "" && c.Issuer != iss) {
		return fmt.Errorf("the ledger's token at %s says sub %s, iss %s", ref.URI, c.Subject, c.Issuer)
	}
	v, err := c.List.Get(ref.Index)
	if err != nil {
		return err
	}
	if v != statuslist.Valid {
		return fmt.Errorf("index %d of %s is %#x, not valid", ref.Index, ref.URI, v)
	}
	return nil
}

// errorCode is the protocol error code of a client error, "" when none.
func errorCode(err error) string {
	var e *wci.Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

func issuerMetadata(ctx context.Context, t *Target) error {
	r, err := newIssuerRun(ctx, t)
	if err != nil {
		return err
	}
	if r.md.CredentialIssuer != t.URL {
		return fmt.Errorf("credential_issuer is %s, not the URL it was fetched from, %s (§12.2.2)", r.md.CredentialIssuer, t.URL)
	}
	if r.md.CredentialEndpoint == "" || r.md.NonceEndpoint == "" || len(r.md.Configurations) == 0 {
		return fmt.Errorf("credential_endpoint %q, nonce_endpoint %q, %d configurations", r.md.CredentialEndpoint, r.md.NonceEndpoint, len(r.md.Configurations))
	}
	return nil
}

func issuerDisplay(ctx context.Context, t *Target) error {
	r, err := newIssuerRun(ctx, t)
	if err != nil {
		return err
	}
	found := map[string]bool{}
	for _, d := range r.md.Display {
		if name, _ := d["name"].(string); name != "" {
			if loc, _ := d["locale"].(string); loc != "" {
				found[strings.SplitN(loc, "-", 2)[0]] = true
			}
		}
	}
	if !found["ko"] || !found["en"] {
		return fmt.Errorf("display names the issuer in %v; ko and en are required", found)
	}
	return nil
}

func issuerConfigurations(ctx context.Context, t *Target) error {
	r, err := newIssuerRun(ctx, t)
	if err != nil {
		return err
	}
	for id, c := range r.md.Configurations {
		if c.Format != "dc+sd-jwt" {
			return fmt.Errorf("configuration %s has format %q", id, c.Format)
		}
		if _, err := schemas.Default().Lookup(c.VCT); err != nil {
			return fmt.Errorf("configuration %s: %v", id, err)
		}
	}
	return nil
}

// issue runs the whole flow for one holder key and returns the credential.
func (r *issuerRun) issue(ctx context.Context, holder wci.Signer) (string, *wci.Offer, error) {
	o, tx, err := r.offer(ctx)
	if err != nil {
		return "", nil, err
	}
	red, err := r.client.Redeem(ctx, o, "", tx, []wci.Signer{holder}, nil)
	if err != nil {
		return "", nil, err
	}
	if len(red.Credentials) != 1 {
		return "", nil, fmt.Errorf("%d credentials for one key proof", len(red.Credentials))
	}
	return red.Credentials[0], o, nil
}

func issuerFlow(ctx context.Context, t *Target) error {
	r, err := newIssuerRun(ctx, t)
	if err != nil {
		return err
	}
	holder, err := keys.Generate(keys.ES256)
	if err != nil {
		return err
	}
	_, _, err = r.issue(ctx, holder)
	return err
}

func issuerCredential(ctx context.Context, t *Target) error {
	r, err := newIssuerRun(ctx, t)
	if err != nil {
		return err
	}
	holder, err := keys.Generate(keys.ES256)
	if err != nil {
		return err
	}
	cred, _, err := r.issue(ctx, holder)
	if err != nil {
		return err
	}
	// The issuer's key, from its JWT VC Issuer Metadata (SD-JWT VC §4).
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, t.URL+"/.well-known/jwt-vc-issuer", nil)
	if err != nil {
		return err
	}
	resp, err := t.client().Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var meta struct {
		Issuer string `json:"issuer"`
		JWKS   struct {
			Keys []json.RawMessage `json:"keys"`
		} `json:"jwks"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&meta); err != nil || len(meta.JWKS.Keys) == 0 {
		return fmt.Errorf("the JWT VC Issuer Metadata has no keys (%v)", err)
	}
	var pubs []*keys.PublicKey
	for _, k := range meta.JWKS.Keys {
		pub, err := keys.ParsePublicJWK(k)
		if err != nil {
			return fmt.Errorf("a key of the JWT VC Issuer Metadata: %v", err)
		}
		pubs = append(pubs, pub)
	}
	var verr error
	for _, pub := range pubs {
		v, err := sdjwtvc.NewVerifier(sdjwtvc.FixedKey(pub), sdjwtvc.Config{Algorithms: []keys.Algorithm{keys.EdDSA, keys.ES256}})
		if err != nil {
			return err
		}
		got, err := v.VerifyIssued(ctx, cred)
		if err != nil {
			verr = err
			continue
		}
		if got.VCT != r.vct {
			return fmt.Errorf("the credential's vct is %s, the offer's %s", got.VCT, r.vct)
		}
		cnf, _ := got.Claims["cnf"].(map[string]any)
		jwk, _ := cnf["jwk"].(map[string]any)
		bound, err := keys.PublicKeyFromJWK(jwk)
		if err != nil || !bound.Equal(holder.Public()) {
			return errors.New("the credential is not bound (cnf.jwk) to the proof's key")
		}
		if got.Status == nil {
			return errors.New("the credential has no status list reference")
		}
		ty, err := schemas.Default().Lookup(got.VCT)
		if err != nil {
			return err
		}
		if err := ty.ValidateDisclosed(got.Claims); err != nil {
			return fmt.Errorf("the claims do not fit the type's schema: %v", err)
		}
		return nil
	}
	return fmt.Errorf("the credential does not verify with the issuer's keys: %v", verr)
}

func issuerWrongTxCode(ctx context.Context, t *Target) error {
	r, err := newIssuerRun(ctx, t)
	if err != nil {
		return err
	}
	o, tx, err := r.offer(ctx)
	if err != nil {
		return err
	}
	wrong := "000000"
	if tx == wrong {
		wrong = "111111"
	}
	_, err = r.token(ctx, o, wrong)
	if code := errorCode(err); code != "invalid_grant" {
		return fmt.Errorf("a wrong tx_code got %v, not invalid_grant", err)
	}
	return nil
}

func issuerReusedCode(ctx context.Context, t *Target) error {
	r, err := newIssuerRun(ctx, t)
	if err != nil {
		return err
	}
	o, tx, err := r.offer(ctx)
	if err != nil {
		return err
	}
	if _, err := r.token(ctx, o, tx); err != nil {
		return fmt.Errorf("the first redemption: %v", err)
	}
	_, err = r.token(ctx, o, tx)
	if code := errorCode(err); code != "invalid_grant" {
		return fmt.Errorf("a second redemption got %v, not invalid_grant", err)
	}
	return nil
}

// liar signs with one key and names another in its proofs.
type liar struct {
	*keys.PrivateKey
	shown *keys.PublicKey
}

func (l liar) Public() *keys.PublicKey { return l.shown }

func issuerBadProof(ctx context.Context, t *Target) error {
	r, err := newIssuerRun(ctx, t)
	if err != nil {
		return err
	}
	signing, err := keys.Generate(keys.ES256)
	if err != nil {
		return err
	}
	other, err := keys.Generate(keys.ES256)
	if err != nil {
		return err
	}
	_, _, err = r.issue(ctx, liar{signing, other.Public()})
	if code := errorCode(err); code != "invalid_proof" {
		return fmt.Errorf("a proof signed by another key than its jwk got %v, not invalid_proof", err)
	}
	return nil
}

func issuerUnknownConfiguration(ctx context.Context, t *Target) error {
	r, err := newIssuerRun(ctx, t)
	if err != nil {
		return err
	}
	o, tx, err := r.offer(ctx)
	if err != nil {
		return err
	}
	tok, err := r.token(ctx, o, tx)
	if err != nil {
		return err
	}
	status, code, err := r.credentialRequest(ctx, tok.AccessToken, "no-such-configuration", "eyJhbGciOiJFUzI1NiJ9.e30.AA")
	if err != nil {
		return err
	}
	if status != http.StatusBadRequest || code != "unknown_credential_configuration" {
		return fmt.Errorf("HTTP %d %q, not 400 unknown_credential_configuration", status, code)
	}
	return nil
}
