package oid4vp

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/seoulid/seoulid/internal/dcql"
	"github.com/seoulid/seoulid/internal/did"
	"github.com/seoulid/seoulid/internal/jsonx"
	"github.com/seoulid/seoulid/internal/jws"
	"github.com/seoulid/seoulid/internal/keys"
)

// MaxRequestObjectBytes bounds a request object: a DCQL query, client
// metadata with a key or two, and a signature take a few KiB.
const MaxRequestObjectBytes = 64 << 10

// DefaultRequestLifetime is how long a request object SignRequestObject
// makes stays valid when the request names no expiry.
const DefaultRequestLifetime = 5 * time.Minute

// DefaultClockSkew is the tolerance on a request object's exp, nbf and
// iat when RequestOptions names none.
const DefaultClockSkew = 60 * time.Second

// Resolver resolves a DID to its document: did.LocalResolver for did:key
// and did:jwk, the registry's client for did:seoul.
type Resolver interface {
	Resolve(ctx context.Context, did string) (*did.Document, error)
}

// Signer signs request objects. keys.PrivateKey and keys.CryptoSigner
// satisfy it; its KeyID must be a DID URL of the Verifier's DID.
type Signer interface {
	Algorithm() keys.Algorithm
	KeyID() string
	Sign(ctx context.Context, signingInput []byte) ([]byte, error)
}

// RequestOptions are a Wallet's settings for ParseRequestObject. The zero
// value is the default.
type RequestOptions struct {
	// Algorithms are the acceptable "alg" values; nil means EdDSA and
	// ES256, which are also the only ones allowed.
	Algorithms []keys.Algorithm
	// Audience is the "aud" the request object must have; "" means
	// AudienceSelfIssued, that of static discovery (§5.8).
	Audience string
	// Now is the time to check exp, nbf and iat against; zero means
	// time.Now().
	Now time.Time
	// ClockSkew is the tolerance on those; zero means DefaultClockSkew.
	ClockSkew time.Duration
	// WalletNonce is the wallet_nonce the Wallet sent with its POST to the
	// request_uri (§5.10); "" when it sent none. When set, the request
	// object must carry it.
	WalletNonce string
	// Formats are the Credential Format Identifiers the Wallet presents;
	// nil means dc+sd-jwt alone.
	Formats []string
}

// RequestObject is a verified request object: the request, and the key
// that signed it.
type RequestObject struct {
	AuthorizationRequest
	// KeyID is the absolute DID URL of the verification method that signed
	// the request.
	KeyID string
	// Key is that method's public key.
	Key *keys.PublicKey
}

// ParseRequestObject verifies a request object (RFC 9101; OpenID4VP 1.0
// §5) of a Verifier whose client_id is clientID — the client_id parameter
// of the Authorization Request that carried or referenced the object — and
// returns its parameters. It applies, in order:
//
//   - clientID has the decentralized_identifier prefix and a DID (§5.9.3);
//     other prefixes are not supported (§8.5: invalid_request);
//   - the object is a compact JWS (an encrypted one is not supported) of at
//     most MaxRequestObjectBytes with "typ" oauth-authz-req+jwt (§5: "Wallets
//     MUST NOT process Request Objects where the typ Header Parameter is not
//     present or does not have the value");
//   - "kid" is a DID URL of that DID, and the DID's document, resolved with
//     r, lists it under "authentication" (§5.9.3: the key "MUST be obtained
//     from the verificationMethod property of a DID Document" and be
//     "identified by the kid in the JOSE Header"; authentication is the
//     relationship for a DID subject proving who it is, DID Core §5.3.1);
//   - "alg" on the allow-list and the signature valid (RFC 8725 §3.1);
//   - the claims: client_id identical to clientID, prefix included (§5.10.1,
//     RFC 9101 §5); no request or request_uri inside (RFC 9101 §4); "aud"
//     the expected audience (§5.8); "exp" present and not past, "nbf" and
//     "iat" not in the future (seoulid requires exp: a signed request does
//     not live for ever); the Wallet's wallet_nonce, when it sent one
//     (§5.10.1); "iss" ignored (§5);
//   - the request's parameters (AuthorizationRequest.Validate), and at
//     least one format the Wallet presents among vp_formats_supported and
//     among the DCQL query's (§8.5: vp_formats_not_supported).
//
// Every refusal is an *Error with the code of §8.5 or RFC 9101 §6.3. What
// it does not check: whether the Verifier may ask for these claims for this
// purpose (the trust registry's job), and the DID's status beyond what the
// resolver returns.
func ParseRequestObject(ctx context.Context, token, clientID string, r Resolver, opts RequestOptions) (*RequestObject, error) {
	if r == nil {
		return nil, fmt.Errorf("%w: no DID resolver", ErrConfig)
	}
	algs := opts.Algorithms
	if algs == nil {
		algs = keys.Algorithms
	}
	if len(algs) == 0 {
		return nil, fmt.Errorf("%w: an empty algorithm allow-list", ErrConfig)
	}
	for _, a := range algs {
		if _, err := keys.ParseAlgorithm(string(a)); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrConfig, err)
		}
	}
	if clientID == "" {
		return nil, refuse(ErrInvalidRequest, "client_id is missing (RFC 9101 §5)", nil)
	}
	clientDID, err := VerifierDID(clientID)
	if err != nil {
		return nil, err
	}

	bad := func(desc string, cause error) (*RequestObject, error) {
		return nil, refuse(ErrInvalidRequestObject, desc, cause)
	}
	if len(token) > MaxRequestObjectBytes {
		return bad(fmt.Sprintf("the request object is %d bytes, more than %d", len(token), MaxRequestObjectBytes), nil)
	}
	if strings.Count(token, ".") == 4 {
		return bad("the request object is encrypted, which this Wallet does not support", nil)
	}
	tok, err := jws.Parse(token, jws.Limits{MaxBytes: MaxRequestObjectBytes})
	if err != nil {
		return bad("the request object is not a well-formed JWS", err)
	}
	// RFC 7515 §4.1.9: typ is a media type, compared without case, whose
	// "application/" may be left out.
	typ := strings.TrimPrefix(strings.ToLower(tok.HeaderString("typ")), "application/")
	if typ != RequestObjectType {
		return bad("typ is "+quote(tok.HeaderString("typ"))+", not "+RequestObjectType+" (§5)", nil)
	}
	// RFC 8725 §3.1: the allow-list, before anything is looked up for a
	// token that could never pass.
	if !slices.Contains(algs, tok.Algorithm()) {
		return bad("alg "+quote(string(tok.Algorithm()))+" is not allowed", nil)
	}
	kidv, ok := tok.Header()["kid"]
	if !ok {
		return bad("the header has no kid naming the Verifier's key (§5.9.3)", nil)
	}
	kid, ok := kidv.(string)
	if !ok {
		return bad("kid is "+jsonx.Describe(kidv)+", not a DID URL", nil)
	}
	ref, err := did.ResolveReference(clientDID, kid)
	if err != nil {
		return bad("kid "+quote(kid)+" is not a DID URL", err)
	}
	// The key must be the Verifier's own: a kid into another DID would let
	// anyone with a DID sign as this client.
	if ref.DID != clientDID {
		return bad("kid "+quote(kid)+" is not a key of the client's DID "+quote(clientDID.String())+" (§5.9.3)", nil)
	}
	keyID := ref.String()
	pub, err := did.VerificationKey(ctx, r, keyID, did.Authentication)
	if err != nil {
		return nil, keyError(keyID, err)
	}
	if err := tok.Verify(pub, algs); err != nil {
		return bad("the signature does not verify with "+quote(keyID), err)
	}
	payload, err := tok.Payload()
	if err != nil {
		return bad("the request object", err)
	}
	claims, err := jsonx.ParseObjectWithLimits(payload, jsonx.Limits{MaxBytes: MaxRequestObjectBytes, MaxDepth: 24})
	if err != nil {
		return bad("the claims are not a JSON object without duplicate members", err)
	}
	if cid, _ := claims["client_id"].(string); cid != clientID {
		return bad("the client_id claim "+quote(cid)+" is not the request's client_id "+quote(clientID)+" (§5.10.1)", nil)
	}
	for _, name := range []string{"request", "request_uri"} {
		if _, ok := claims[name]; ok {
			return bad("the request object holds "+name+" (RFC 9101 §4)", nil)
		}
	}
	aud := opts.Audience
	if aud == "" {
		aud = AudienceSelfIssued
	}
	if !hasAudience(claims["aud"], aud) {
		return bad("aud is not "+quote(aud)+" (§5.8)", nil)
	}
	times, err := checkTimes(claims, opts)
	if err != nil {
		return bad(err.Error(), nil)
	}
	if opts.WalletNonce != "" {
		wn, _ := claims["wallet_nonce"].(string)
		if subtle.ConstantTimeCompare([]byte(wn), []byte(opts.WalletNonce)) != 1 {
			return bad("wallet_nonce is not the one this Wallet sent (§5.10.1)", nil)
		}
	}

	req, err := decodeRequest(claims)
	if err != nil {
		return nil, err
	}
	req.Audience = aud
	req.IssuedAt, req.ExpiresAt = times.iat, times.exp
	if err := req.Validate(); err != nil {
		return nil, err
	}
	if err := checkFormats(req, opts.Formats); err != nil {
		return nil, err
	}
	return &RequestObject{AuthorizationRequest: *req, KeyID: keyID, Key: pub}, nil
}

// keyError maps a failure to find the Verifier's key: what the DID or its
// document says is invalid_client (the client cannot be authenticated);
// anything else, such as a resolver that cannot be reached, is the
// Wallet's server_error.
func keyError(keyID string, err error) error {
	for _, e := range []error{did.ErrNotFound, did.ErrKeyNotFound, did.ErrNotAuthorized, did.ErrInvalidDocument,
		did.ErrInvalidVerificationMethod, did.ErrInvalidDID, did.ErrMethodNotSupported, keys.ErrUnsupportedKey} {
		if errors.Is(err, e) {
			return refuse(ErrInvalidClient, "the Verifier's DID document has no key "+quote(keyID)+" for authentication (§5.9.3)", err)
		}
	}
	return refuse(ErrServerError, "the Verifier's DID could not be resolved", err)
}

// hasAudience: "aud" is the expected string, or an array holding it (RFC
// 7519 §4.1.3).
func hasAudience(v any, want string) bool {
	switch a := v.(type) {
	case string:
		return a == want
	case []any:
		return slices.Contains(a, any(want))
	}
	return false
}

type requestTimes struct{ iat, exp time.Time }

// checkTimes reads exp (required), nbf and iat as NumericDates (RFC 7519
// §2) and checks them against opts.Now with opts.ClockSkew.
func checkTimes(claims map[string]any, opts RequestOptions) (requestTimes, error) {
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	skew := opts.ClockSkew
	if skew <= 0 {
		skew = DefaultClockSkew
	}
	var t requestTimes
	date := func(name string) (time.Time, bool, error) {
		v, ok := claims[name]
		if !ok {
			return time.Time{}, false, nil
		}
		f, ok := jsonx.Float64(v)
		if !ok || math.IsNaN(f) || f < 0 || f > 1e11 {
			return time.Time{}, true, fmt.Errorf("%s is %s, not a NumericDate", name, jsonx.Describe(v))
		}
		return time.Unix(int64(f), 0).UTC(), true, nil
	}
	exp, ok, err := date("exp")
	if err != nil {
		return t, err
	}
	if !ok {
		return t, errors.New("exp is missing; seoulid Wallets take only request objects that expire")
	}
	if now.After(exp.Add(skew)) {
		return t, fmt.Errorf("the request object expired at %s", exp.UTC().Format(time.RFC3339))
	}
	if nbf, ok, err := date("nbf"); err != nil {
		return t, err
	} else if ok && nbf.After(now.Add(skew)) {
		return t, fmt.Errorf("the request object is not valid before %s", nbf.UTC().Format(time.RFC3339))
	}
	iat, ok, err := date("iat")
	if err != nil {
		return t, err
	}
	if ok && iat.After(now.Add(skew)) {
		return t, fmt.Errorf("the request object was issued in the future, at %s", iat.UTC().Format(time.RFC3339))
	}
	if ok && !exp.After(iat) {
		return t, errors.New("exp is not after iat")
	}
	t.iat, t.exp = iat, exp
	return t, nil
}

// checkFormats: at least one format the Wallet presents is among the
// Verifier's vp_formats_supported and among the formats of its query
// (§8.5: "The Wallet does not support any of the formats requested by the
// Verifier").
func checkFormats(req *AuthorizationRequest, formats []string) error {
	if formats == nil {
		formats = []string{dcql.FormatSDJWTVC}
	}
	inMetadata, inQuery := false, false
	for _, f := range formats {
		if _, ok := req.ClientMetadata.VPFormatsSupported[f]; ok {
			inMetadata = true
		}
		for _, c := range req.DCQLQuery.Credentials {
			if c.Format == f {
				inQuery = true
			}
		}
	}
	if !inMetadata || !inQuery {
		return refuse(ErrVPFormatsNotSupported, "none of the formats the Verifier asks for or supports is one this Wallet presents ("+strings.Join(formats, ", ")+")", nil)
	}
	return nil
}

// SignRequestObject makes a request object of req (RFC 9101 §4; OpenID4VP
// 1.0 §5): a JWS with "typ" oauth-authz-req+jwt, signed by s, whose "kid"
// (s.KeyID()) must be an absolute DID URL of the Verifier's DID (§5.9.3).
// The claims are the request's parameters with "aud" (AudienceSelfIssued
// unless req.Audience says otherwise), "iat" and "exp" (now and now plus
// DefaultRequestLifetime when req leaves them zero). The request must pass
// Validate.
func SignRequestObject(ctx context.Context, s Signer, req *AuthorizationRequest) (string, error) {
	if s == nil {
		return "", fmt.Errorf("%w: no signer", ErrConfig)
	}
	if err := req.Validate(); err != nil {
		return "", err
	}
	if _, err := keys.ParseAlgorithm(string(s.Algorithm())); err != nil {
		return "", fmt.Errorf("%w: %w", ErrConfig, err)
	}
	clientDID, _ := VerifierDID(req.ClientID) // checked by Validate
	u, err := did.ParseURL(s.KeyID())
	if err != nil || u.DID != clientDID || u.Fragment == "" {
		return "", fmt.Errorf("%w: the signer's key id %s is not a DID URL of %s with a fragment (§5.9.3)", ErrConfig, quote(s.KeyID()), clientDID)
	}
	iat, exp := req.IssuedAt, req.ExpiresAt
	if iat.IsZero() {
		iat = time.Now()
	}
	if exp.IsZero() {
		exp = iat.Add(DefaultRequestLifetime)
	}
	if !exp.After(iat) {
		return "", refuse(ErrInvalidRequest, "exp is not after iat", nil)
	}
	aud := req.Audience
	if aud == "" {
		aud = AudienceSelfIssued
	}
	query, err := encodeShared(req.DCQLQuery)
	if err != nil {
		return "", err
	}
	md, err := encodeShared(req.ClientMetadata)
	if err != nil {
		return "", err
	}
	claims := map[string]any{
		"client_id":       req.ClientID,
		"response_type":   req.ResponseType,
		"response_mode":   req.ResponseMode,
		"response_uri":    req.ResponseURI,
		"nonce":           req.Nonce,
		"dcql_query":      query,
		"client_metadata": md,
		"aud":             aud,
		"iat":             iat.Unix(),
		"exp":             exp.Unix(),
	}
	if req.State != "" {
		claims["state"] = req.State
	}
	if req.WalletNonce != "" {
		claims["wallet_nonce"] = req.WalletNonce
	}
	if req.Purpose != "" {
		claims[ParamPurpose] = req.Purpose
	}
	payload, err := jsonx.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("oid4vp: %w", err)
	}
	return jws.Sign(ctx, s, map[string]any{"typ": RequestObjectType}, payload)
}

// shared caches the encodings of the queries and client metadata that
// SignRequestObject writes: a Verifier signs thousands of request objects
// with the same few, and encoding them each time was a quarter of signing
// one. Keys are the values' pointers, which the cache keeps alive, so an
// address is never reused while cached; the cache forgets everything when
// it holds maxShared of them.
var shared struct {
	mu sync.Mutex
	m  map[any]jsonx.Raw
}

const maxShared = 256

// encodeShared is the JSON of *v (a *dcql.Query or a *ClientMetadata,
// which must not change once a request object is signed with it),
// cached.
func encodeShared[T any](v *T) (jsonx.Raw, error) {
	shared.mu.Lock()
	b, ok := shared.m[v]
	shared.mu.Unlock()
	if ok {
		return b, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("oid4vp: %w", err)
	}
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.m == nil || len(shared.m) >= maxShared {
		shared.m = make(map[any]jsonx.Raw, maxShared)
	}
	shared.m[v] = b
	return b, nil
}
