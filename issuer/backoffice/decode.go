package backoffice

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/seoulid/seoulid/internal/jsonx"
)

// MaxBodyBytes bounds a request body: a credential's claims are a few
// kilobytes; a medication list of a hundred entries stays far below this.
const MaxBodyBytes = 256 << 10

// maxNameBytes bounds an operator's name (issuer.CreateOperator's limit).
const maxNameBytes = 100

// errRequest marks a request body that is not what the endpoint takes.
var errRequest = errors.New("invalid request")

func badRequest(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errRequest, fmt.Sprintf(format, args...))
}

// offerRequest is the body of POST /admin/v1/offers.
type offerRequest struct {
	VCT    string
	Claims map[string]any
}

// decodeOfferRequest reads {"vct": "…", "claims": {…}} strictly: one JSON
// object of at most MaxBodyBytes, no duplicate members at any depth, no
// member but these two, both present, vct a non-empty string and claims an
// object. The claims themselves are the catalogue's to check.
func decodeOfferRequest(body []byte) (*offerRequest, error) {
	m, err := decodeObject(body, "vct", "claims")
	if err != nil {
		return nil, err
	}
	vct, ok := m["vct"].(string)
	if !ok || strings.TrimSpace(vct) == "" {
		return nil, badRequest(`"vct" must be a non-empty string, not %s`, jsonx.Describe(m["vct"]))
	}
	claims, ok := m["claims"].(map[string]any)
	if !ok {
		return nil, badRequest(`"claims" must be an object, not %s`, jsonx.Describe(m["claims"]))
	}
	return &offerRequest{VCT: vct, Claims: claims}, nil
}

// decodeOperatorRequest reads {"name": "…"}: the new operator's name, 1 to
// 100 bytes of printable UTF-8 once trimmed.
func decodeOperatorRequest(body []byte) (string, error) {
	m, err := decodeObject(body, "name")
	if err != nil {
		return "", err
	}
	name, ok := m["name"].(string)
	if !ok {
		return "", badRequest(`"name" must be a string, not %s`, jsonx.Describe(m["name"]))
	}
	name = strings.TrimSpace(name)
	switch {
	case name == "" || len(name) > maxNameBytes:
		return "", badRequest(`"name" must be 1 to %d bytes`, maxNameBytes)
	case strings.ContainsFunc(name, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		return "", badRequest(`"name" must not contain control characters`)
	}
	return name, nil
}

// decodeObject parses a JSON object strictly and checks that its members
// are exactly the names given: every one present, no other.
func decodeObject(body []byte, names ...string) (map[string]any, error) {
	m, err := jsonx.ParseObjectWithLimits(body, jsonx.Limits{MaxBytes: MaxBodyBytes})
	if err != nil {
		return nil, badRequest("%v", err)
	}
	var unknown []string
	for k := range m {
		if !slices.Contains(names, k) {
			unknown = append(unknown, fmt.Sprintf("%q", k))
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		return nil, badRequest("unknown member %s (this request takes %s)", strings.Join(unknown, ", "), quoteAll(names))
	}
	for _, n := range names {
		if _, ok := m[n]; !ok {
			return nil, badRequest("%q is missing", n)
		}
	}
	return m, nil
}

func quoteAll(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, " and ")
}
