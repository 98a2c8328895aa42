package oid4vp

import (
	"crypto/rand"
	"fmt"
	"net/url"
	"strings"

	"github.com/seoulid/seoulid/internal/b64url"
	"github.com/seoulid/seoulid/internal/jsonx"
)

// The values of request_uri_method (§5.1).
const (
	RequestURIMethodGet  = "get"
	RequestURIMethodPost = "post"
)

// maxReferenceBytes bounds the query of an Authorization Request: a
// request object by value and a few parameters.
const maxReferenceBytes = MaxRequestObjectBytes + 8<<10

// maxWalletMetadataBytes bounds the wallet_metadata of a request_uri POST.
const maxWalletMetadataBytes = 16 << 10

// RequestReference is an Authorization Request as a Wallet receives it in
// a link or a QR code: a client_id and a request object, by value
// ("request") or by reference ("request_uri", with "request_uri_method")
// (RFC 9101 §5; OpenID4VP 1.0 §5.1, §5.10). The request's other parameters
// come from the request object alone (§5.10.1: "The Wallet MUST only use
// the parameters in this Request Object").
type RequestReference struct {
	ClientID string
	// Request is the request object, by value; "" when by reference.
	Request string
	// RequestURI is where to fetch the request object; "" when by value.
	RequestURI string
	// RequestURIMethod is "get", "post" or "" (which means get, §5.1).
	RequestURIMethod string
}

// ParseRequestReference reads the query of an Authorization Request URI
// (what follows '?' in "openid4vp://?client_id=…&request_uri=…")
// strictly: each parameter once, UTF-8, and:
//
//   - client_id present, with the decentralized_identifier prefix and a
//     DID (RFC 9101 §5; §5.9.3);
//   - exactly one of request and request_uri: the prefix requires a signed
//     request (§5.9.3: "The request MUST be signed"), and JAR allows one
//     (RFC 9101 §5);
//   - request_uri an https URL (or http to a loopback address), at most
//     512 bytes (RFC 9101 §5.2 recommends it);
//   - request_uri_method only with request_uri (§5.1), and get or post
//     (§8.5: invalid_request_uri_method).
//
// Other parameters are ignored.
func ParseRequestReference(rawQuery string) (*RequestReference, error) {
	form, err := parseForm([]byte(rawQuery), maxReferenceBytes)
	if err != nil {
		return nil, refuse(ErrInvalidRequest, "the request's parameters cannot be read", err)
	}
	r := &RequestReference{
		ClientID:         form["client_id"],
		Request:          form["request"],
		RequestURI:       form["request_uri"],
		RequestURIMethod: form["request_uri_method"],
	}
	if r.ClientID == "" {
		return nil, refuse(ErrInvalidRequest, "client_id is missing (RFC 9101 §5)", nil)
	}
	if _, err := VerifierDID(r.ClientID); err != nil {
		return nil, err
	}
	_, hasRequest := form["request"]
	_, hasURI := form["request_uri"]
	_, hasMethod := form["request_uri_method"]
	switch {
	case hasRequest && hasURI:
		return nil, refuse(ErrInvalidRequest, "both request and request_uri are present (RFC 9101 §5)", nil)
	case !hasRequest && !hasURI:
		return nil, refuse(ErrInvalidRequest, "the request is not signed: neither request nor request_uri is present, and decentralized_identifier requires a signed request object (§5.9.3)", nil)
	case hasMethod && !hasURI:
		return nil, refuse(ErrInvalidRequest, "request_uri_method without request_uri (§5.1)", nil)
	case hasMethod && r.RequestURIMethod != RequestURIMethodGet && r.RequestURIMethod != RequestURIMethodPost:
		return nil, refuse(ErrInvalidRequestURIMethod, "request_uri_method "+quote(r.RequestURIMethod)+" is neither get nor post (§5.1, §8.5)", nil)
	}
	if hasRequest && strings.Count(r.Request, ".") != 2 {
		return nil, refuse(ErrInvalidRequestObject, "request is not a compact JWS", nil)
	}
	if hasURI {
		if err := checkRequestURI(r.RequestURI); err != nil {
			return nil, err
		}
	}
	return r, nil
}

func checkRequestURI(s string) error {
	if len(s) > 512 {
		return refuse(ErrInvalidRequest, "request_uri is longer than 512 bytes (RFC 9101 §5.2)", nil)
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.User != nil || u.Fragment != "" || strings.Contains(s, "#") ||
		!(u.Scheme == "https" || u.Scheme == "http" && isLoopback(u.Hostname())) {
		return refuse(ErrInvalidRequest, "request_uri "+quote(s)+" is not an https URL without user information or fragment", nil)
	}
	return nil
}

// Encode writes the reference as a URI query, for a link or a QR code.
func (r *RequestReference) Encode() string {
	v := url.Values{"client_id": {r.ClientID}}
	if r.Request != "" {
		v.Set("request", r.Request)
	}
	if r.RequestURI != "" {
		v.Set("request_uri", r.RequestURI)
	}
	if r.RequestURIMethod != "" {
		v.Set("request_uri_method", r.RequestURIMethod)
	}
	return v.Encode()
}

// RequestURIPost is the body a Wallet posts to a request_uri when
// request_uri_method is post (§5.10): its metadata and a nonce the
// Verifier must put in the request object.
type RequestURIPost struct {
	// WalletMetadata holds the Wallet's metadata (§10); nil for none.
	WalletMetadata map[string]any
	// WalletNonce is a fresh random value (NewWalletNonce); "" for none.
	WalletNonce string
}

// Encode writes the body, application/x-www-form-urlencoded (§5.10).
func (p *RequestURIPost) Encode() (string, error) {
	v := url.Values{}
	if p.WalletMetadata != nil {
		b, err := jsonx.Marshal(p.WalletMetadata)
		if err != nil {
			return "", fmt.Errorf("oid4vp: wallet_metadata: %w", err)
		}
		v.Set("wallet_metadata", string(b))
	}
	if p.WalletNonce != "" {
		v.Set("wallet_nonce", p.WalletNonce)
	}
	return v.Encode(), nil
}

// ParseRequestURIPost reads the body of a POST to a request_uri (§5.10)
// strictly: each parameter once, UTF-8, wallet_metadata a JSON object of
// at most 16 KiB without duplicate members, wallet_nonce of URL-safe
// characters. Other parameters are ignored (§5.10: "The Verifier MUST
// ignore any unrecognized parameters"). Refusals are *Error with
// invalid_request.
func ParseRequestURIPost(body []byte) (*RequestURIPost, error) {
	form, err := parseForm(body, maxWalletMetadataBytes+4<<10)
	if err != nil {
		return nil, refuse(ErrInvalidRequest, "the body cannot be read", err)
	}
	p := &RequestURIPost{WalletNonce: form["wallet_nonce"]}
	if _, ok := form["wallet_nonce"]; ok && (p.WalletNonce == "" || !urlSafe(p.WalletNonce)) {
		return nil, refuse(ErrInvalidRequest, "wallet_nonce is empty or has characters other than letters, digits, '-', '.', '_' and '~'", nil)
	}
	if s, ok := form["wallet_metadata"]; ok {
		m, err := jsonx.ParseObjectWithLimits([]byte(s), jsonx.Limits{MaxBytes: maxWalletMetadataBytes, MaxDepth: 8})
		if err != nil {
			return nil, refuse(ErrInvalidRequest, "wallet_metadata is not a JSON object (§5.10)", err)
		}
		p.WalletMetadata = m
	}
	return p, nil
}

// randomValue is n random bytes, base64url: URL-safe characters only.
func randomValue(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("oid4vp: %w", err)
	}
	return b64url.Encode(b), nil
}

// NewNonce returns a fresh nonce for a request: 256 random bits, base64url
// (§5.2; §13.3 asks for at least 16 bytes).
func NewNonce() (string, error) { return randomValue(32) }

// NewState returns a fresh state for a request: 256 random bits, base64url
// (§5.3 asks for at least 128).
func NewState() (string, error) { return randomValue(32) }

// NewWalletNonce returns a fresh wallet_nonce: 128 random bits, base64url
// (§5.10).
func NewWalletNonce() (string, error) { return randomValue(16) }
