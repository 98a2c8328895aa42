package oid4vci

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/seoulid/seoulid/internal/dpop"
	"github.com/seoulid/seoulid/internal/jsonx"
	"github.com/seoulid/seoulid/internal/jws"
	"github.com/seoulid/seoulid/internal/keys"
	vci "github.com/seoulid/seoulid/internal/oid4vci"
	"github.com/seoulid/seoulid/internal/safehttp"
)

// maxResponseBytes bounds every response the client reads; a credential
// response holds a batch of SD-JWT VCs.
const maxResponseBytes = 1 << 20

// ProofType is the typ of a JWT key proof (Appendix F.1).
const ProofType = "openid4vci-proof+jwt"

// Signer is a holder or DPoP key: it signs JWS signing inputs and shows its
// public key. keys.PrivateKey satisfies it, as can a key in a secure
// element.
type Signer interface {
	Algorithm() keys.Algorithm
	KeyID() string
	Sign(ctx context.Context, signingInput []byte) ([]byte, error)
	Public() *keys.PublicKey
}

// Config tunes a Client. The zero value is a client for issuers on the
// internet, over https only.
type Config struct {
	// HTTPClient makes the requests; nil means internal/safehttp's client,
	// which refuses private and loopback addresses unless AllowHTTP.
	HTTPClient *http.Client
	// AllowHTTP accepts http:// URLs on loopback hosts (and lets the
	// default client reach them): for a city running on one machine and
	// for tests. False accepts https only.
	AllowHTTP bool
	// Now is the clock for proofs; nil means time.Now.
	Now func() time.Time
}

// Client is an OpenID4VCI 1.0 wallet client of the pre-authorized code
// flow. It is safe for concurrent use.
type Client struct {
	hc        *http.Client
	allowHTTP bool
	now       func() time.Time
}

// New makes a Client.
func New(cfg Config) *Client {
	c := &Client{hc: cfg.HTTPClient, allowHTTP: cfg.AllowHTTP, now: cfg.Now}
	if c.hc == nil {
		c.hc = safehttp.Client(safehttp.Options{AllowPrivateNetworks: cfg.AllowHTTP})
	}
	if c.now == nil {
		c.now = time.Now
	}
	return c
}

// Error is an error response of an issuer's endpoint (OpenID4VCI 1.0
// §6.3, §8.3.1, §7.3; RFC 6749 §5.2), or an answer the client could not
// use.
type Error struct {
	Endpoint    string // the URL
	Status      int    // the HTTP status, 0 when the request failed
	Code        string // "invalid_grant", "invalid_proof", …, "" when there is none
	Description string
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "oid4vci: %s", e.Endpoint)
	if e.Status != 0 {
		fmt.Fprintf(&b, ": HTTP %d", e.Status)
	}
	if e.Code != "" {
		fmt.Fprintf(&b, ": %s", e.Code)
	}
	if e.Description != "" {
		fmt.Fprintf(&b, ": %s", e.Description)
	}
	return b.String()
}

// ResolveOffer returns the offer a credential offer URI carries, fetching
// it when it is given by reference (§4.1.3: GET, application/json).
func (c *Client) ResolveOffer(ctx context.Context, uri string) (*Offer, error) {
	ref, err := ParseOfferURI(uri, c.allowHTTP)
	if err != nil {
		return nil, err
	}
	if ref.Offer != nil {
		return ref.Offer, nil
	}
	body, err := c.get(ctx, ref.URI, "application/json")
	if err != nil {
		return nil, err
	}
	return ParseOffer(body, c.allowHTTP)
}

// IssuerMetadata is what the client uses of the Credential Issuer Metadata
// (§12.2.4).
type IssuerMetadata struct {
	CredentialIssuer     string
	CredentialEndpoint   string
	NonceEndpoint        string // "" when the issuer has none
	AuthorizationServers []string
	// BatchSize is batch_credential_issuance.batch_size: how many proofs
	// one credential request may carry (1 when the issuer has no batch).
	BatchSize      int
	Display        []map[string]any
	Configurations map[string]vci.CredentialConfiguration
}

// ServerMetadata is what the client uses of the authorization server's
// metadata (RFC 8414 §2, OpenID4VCI 1.0 §12.3).
type ServerMetadata struct {
	Issuer        string
	TokenEndpoint string
	// DPoPAlgs are dpop_signing_alg_values_supported (RFC 9449 §5.1).
	DPoPAlgs []string
	// AnonymousAccess is pre-authorized_grant_anonymous_access_supported.
	AnonymousAccess bool
}

// wellKnown inserts a well-known suffix between the host and the path of
// an identifier (RFC 8414 §3.1, OpenID4VCI 1.0 §12.2.2).
func wellKnown(id, suffix string) (string, error) {
	u, err := url.Parse(id)
	if err != nil {
		return "", err
	}
	p := strings.TrimSuffix(u.EscapedPath(), "/")
	return u.Scheme + "://" + u.Host + "/.well-known/" + suffix + p, nil
}

// Metadata fetches and checks the issuer's metadata and its authorization
// server's: the issuer's credential_issuer must be the identifier asked
// for (§12.2.2), the server's issuer likewise (RFC 8414 §3.3). as selects
// the authorization server when the issuer lists several ("" takes the
// first, or the issuer itself when it lists none).
func (c *Client) Metadata(ctx context.Context, issuer, as string) (*IssuerMetadata, *ServerMetadata, error) {
	if err := checkURL(issuer, c.allowHTTP); err != nil {
		return nil, nil, fmt.Errorf("%w: credential issuer: %v", ErrOffer, err)
	}
	u, err := wellKnown(issuer, "openid-credential-issuer")
	if err != nil {
		return nil, nil, err
	}
	body, err := c.get(ctx, u, "application/json")
	if err != nil {
		return nil, nil, err
	}
	md, err := parseIssuerMetadata(body, issuer, c.allowHTTP)
	if err != nil {
		return nil, nil, &Error{Endpoint: u, Description: err.Error()}
	}
	switch {
	case as == "" && len(md.AuthorizationServers) > 0:
		as = md.AuthorizationServers[0]
	case as == "":
		as = issuer
	case !slices.Contains(md.AuthorizationServers, as):
		return nil, nil, fmt.Errorf("%w: authorization server %s is not one of the issuer's", ErrOffer, as)
	}
	u, err = wellKnown(as, "oauth-authorization-server")
	if err != nil {
		return nil, nil, err
	}
	body, err = c.get(ctx, u, "application/json")
	if err != nil {
		return nil, nil, err
	}
	sm, err := parseServerMetadata(body, as, c.allowHTTP)
	if err != nil {
		return nil, nil, &Error{Endpoint: u, Description: err.Error()}
	}
	return md, sm, nil
}

func parseIssuerMetadata(b []byte, issuer string, allowHTTP bool) (*IssuerMetadata, error) {
	var raw struct {
		CredentialIssuer     string   `json:"credential_issuer"`
		CredentialEndpoint   string   `json:"credential_endpoint"`
		NonceEndpoint        string   `json:"nonce_endpoint"`
		AuthorizationServers []string `json:"authorization_servers"`
		Batch                *struct {
			BatchSize int `json:"batch_size"`
		} `json:"batch_credential_issuance"`
		Display        []map[string]any                       `json:"display"`
		Configurations map[string]vci.CredentialConfiguration `json:"credential_configurations_supported"`
	}
	if _, err := jsonx.ParseObject(b); err != nil { // strict: no member twice
		return nil, fmt.Errorf("the issuer metadata is not a JSON object: %v", err)
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("the issuer metadata: %v", err)
	}
	md := &IssuerMetadata{CredentialIssuer: raw.CredentialIssuer, CredentialEndpoint: raw.CredentialEndpoint, NonceEndpoint: raw.NonceEndpoint,
		AuthorizationServers: raw.AuthorizationServers, BatchSize: 1, Display: raw.Display, Configurations: raw.Configurations}
	switch {
	case md.CredentialIssuer != issuer:
		return nil, fmt.Errorf("credential_issuer is %q, not the issuer asked for (%s)", md.CredentialIssuer, issuer)
	case checkURL(md.CredentialEndpoint, allowHTTP) != nil:
		return nil, fmt.Errorf("credential_endpoint %q is not an https URL", md.CredentialEndpoint)
	case md.NonceEndpoint != "" && checkURL(md.NonceEndpoint, allowHTTP) != nil:
		return nil, fmt.Errorf("nonce_endpoint %q is not an https URL", md.NonceEndpoint)
	case len(md.Configurations) == 0:
		return nil, errors.New("credential_configurations_supported is empty")
	}
	if raw.Batch != nil {
		if raw.Batch.BatchSize < 2 {
			return nil, errors.New("batch_credential_issuance.batch_size must be 2 or more")
		}
		md.BatchSize = raw.Batch.BatchSize
	}
	for id, cfg := range md.Configurations {
		if err := cfg.Validate(); err != nil {
			return nil, fmt.Errorf("configuration %s: %v", id, err)
		}
	}
	for _, as := range md.AuthorizationServers {
		if checkURL(as, allowHTTP) != nil {
			return nil, fmt.Errorf("authorization server %q is not an https URL", as)
		}
	}
	return md, nil
}

func parseServerMetadata(b []byte, as string, allowHTTP bool) (*ServerMetadata, error) {
	m, err := jsonx.ParseObject(b)
	if err != nil {
		return nil, fmt.Errorf("the authorization server metadata is not a JSON object: %v", err)
	}
	sm := &ServerMetadata{}
	sm.Issuer, _ = m["issuer"].(string)
	sm.TokenEndpoint, _ = m["token_endpoint"].(string)
	sm.AnonymousAccess, _ = m["pre-authorized_grant_anonymous_access_supported"].(bool)
	if algs, ok := m["dpop_signing_alg_values_supported"].([]any); ok {
		for _, a := range algs {
			if s, ok := a.(string); ok {
				sm.DPoPAlgs = append(sm.DPoPAlgs, s)
			}
		}
	}
	switch {
	case sm.Issuer != as:
		return nil, fmt.Errorf("issuer is %q, not the authorization server asked for (%s)", sm.Issuer, as)
	case checkURL(sm.TokenEndpoint, allowHTTP) != nil:
		return nil, fmt.Errorf("token_endpoint %q is not an https URL", sm.TokenEndpoint)
	}
	if grants, ok := m["grant_types_supported"].([]any); ok && !slices.Contains(grants, any(PreAuthorizedGrant)) {
		return nil, errors.New("the authorization server does not support the pre-authorized code grant")
	}
	return sm, nil
}

// Token is an access token for the credential endpoint.
type Token struct {
	AccessToken string
	Type        string // "Bearer" or "DPoP"
	ExpiresIn   int
	// DPoP is the key the token is bound to, nil for a bearer token.
	DPoP Signer
	// CredentialIdentifiers are those granted per configuration id
	// (authorization_details, §6.2), when the server sent any.
	CredentialIdentifiers map[string][]string
}

// Token redeems the offer's pre-authorized code with txCode (§6.1). When
// dpopKey is not nil and the server advertises DPoP with its algorithm, the
// token is bound to it (RFC 9449 §5).
func (c *Client) Token(ctx context.Context, sm *ServerMetadata, o *Offer, txCode string, dpopKey Signer) (*Token, error) {
	form := url.Values{"grant_type": {PreAuthorizedGrant}, "pre-authorized_code": {o.PreAuthorizedCode}}
	if o.TxCode != nil {
		form.Set("tx_code", txCode)
	}
	var headers http.Header
	useDPoP := dpopKey != nil && slices.Contains(sm.DPoPAlgs, string(dpopKey.Algorithm()))
	if useDPoP {
		proof, err := dpop.NewProof(ctx, dpopKey, http.MethodPost, sm.TokenEndpoint, "", c.now())
		if err != nil {
			return nil, err
		}
		headers = http.Header{"DPoP": {proof}}
	}
	var out struct {
		AccessToken          string `json:"access_token"`
		TokenType            string `json:"token_type"`
		ExpiresIn            int    `json:"expires_in"`
		AuthorizationDetails []struct {
			Type                      string   `json:"type"`
			CredentialConfigurationID string   `json:"credential_configuration_id"`
			CredentialIdentifiers     []string `json:"credential_identifiers"`
		} `json:"authorization_details"`
	}
	if err := c.post(ctx, sm.TokenEndpoint, "application/x-www-form-urlencoded", []byte(form.Encode()), headers, &out); err != nil {
		return nil, err
	}
	t := &Token{AccessToken: out.AccessToken, Type: out.TokenType, ExpiresIn: out.ExpiresIn}
	switch {
	case t.AccessToken == "":
		return nil, &Error{Endpoint: sm.TokenEndpoint, Status: 200, Description: "the token response has no access_token"}
	case strings.EqualFold(t.Type, "DPoP") && useDPoP:
		t.Type, t.DPoP = "DPoP", dpopKey
	case strings.EqualFold(t.Type, "Bearer"):
		t.Type = "Bearer"
	default:
		return nil, &Error{Endpoint: sm.TokenEndpoint, Status: 200, Description: fmt.Sprintf("the token type %q is not one this wallet asked for", out.TokenType)}
	}
	for _, d := range out.AuthorizationDetails {
		if d.Type == "openid_credential" && d.CredentialConfigurationID != "" {
			if t.CredentialIdentifiers == nil {
				t.CredentialIdentifiers = map[string][]string{}
			}
			t.CredentialIdentifiers[d.CredentialConfigurationID] = append(t.CredentialIdentifiers[d.CredentialConfigurationID], d.CredentialIdentifiers...)
		}
	}
	return t, nil
}

// Nonce fetches a fresh c_nonce from the nonce endpoint (§7).
func (c *Client) Nonce(ctx context.Context, md *IssuerMetadata) (string, error) {
	if md.NonceEndpoint == "" {
		return "", nil
	}
	var out struct {
		CNonce string `json:"c_nonce"`
	}
	if err := c.post(ctx, md.NonceEndpoint, "", nil, nil, &out); err != nil {
		return "", err
	}
	if out.CNonce == "" {
		return "", &Error{Endpoint: md.NonceEndpoint, Status: 200, Description: "the nonce response has no c_nonce"}
	}
	return out.CNonce, nil
}

// Proof makes a JWT key proof (Appendix F.1): typ openid4vci-proof+jwt,
// the holder's public key as jwk, aud the credential issuer, iat now, and
// the nonce when there is one. No iss: the pre-authorized flow here is
// anonymous (§F.1).
func Proof(ctx context.Context, holder Signer, issuer, nonce string, now time.Time) (string, error) {
	jwk := holder.Public().JWK()
	delete(jwk, "kid")
	claims := map[string]any{"aud": issuer, "iat": now.Unix()}
	if nonce != "" {
		claims["nonce"] = nonce
	}
	payload, err := jsonx.Marshal(claims)
	if err != nil {
		return "", err
	}
	return jws.Sign(ctx, noKID{holder}, map[string]any{"typ": ProofType, "jwk": jwk}, payload)
}

// noKID hides a signer's key id: a proof names its key by jwk alone.
type noKID struct{ Signer }

func (noKID) KeyID() string { return "" }

// Credential requests the credentials of one configuration with one key
// proof per holder (§8.2): a batch when there are several, each credential
// bound to its own key. It returns the credentials as the issuer sent them
// (§8.3), whose order need not follow the holders'. An invalid_nonce
// answer is retried once with a fresh nonce (§8.3.1.2).
func (c *Client) Credential(ctx context.Context, md *IssuerMetadata, t *Token, configID string, holders []Signer) ([]string, error) {
	if len(holders) == 0 || len(holders) > md.BatchSize {
		return nil, fmt.Errorf("oid4vci: %d holder keys; the issuer takes 1 to %d per request", len(holders), md.BatchSize)
	}
	if _, ok := md.Configurations[configID]; !ok {
		return nil, fmt.Errorf("%w: %s is not a configuration of %s", ErrOffer, configID, md.CredentialIssuer)
	}
	for attempt := 0; ; attempt++ {
		nonce, err := c.Nonce(ctx, md)
		if err != nil {
			return nil, err
		}
		proofs := make([]any, len(holders))
		for i, h := range holders {
			if proofs[i], err = Proof(ctx, h, md.CredentialIssuer, nonce, c.now()); err != nil {
				return nil, fmt.Errorf("oid4vci: key proof: %w", err)
			}
		}
		req := map[string]any{"proofs": map[string]any{"jwt": proofs}}
		if ids := t.CredentialIdentifiers[configID]; len(ids) > 0 {
			req["credential_identifier"] = ids[0]
		} else {
			req["credential_configuration_id"] = configID
		}
		body, err := json.Marshal(req)
		if err != nil {
			return nil, err
		}
		headers := http.Header{"Authorization": {t.Type + " " + t.AccessToken}}
		if t.DPoP != nil {
			proof, err := dpop.NewProof(ctx, t.DPoP, http.MethodPost, md.CredentialEndpoint, t.AccessToken, c.now())
			if err != nil {
				return nil, err
			}
			headers.Set("DPoP", proof)
		}
		var out struct {
			Credentials []struct {
				Credential any `json:"credential"`
			} `json:"credentials"`
			TransactionID string `json:"transaction_id"`
		}
		err = c.post(ctx, md.CredentialEndpoint, "application/json", body, headers, &out)
		var e *Error
		if errors.As(err, &e) && e.Code == "invalid_nonce" && attempt == 0 {
			continue
		}
		if err != nil {
			return nil, err
		}
		if out.TransactionID != "" {
			return nil, &Error{Endpoint: md.CredentialEndpoint, Description: "the issuer deferred the issuance (transaction_id); this wallet does not support deferred issuance"}
		}
		var creds []string
		for i, c := range out.Credentials {
			s, ok := c.Credential.(string)
			if !ok || s == "" {
				return nil, &Error{Endpoint: md.CredentialEndpoint, Description: fmt.Sprintf("credentials[%d] is not a string", i)}
			}
			creds = append(creds, s)
		}
		if len(creds) != len(holders) {
			return nil, &Error{Endpoint: md.CredentialEndpoint, Description: fmt.Sprintf("%d credentials for %d key proofs", len(creds), len(holders))}
		}
		return creds, nil
	}
}

// get fetches u, expecting mediaType.
func (c *Client) get(ctx context.Context, u, mediaType string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", mediaType)
	body, status, err := c.do(req)
	if err != nil {
		return nil, err
	}
	if status != http.StatusOK {
		return nil, errorFrom(u, status, body)
	}
	return body, nil
}

// post sends body and decodes a 200 JSON answer into out; an error answer
// becomes an *Error with the issuer's code.
func (c *Client) post(ctx context.Context, u, contentType string, body []byte, headers http.Header, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return err
	}
	for k, v := range headers {
		req.Header[k] = v
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Accept", "application/json")
	b, status, err := c.do(req)
	if err != nil {
		return err
	}
	if status != http.StatusOK {
		return errorFrom(u, status, b)
	}
	if _, err := jsonx.ParseObject(b); err != nil {
		return &Error{Endpoint: u, Status: status, Description: "the answer is not a JSON object: " + err.Error()}
	}
	if err := json.Unmarshal(b, out); err != nil {
		return &Error{Endpoint: u, Status: status, Description: "the answer: " + err.Error()}
	}
	return nil
}

func (c *Client) do(req *http.Request) ([]byte, int, error) {
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, 0, &Error{Endpoint: req.URL.String(), Description: err.Error()}
	}
	defer resp.Body.Close()
	b, err := safehttp.ReadLimited(resp, maxResponseBytes)
	if err != nil {
		return nil, resp.StatusCode, &Error{Endpoint: req.URL.String(), Status: resp.StatusCode, Description: err.Error()}
	}
	if resp.StatusCode == http.StatusOK {
		mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
		if mt != "application/json" {
			return nil, resp.StatusCode, &Error{Endpoint: req.URL.String(), Status: resp.StatusCode, Description: fmt.Sprintf("the answer is %q, not application/json", mt)}
		}
	}
	return b, resp.StatusCode, nil
}

// errorFrom reads an OAuth error answer.
func errorFrom(u string, status int, body []byte) error {
	e := &Error{Endpoint: u, Status: status}
	if m, err := jsonx.ParseObject(body); err == nil {
		e.Code, _ = m["error"].(string)
		e.Description, _ = m["error_description"].(string)
	}
	if len(e.Description) > 300 {
		e.Description = e.Description[:300] + "…"
	}
	return e
}

// Redeemed is what one redemption of an offer brought.
type Redeemed struct {
	Metadata        *IssuerMetadata
	ConfigurationID string
	// Credentials are as the issuer sent them, one per holder key, in no
	// particular order: match them to keys by their cnf.
	Credentials []string
	TokenType   string // "Bearer" or "DPoP"
}

// Redeem runs the pre-authorized flow for one configuration of an offer:
// metadata, token with txCode (bound to dpopKey when the server offers
// DPoP and dpopKey is not nil), nonce, and one credential per holder key.
// configID "" takes the offer's first configuration. At most the issuer's
// batch size of holder keys may be given.
func (c *Client) Redeem(ctx context.Context, o *Offer, configID, txCode string, holders []Signer, dpopKey Signer) (*Redeemed, error) {
	if configID == "" {
		configID = o.ConfigurationIDs[0]
	} else if !slices.Contains(o.ConfigurationIDs, configID) {
		return nil, fmt.Errorf("%w: %s is not offered", ErrOffer, configID)
	}
	if o.TxCode != nil {
		if err := o.TxCode.Check(txCode); err != nil {
			return nil, fmt.Errorf("oid4vci: the transaction code: %w", err)
		}
	}
	md, sm, err := c.Metadata(ctx, o.CredentialIssuer, o.AuthorizationServer)
	if err != nil {
		return nil, err
	}
	if _, ok := md.Configurations[configID]; !ok {
		return nil, fmt.Errorf("%w: the issuer's metadata has no configuration %s", ErrOffer, configID)
	}
	if len(holders) > md.BatchSize {
		holders = holders[:md.BatchSize]
	}
	tok, err := c.Token(ctx, sm, o, txCode, dpopKey)
	if err != nil {
		return nil, err
	}
	creds, err := c.Credential(ctx, md, tok, configID, holders)
	if err != nil {
		return nil, err
	}
	return &Redeemed{Metadata: md, ConfigurationID: configID, Credentials: creds, TokenType: tok.Type}, nil
}
