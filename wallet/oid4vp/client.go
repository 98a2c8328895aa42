package oid4vp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/seoulid/seoulid/internal/jsonx"
	vp "github.com/seoulid/seoulid/internal/oid4vp"
	"github.com/seoulid/seoulid/internal/safehttp"
)

// maxAnswerBytes bounds what a verifier answers to a response.
const maxAnswerBytes = 64 << 10

// ErrRequest marks an authorization request the wallet will not act on.
var ErrRequest = errors.New("oid4vp: authorization request")

// Config tunes a Client. The zero value is a client for verifiers on the
// internet, over https only.
type Config struct {
	// HTTPClient makes the requests; nil means internal/safehttp's client,
	// which refuses private and loopback addresses unless AllowHTTP.
	HTTPClient *http.Client
	// AllowHTTP lets the default client reach loopback addresses, for a
	// city on one machine and for tests. The request's own URLs follow
	// internal/oid4vp's rules (https, or http to a loopback address).
	AllowHTTP bool
	// WalletMetadata is sent when a verifier asks for the request by POST
	// (§5.10, §10); nil sends what this wallet supports.
	WalletMetadata map[string]any
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Client is an OpenID4VP 1.0 wallet client: it fetches and verifies
// signed requests of verifiers identified by a DID and posts responses
// (direct_post, direct_post.jwt). It is safe for concurrent use.
type Client struct {
	hc       *http.Client
	resolver vp.Resolver
	cfg      Config
}

// New makes a Client that resolves verifiers' DIDs with r.
func New(r vp.Resolver, cfg Config) *Client {
	c := &Client{hc: cfg.HTTPClient, resolver: r, cfg: cfg}
	if c.hc == nil {
		c.hc = safehttp.Client(safehttp.Options{AllowPrivateNetworks: cfg.AllowHTTP})
	}
	if c.cfg.Now == nil {
		c.cfg.Now = time.Now
	}
	if c.cfg.WalletMetadata == nil {
		c.cfg.WalletMetadata = map[string]any{
			"vp_formats_supported": map[string]any{"dc+sd-jwt": map[string]any{
				"sd-jwt_alg_values": []any{"EdDSA", "ES256"}, "kb-jwt_alg_values": []any{"EdDSA", "ES256"},
			}},
			"client_id_prefixes_supported":                []any{vp.PrefixDecentralizedIdentifier},
			"request_object_signing_alg_values_supported": []any{"EdDSA", "ES256"},
		}
	}
	return c
}

// Request reads an authorization request URI (openid4vp://?client_id=…&
// request_uri=…, or any URI with that query, §5.1, §5.10), fetches the
// request object when it is by reference — GET, or POST with this wallet's
// metadata and a fresh wallet_nonce when request_uri_method is post — and
// verifies it (internal/oid4vp.ParseRequestObject: the signature by a key
// of the verifier's DID, typ, aud, expiry, client_id, the request's
// parameters). Whether the verifier may ask for what it asks is the
// wallet core's check, against the ledger.
func (c *Client) Request(ctx context.Context, uri string) (*vp.RequestObject, error) {
	u, err := url.Parse(strings.TrimSpace(uri))
	if err != nil {
		return nil, fmt.Errorf("%w: not a URI: %v", ErrRequest, err)
	}
	ref, err := vp.ParseRequestReference(u.RawQuery)
	if err != nil {
		return nil, err
	}
	token, walletNonce := ref.Request, ""
	if ref.RequestURI != "" {
		if token, walletNonce, err = c.fetch(ctx, ref); err != nil {
			return nil, err
		}
	}
	return vp.ParseRequestObject(ctx, token, ref.ClientID, c.resolver, vp.RequestOptions{Now: c.cfg.Now(), WalletNonce: walletNonce})
}

// fetch gets the request object at ref.RequestURI (RFC 9101 §5.2,
// OpenID4VP §5.10).
func (c *Client) fetch(ctx context.Context, ref *vp.RequestReference) (token, walletNonce string, err error) {
	var req *http.Request
	if strings.EqualFold(ref.RequestURIMethod, "post") {
		if walletNonce, err = vp.NewWalletNonce(); err != nil {
			return "", "", err
		}
		body, err := (&vp.RequestURIPost{WalletMetadata: c.cfg.WalletMetadata, WalletNonce: walletNonce}).Encode()
		if err != nil {
			return "", "", err
		}
		req, err = http.NewRequestWithContext(ctx, http.MethodPost, ref.RequestURI, strings.NewReader(body))
		if err != nil {
			return "", "", err
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else if req, err = http.NewRequestWithContext(ctx, http.MethodGet, ref.RequestURI, nil); err != nil {
		return "", "", err
	}
	req.Header.Set("Accept", "application/oauth-authz-req+jwt")
	resp, err := c.hc.Do(req)
	if err != nil {
		return "", "", fmt.Errorf("%w: fetching %s: %v", ErrRequest, ref.RequestURI, err)
	}
	defer resp.Body.Close()
	b, err := safehttp.ReadLimited(resp, vp.MaxRequestObjectBytes)
	if err != nil {
		return "", "", fmt.Errorf("%w: %s: %v", ErrRequest, ref.RequestURI, err)
	}
	if resp.StatusCode != http.StatusOK {
		return "", "", fmt.Errorf("%w: %s answered HTTP %d", ErrRequest, ref.RequestURI, resp.StatusCode)
	}
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt != "application/oauth-authz-req+jwt" {
		// RFC 9101 §5.2: the response is application/oauth-authz-req+jwt.
		return "", "", fmt.Errorf("%w: %s sent %q, not application/oauth-authz-req+jwt", ErrRequest, ref.RequestURI, mt)
	}
	return strings.TrimSpace(string(b)), walletNonce, nil
}

// Answer is what the verifier answered a response with (§8.2): where to
// send the citizen next, and anything else it sent, such as the signed
// acknowledgement of the seoulid profile ("receipt").
type Answer struct {
	RedirectURI string
	// Receipt is the verifier's signed acknowledgement (a JWT), "" when it
	// sent none.
	Receipt string
	Body    map[string]any
}

// Respond posts a response to the request's response_uri: form-encoded
// under direct_post, encrypted to the verifier's key under direct_post.jwt
// (§8.2, §8.3.1).
func (c *Client) Respond(ctx context.Context, req *vp.AuthorizationRequest, resp *vp.AuthorizationResponse) (*Answer, error) {
	body, err := vp.DirectPostBody(req, resp)
	if err != nil {
		return nil, err
	}
	return c.post(ctx, req.ResponseURI, body)
}

// Decline tells the verifier the wallet will not answer (an error response,
// §8.5: access_denied when the citizen or the wallet refused). The request
// may be one the wallet refused to act on; its response_uri is still the
// one the verifier signed.
func (c *Client) Decline(ctx context.Context, req *vp.AuthorizationRequest, code vp.Code, description string) error {
	e := &vp.ErrorResponse{Code: code, Description: description, State: req.State}
	_, err := c.post(ctx, req.ResponseURI, e.Encode())
	return err
}

func (c *Client) post(ctx context.Context, u, body string) (*Answer, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("oid4vp: posting to %s: %w", u, err)
	}
	defer resp.Body.Close()
	b, err := safehttp.ReadLimited(resp, maxAnswerBytes)
	if err != nil {
		return nil, fmt.Errorf("oid4vp: %s: %w", u, err)
	}
	if resp.StatusCode != http.StatusOK {
		e := &AnswerError{URL: u, Status: resp.StatusCode}
		if m, err := jsonx.ParseObject(b); err == nil {
			e.Code, _ = m["error"].(string)
			e.Description, _ = m["error_description"].(string)
		}
		return nil, e
	}
	a := &Answer{}
	if len(bytes.TrimSpace(b)) == 0 {
		return a, nil
	}
	m, err := jsonx.ParseObject(b)
	if err != nil {
		return nil, fmt.Errorf("oid4vp: %s answered something that is not a JSON object: %w", u, err)
	}
	a.Body = m
	a.RedirectURI, _ = m["redirect_uri"].(string)
	a.Receipt, _ = m["receipt"].(string)
	return a, nil
}

// AnswerError is a verifier's refusal of a response (§8.2: an HTTP error
// with an error code).
type AnswerError struct {
	URL         string
	Status      int
	Code        string
	Description string
}

func (e *AnswerError) Error() string {
	s := fmt.Sprintf("oid4vp: %s refused the response: HTTP %d", e.URL, e.Status)
	if e.Code != "" {
		s += ": " + e.Code
	}
	if e.Description != "" {
		s += ": " + e.Description
	}
	return s
}
