package dcql

import (
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"slices"
	"strings"

	"github.com/seoulid/seoulid/internal/jsonx"
	"github.com/seoulid/seoulid/internal/sdjwt"
)

// Credential Format Identifiers of OpenID4VP 1.0 Appendix B whose "meta"
// this package knows. Queries may name other formats: they are passed
// through, their "meta" kept as parsed and not checked.
const (
	FormatSDJWTVC = "dc+sd-jwt"   // IETF SD-JWT VC (B.3.1)
	FormatMdoc    = "mso_mdoc"    // ISO mdoc (B.2)
	FormatJWTVC   = "jwt_vc_json" // W3C VC signed as a JWT (B.1.3.1)
	FormatLDPVC   = "ldp_vc"      // W3C VC with Data Integrity (B.1.3.2)
)

// MaxQueryBytes bounds the JSON of a query Parse accepts: a request object
// that carries a query is itself bounded by a few tens of KiB.
const MaxQueryBytes = 64 << 10

// maxDepth bounds the nesting of a query: its own structure needs 5
// levels (query, credentials, credential query, claims, claims query,
// path); unknown members may nest somewhat deeper.
const maxDepth = 16

// Query is a DCQL query (§6).
type Query struct {
	// Credentials are the Credential Queries; at least one.
	Credentials []CredentialQuery `json:"credentials"`
	// CredentialSets, when present, say which combinations of Credentials
	// answer the query (§6.2, §6.4.2); nil means all of Credentials.
	CredentialSets []CredentialSetQuery `json:"credential_sets,omitempty"`
}

// CredentialQuery asks for one or more presentations of a credential (§6.1).
type CredentialQuery struct {
	// ID names the query in the response and in credential_sets:
	// alphanumerics, '_' and '-', unique in the query.
	ID string `json:"id"`
	// Format is a Credential Format Identifier (Appendix B).
	Format string `json:"format"`
	// Multiple allows more than one presentation in the response; false,
	// the default, means exactly one.
	Multiple bool `json:"multiple,omitempty"`
	// Meta constrains the credential's metadata, per format. Required on
	// the wire; the zero value is the empty object (no constraint), which
	// dc+sd-jwt, mso_mdoc and the W3C formats do not allow.
	Meta Meta `json:"meta"`
	// TrustedAuthorities, when present, are the authorities the Verifier
	// accepts issuers certified by (§6.1.1).
	TrustedAuthorities []TrustedAuthority `json:"trusted_authorities,omitempty"`
	// RequireCryptographicHolderBinding is whether the Verifier requires a
	// proof of holder binding; nil means the default, true. Use
	// HolderBindingRequired.
	RequireCryptographicHolderBinding *bool `json:"require_cryptographic_holder_binding,omitempty"`
	// Claims are the claims asked for; nil asks for none that is
	// selectively disclosable (§6.4.1).
	Claims []ClaimsQuery `json:"claims,omitempty"`
	// ClaimSets are alternative combinations of Claims by id, the most
	// preferred first (§6.4.1); nil means all of Claims.
	ClaimSets [][]string `json:"claim_sets,omitempty"`
}

// HolderBindingRequired says whether a presentation for this query must
// carry a proof of cryptographic holder binding (§6.1: true unless
// require_cryptographic_holder_binding is false).
func (c *CredentialQuery) HolderBindingRequired() bool {
	return c.RequireCryptographicHolderBinding == nil || *c.RequireCryptographicHolderBinding
}

// Meta is the "meta" object of a Credential Query: the member its format
// defines, and the others as parsed.
type Meta struct {
	// VCTValues are the acceptable "vct" of a dc+sd-jwt credential
	// (B.3.5); required, non-empty, for that format.
	VCTValues []string
	// DoctypeValue is the doctype of an mso_mdoc credential (B.2.3);
	// required for that format.
	DoctypeValue string
	// TypeValues are alternative sets of types of a W3C credential
	// (B.1.1); required, non-empty, for jwt_vc_json and ldp_vc.
	TypeValues [][]string
	// Other holds the members this package does not interpret for the
	// query's format, as jsonx parsed them. They are written back as they
	// are.
	Other map[string]any
}

// IsEmpty reports whether the meta object has no member: no constraint.
func (m *Meta) IsEmpty() bool {
	return m.VCTValues == nil && m.DoctypeValue == "" && m.TypeValues == nil && len(m.Other) == 0
}

// MarshalJSON writes the meta object: Other's members, and the typed ones
// that are set.
func (m Meta) MarshalJSON() ([]byte, error) {
	out := make(map[string]any, len(m.Other)+1)
	for k, v := range m.Other {
		out[k] = v
	}
	if m.VCTValues != nil {
		out["vct_values"] = m.VCTValues
	}
	if m.DoctypeValue != "" {
		out["doctype_value"] = m.DoctypeValue
	}
	if m.TypeValues != nil {
		tv := make([]any, len(m.TypeValues))
		for i, t := range m.TypeValues {
			tv[i] = t
		}
		out["type_values"] = tv
	}
	return jsonx.Marshal(out)
}

// TrustedAuthority is a Trusted Authorities Query (§6.1.1).
type TrustedAuthority struct {
	// Type is "aki", "etsi_tl", "openid_federation" or another type.
	Type string `json:"type"`
	// Values identify authorities of that type; at least one.
	Values []string `json:"values"`
}

// ClaimsQuery asks for one claim (§6.3).
type ClaimsQuery struct {
	// ID names the claim in claim_sets; required when the Credential Query
	// has claim_sets.
	ID string `json:"id,omitempty"`
	// Path is the claims path pointer (§7).
	Path sdjwt.Path `json:"path"`
	// Values, when present, are the values the claim must have: strings,
	// integers (json.Number or Go integers) and booleans.
	Values []any `json:"values,omitempty"`
	// IntentToRetain is the mso_mdoc parameter of B.2.4.
	IntentToRetain *bool `json:"intent_to_retain,omitempty"`
}

// CredentialSetQuery says which combinations of Credential Queries satisfy
// one use case (§6.2).
type CredentialSetQuery struct {
	// Options are the alternatives, each a list of Credential Query ids.
	Options [][]string `json:"options"`
	// Required is whether the set must be satisfied; nil means the
	// default, true. Use IsRequired.
	Required *bool `json:"required,omitempty"`
	// Purpose is the "purpose" member of drafts before 1.0 (a string or an
	// object), which 1.0 dropped. It is kept, never checked, for a consent
	// screen that wants to show it; the Verifier's registered purpose is
	// what counts.
	Purpose any `json:"purpose,omitempty"`
}

// IsRequired says whether the set must be satisfied (§6.2: true unless
// required is false).
func (s *CredentialSetQuery) IsRequired() bool { return s.Required == nil || *s.Required }

// CredentialQuery returns the Credential Query with the given id, or nil.
func (q *Query) CredentialQuery(id string) *CredentialQuery {
	for i := range q.Credentials {
		if q.Credentials[i].ID == id {
			return &q.Credentials[i]
		}
	}
	return nil
}

// Parse reads a DCQL query strictly (see the package documentation) and
// validates it. Every error wraps ErrInvalidQuery.
func Parse(data []byte) (*Query, error) {
	v, err := jsonx.ParseWithLimits(data, jsonx.Limits{MaxBytes: MaxQueryBytes, MaxDepth: maxDepth})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidQuery, err)
	}
	return ParseValue(v)
}

// ParseValue reads a DCQL query from JSON already parsed by jsonx — a
// member of a request object, say — with the checks of Parse: nesting at
// most as deep, the members, the validation. The byte limit is the
// enclosing document's to keep. Reading the value as it is saves writing
// it out again and parsing it a second time. Every error wraps
// ErrInvalidQuery.
func ParseValue(v any) (*Query, error) {
	if nesting(v, 0) > maxDepth {
		return nil, fmt.Errorf("%w: nested deeper than %d", ErrInvalidQuery, maxDepth)
	}
	var d decoder
	q := d.query(v)
	if len(d.problems) > 0 {
		return nil, &QueryError{Problems: d.problems}
	}
	if err := q.Validate(); err != nil {
		return nil, err
	}
	return q, nil
}

// nesting is how deep objects and arrays nest in v, counted as jsonx
// counts it (a scalar 0, {} 1); it stops counting past maxDepth.
func nesting(v any, depth int) int {
	if depth > maxDepth {
		return depth
	}
	deepest := depth
	switch t := v.(type) {
	case map[string]any:
		deepest = depth + 1
		for _, e := range t {
			deepest = max(deepest, nesting(e, depth+1))
		}
	case []any:
		deepest = depth + 1
		for _, e := range t {
			deepest = max(deepest, nesting(e, depth+1))
		}
	}
	return deepest
}

// UnmarshalJSON is Parse, so that a Query inside a larger document is read
// as strictly as on its own.
func (q *Query) UnmarshalJSON(data []byte) error {
	p, err := Parse(data)
	if err != nil {
		return err
	}
	*q = *p
	return nil
}

// decoder turns parsed JSON into a Query, noting every member of the wrong
// JSON type rather than stopping at the first.
type decoder struct {
	problems []Problem
}

func (d *decoder) bad(where, format string, args ...any) {
	d.problems = append(d.problems, Problem{Where: where, Msg: fmt.Sprintf(format, args...)})
}

func (d *decoder) object(v any, where string) (map[string]any, bool) {
	m, ok := v.(map[string]any)
	if !ok {
		d.bad(where, "is %s, not an object", jsonx.Describe(v))
	}
	return m, ok
}

func (d *decoder) array(v any, where string) ([]any, bool) {
	a, ok := v.([]any)
	if !ok {
		d.bad(where, "is %s, not an array", jsonx.Describe(v))
	}
	return a, ok
}

func (d *decoder) str(v any, where string) (string, bool) {
	s, ok := v.(string)
	if !ok {
		d.bad(where, "is %s, not a string", jsonx.Describe(v))
	}
	return s, ok
}

func (d *decoder) boolean(v any, where string) *bool {
	b, ok := v.(bool)
	if !ok {
		d.bad(where, "is %s, not a boolean", jsonx.Describe(v))
		return nil
	}
	return &b
}

// strings reads an array of strings. The result is never nil when the
// input is an array, so that an empty array stays distinguishable from an
// absent one.
func (d *decoder) strings(v any, where string) []string {
	a, ok := d.array(v, where)
	if !ok {
		return nil
	}
	out := make([]string, 0, len(a))
	for i, e := range a {
		if s, ok := d.str(e, fmt.Sprintf("%s[%d]", where, i)); ok {
			out = append(out, s)
		}
	}
	return out
}

func (d *decoder) stringLists(v any, where string) [][]string {
	a, ok := d.array(v, where)
	if !ok {
		return nil
	}
	out := make([][]string, 0, len(a))
	for i, e := range a {
		if s := d.strings(e, fmt.Sprintf("%s[%d]", where, i)); s != nil {
			out = append(out, s)
		}
	}
	return out
}

func (d *decoder) query(v any) *Query {
	m, ok := d.object(v, "")
	if !ok {
		return nil
	}
	q := &Query{}
	// §6: "credentials": REQUIRED.
	if cv, ok := m["credentials"]; !ok {
		d.bad("", `"credentials" is missing (§6)`)
	} else if a, ok := d.array(cv, "credentials"); ok {
		q.Credentials = make([]CredentialQuery, 0, len(a))
		for i, e := range a {
			q.Credentials = append(q.Credentials, d.credentialQuery(e, fmt.Sprintf("credentials[%d]", i)))
		}
	}
	if sv, ok := m["credential_sets"]; ok {
		if a, ok := d.array(sv, "credential_sets"); ok {
			q.CredentialSets = make([]CredentialSetQuery, 0, len(a))
			for i, e := range a {
				q.CredentialSets = append(q.CredentialSets, d.credentialSet(e, fmt.Sprintf("credential_sets[%d]", i)))
			}
		}
	}
	return q
}

func (d *decoder) credentialQuery(v any, where string) CredentialQuery {
	var c CredentialQuery
	m, ok := d.object(v, where)
	if !ok {
		return c
	}
	at := func(name string) string { return where + "." + name }
	// §6.1: id, format and meta are REQUIRED.
	for _, name := range []string{"id", "format", "meta"} {
		if _, ok := m[name]; !ok {
			d.bad(where, "%q is missing (§6.1)", name)
		}
	}
	if v, ok := m["id"]; ok {
		c.ID, _ = d.str(v, at("id"))
	}
	if v, ok := m["format"]; ok {
		c.Format, _ = d.str(v, at("format"))
	}
	if v, ok := m["multiple"]; ok {
		if b := d.boolean(v, at("multiple")); b != nil {
			c.Multiple = *b
		}
	}
	if v, ok := m["meta"]; ok {
		if mm, ok := d.object(v, at("meta")); ok {
			c.Meta = d.meta(mm, c.Format, at("meta"))
		}
	}
	if v, ok := m["trusted_authorities"]; ok {
		if a, ok := d.array(v, at("trusted_authorities")); ok {
			c.TrustedAuthorities = make([]TrustedAuthority, 0, len(a))
			for i, e := range a {
				c.TrustedAuthorities = append(c.TrustedAuthorities, d.trustedAuthority(e, fmt.Sprintf("%s[%d]", at("trusted_authorities"), i)))
			}
		}
	}
	if v, ok := m["require_cryptographic_holder_binding"]; ok {
		c.RequireCryptographicHolderBinding = d.boolean(v, at("require_cryptographic_holder_binding"))
	}
	if v, ok := m["claims"]; ok {
		if a, ok := d.array(v, at("claims")); ok {
			c.Claims = make([]ClaimsQuery, 0, len(a))
			for i, e := range a {
				c.Claims = append(c.Claims, d.claimsQuery(e, c.Format, fmt.Sprintf("%s[%d]", at("claims"), i)))
			}
		}
	}
	if v, ok := m["claim_sets"]; ok {
		c.ClaimSets = d.stringLists(v, at("claim_sets"))
	}
	return c
}

// meta reads the member the format defines (Appendix B) and keeps the
// others as they are: for another format they are unknown properties.
func (d *decoder) meta(m map[string]any, format, where string) Meta {
	var out Meta
	for name, v := range m {
		switch {
		case name == "vct_values" && format == FormatSDJWTVC:
			out.VCTValues = d.strings(v, where+".vct_values")
		case name == "doctype_value" && format == FormatMdoc:
			out.DoctypeValue, _ = d.str(v, where+".doctype_value")
		case name == "type_values" && (format == FormatJWTVC || format == FormatLDPVC):
			out.TypeValues = d.stringLists(v, where+".type_values")
		default:
			if out.Other == nil {
				out.Other = make(map[string]any)
			}
			out.Other[name] = v
		}
	}
	return out
}

func (d *decoder) trustedAuthority(v any, where string) TrustedAuthority {
	var t TrustedAuthority
	m, ok := d.object(v, where)
	if !ok {
		return t
	}
	// §6.1.1: type and values are REQUIRED.
	if tv, ok := m["type"]; !ok {
		d.bad(where, `"type" is missing (§6.1.1)`)
	} else {
		t.Type, _ = d.str(tv, where+".type")
	}
	if vv, ok := m["values"]; !ok {
		d.bad(where, `"values" is missing (§6.1.1)`)
	} else {
		t.Values = d.strings(vv, where+".values")
	}
	return t
}

func (d *decoder) claimsQuery(v any, format, where string) ClaimsQuery {
	var c ClaimsQuery
	m, ok := d.object(v, where)
	if !ok {
		return c
	}
	if iv, ok := m["id"]; ok {
		if s, ok := d.str(iv, where+".id"); ok {
			if s == "" {
				// Kept apart from an absent id, which is allowed.
				d.bad(where+".id", "is empty (§6.3)")
			}
			c.ID = s
		}
	}
	// §6.3: path is REQUIRED.
	if pv, ok := m["path"]; !ok {
		d.bad(where, `"path" is missing (§6.3)`)
	} else {
		c.Path = d.path(pv, where+".path")
	}
	if vv, ok := m["values"]; ok {
		if a, ok := d.array(vv, where+".values"); ok {
			c.Values = a
		}
	}
	if format == FormatMdoc {
		if rv, ok := m["intent_to_retain"]; ok {
			c.IntentToRetain = d.boolean(rv, where+".intent_to_retain")
		}
	}
	return c
}

// path reads a claims path pointer (§7): a non-empty array of strings,
// nulls and non-negative integers.
func (d *decoder) path(v any, where string) sdjwt.Path {
	a, ok := d.array(v, where)
	if !ok {
		return nil
	}
	if len(a) == 0 {
		d.bad(where, "is empty; a claims path pointer has at least one element (§7)")
		return nil
	}
	if len(a) > sdjwt.MaxPathElements {
		d.bad(where, "has %d elements, more than %d", len(a), sdjwt.MaxPathElements)
		return nil
	}
	p := make(sdjwt.Path, len(a))
	for i, e := range a {
		switch x := e.(type) {
		case string, nil:
			p[i] = x
		default:
			n, ok := jsonx.Int64(e)
			if !ok || n < 0 || n > math.MaxInt32 {
				d.bad(fmt.Sprintf("%s[%d]", where, i), "is %s, not a string, null or a non-negative integer (§7)", jsonx.Describe(e))
				return nil
			}
			p[i] = int(n)
		}
	}
	return p
}

func (d *decoder) credentialSet(v any, where string) CredentialSetQuery {
	var s CredentialSetQuery
	m, ok := d.object(v, where)
	if !ok {
		return s
	}
	// §6.2: options is REQUIRED.
	if ov, ok := m["options"]; !ok {
		d.bad(where, `"options" is missing (§6.2)`)
	} else {
		s.Options = d.stringLists(ov, where+".options")
	}
	if rv, ok := m["required"]; ok {
		s.Required = d.boolean(rv, where+".required")
	}
	if pv, ok := m["purpose"]; ok {
		s.Purpose = pv
	}
	return s
}

// Validate checks every rule of OpenID4VP 1.0 §6, §7 and Appendix B that a
// query can break, and returns a *QueryError listing all the problems
// found, or nil. Queries built in Go are checked with it before they are
// sent; Parse calls it.
//
// What it checks, with the sections that state each rule:
//
//   - §6: "credentials" is a non-empty array; "credential_sets", when
//     present, too.
//   - §6.1: each Credential Query has an id of alphanumerics, '_' and '-',
//     unique in the query; a format; "claims", when present, non-empty and
//     never pointing at the same claim twice; "claim_sets", when present,
//     non-empty, only with "claims" (§6.4.1), each of its ids that of a
//     Claims Query.
//   - §6.1.1: each Trusted Authorities Query has a type and a non-empty
//     array of non-empty values; the array itself is non-empty.
//   - §6.2: each Credential Set Query has a non-empty "options", each option
//     a non-empty list of ids of Credential Queries.
//   - §6.3: each Claims Query has a path; an id, required when its
//     Credential Query has claim_sets, made of the same characters as a
//     Credential Query's and unique within its "claims"; "values", when
//     present, a non-empty array of strings, integers and booleans.
//   - §7: a path is a non-empty array of strings, nulls and non-negative
//     integers; for mso_mdoc exactly two strings (§7.2.1 step 1).
//   - Appendix B: "meta" of dc+sd-jwt has a non-empty "vct_values" of type
//     identifiers (B.3.5); of mso_mdoc a "doctype_value" (B.2.3); of
//     jwt_vc_json and ldp_vc a non-empty "type_values" of non-empty arrays
//     (B.1.1). A member typed here for one format is refused in the query
//     of another.
func (q *Query) Validate() error {
	var v validator
	v.query(q)
	if len(v.problems) > 0 {
		return &QueryError{Problems: v.problems}
	}
	return nil
}

type validator struct {
	problems []Problem
}

func (v *validator) bad(where, format string, args ...any) {
	v.problems = append(v.problems, Problem{Where: where, Msg: fmt.Sprintf(format, args...)})
}

// validID: "a non-empty string consisting of alphanumeric, underscore (_),
// or hyphen (-) characters" (§6.1 for Credential Queries, §6.3 for Claims
// Queries).
func validID(s string) bool {
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

func (v *validator) query(q *Query) {
	if q == nil {
		v.bad("", "no query")
		return
	}
	// §6: credentials is a non-empty array.
	if len(q.Credentials) == 0 {
		v.bad("credentials", "is empty; a query asks for at least one credential (§6)")
	}
	ids := make(map[string]bool, len(q.Credentials))
	for i := range q.Credentials {
		c := &q.Credentials[i]
		where := fmt.Sprintf("credentials[%d]", i)
		v.credentialQuery(c, where)
		// §6.1: "the same id MUST NOT be present more than once".
		if c.ID != "" && ids[c.ID] {
			v.bad(where+".id", "%s is the id of an earlier credential query; ids are unique (§6.1)", quote(c.ID))
		}
		ids[c.ID] = true
	}
	// §6: credential_sets, when present, is a non-empty array.
	if q.CredentialSets != nil && len(q.CredentialSets) == 0 {
		v.bad("credential_sets", "is empty; when present it has at least one credential set query (§6)")
	}
	for i := range q.CredentialSets {
		s := &q.CredentialSets[i]
		where := fmt.Sprintf("credential_sets[%d]", i)
		// §6.2: options is a non-empty array of non-empty arrays of ids of
		// elements of credentials.
		if len(s.Options) == 0 {
			v.bad(where+".options", "is empty; a credential set has at least one option (§6.2)")
		}
		for j, opt := range s.Options {
			ow := fmt.Sprintf("%s.options[%d]", where, j)
			if len(opt) == 0 {
				v.bad(ow, "is empty; an option names at least one credential query (§6.2)")
			}
			for k, id := range opt {
				if !ids[id] || id == "" {
					v.bad(fmt.Sprintf("%s[%d]", ow, k), "%s is not the id of a credential query (§6.2)", quote(id))
				}
			}
		}
	}
}

func (v *validator) credentialQuery(c *CredentialQuery, where string) {
	at := func(name string) string { return where + "." + name }
	if !validID(c.ID) {
		v.bad(at("id"), "%s is not a non-empty string of alphanumerics, '_' and '-' (§6.1)", quote(c.ID))
	}
	if c.Format == "" {
		v.bad(at("format"), "is empty; a credential query names a format (§6.1)")
	}
	v.meta(&c.Meta, c.Format, at("meta"))

	// §6.1.1.
	if c.TrustedAuthorities != nil && len(c.TrustedAuthorities) == 0 {
		v.bad(at("trusted_authorities"), "is empty; when present it has at least one entry (§6.1)")
	}
	for i, t := range c.TrustedAuthorities {
		tw := fmt.Sprintf("%s[%d]", at("trusted_authorities"), i)
		if t.Type == "" {
			v.bad(tw+".type", "is empty (§6.1.1)")
		}
		if len(t.Values) == 0 {
			v.bad(tw+".values", "is empty; it has at least one value (§6.1.1)")
		}
		for j, s := range t.Values {
			if s == "" {
				v.bad(fmt.Sprintf("%s.values[%d]", tw, j), "is empty (§6.1.1)")
			}
		}
	}

	// §6.1: claims, when present, is a non-empty array.
	if c.Claims != nil && len(c.Claims) == 0 {
		v.bad(at("claims"), "is empty; when present it names at least one claim (§6.1)")
	}
	claimIDs := make(map[string]bool, len(c.Claims))
	for i := range c.Claims {
		cl := &c.Claims[i]
		cw := fmt.Sprintf("%s[%d]", at("claims"), i)
		switch {
		case cl.ID == "" && c.ClaimSets != nil:
			// §6.3: id is REQUIRED if claim_sets is present.
			v.bad(cw+".id", "is missing, and claim_sets needs it (§6.3)")
		case cl.ID != "" && !validID(cl.ID):
			v.bad(cw+".id", "%s is not a string of alphanumerics, '_' and '-' (§6.3)", quote(cl.ID))
		case cl.ID != "" && claimIDs[cl.ID]:
			// §6.3: "the same id MUST NOT be present more than once".
			v.bad(cw+".id", "%s is the id of an earlier claim of this credential query (§6.3)", quote(cl.ID))
		}
		if cl.ID != "" {
			claimIDs[cl.ID] = true
		}
		if err := checkPath(cl.Path); err != "" {
			v.bad(cw+".path", "%s", err)
		} else if c.Format == FormatMdoc && !mdocPath(cl.Path) {
			v.bad(cw+".path", "%s is not two strings, a namespace and a data element, as mso_mdoc needs (§7.2.1)", pathString(cl.Path))
		}
		// §6.1: "Verifiers MUST NOT point to the same claim more than once
		// in a single query."
		for j := range i {
			if pathEqual(c.Claims[j].Path, cl.Path) && len(cl.Path) > 0 {
				v.bad(cw+".path", "%s is also the path of claims[%d]; a query points at a claim once (§6.1)", pathString(cl.Path), j)
				break
			}
		}
		// §6.3: values is a non-empty array of strings, integers or
		// booleans.
		if cl.Values != nil && len(cl.Values) == 0 {
			v.bad(cw+".values", "is empty; when present it has at least one value (§6.3)")
		}
		for j, val := range cl.Values {
			if !validValue(val) {
				v.bad(fmt.Sprintf("%s.values[%d]", cw, j), "is %s, not a string, an integer or a boolean (§6.3)", describeValue(val))
			}
		}
		if cl.IntentToRetain != nil && c.Format != FormatMdoc {
			v.bad(cw+".intent_to_retain", "is a parameter of mso_mdoc only (B.2.4)")
		}
	}

	// §6.1, §6.4.1: claim_sets.
	if c.ClaimSets != nil {
		if len(c.ClaimSets) == 0 {
			v.bad(at("claim_sets"), "is empty; when present it has at least one option (§6.1)")
		}
		if c.Claims == nil {
			v.bad(at("claim_sets"), "is present without claims (§6.4.1)")
		}
		for i, set := range c.ClaimSets {
			for j, id := range set {
				if !claimIDs[id] || id == "" {
					v.bad(fmt.Sprintf("%s[%d][%d]", at("claim_sets"), i, j), "%s is not the id of a claim of this credential query (§6.1)", quote(id))
				}
			}
		}
	}
}

// meta checks the member each known format requires (Appendix B) and
// refuses typed members on a format they do not belong to.
func (v *validator) meta(m *Meta, format, where string) {
	if m.VCTValues != nil && format != FormatSDJWTVC {
		v.bad(where+".vct_values", "is a member of %s only (B.3.5)", FormatSDJWTVC)
	}
	if m.DoctypeValue != "" && format != FormatMdoc {
		v.bad(where+".doctype_value", "is a member of %s only (B.2.3)", FormatMdoc)
	}
	if m.TypeValues != nil && format != FormatJWTVC && format != FormatLDPVC {
		v.bad(where+".type_values", "is a member of %s and %s only (B.1.1)", FormatJWTVC, FormatLDPVC)
	}
	switch format {
	case FormatSDJWTVC:
		// B.3.5: vct_values is REQUIRED, a non-empty array of type
		// identifiers (SD-JWT VC: a StringOrURI, RFC 7519 §2).
		if len(m.VCTValues) == 0 {
			v.bad(where+".vct_values", "is missing or empty; %s needs at least one type (B.3.5)", FormatSDJWTVC)
		}
		for i, t := range m.VCTValues {
			if !validType(t) {
				v.bad(fmt.Sprintf("%s.vct_values[%d]", where, i), "%s is not a type identifier: a non-empty string that is a URI when it contains ':' (B.3.5)", quote(t))
			}
		}
	case FormatMdoc:
		// B.2.3: doctype_value is REQUIRED.
		if m.DoctypeValue == "" {
			v.bad(where+".doctype_value", "is missing or empty; %s needs a doctype (B.2.3)", FormatMdoc)
		}
	case FormatJWTVC, FormatLDPVC:
		// B.1.1: type_values is REQUIRED, a non-empty array of non-empty
		// arrays of types.
		if len(m.TypeValues) == 0 {
			v.bad(where+".type_values", "is missing or empty; %s needs at least one set of types (B.1.1)", format)
		}
		for i, set := range m.TypeValues {
			if len(set) == 0 {
				v.bad(fmt.Sprintf("%s.type_values[%d]", where, i), "is empty (B.1.1)")
			}
			for j, t := range set {
				if t == "" {
					v.bad(fmt.Sprintf("%s.type_values[%d][%d]", where, i, j), "is empty (B.1.1)")
				}
			}
		}
	}
}

// validType: an SD-JWT VC "vct" is a StringOrURI (RFC 7519 §2): any string,
// but a URI when it contains ':'.
func validType(s string) bool {
	if s == "" {
		return false
	}
	if !strings.Contains(s, ":") {
		return true
	}
	u, err := url.Parse(s)
	return err == nil && u.Scheme != ""
}

// checkPath returns what is wrong with a claims path pointer (§7), or "".
func checkPath(p sdjwt.Path) string {
	if len(p) == 0 {
		return "is empty; a claims path pointer has at least one element (§7)"
	}
	if len(p) > sdjwt.MaxPathElements {
		return fmt.Sprintf("has %d elements, more than %d", len(p), sdjwt.MaxPathElements)
	}
	for i, e := range p {
		switch x := e.(type) {
		case string, nil:
		case int:
			if x < 0 {
				return fmt.Sprintf("element %d is negative (§7)", i)
			}
		default:
			return fmt.Sprintf("element %d is a %T, not a string, nil or a non-negative int (§7)", i, e)
		}
	}
	return ""
}

// mdocPath: "exactly two components", both strings (§7.2.1 step 1).
func mdocPath(p sdjwt.Path) bool {
	if len(p) != 2 {
		return false
	}
	_, ok1 := p[0].(string)
	_, ok2 := p[1].(string)
	return ok1 && ok2
}

func pathEqual(a, b sdjwt.Path) bool {
	return slices.EqualFunc(a, b, func(x, y any) bool { return x == y })
}

// validValue: a string, an integer or a boolean (§6.3).
func validValue(v any) bool {
	switch v.(type) {
	case string, bool:
		return true
	case json.Number, int, int64, int32, float64:
		_, ok := jsonx.Int64(v)
		return ok
	}
	return false
}

func describeValue(v any) string {
	if _, ok := jsonx.Float64(v); ok {
		return "a number with a fraction or out of range"
	}
	return jsonx.Describe(v)
}
