package oid4vci

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/seoulid/seoulid/internal/jsonx"
)

// PreAuthorizedGrant is the grant type of the pre-authorized code flow
// (OpenID4VCI 1.0 §4.1.1, §6.1).
const PreAuthorizedGrant = "urn:ietf:params:oauth:grant-type:pre-authorized_code"

// maxOfferBytes bounds a credential offer, by value or by reference.
const maxOfferBytes = 16 << 10

// ErrOffer marks a credential offer the wallet cannot use: malformed, or
// for a flow it does not support.
var ErrOffer = errors.New("oid4vci: credential offer")

// Offer is a Credential Offer (OpenID4VCI 1.0 §4.1.1) of the
// pre-authorized code flow.
type Offer struct {
	// CredentialIssuer is the Credential Issuer Identifier: an https URL
	// (http on loopback when the client allows it).
	CredentialIssuer string
	// ConfigurationIDs are the offered credential configurations, at
	// least one, none twice.
	ConfigurationIDs []string
	// PreAuthorizedCode is the code to redeem at the token endpoint.
	PreAuthorizedCode string
	// TxCode, when not nil, says the issuer sent a transaction code out of
	// band (an SMS) that the citizen must type in.
	TxCode *TxCode
	// AuthorizationServer names the authorization server to use when the
	// issuer's metadata lists several ("" otherwise).
	AuthorizationServer string
}

// TxCode describes the transaction code an offer needs (§4.1.1).
type TxCode struct {
	InputMode   string // "numeric" (default) or "text"
	Length      int    // 0 when not given
	Description string // ≤ 300 characters, shown to the citizen
}

// Check reports whether code fits the description: its length and, for
// numeric codes, digits only. The issuer has the last word.
func (t *TxCode) Check(code string) error {
	if t.Length > 0 && utf8.RuneCountInString(code) != t.Length {
		return fmt.Errorf("the code has %d characters; the issuer expects %d", utf8.RuneCountInString(code), t.Length)
	}
	if t.InputMode == "numeric" && strings.Trim(code, "0123456789") != "" {
		return errors.New("the code must be digits only")
	}
	if code == "" {
		return errors.New("no code given")
	}
	return nil
}

// OfferRef is a credential offer URI as a wallet receives it (from a QR
// code or a link): the offer itself, or where to fetch it.
type OfferRef struct {
	Offer *Offer // by value
	URI   string // by reference: credential_offer_uri
}

// ParseOfferURI reads a credential offer URI (§4.1): any scheme
// (openid-credential-offer:// is the usual one) whose query has exactly
// one of credential_offer (the offer as JSON) and credential_offer_uri
// (an https URL the offer is fetched from, or http on loopback when
// allowHTTP is set).
func ParseOfferURI(s string, allowHTTP bool) (*OfferRef, error) {
	if len(s) > 2*maxOfferBytes {
		return nil, fmt.Errorf("%w: the URI is longer than %d bytes", ErrOffer, 2*maxOfferBytes)
	}
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil {
		return nil, fmt.Errorf("%w: not a URI: %v", ErrOffer, err)
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return nil, fmt.Errorf("%w: the query: %v", ErrOffer, err)
	}
	byValue, byRef := q["credential_offer"], q["credential_offer_uri"]
	switch {
	case len(byValue)+len(byRef) == 0:
		return nil, fmt.Errorf("%w: the URI has neither credential_offer nor credential_offer_uri", ErrOffer)
	case len(byValue)+len(byRef) > 1:
		return nil, fmt.Errorf("%w: the URI must have exactly one credential_offer or credential_offer_uri", ErrOffer)
	case len(byRef) == 1:
		if err := checkURL(byRef[0], allowHTTP); err != nil {
			return nil, fmt.Errorf("%w: credential_offer_uri: %v", ErrOffer, err)
		}
		return &OfferRef{URI: byRef[0]}, nil
	}
	o, err := ParseOffer([]byte(byValue[0]), allowHTTP)
	if err != nil {
		return nil, err
	}
	return &OfferRef{Offer: o}, nil
}

// ParseOffer reads a Credential Offer object (§4.1.1) strictly: JSON with
// no member twice, a credential_issuer URL, one or more distinct
// configuration ids, and the pre-authorized code grant. An offer for the
// authorization code flow only is refused: this wallet redeems
// pre-authorized codes. Unknown members are ignored (§4.1.1).
func ParseOffer(b []byte, allowHTTP bool) (*Offer, error) {
	bad := func(format string, args ...any) (*Offer, error) {
		return nil, fmt.Errorf("%w: %s", ErrOffer, fmt.Sprintf(format, args...))
	}
	if len(b) > maxOfferBytes {
		return bad("longer than %d bytes", maxOfferBytes)
	}
	m, err := jsonx.ParseObject(b)
	if err != nil {
		return bad("not a JSON object: %v", err)
	}
	var o Offer
	iss, ok := m["credential_issuer"].(string)
	if !ok {
		return bad("credential_issuer is missing or not a string")
	}
	if err := checkURL(iss, allowHTTP); err != nil {
		return bad("credential_issuer: %v", err)
	}
	o.CredentialIssuer = iss
	ids, ok := m["credential_configuration_ids"].([]any)
	if !ok || len(ids) == 0 {
		return bad("credential_configuration_ids must be a non-empty array")
	}
	for _, v := range ids {
		id, ok := v.(string)
		if !ok || id == "" {
			return bad("credential_configuration_ids must hold non-empty strings")
		}
		if slices.Contains(o.ConfigurationIDs, id) {
			return bad("credential_configuration_ids has %q twice", id)
		}
		o.ConfigurationIDs = append(o.ConfigurationIDs, id)
	}
	grants, _ := m["grants"].(map[string]any)
	if _, present := m["grants"]; present && grants == nil {
		return bad("grants is not an object")
	}
	pre, ok := grants[PreAuthorizedGrant].(map[string]any)
	if !ok {
		if _, authz := grants["authorization_code"]; authz {
			return bad("the offer is for the authorization code flow; this wallet redeems pre-authorized codes only")
		}
		return bad("the offer has no pre-authorized code grant")
	}
	if o.PreAuthorizedCode, ok = pre["pre-authorized_code"].(string); !ok || o.PreAuthorizedCode == "" {
		return bad("pre-authorized_code is missing")
	}
	if raw, present := pre["tx_code"]; present {
		tc, ok := raw.(map[string]any)
		if !ok {
			return bad("tx_code is not an object")
		}
		o.TxCode = &TxCode{InputMode: "numeric"}
		if v, present := tc["input_mode"]; present {
			mode, _ := v.(string)
			if mode != "numeric" && mode != "text" {
				return bad(`tx_code input_mode must be "numeric" or "text"`)
			}
			o.TxCode.InputMode = mode
		}
		if v, present := tc["length"]; present {
			n, ok := jsonx.Int64(v)
			if !ok || n < 1 || n > 64 {
				return bad("tx_code length must be an integer from 1 to 64")
			}
			o.TxCode.Length = int(n)
		}
		if v, present := tc["description"]; present {
			d, ok := v.(string)
			if !ok || utf8.RuneCountInString(d) > 300 {
				return bad("tx_code description must be a string of at most 300 characters")
			}
			o.TxCode.Description = d
		}
	}
	if v, present := pre["authorization_server"]; present {
		as, ok := v.(string)
		if !ok || checkURL(as, allowHTTP) != nil {
			return bad("authorization_server must be an https URL")
		}
		o.AuthorizationServer = as
	}
	return &o, nil
}

// checkURL accepts an https URL with a host and no fragment, or an http
// one on a loopback host when allowHTTP is set.
func checkURL(s string, allowHTTP bool) error {
	u, err := url.Parse(s)
	if err != nil {
		return err
	}
	switch {
	case u.Host == "" || u.User != nil:
		return fmt.Errorf("%q is not an absolute URL with a host and no user", s)
	case u.Fragment != "" || strings.Contains(s, "#"):
		return fmt.Errorf("%q has a fragment", s)
	case u.Scheme == "https":
		return nil
	case u.Scheme == "http" && allowHTTP && loopback(u.Hostname()):
		return nil
	}
	return fmt.Errorf("%q is not https", s)
}

func loopback(host string) bool {
	return host == "localhost" || host == "127.0.0.1" || host == "::1" || strings.HasPrefix(host, "127.")
}
