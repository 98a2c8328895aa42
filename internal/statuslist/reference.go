package statuslist

import (
	"errors"
	"fmt"
	"math"
	"net/url"
	"strings"

	"github.com/seoulid/seoulid/internal/jsonx"
)

// ErrInvalidReference is wrapped by every error of ParseReference: the
// credential's "status" claim does not point into a status list, and the
// credential must be refused (§8.3 step 1).
var ErrInvalidReference = errors.New("statuslist: invalid status reference")

// Reference is the "status_list" member of a Referenced Token's "status"
// claim (§6.2): the entry Index of the Status List Token whose "sub" is URI.
type Reference struct {
	Index int
	URI   string
}

// ParseReference reads the "status" claim of a Referenced Token (§6.2), as
// package jsonx parses it: an object with a "status_list" object whose
// "idx" is a non-negative integer and whose "uri" is a URI. Other members
// of either object (other status mechanisms, §6.1) are ignored.
//
// The URI must be a URI of RFC 3986 §3 — a scheme, only the characters
// RFC 3986 allows, well-formed percent-escapes — and may have any scheme:
// §6.2 asks for "a URI conforming to RFC3986", and the token it names is
// signed, so its integrity does not rest on https (§11). A relative
// reference is refused. Which schemes to fetch is the fetcher's policy.
//
// It does not check that the index is inside the list: Token.Claims().List.Get
// does, once the token is fetched (§8.3 step 6).
func ParseReference(status any) (Reference, error) {
	obj, ok := status.(map[string]any)
	if !ok {
		return Reference{}, fmt.Errorf(`%w: the "status" claim is %s, not an object (§6.2)`, ErrInvalidReference, jsonx.Describe(status))
	}
	slv, ok := obj["status_list"]
	if !ok {
		return Reference{}, fmt.Errorf(`%w: the "status" claim has no "status_list" (§6.2)`, ErrInvalidReference)
	}
	sl, ok := slv.(map[string]any)
	if !ok {
		return Reference{}, fmt.Errorf(`%w: "status.status_list" is %s, not an object (§6.2)`, ErrInvalidReference, jsonx.Describe(slv))
	}
	iv, ok := sl["idx"]
	if !ok {
		return Reference{}, fmt.Errorf(`%w: "status.status_list" has no "idx" (§6.2)`, ErrInvalidReference)
	}
	idx, isInt := jsonx.Int64(iv)
	if !isInt || idx < 0 || uint64(idx) > math.MaxInt {
		return Reference{}, fmt.Errorf(`%w: "status.status_list.idx" is %s, not a non-negative integer (§6.2)`, ErrInvalidReference, describe(iv))
	}
	uv, ok := sl["uri"]
	if !ok {
		return Reference{}, fmt.Errorf(`%w: "status.status_list" has no "uri" (§6.2)`, ErrInvalidReference)
	}
	uri, ok := uv.(string)
	if !ok {
		return Reference{}, fmt.Errorf(`%w: "status.status_list.uri" is %s, not a string (§6.2)`, ErrInvalidReference, jsonx.Describe(uv))
	}
	if err := checkURI(uri); err != nil {
		return Reference{}, fmt.Errorf(`%w: "status.status_list.uri" %s: %w`, ErrInvalidReference, quote(uri), err)
	}
	return Reference{Index: int(idx), URI: uri}, nil
}

// checkURI accepts a URI of RFC 3986 §3 (with a scheme; a fragment is
// allowed) and refuses relative references and characters RFC 3986 does
// not allow, which url.Parse lets through.
func checkURI(s string) error {
	if s == "" {
		return errors.New("is empty")
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == '%':
			if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
				return fmt.Errorf("has a malformed percent-escape at byte %d (RFC 3986 §2.1)", i)
			}
		case strings.IndexByte("-._~:/?#[]@!$&'()*+,;=", c) >= 0: // unreserved and reserved (RFC 3986 §2.2, §2.3)
		default:
			return fmt.Errorf("has %q at byte %d, which RFC 3986 does not allow", c, i)
		}
	}
	u, err := url.Parse(s)
	if err != nil {
		return errors.New("is not a URI (RFC 3986)")
	}
	if u.Scheme == "" {
		return errors.New("has no scheme: it is a relative reference, not a URI (RFC 3986 §4.1)")
	}
	return nil
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// Claim is the "status" claim that points at r (§6.2), to put in a
// Referenced Token: {"status_list": {"idx": Index, "uri": URI}}.
func (r Reference) Claim() map[string]any {
	return map[string]any{"status_list": map[string]any{"idx": r.Index, "uri": r.URI}}
}
