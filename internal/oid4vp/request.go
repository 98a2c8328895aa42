package oid4vp

import (
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/seoulid/seoulid/internal/dcql"
	"github.com/seoulid/seoulid/internal/did"
	"github.com/seoulid/seoulid/internal/jsonx"
)

// Values of the request parameters this package handles.
const (
	// ResponseTypeVPToken is the only response_type supported (§5.6).
	ResponseTypeVPToken = "vp_token"
	// ResponseModeDirectPost: the Wallet posts the response to
	// response_uri, form-encoded (§8.2).
	ResponseModeDirectPost = "direct_post"
	// ResponseModeDirectPostJWT: the same, encrypted to the Verifier (§8.3.1).
	ResponseModeDirectPostJWT = "direct_post.jwt"
	// RequestObjectType is the "typ" of a request object (RFC 9101 §4; §5).
	RequestObjectType = "oauth-authz-req+jwt"
	// AudienceSelfIssued is the "aud" of a request object under static
	// discovery (§5.8).
	AudienceSelfIssued = "https://self-issued.me/v2"
	// PrefixDecentralizedIdentifier is the Client Identifier Prefix of a
	// Verifier identified by a DID (§5.9.3), the only one this package
	// handles.
	PrefixDecentralizedIdentifier = "decentralized_identifier"
)

// ParamPurpose is the request parameter of the seoulid profile that names
// the Verifier's registered purpose (AuthorizationRequest.Purpose).
const ParamPurpose = "seoulid_purpose"

// maxParamBytes bounds a nonce, a state, a wallet_nonce and a URI: none
// needs more than a few hundred bytes.
const maxParamBytes = 2048

// AuthorizationRequest holds the parameters of an Authorization Request
// (§5) that this package reads and writes: a request by a Verifier
// identified by a DID, for a vp_token, posted back directly (§8.2, §8.3.1).
type AuthorizationRequest struct {
	// ClientID is "decentralized_identifier:" followed by the Verifier's
	// DID (§5.9.3). Required.
	ClientID string
	// ResponseType is "vp_token" (§5.6). Required.
	ResponseType string
	// ResponseMode is "direct_post" or "direct_post.jwt". Required (§5.2).
	ResponseMode string
	// ResponseURI is where the Wallet posts the response (§8.2): an https
	// URL, or an http URL to a loopback address. Required.
	ResponseURI string
	// Nonce binds the presentations to this request (§5.2, §14.1.2):
	// fresh, random, URL-safe characters only. Required.
	Nonce string
	// State, when set, comes back with the response (§5.2); it is required
	// when a Credential Query waives holder binding (§5.3). URL-safe
	// characters only.
	State string
	// DCQLQuery is what the Verifier asks for (§5.1, §6). Required: this
	// package does not accept scope aliases (§5.5).
	DCQLQuery *dcql.Query
	// ClientMetadata is the Verifier's metadata (§5.1). Required: with the
	// decentralized_identifier prefix, everything but the signing key comes
	// from it (§5.9.3), and vp_formats_supported with it (§11.1).
	ClientMetadata *ClientMetadata
	// Purpose is the id of the Verifier's purpose, as the seoulid trust
	// registry registers it, that the request is made for: the
	// seoulid_purpose parameter of the seoulid profile (docs/conformance.md).
	// A seoulid Wallet checks that the registry registers the Verifier for
	// this purpose and that the query asks for nothing beyond it. Optional
	// on the wire (other Verifiers leave it out; §5: unknown parameters are
	// ignored); URL-safe characters only, at most 128.
	Purpose string
	// WalletNonce echoes the Wallet's wallet_nonce from a request_uri POST
	// (§5.10); empty otherwise.
	WalletNonce string
	// Audience is the request object's "aud"; empty means
	// AudienceSelfIssued (§5.8).
	Audience string
	// IssuedAt and ExpiresAt are the request object's "iat" and "exp".
	// SignRequestObject fills a zero IssuedAt with the current time and a
	// zero ExpiresAt with DefaultRequestLifetime after it.
	IssuedAt, ExpiresAt time.Time
}

// ClientMetadata is the client_metadata parameter (§5.1): the keys to
// encrypt the response to, the content encryption it accepts, and the
// formats it takes. Other members are ignored (§5.1: "Other metadata
// parameters MUST be ignored").
type ClientMetadata struct {
	// JWKS holds the Verifier's keys for response encryption (§8.3), never
	// for verifying the request's signature (§5.1).
	JWKS *JWKS `json:"jwks,omitempty"`
	// EncryptedResponseEncValuesSupported are the JWE "enc" values it
	// accepts; empty means the default, A128GCM (§5.1, §8.3).
	EncryptedResponseEncValuesSupported []string `json:"encrypted_response_enc_values_supported,omitempty"`
	// VPFormatsSupported maps Credential Format Identifiers to their
	// parameters (§11.1; B.3.4 for dc+sd-jwt: "sd-jwt_alg_values",
	// "kb-jwt_alg_values").
	VPFormatsSupported map[string]map[string]any `json:"vp_formats_supported,omitempty"`
}

// JWKS is a JSON Web Key Set (RFC 7517 §5) of public keys, each a JWK as
// jsonx parses it.
type JWKS struct {
	Keys []map[string]any `json:"keys"`
}

// VerifierDID returns the DID of a decentralized_identifier Client
// Identifier (§5.9.3).
func VerifierDID(clientID string) (did.DID, error) {
	prefix, rest, ok := strings.Cut(clientID, ":")
	if !ok || prefix != PrefixDecentralizedIdentifier {
		// §5.9.1: the prefix is what precedes the first ':'.
		return did.DID{}, refuse(ErrInvalidRequest, "the Client Identifier Prefix of "+quote(clientID)+" is not supported; this Wallet supports "+PrefixDecentralizedIdentifier, nil)
	}
	d, err := did.Parse(rest)
	if err != nil {
		return did.DID{}, refuse(ErrInvalidRequest, "client_id "+quote(clientID)+" does not hold a DID after its prefix (§5.9.3)", err)
	}
	return d, nil
}

// ClientIDForDID is the Client Identifier of a Verifier identified by a
// DID (§5.9.3).
func ClientIDForDID(d string) string { return PrefixDecentralizedIdentifier + ":" + d }

// Validate checks the rules of §5 and §8 that a request can break without
// looking at its signature, and returns an *Error with the code §8.5
// gives, or nil:
//
//   - client_id: the decentralized_identifier prefix and a DID (§5.9.1,
//     §5.9.3);
//   - response_type vp_token (§5.6), response_mode direct_post or
//     direct_post.jwt (§5.2), response_uri an https URL without fragment,
//     or http to a loopback address (§8.2, RFC 9700 §2.1; RFC 8252 §7.3);
//   - nonce present, and nonce and state of URL-safe characters only
//     (§5.2); state present when a Credential Query waives holder binding
//     (§5.3);
//   - dcql_query present and valid (§5.1, §6);
//   - client_metadata present with vp_formats_supported (§5.9.3, §11.1);
//     each JWK with a kid unique in the set and no private member, and
//     encrypted_response_enc_values_supported non-empty when present
//     (§5.1); for direct_post.jwt, a key and an enc this package can
//     encrypt with (§8.3);
//   - B.3.4: sd-jwt_alg_values and kb-jwt_alg_values, when present,
//     non-empty arrays of strings;
//   - exp after iat;
//   - seoulid_purpose, when present, URL-safe and at most 128 characters.
func (r *AuthorizationRequest) Validate() error {
	if _, err := VerifierDID(r.ClientID); err != nil {
		return err
	}
	if r.ResponseType != ResponseTypeVPToken {
		return refuse(ErrUnsupportedResponseType, "response_type "+quote(r.ResponseType)+" is not supported; only vp_token is (§5.6)", nil)
	}
	if r.ResponseMode != ResponseModeDirectPost && r.ResponseMode != ResponseModeDirectPostJWT {
		return refuse(ErrInvalidRequest, "response_mode "+quote(r.ResponseMode)+" is not supported; direct_post and direct_post.jwt are (§8.2, §8.3.1)", nil)
	}
	if err := checkResponseURI(r.ResponseURI); err != nil {
		return err
	}
	if r.Nonce == "" {
		return refuse(ErrInvalidRequest, "nonce is missing (§5.2)", nil)
	}
	if !urlSafe(r.Nonce) {
		return refuse(ErrInvalidRequest, "nonce has characters other than letters, digits, '-', '.', '_' and '~', or is too long (§5.2)", nil)
	}
	if r.State != "" && !urlSafe(r.State) {
		return refuse(ErrInvalidRequest, "state has characters other than letters, digits, '-', '.', '_' and '~', or is too long (§5.2)", nil)
	}
	if r.Purpose != "" && (len(r.Purpose) > 128 || !urlSafe(r.Purpose)) {
		return refuse(ErrInvalidRequest, ParamPurpose+" has characters other than letters, digits, '-', '.', '_' and '~', or is longer than 128", nil)
	}
	if len(r.WalletNonce) > maxParamBytes {
		return refuse(ErrInvalidRequest, "wallet_nonce is too long", nil)
	}
	if r.DCQLQuery == nil {
		return refuse(ErrInvalidRequest, "dcql_query is missing (§5.1)", nil)
	}
	if err := r.DCQLQuery.Validate(); err != nil {
		return refuse(ErrInvalidRequest, "dcql_query: "+ascii(err.Error()), err)
	}
	if r.State == "" {
		for _, c := range r.DCQLQuery.Credentials {
			if !c.HolderBindingRequired() {
				return refuse(ErrInvalidRequest, "state is missing, and credential query "+quote(c.ID)+" waives holder binding (§5.3)", nil)
			}
		}
	}
	if err := r.ClientMetadata.validate(r.ResponseMode); err != nil {
		return err
	}
	if !r.IssuedAt.IsZero() && !r.ExpiresAt.IsZero() && !r.ExpiresAt.After(r.IssuedAt) {
		return refuse(ErrInvalidRequest, "exp is not after iat", nil)
	}
	return nil
}

// checkResponseURI: an absolute https URL (or http to a loopback host, as
// for native clients, RFC 8252 §7.3), without fragment (RFC 6749 §3.1.2,
// which §8.2 applies to response_uri).
func checkResponseURI(s string) error {
	if s == "" {
		return refuse(ErrInvalidRequest, "response_uri is missing; direct_post needs it (§8.2)", nil)
	}
	if len(s) > maxParamBytes {
		return refuse(ErrInvalidRequest, "response_uri is too long", nil)
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.Opaque != "" || u.User != nil || u.Fragment != "" || strings.Contains(s, "#") {
		return refuse(ErrInvalidRequest, "response_uri "+quote(s)+" is not an absolute URL with a host and without user information or fragment (§8.2)", nil)
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && isLoopback(u.Hostname()):
	default:
		return refuse(ErrInvalidRequest, "response_uri "+quote(s)+" is not https (§14.6), nor http to a loopback address", nil)
	}
	return nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// urlSafe: "ASCII URL safe characters (uppercase and lowercase letters,
// decimal digits, hyphen, period, underscore, and tilde)" (§5.2), and at
// most maxParamBytes of them.
func urlSafe(s string) bool {
	if len(s) > maxParamBytes {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~') {
			return false
		}
	}
	return true
}

// privateJWKMembers are the JWK members of private keys (RFC 7518 §6.2.2,
// §6.3.2, §6.4.1).
var privateJWKMembers = []string{"d", "p", "q", "dp", "dq", "qi", "oth", "k"}

func (m *ClientMetadata) validate(mode string) error {
	if m == nil {
		return refuse(ErrInvalidRequest, "client_metadata is missing; a decentralized_identifier Verifier passes its metadata there (§5.9.3)", nil)
	}
	if len(m.VPFormatsSupported) == 0 {
		return refuse(ErrInvalidRequest, "client_metadata has no vp_formats_supported (§5.1, §11.1)", nil)
	}
	for format, params := range m.VPFormatsSupported {
		if params == nil {
			return refuse(ErrInvalidRequest, "vp_formats_supported "+quote(format)+" is not an object (§11.1)", nil)
		}
		if format != dcql.FormatSDJWTVC {
			continue
		}
		// B.3.4: both OPTIONAL, non-empty arrays of algorithm identifiers.
		for _, name := range []string{"sd-jwt_alg_values", "kb-jwt_alg_values"} {
			v, ok := params[name]
			if !ok {
				continue
			}
			if s, ok := stringList(v); !ok || len(s) == 0 {
				return refuse(ErrInvalidRequest, "vp_formats_supported.dc+sd-jwt."+name+" is not a non-empty array of strings (B.3.4)", nil)
			}
		}
	}
	if m.EncryptedResponseEncValuesSupported != nil && len(m.EncryptedResponseEncValuesSupported) == 0 {
		return refuse(ErrInvalidRequest, "encrypted_response_enc_values_supported is empty (§5.1)", nil)
	}
	if m.JWKS != nil {
		if len(m.JWKS.Keys) == 0 {
			return refuse(ErrInvalidRequest, "client_metadata.jwks has no key (§5.1)", nil)
		}
		kids := make(map[string]bool, len(m.JWKS.Keys))
		for i, k := range m.JWKS.Keys {
			kid, _ := k["kid"].(string)
			if kid == "" {
				// §5.1: "Each JWK in the set MUST have a kid".
				return refuse(ErrInvalidRequest, fmt.Sprintf("client_metadata.jwks key %d has no kid (§5.1)", i), nil)
			}
			if kids[kid] {
				return refuse(ErrInvalidRequest, "client_metadata.jwks has kid "+quote(kid)+" twice; a kid identifies one key (§5.1)", nil)
			}
			kids[kid] = true
			for _, p := range privateJWKMembers {
				if _, ok := k[p]; ok {
					return refuse(ErrInvalidRequest, "client_metadata.jwks key "+quote(kid)+" has the private member "+quote(p)+" (§5.1: public keys)", nil)
				}
			}
		}
	}
	if mode == ResponseModeDirectPostJWT {
		if _, _, err := m.encryptionKey(); err != nil {
			return err
		}
		if _, err := m.contentEncryption(); err != nil {
			return err
		}
	}
	return nil
}

// stringList reads a JSON array of strings.
func stringList(v any) ([]string, bool) {
	switch a := v.(type) {
	case []string:
		return a, true
	case []any:
		out := make([]string, len(a))
		for i, e := range a {
			s, ok := e.(string)
			if !ok {
				return nil, false
			}
			out[i] = s
		}
		return out, true
	}
	return nil, false
}

// ascii makes a message fit error_description: printable ASCII, at most
// 300 bytes.
func ascii(s string) string {
	var b strings.Builder
	for _, r := range s {
		if b.Len() >= 300 {
			b.WriteString("...")
			break
		}
		if r < 0x20 || r > 0x7e {
			b.WriteByte('?')
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// decoder reads request parameters from a parsed JSON object; the first
// problem is kept as an *Error.
type decoder struct {
	m   map[string]any
	err error
}

func (d *decoder) fail(code Code, desc string, cause error) {
	if d.err == nil {
		d.err = refuse(code, desc, cause)
	}
}

// str reads an optional string parameter.
func (d *decoder) str(name string) string {
	v, ok := d.m[name]
	if !ok {
		return ""
	}
	s, ok := v.(string)
	if !ok {
		d.fail(ErrInvalidRequest, name+" is "+jsonx.Describe(v)+", not a string", nil)
	}
	return s
}

// decodeRequest reads the Authorization Request parameters of a request
// object's claims. It ignores parameters it does not know (§5: "The Wallet
// MUST ignore any unrecognized parameters"), except transaction_data,
// which it must reject when it does not support it (§5.1).
func decodeRequest(claims map[string]any) (*AuthorizationRequest, error) {
	d := &decoder{m: claims}
	r := &AuthorizationRequest{
		ClientID:     d.str("client_id"),
		ResponseType: d.str("response_type"),
		ResponseMode: d.str("response_mode"),
		ResponseURI:  d.str("response_uri"),
		Nonce:        d.str("nonce"),
		State:        d.str("state"),
		WalletNonce:  d.str("wallet_nonce"),
		Purpose:      d.str(ParamPurpose),
	}
	if d.err != nil {
		return nil, d.err
	}
	if _, ok := claims["transaction_data"]; ok {
		return nil, refuse(ErrInvalidTransactionData, "transaction_data is not supported by this Wallet (§5.1, §8.4)", nil)
	}
	if _, ok := claims["redirect_uri"]; ok {
		// §8.2: with direct_post, "the redirect_uri Authorization Request
		// parameter MUST NOT be present"; the Wallet returns invalid_request.
		return nil, refuse(ErrInvalidRequest, "redirect_uri is present; with response_uri it must not be (§8.2)", nil)
	}
	_, hasQuery := claims["dcql_query"]
	_, hasScope := claims["scope"]
	switch {
	case hasQuery && hasScope:
		return nil, refuse(ErrInvalidRequest, "both dcql_query and scope are present (§5.1, §8.5)", nil)
	case hasScope:
		return nil, refuse(ErrInvalidScope, "scope values are not accepted in place of dcql_query by this Wallet (§5.5)", nil)
	case hasQuery:
		qm, ok := claims["dcql_query"].(map[string]any)
		if !ok {
			return nil, refuse(ErrInvalidRequest, "dcql_query is "+jsonx.Describe(claims["dcql_query"])+", not an object (§5.1)", nil)
		}
		q, err := dcql.ParseValue(qm)
		if err != nil {
			return nil, refuse(ErrInvalidRequest, "dcql_query: "+ascii(err.Error()), err)
		}
		r.DCQLQuery = q
	}
	if v, ok := claims["client_metadata"]; ok {
		md, err := decodeClientMetadata(v)
		if err != nil {
			return nil, err
		}
		r.ClientMetadata = md
	}
	return r, nil
}

func decodeClientMetadata(v any) (*ClientMetadata, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, refuse(ErrInvalidRequest, "client_metadata is "+jsonx.Describe(v)+", not an object (§5.1)", nil)
	}
	md := &ClientMetadata{}
	if jv, ok := m["jwks"]; ok {
		jm, ok := jv.(map[string]any)
		if !ok {
			return nil, refuse(ErrInvalidRequest, "client_metadata.jwks is "+jsonx.Describe(jv)+", not a JWK Set (§5.1)", nil)
		}
		ka, ok := jm["keys"].([]any)
		if !ok {
			return nil, refuse(ErrInvalidRequest, "client_metadata.jwks has no array of keys (RFC 7517 §5)", nil)
		}
		md.JWKS = &JWKS{Keys: make([]map[string]any, len(ka))}
		for i, k := range ka {
			km, ok := k.(map[string]any)
			if !ok {
				return nil, refuse(ErrInvalidRequest, fmt.Sprintf("client_metadata.jwks key %d is %s, not a JWK", i, jsonx.Describe(k)), nil)
			}
			md.JWKS.Keys[i] = km
		}
	}
	if ev, ok := m["encrypted_response_enc_values_supported"]; ok {
		s, ok := stringList(ev)
		if !ok {
			return nil, refuse(ErrInvalidRequest, "encrypted_response_enc_values_supported is not an array of strings (§5.1)", nil)
		}
		md.EncryptedResponseEncValuesSupported = s
	}
	if fv, ok := m["vp_formats_supported"]; ok {
		fm, ok := fv.(map[string]any)
		if !ok {
			return nil, refuse(ErrInvalidRequest, "vp_formats_supported is "+jsonx.Describe(fv)+", not an object (§11.1)", nil)
		}
		md.VPFormatsSupported = make(map[string]map[string]any, len(fm))
		for name, pv := range fm {
			pm, ok := pv.(map[string]any)
			if !ok {
				return nil, refuse(ErrInvalidRequest, "vp_formats_supported "+quote(name)+" is "+jsonx.Describe(pv)+", not an object (§11.1)", nil)
			}
			md.VPFormatsSupported[name] = pm
		}
	}
	return md, nil
}
