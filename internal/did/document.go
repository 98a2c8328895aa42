package did

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/seoulid/seoulid/internal/jsonx"
)

// MaxDocumentBytes is the largest DID document ParseDocument reads.
const MaxDocumentBytes = 256 << 10

// maxDocumentDepth bounds the nesting of a DID document: the deepest
// structure DID Core defines, a JWK inside a verification method embedded in
// a relationship, is five levels down; service endpoints may nest further.
const maxDocumentDepth = 16

// Document is a DID document (DID Core §5) in its JSON representation
// (§6.2). ParseDocument fills it strictly; encoding/json writes it.
//
// In a Document from ParseDocument every id and every reference is an
// absolute DID URL: relative ones such as "#key-1" have been resolved against
// ID (DID Core §3.2.2).
type Document struct {
	// Context is "@context": a string or an array of strings and objects,
	// as parsed. It is required in the JSON-LD representation only and is
	// not interpreted here.
	Context any `json:"@context,omitempty"`
	// ID is the DID of the DID subject (§5.1.1).
	ID string `json:"id"`
	// Controller lists the DIDs of the DID controllers (§5.1.2).
	Controller StringOrSet `json:"controller,omitempty"`
	// AlsoKnownAs lists other URIs of the subject (§5.1.3).
	AlsoKnownAs []string `json:"alsoKnownAs,omitempty"`
	// VerificationMethod lists the verification methods that
	// relationships may reference (§5.2).
	VerificationMethod []VerificationMethod `json:"verificationMethod,omitempty"`
	// The verification relationships (§5.3).
	Authentication       []Relationship `json:"authentication,omitempty"`
	AssertionMethod      []Relationship `json:"assertionMethod,omitempty"`
	KeyAgreement         []Relationship `json:"keyAgreement,omitempty"`
	CapabilityInvocation []Relationship `json:"capabilityInvocation,omitempty"`
	CapabilityDelegation []Relationship `json:"capabilityDelegation,omitempty"`
	// Service lists the services (§5.4).
	Service []Service `json:"service,omitempty"`
}

// VerificationMethod is a verification method (DID Core §5.2): a public key
// with an id, a type that says how to read it, and a controller.
type VerificationMethod struct {
	ID         string `json:"id"`
	Type       string `json:"type"`
	Controller string `json:"controller"`
	// PublicKeyJwk is the key as a public JWK (§5.2.1), as parsed.
	PublicKeyJwk map[string]any `json:"publicKeyJwk,omitempty"`
	// PublicKeyMultibase is the key as a multibase string (§5.2.1).
	PublicKeyMultibase string `json:"publicKeyMultibase,omitempty"`
}

// Relationship is one entry of a verification relationship (DID Core
// §5.2.2, §5.3): either a reference to a verification method, written in
// JSON as its id, or a verification method embedded in the relationship,
// written as an object, which only that relationship may use.
type Relationship struct {
	// Reference is the DID URL of a verification method listed in the
	// document's verificationMethod. It is "" when Embedded is set.
	Reference string
	// Embedded is a verification method defined in place.
	Embedded *VerificationMethod
}

// ID is the id of the verification method the entry names.
func (r Relationship) ID() string {
	if r.Embedded != nil {
		return r.Embedded.ID
	}
	return r.Reference
}

// MarshalJSON writes a reference as a string and an embedded method as an
// object.
func (r Relationship) MarshalJSON() ([]byte, error) {
	if r.Embedded != nil {
		return json.Marshal(r.Embedded)
	}
	return json.Marshal(r.Reference)
}

// UnmarshalJSON reads a string or an object, strictly (see ParseDocument).
// A relative reference stays relative: only ParseDocument knows the DID to
// resolve it against.
func (r *Relationship) UnmarshalJSON(b []byte) error {
	v, err := parseJSON(b)
	if err != nil {
		return err
	}
	rel, err := (&decoder{}).relationship(v, "relationship")
	if err != nil {
		return err
	}
	*r = rel
	return nil
}

// Service is a service of the DID subject (DID Core §5.4).
type Service struct {
	ID   string      `json:"id"`
	Type StringOrSet `json:"type"`
	// ServiceEndpoint is a URI string, an object, or an array of them, as
	// parsed.
	ServiceEndpoint any `json:"serviceEndpoint"`
}

// StringOrSet is a JSON value that DID Core allows to be either a string or
// a set of strings, such as a document's controller (§5.1.2) or a service's
// type (§5.4). It is written as a string when it has one element.
type StringOrSet []string

// MarshalJSON writes one element as a string and others as an array.
func (s StringOrSet) MarshalJSON() ([]byte, error) {
	if len(s) == 1 {
		return json.Marshal(s[0])
	}
	return json.Marshal([]string(s))
}

// UnmarshalJSON reads a string or an array of strings, strictly.
func (s *StringOrSet) UnmarshalJSON(b []byte) error {
	v, err := parseJSON(b)
	if err != nil {
		return err
	}
	ss, err := stringOrSet(v, "value")
	if err != nil {
		return err
	}
	*s = ss
	return nil
}

// RelationshipKind names a verification relationship (DID Core §5.3).
type RelationshipKind string

// The verification relationships of DID Core §5.3.
const (
	Authentication       RelationshipKind = "authentication"       // §5.3.1
	AssertionMethod      RelationshipKind = "assertionMethod"      // §5.3.2: issuing credentials
	KeyAgreement         RelationshipKind = "keyAgreement"         // §5.3.3
	CapabilityInvocation RelationshipKind = "capabilityInvocation" // §5.3.4
	CapabilityDelegation RelationshipKind = "capabilityDelegation" // §5.3.5
)

// RelationshipKinds lists every verification relationship, in the order of
// DID Core §5.3. The package itself reads its own copy, so changing this
// slice changes nothing here.
var RelationshipKinds = slices.Clone(relationshipKinds[:])

var relationshipKinds = [...]RelationshipKind{Authentication, AssertionMethod, KeyAgreement, CapabilityInvocation, CapabilityDelegation}

// Relationships returns the entries of one verification relationship, or
// nil for a kind DID Core does not define.
func (d *Document) Relationships(kind RelationshipKind) []Relationship {
	switch kind {
	case Authentication:
		return d.Authentication
	case AssertionMethod:
		return d.AssertionMethod
	case KeyAgreement:
		return d.KeyAgreement
	case CapabilityInvocation:
		return d.CapabilityInvocation
	case CapabilityDelegation:
		return d.CapabilityDelegation
	default:
		return nil
	}
}

func (d *Document) relationshipsPtr(kind RelationshipKind) *[]Relationship {
	switch kind {
	case Authentication:
		return &d.Authentication
	case AssertionMethod:
		return &d.AssertionMethod
	case KeyAgreement:
		return &d.KeyAgreement
	case CapabilityInvocation:
		return &d.CapabilityInvocation
	default:
		return &d.CapabilityDelegation
	}
}

// ParseDocument reads a DID document in the JSON representation (DID Core
// §6.2.2) and checks what DID Core §5 requires of the properties it knows:
//
//   - the input is at most MaxDocumentBytes, valid UTF-8 JSON, an object,
//     with no duplicate member names at any depth (package jsonx);
//   - "id" is present and is a DID (§5.1.1); "controller" is a DID or an
//     array of DIDs (§5.1.2); "alsoKnownAs" is an array of URIs (§5.1.3);
//   - every verification method, listed or embedded, has an "id" that is a
//     DID URL with a fragment, a "type", a "controller" that is a DID, at
//     most one of "publicKeyJwk" and "publicKeyMultibase" (§5.2.1), and no
//     private key member in its JWK (§5.2.1); no two share an id;
//   - every relationship entry is a DID URL or an embedded method (§5.2.2);
//   - every service has an "id" that is a URI, unique among services, a
//     "type" and a "serviceEndpoint" of the allowed shapes (§5.4).
//
// Relative DID URLs ("#key-1") are resolved against "id". Members DID Core
// does not define are ignored. ParseDocument does not decode keys (see
// VerificationMethod.PublicKey), does not check that references point at
// anything, and does not interpret "@context".
func ParseDocument(data []byte) (*Document, error) {
	if len(data) > MaxDocumentBytes {
		return nil, fmt.Errorf("%w: document is %d bytes, more than the limit of %d", ErrInvalidDocument, len(data), MaxDocumentBytes)
	}
	v, err := parseJSON(data)
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%w: a DID document must be a JSON object, not %s", ErrInvalidDocument, jsonx.Describe(v))
	}
	return decodeDocument(m)
}

// UnmarshalJSON makes encoding/json read a Document as ParseDocument does.
func (d *Document) UnmarshalJSON(b []byte) error {
	doc, err := ParseDocument(b)
	if err != nil {
		return err
	}
	*d = *doc
	return nil
}

// UnmarshalJSON reads a verification method strictly (see ParseDocument).
// A relative id stays relative.
func (vm *VerificationMethod) UnmarshalJSON(b []byte) error {
	v, err := parseJSON(b)
	if err != nil {
		return err
	}
	m, err := (&decoder{}).verificationMethod(v, "verification method")
	if err != nil {
		return err
	}
	*vm = m
	return nil
}

// UnmarshalJSON reads a service strictly (see ParseDocument). A relative id
// stays relative.
func (s *Service) UnmarshalJSON(b []byte) error {
	v, err := parseJSON(b)
	if err != nil {
		return err
	}
	svc, err := (&decoder{}).service(v, "service")
	if err != nil {
		return err
	}
	*s = svc
	return nil
}

func parseJSON(data []byte) (any, error) {
	v, err := jsonx.ParseWithLimits(data, jsonx.Limits{MaxBytes: MaxDocumentBytes, MaxDepth: maxDocumentDepth})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidDocument, err)
	}
	return v, nil
}

func docErr(path, format string, args ...any) error {
	return fmt.Errorf("%w: %s %s", ErrInvalidDocument, path, fmt.Sprintf(format, args...))
}

func docErrWrap(path string, err error) error {
	return fmt.Errorf("%w: %s: %w", ErrInvalidDocument, path, err)
}

// decoder turns the values jsonx parsed into the typed document. base is
// the document's DID, against which relative DID URLs are resolved; when it
// is zero (a method or service decoded on its own), relative URLs are
// checked and kept as written.
type decoder struct {
	base DID
}

func decodeDocument(m map[string]any) (*Document, error) {
	var doc Document
	idv, ok := m["id"]
	if !ok {
		return nil, docErr("id", "is missing")
	}
	id, err := asString(idv, "id")
	if err != nil {
		return nil, err
	}
	base, err := Parse(id)
	if err != nil {
		return nil, docErrWrap("id", err)
	}
	doc.ID = id
	dec := &decoder{base: base}

	if v, ok := m["@context"]; ok {
		if err := checkContext(v); err != nil {
			return nil, err
		}
		doc.Context = v
	}
	if v, ok := m["controller"]; ok {
		cs, err := stringOrSet(v, "controller")
		if err != nil {
			return nil, err
		}
		for i, c := range cs {
			if _, err := Parse(c); err != nil {
				return nil, docErrWrap(fmt.Sprintf("controller[%d]", i), err)
			}
		}
		doc.Controller = cs
	}
	if v, ok := m["alsoKnownAs"]; ok {
		a, err := asArray(v, "alsoKnownAs")
		if err != nil {
			return nil, err
		}
		for i, e := range a {
			path := fmt.Sprintf("alsoKnownAs[%d]", i)
			s, err := asString(e, path)
			if err != nil {
				return nil, err
			}
			if err := checkURI(s, path); err != nil {
				return nil, err
			}
			doc.AlsoKnownAs = append(doc.AlsoKnownAs, s)
		}
	}

	seen := make(map[string]string) // verification method id -> where it is
	if v, ok := m["verificationMethod"]; ok {
		a, err := asArray(v, "verificationMethod")
		if err != nil {
			return nil, err
		}
		for i, e := range a {
			path := fmt.Sprintf("verificationMethod[%d]", i)
			vm, err := dec.verificationMethod(e, path)
			if err != nil {
				return nil, err
			}
			if err := noDuplicate(seen, vm.ID, path); err != nil {
				return nil, err
			}
			doc.VerificationMethod = append(doc.VerificationMethod, vm)
		}
	}
	for _, kind := range relationshipKinds {
		v, ok := m[string(kind)]
		if !ok {
			continue
		}
		a, err := asArray(v, string(kind))
		if err != nil {
			return nil, err
		}
		list := doc.relationshipsPtr(kind)
		for i, e := range a {
			path := fmt.Sprintf("%s[%d]", kind, i)
			r, err := dec.relationship(e, path)
			if err != nil {
				return nil, err
			}
			if r.Embedded != nil {
				if err := noDuplicate(seen, r.Embedded.ID, path); err != nil {
					return nil, err
				}
			}
			*list = append(*list, r)
		}
	}

	if v, ok := m["service"]; ok {
		a, err := asArray(v, "service")
		if err != nil {
			return nil, err
		}
		services := make(map[string]string)
		for i, e := range a {
			path := fmt.Sprintf("service[%d]", i)
			s, err := dec.service(e, path)
			if err != nil {
				return nil, err
			}
			// §5.4: "A conforming consumer MUST produce an error if it
			// detects multiple service entries with the same id."
			if err := noDuplicate(services, s.ID, path); err != nil {
				return nil, err
			}
			doc.Service = append(doc.Service, s)
		}
	}
	return &doc, nil
}

// noDuplicate refuses a second verification method or service with the
// same id: a key id that names two keys would let the document say one
// thing to one reader and another to the next.
func noDuplicate(seen map[string]string, id, path string) error {
	if first, dup := seen[id]; dup {
		return docErr(path, "has id %s, already used by %s", quote(id), first)
	}
	seen[id] = path
	return nil
}

func checkContext(v any) error {
	switch c := v.(type) {
	case string:
		return nil
	case []any:
		for i, e := range c {
			switch e.(type) {
			case string, map[string]any:
			default:
				return docErr(fmt.Sprintf("@context[%d]", i), "must be a string or an object, not %s", jsonx.Describe(e))
			}
		}
		return nil
	default:
		return docErr("@context", "must be a string or an array, not %s", jsonx.Describe(v))
	}
}

// privateJWKMembers are the JWK members of the "Private" parameter
// information class (RFC 7518 §6.2.2, §6.3.2, §6.4.1; RFC 8037 §2), which
// DID Core §5.2.1 forbids in publicKeyJwk.
var privateJWKMembers = []string{"d", "p", "q", "dp", "dq", "qi", "oth", "k"}

func (dec *decoder) verificationMethod(v any, path string) (VerificationMethod, error) {
	m, err := asObject(v, path)
	if err != nil {
		return VerificationMethod{}, err
	}
	var vm VerificationMethod
	id, err := requiredString(m, "id", path)
	if err != nil {
		return VerificationMethod{}, err
	}
	if vm.ID, err = dec.url(id, path+".id"); err != nil {
		return VerificationMethod{}, err
	}
	if !strings.Contains(vm.ID, "#") {
		return VerificationMethod{}, docErr(path+".id", "%s has no fragment; a verification method id is a DID URL with one", quote(id))
	}
	if vm.Type, err = requiredString(m, "type", path); err != nil {
		return VerificationMethod{}, err
	}
	if vm.Controller, err = requiredString(m, "controller", path); err != nil {
		return VerificationMethod{}, err
	}
	if _, err := Parse(vm.Controller); err != nil {
		return VerificationMethod{}, docErrWrap(path+".controller", err)
	}
	jwk, hasJWK := m["publicKeyJwk"]
	mb, hasMB := m["publicKeyMultibase"]
	if hasJWK && hasMB {
		// §5.2.1: "A verification method MUST NOT contain multiple
		// verification material properties for the same material."
		return VerificationMethod{}, docErr(path, "has both publicKeyJwk and publicKeyMultibase")
	}
	if hasJWK {
		j, err := asObject(jwk, path+".publicKeyJwk")
		if err != nil {
			return VerificationMethod{}, err
		}
		for _, name := range privateJWKMembers {
			if _, ok := j[name]; ok {
				return VerificationMethod{}, docErr(path+".publicKeyJwk", "has the private key member %q; a DID document must hold public keys only (DID Core §5.2.1)", name)
			}
		}
		if kty, ok := j["kty"].(string); !ok || kty == "" {
			return VerificationMethod{}, docErr(path+".publicKeyJwk", "has no \"kty\" string")
		}
		vm.PublicKeyJwk = j
	}
	if hasMB {
		s, err := asString(mb, path+".publicKeyMultibase")
		if err != nil {
			return VerificationMethod{}, err
		}
		if s == "" {
			return VerificationMethod{}, docErr(path+".publicKeyMultibase", "is empty")
		}
		vm.PublicKeyMultibase = s
	}
	return vm, nil
}

func (dec *decoder) relationship(v any, path string) (Relationship, error) {
	switch x := v.(type) {
	case string:
		ref, err := dec.url(x, path)
		if err != nil {
			return Relationship{}, err
		}
		return Relationship{Reference: ref}, nil
	case map[string]any:
		vm, err := dec.verificationMethod(x, path)
		if err != nil {
			return Relationship{}, err
		}
		return Relationship{Embedded: &vm}, nil
	default:
		return Relationship{}, docErr(path, "must be a DID URL string or a verification method object, not %s", jsonx.Describe(v))
	}
}

func (dec *decoder) service(v any, path string) (Service, error) {
	m, err := asObject(v, path)
	if err != nil {
		return Service{}, err
	}
	var s Service
	id, err := requiredString(m, "id", path)
	if err != nil {
		return Service{}, err
	}
	switch {
	case strings.HasPrefix(id, "#") || strings.HasPrefix(id, "did:"):
		if s.ID, err = dec.url(id, path+".id"); err != nil {
			return Service{}, err
		}
	default:
		if err := checkURI(id, path+".id"); err != nil {
			return Service{}, err
		}
		s.ID = id
	}
	t, ok := m["type"]
	if !ok {
		return Service{}, docErr(path+".type", "is missing")
	}
	if s.Type, err = stringOrSet(t, path+".type"); err != nil {
		return Service{}, err
	}
	if len(s.Type) == 0 {
		return Service{}, docErr(path+".type", "is empty")
	}
	for i, name := range s.Type {
		if name == "" {
			return Service{}, docErr(fmt.Sprintf("%s.type[%d]", path, i), "is empty")
		}
	}
	ep, ok := m["serviceEndpoint"]
	if !ok {
		return Service{}, docErr(path+".serviceEndpoint", "is missing")
	}
	if err := checkEndpoint(ep, path+".serviceEndpoint"); err != nil {
		return Service{}, err
	}
	s.ServiceEndpoint = ep
	return s, nil
}

// checkEndpoint checks the shapes of §5.4: a URI string, a map, or a
// non-empty set of URI strings and maps. What is inside a map is the
// service type's business.
func checkEndpoint(v any, path string) error {
	switch x := v.(type) {
	case string:
		return checkURI(x, path)
	case map[string]any:
		return nil
	case []any:
		if len(x) == 0 {
			return docErr(path, "is an empty array")
		}
		for i, e := range x {
			p := fmt.Sprintf("%s[%d]", path, i)
			switch y := e.(type) {
			case string:
				if err := checkURI(y, p); err != nil {
					return err
				}
			case map[string]any:
			default:
				return docErr(p, "must be a URI string or an object, not %s", jsonx.Describe(e))
			}
		}
		return nil
	default:
		return docErr(path, "must be a URI string, an object or an array, not %s", jsonx.Describe(v))
	}
}

// url checks a DID URL found in the document and resolves it if relative.
func (dec *decoder) url(s, path string) (string, error) {
	if dec.base.IsZero() && strings.HasPrefix(s, "#") {
		// Decoding a part on its own: check the fragment, keep it relative.
		if len(s) > MaxLength {
			return "", docErrWrap(path, invalid(s, "is %d bytes, more than the limit of %d", len(s), MaxLength))
		}
		if _, err := parseFragment(s, s[1:], 1); err != nil {
			return "", docErrWrap(path, err)
		}
		return s, nil
	}
	u, err := ResolveReference(dec.base, s)
	if err != nil {
		return "", docErrWrap(path, err)
	}
	return u.String(), nil
}

// checkURI checks that s looks like an absolute URI (RFC 3986 §3): a
// scheme, a colon, and only characters a URI may hold, with well-formed
// percent-encodings. It does not check the grammar of the parts.
func checkURI(s, path string) error {
	colon := strings.IndexByte(s, ':')
	if colon <= 0 || !isAlpha(s[0]) {
		return docErr(path, "%s is not an absolute URI (no scheme)", quote(s))
	}
	for i := 1; i < colon; i++ {
		if c := s[i]; !isAlpha(c) && !(c >= '0' && c <= '9') && c != '+' && c != '-' && c != '.' {
			return docErr(path, "%s is not an absolute URI (invalid scheme)", quote(s))
		}
	}
	for i := colon + 1; i < len(s); i++ {
		c := s[i]
		switch {
		case isPChar(c) || strings.IndexByte("/?#[]", c) >= 0:
		case c == '%' && isPctEncoded(s[i:]):
			i += 2
		default:
			return docErr(path, "%s is not a URI: invalid character %s at byte %d", quote(s), charAt(s, i), i)
		}
	}
	return nil
}

func isAlpha(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func asString(v any, path string) (string, error) {
	s, ok := v.(string)
	if !ok {
		return "", docErr(path, "must be a string, not %s", jsonx.Describe(v))
	}
	return s, nil
}

func asArray(v any, path string) ([]any, error) {
	a, ok := v.([]any)
	if !ok {
		return nil, docErr(path, "must be an array, not %s", jsonx.Describe(v))
	}
	return a, nil
}

func asObject(v any, path string) (map[string]any, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, docErr(path, "must be an object, not %s", jsonx.Describe(v))
	}
	return m, nil
}

func requiredString(m map[string]any, name, path string) (string, error) {
	v, ok := m[name]
	if !ok {
		return "", docErr(path+"."+name, "is missing")
	}
	s, err := asString(v, path+"."+name)
	if err != nil {
		return "", err
	}
	if s == "" {
		return "", docErr(path+"."+name, "is empty")
	}
	return s, nil
}

// stringOrSet reads a string or an array of strings. An empty array reads
// as nil, which is written back as an absent member.
func stringOrSet(v any, path string) (StringOrSet, error) {
	switch x := v.(type) {
	case string:
		return StringOrSet{x}, nil
	case []any:
		var out StringOrSet
		for i, e := range x {
			s, err := asString(e, fmt.Sprintf("%s[%d]", path, i))
			if err != nil {
				return nil, err
			}
			out = append(out, s)
		}
		return out, nil
	default:
		return nil, docErr(path, "must be a string or an array of strings, not %s", jsonx.Describe(v))
	}
}
