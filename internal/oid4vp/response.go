package oid4vp

import (
	"crypto/subtle"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/seoulid/seoulid/internal/jsonx"
)

// MaxResponseBytes bounds an Authorization Response: a direct_post body,
// or the JWE of direct_post.jwt. A handful of SD-JWT VCs with their
// Disclosures and KB-JWTs take a few tens of KiB.
const MaxResponseBytes = 1 << 20

// maxResponseDepth bounds the nesting of a response: vp_token, its arrays,
// and presentations that are objects (ldp_vc) with some depth of their own.
const maxResponseDepth = 24

// VPToken is the vp_token (§8.1): for each Credential Query id, the
// presentations that answer it, each a string (dc+sd-jwt, jwt_vc_json,
// mso_mdoc) or a JSON object (ldp_vc), as the format says (Appendix B).
type VPToken map[string][]any

// Strings returns the presentations for a Credential Query id that are
// strings, as those of dc+sd-jwt are; it fails if any is not.
func (t VPToken) Strings(id string) ([]string, error) {
	out := make([]string, 0, len(t[id]))
	for i, p := range t[id] {
		s, ok := p.(string)
		if !ok {
			return nil, fmt.Errorf("%w: vp_token %s presentation %d is %s, not a string", ErrInvalidResponse, quote(id), i, jsonx.Describe(p))
		}
		out = append(out, s)
	}
	return out, nil
}

// AuthorizationResponse is a successful response to a vp_token request
// (§8.1): the vp_token and the request's state.
type AuthorizationResponse struct {
	VPToken VPToken
	// State is the request's state, "" when it had none.
	State string
}

// CheckState compares the response's state with the request's, in
// constant time (§5.3, §14.3.2). want "" means the request had none, and
// the response must have none either.
func (r *AuthorizationResponse) CheckState(want string) error {
	if subtle.ConstantTimeCompare([]byte(r.State), []byte(want)) != 1 {
		return fmt.Errorf("%w: state is not that of the request", ErrInvalidResponse)
	}
	return nil
}

// validate checks the form of §8.1: vp_token keys that can be Credential
// Query ids (§6.1), each with an array of one or more presentations,
// strings that are not empty or objects; a state of URL-safe characters
// (§5.2).
func (r *AuthorizationResponse) validate() error {
	if r.VPToken == nil {
		return fmt.Errorf("%w: vp_token is missing (§8.1)", ErrInvalidResponse)
	}
	for id, ps := range r.VPToken {
		if !validQueryID(id) {
			return fmt.Errorf("%w: vp_token key %s is not a Credential Query id (§8.1, §6.1)", ErrInvalidResponse, quote(id))
		}
		if len(ps) == 0 {
			return fmt.Errorf("%w: vp_token %s has no presentation; it holds one or more (§8.1)", ErrInvalidResponse, quote(id))
		}
		for i, p := range ps {
			switch x := p.(type) {
			case string:
				if x == "" {
					return fmt.Errorf("%w: vp_token %s presentation %d is empty", ErrInvalidResponse, quote(id), i)
				}
			case map[string]any:
			default:
				return fmt.Errorf("%w: vp_token %s presentation %d is %s, not a string or an object (§8.1)", ErrInvalidResponse, quote(id), i, jsonx.Describe(p))
			}
		}
	}
	if r.State != "" && !urlSafe(r.State) {
		return fmt.Errorf("%w: state has characters other than letters, digits, '-', '.', '_' and '~' (§5.2)", ErrInvalidResponse)
	}
	return nil
}

// validQueryID: alphanumerics, '_' and '-' (§6.1).
func validQueryID(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

func (t VPToken) value() map[string]any {
	m := make(map[string]any, len(t))
	for id, ps := range t {
		m[id] = ps
	}
	return m
}

// marshal writes the response's parameters as one JSON object, the
// payload of an encrypted response (§8.3).
func (r *AuthorizationResponse) marshal() ([]byte, error) {
	if err := r.validate(); err != nil {
		return nil, err
	}
	m := map[string]any{"vp_token": r.VPToken.value()}
	if r.State != "" {
		m["state"] = r.State
	}
	return jsonx.Marshal(m)
}

// Encode writes the body of a direct_post response
// (application/x-www-form-urlencoded, §8.2): vp_token as its JSON, and
// state.
func (r *AuthorizationResponse) Encode() (string, error) {
	if err := r.validate(); err != nil {
		return "", err
	}
	tok, err := jsonx.Marshal(r.VPToken.value())
	if err != nil {
		return "", err
	}
	v := url.Values{"vp_token": {string(tok)}}
	if r.State != "" {
		v.Set("state", r.State)
	}
	return v.Encode(), nil
}

// ErrorResponse is an Authorization Error Response (§8.2, §8.5): what a
// Wallet sends instead of a vp_token, and, as an error, what a Verifier
// gets back from DirectPost.Open when the Wallet refused.
type ErrorResponse struct {
	Code        Code
	Description string
	// State is the request's state, "" when it had none.
	State string
}

func (e *ErrorResponse) Error() string {
	s := "oid4vp: the Wallet answered " + string(e.Code)
	if e.Description != "" {
		s += ": " + ascii(e.Description)
	}
	return s
}

// Encode writes the body of a direct_post error response (§8.2). The
// description is made to fit the wire (RFC 6749 §4.1.2.1: printable ASCII
// but '"' and '\').
func (e *ErrorResponse) Encode() string {
	v := url.Values{"error": {string(e.Code)}}
	if e.Description != "" {
		d := strings.Map(func(r rune) rune {
			if r == '"' || r == '\\' {
				return '\''
			}
			return r
		}, ascii(e.Description))
		v.Set("error_description", d)
	}
	if e.State != "" {
		v.Set("state", e.State)
	}
	return v.Encode()
}

// DirectPost is the body a Wallet posted to the response_uri (§8.2): one
// of a plain response, an encrypted one, or an error response.
type DirectPost struct {
	// Response is a direct_post response (vp_token, state).
	Response *AuthorizationResponse
	// JWE is the "response" parameter of direct_post.jwt (§8.3.1), not yet
	// decrypted: see ResponseKeyID and DecryptResponse.
	JWE string
	// Error is an error response. Under direct_post.jwt it may come
	// unencrypted (§8.3.1).
	Error *ErrorResponse
}

// ParseDirectPost reads a body posted to the response_uri strictly: at
// most MaxResponseBytes of application/x-www-form-urlencoded UTF-8 (§8.2),
// each parameter once (RFC 6749 §3.1), and exactly one of vp_token
// (§8.1), response (§8.3.1) and error (§8.5). Unknown parameters are
// ignored (§8.1: "The Client MUST ignore any unrecognized parameters").
func ParseDirectPost(body []byte) (*DirectPost, error) {
	form, err := parseForm(body, MaxResponseBytes)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidResponse, err)
	}
	_, hasToken := form["vp_token"]
	_, hasJWE := form["response"]
	_, hasError := form["error"]
	n := 0
	for _, b := range []bool{hasToken, hasJWE, hasError} {
		if b {
			n++
		}
	}
	if n != 1 {
		return nil, fmt.Errorf("%w: the body has %d of vp_token, response and error; it has one (§8.2, §8.3.1)", ErrInvalidResponse, n)
	}
	switch {
	case hasJWE:
		// §8.3.1: the parameters are inside the JWT; whatever else the
		// body holds is ignored, a state included.
		return &DirectPost{JWE: form["response"]}, nil
	case hasError:
		e := &ErrorResponse{Code: Code(form["error"]), Description: form["error_description"], State: form["state"]}
		if e.Code == "" || !nqschars(string(e.Code)) || !nqschars(e.Description) {
			return nil, fmt.Errorf("%w: error and error_description are printable ASCII without '\"' and '\\' (RFC 6749 §4.1.2.1)", ErrInvalidResponse)
		}
		if e.State != "" && !urlSafe(e.State) {
			return nil, fmt.Errorf("%w: state has characters other than letters, digits, '-', '.', '_' and '~' (§5.2)", ErrInvalidResponse)
		}
		return &DirectPost{Error: e}, nil
	}
	tok, err := jsonx.ParseWithLimits([]byte(form["vp_token"]), jsonx.Limits{MaxBytes: MaxResponseBytes, MaxDepth: maxResponseDepth})
	if err != nil {
		return nil, fmt.Errorf("%w: vp_token: %w", ErrInvalidResponse, err)
	}
	claims := map[string]any{"vp_token": tok}
	if s, ok := form["state"]; ok {
		claims["state"] = s
	}
	r, err := decodeResponse(claims)
	if err != nil {
		return nil, err
	}
	return &DirectPost{Response: r}, nil
}

// nqschars: RFC 6749 Appendix A.7 (error), A.8 (error_description):
// %x20-21 / %x23-5B / %x5D-7E.
func nqschars(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// Open returns the response of a DirectPost for a request made with the
// given response mode: the plain response of direct_post, or the decrypted
// one of direct_post.jwt (see DecryptResponse for key and encs). A response
// in the other mode is refused: a Verifier that asked for encryption does
// not take an unencrypted vp_token. A Wallet's error response is returned
// as an *ErrorResponse error, in either mode (§8.3.1).
func (p *DirectPost) Open(mode string, key *EncryptionKey, encs []string) (*AuthorizationResponse, error) {
	if p.Error != nil {
		return nil, p.Error
	}
	switch mode {
	case ResponseModeDirectPost:
		if p.Response == nil {
			return nil, fmt.Errorf("%w: an encrypted response to a direct_post request", ErrInvalidResponse)
		}
		return p.Response, nil
	case ResponseModeDirectPostJWT:
		if p.JWE == "" {
			return nil, fmt.Errorf("%w: an unencrypted vp_token to a direct_post.jwt request (§8.3.1)", ErrInvalidResponse)
		}
		return DecryptResponse(p.JWE, key, encs)
	default:
		return nil, fmt.Errorf("%w: response mode %s", ErrConfig, quote(mode))
	}
}

// decodeResponse reads response parameters from a JSON object: those of an
// error response, returned as an *ErrorResponse error, or vp_token and
// state. Other parameters are ignored (§8.1).
func decodeResponse(claims map[string]any) (*AuthorizationResponse, error) {
	str := func(name string) (string, error) {
		v, ok := claims[name]
		if !ok {
			return "", nil
		}
		s, ok := v.(string)
		if !ok {
			return "", fmt.Errorf("%w: %s is %s, not a string", ErrInvalidResponse, name, jsonx.Describe(v))
		}
		return s, nil
	}
	state, err := str("state")
	if err != nil {
		return nil, err
	}
	if _, ok := claims["error"]; ok {
		code, err := str("error")
		if err != nil {
			return nil, err
		}
		desc, err := str("error_description")
		if err != nil {
			return nil, err
		}
		if code == "" || !nqschars(code) || !nqschars(desc) || (state != "" && !urlSafe(state)) {
			return nil, fmt.Errorf("%w: a malformed error response (RFC 6749 §4.1.2.1)", ErrInvalidResponse)
		}
		return nil, &ErrorResponse{Code: Code(code), Description: desc, State: state}
	}
	tv, ok := claims["vp_token"]
	if !ok {
		return nil, fmt.Errorf("%w: vp_token is missing (§8.1)", ErrInvalidResponse)
	}
	tm, ok := tv.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%w: vp_token is %s, not a JSON object (§8.1)", ErrInvalidResponse, jsonx.Describe(tv))
	}
	r := &AuthorizationResponse{VPToken: make(VPToken, len(tm)), State: state}
	for id, v := range tm {
		a, ok := v.([]any)
		if !ok {
			return nil, fmt.Errorf("%w: vp_token %s is %s, not an array of presentations (§8.1)", ErrInvalidResponse, quote(id), jsonx.Describe(v))
		}
		r.VPToken[id] = a
	}
	if err := r.validate(); err != nil {
		return nil, err
	}
	return r, nil
}

// parseForm reads an application/x-www-form-urlencoded body strictly: at
// most limit bytes, valid escapes, UTF-8 names and values, each name once.
func parseForm(body []byte, limit int) (map[string]string, error) {
	if len(body) > limit {
		return nil, fmt.Errorf("the body is %d bytes, more than %d", len(body), limit)
	}
	vals, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, fmt.Errorf("not application/x-www-form-urlencoded: %w", err)
	}
	out := make(map[string]string, len(vals))
	names := make([]string, 0, len(vals))
	for name := range vals {
		names = append(names, name)
	}
	sort.Strings(names) // the same body always gives the same error
	for _, name := range names {
		vs := vals[name]
		if len(vs) != 1 {
			return nil, fmt.Errorf("parameter %s appears %d times; a parameter appears once (RFC 6749 §3.1)", quote(name), len(vs))
		}
		if !utf8.ValidString(name) || !utf8.ValidString(vs[0]) {
			return nil, fmt.Errorf("parameter %s is not UTF-8 (§8.2)", quote(name))
		}
		out[name] = vs[0]
	}
	return out, nil
}

// EncodeDirectPostJWT writes the body of a direct_post.jwt response: the
// encrypted response as the "response" parameter (§8.3.1).
func EncodeDirectPostJWT(jwe string) string {
	return url.Values{"response": {jwe}}.Encode()
}

// DirectPostBody makes the body a Wallet posts to the request's
// response_uri: resp with the request's state (RFC 6749 §4.1.2), encrypted
// to the Verifier under direct_post.jwt (§8.3.1), form-encoded (§8.2).
func DirectPostBody(req *AuthorizationRequest, resp *AuthorizationResponse) (string, error) {
	r := *resp
	r.State = req.State
	switch req.ResponseMode {
	case ResponseModeDirectPost:
		return r.Encode()
	case ResponseModeDirectPostJWT:
		jwe, err := EncryptResponse(&r, req.ClientMetadata)
		if err != nil {
			return "", err
		}
		return EncodeDirectPostJWT(jwe), nil
	default:
		return "", fmt.Errorf("%w: response mode %s", ErrConfig, quote(req.ResponseMode))
	}
}
