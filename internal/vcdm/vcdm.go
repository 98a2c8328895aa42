package vcdm

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
)

// ContextV2 is the first @context of every VC 2.0 document (§4.3).
const ContextV2 = "https://www.w3.org/ns/credentials/v2"

// ContextV1 is the first @context of every VC 1.1 document (VC Data
// Model 1.1 §4.1), which Check and CheckPresentation accept under 1.1's
// rules.
const ContextV1 = "https://www.w3.org/2018/credentials/v1"

// ErrInvalid is wrapped by every refusal of Check and CheckPresentation.
var ErrInvalid = errors.New("vcdm: not a valid VC Data Model 2.0 document")

func invalid(section, format string, args ...any) error {
	return fmt.Errorf("%w (VC Data Model 2.0 %s): %s", ErrInvalid, section, fmt.Sprintf(format, args...))
}

func invalid11(section, format string, args ...any) error {
	return fmt.Errorf("%w (VC Data Model 1.1 %s): %s", ErrInvalid, section, fmt.Sprintf(format, args...))
}

// IsV1 reports whether the document's first context is VC 1.1's.
func IsV1(doc map[string]any) bool {
	c, ok := doc["@context"].([]any)
	return ok && len(c) > 0 && c[0] == ContextV1
}

// isURL reports whether s is a URL in the data model's sense: absolute,
// with a scheme (a DID, a URN and an https URL all are).
func isURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && u.Scheme != "" && (u.Opaque != "" || u.Host != "" || u.Path != "") && !strings.ContainsAny(s, " \t\n")
}

// dateTimeStamp is XML Schema's dateTimeStamp: a dateTime with a time zone.
var dateTimeStamp = regexp.MustCompile(`^-?[0-9]{4,}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$`)

// parseLocalTime reads an xsd:dateTime without a time zone, as UTC.
func parseLocalTime(s string) (time.Time, bool) {
	t, err := time.Parse("2006-01-02T15:04:05.999999999", s)
	return t, err == nil
}

func parseTime(s string) (time.Time, bool) {
	if !dateTimeStamp.MatchString(s) {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	return t, err == nil
}

// asObjects returns v as a list of objects: an object alone or an array
// of objects; ok is false when v is anything else or an empty array.
func asObjects(v any) ([]map[string]any, bool) {
	switch x := v.(type) {
	case map[string]any:
		return []map[string]any{x}, true
	case []any:
		out := make([]map[string]any, 0, len(x))
		for _, e := range x {
			m, ok := e.(map[string]any)
			if !ok {
				return nil, false
			}
			out = append(out, m)
		}
		return out, len(out) > 0
	}
	return nil, false
}

// types returns the value of "type" as a list of strings.
func types(v any) ([]string, bool) {
	switch x := v.(type) {
	case string:
		return []string{x}, x != ""
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			s, ok := e.(string)
			if !ok || s == "" {
				return nil, false
			}
			out = append(out, s)
		}
		return out, len(out) > 0
	}
	return nil, false
}

// HasType reports whether the document's type (a string or an array of
// strings) includes want.
func HasType(m map[string]any, want string) bool {
	ts, ok := types(m["type"])
	if !ok {
		return false
	}
	for _, t := range ts {
		if t == want {
			return true
		}
	}
	return false
}

// HasContext reports whether the document's @context (a URL or an array)
// includes the context url.
func HasContext(m map[string]any, url string) bool {
	switch c := m["@context"].(type) {
	case string:
		return c == url
	case []any:
		return slices.Contains(c, any(url))
	}
	return false
}

// checkContext: §4.3 — @context present, an ordered set whose first item
// is ContextV2 (or ContextV1 for a 1.1 document), every other item a URL
// or an object.
func checkContext(doc map[string]any) error {
	c, ok := doc["@context"].([]any)
	if !ok || len(c) == 0 {
		return invalid("§4.3", "@context must be an array whose first item is %s", ContextV2)
	}
	if c[0] != ContextV2 && c[0] != ContextV1 {
		return invalid("§4.3", "the first @context must be %s, not %v", ContextV2, c[0])
	}
	for i, e := range c[1:] {
		switch x := e.(type) {
		case string:
			if !isURL(x) {
				return invalid("§4.3", "@context[%d] %q is not a URL", i+1, x)
			}
		case map[string]any:
		default:
			return invalid("§4.3", "@context[%d] must be a URL or an object", i+1)
		}
	}
	return nil
}

// checkID: §4.4 — an id, when present, is one URL.
func checkID(m map[string]any, where string) error {
	v, ok := m["id"]
	if !ok {
		return nil
	}
	s, isString := v.(string)
	if !isString || !isURL(s) {
		return invalid("§4.4", "%s id must be a URL", where)
	}
	return nil
}

// checkText: §4.6 — name and description are strings or language value
// objects.
func checkText(m map[string]any, where string) error {
	for _, name := range []string{"name", "description"} {
		v, ok := m[name]
		if !ok {
			continue
		}
		if !textValue(v) {
			return invalid("§4.6", "%s %s must be a string or language value objects (@value, @language, @direction)", where, name)
		}
	}
	return nil
}

func textValue(v any) bool {
	switch x := v.(type) {
	case string:
		return true
	case map[string]any:
		if _, ok := x["@value"].(string); !ok {
			return false
		}
		for k, e := range x {
			if _, isString := e.(string); !isString || (k != "@value" && k != "@language" && k != "@direction") {
				return false
			}
		}
		return true
	case []any:
		for _, e := range x {
			if _, ok := e.(map[string]any); !ok || !textValue(e) {
				return false
			}
		}
		return len(x) > 0
	}
	return false
}

// typed checks that every object of the property is typed (and, with
// needID, has a URL id): §4.10 credentialStatus, §4.11 credentialSchema,
// §5.4 refreshService, §5.5 termsOfUse, §5.6 evidence.
func typed(doc map[string]any, prop, section string, needID bool) error {
	v, ok := doc[prop]
	if !ok {
		return nil
	}
	objs, ok := asObjects(v)
	if !ok {
		return invalid(section, "%s must be an object or an array of objects", prop)
	}
	for i, o := range objs {
		if _, ok := types(o["type"]); !ok {
			return invalid(section, "%s[%d] has no type", prop, i)
		}
		if _, has := o["id"]; has || needID {
			if s, _ := o["id"].(string); !isURL(s) {
				return invalid(section, "%s[%d] id must be a URL", prop, i)
			}
		}
	}
	return nil
}

// Check checks a credential (unsecured, or with its proof) against the
// data model's normative statements.
func Check(doc map[string]any) error {
	if err := checkContext(doc); err != nil {
		return err
	}
	if err := checkID(doc, "the credential's"); err != nil {
		return err
	}
	if !HasType(doc, "VerifiableCredential") {
		return invalid("§4.5", "type must include VerifiableCredential")
	}
	if err := checkText(doc, "the credential's"); err != nil {
		return err
	}
	// §4.7 Issuer.
	switch iss := doc["issuer"].(type) {
	case string:
		if !isURL(iss) {
			return invalid("§4.7", "issuer %q is not a URL", iss)
		}
	case map[string]any:
		if s, _ := iss["id"].(string); !isURL(s) {
			return invalid("§4.7", "issuer.id must be a URL")
		}
		if err := checkText(iss, "the issuer's"); err != nil {
			return err
		}
	default:
		return invalid("§4.7", "issuer must be a URL or an object with an id")
	}
	// §4.8 Credential Subject.
	subjects, ok := asObjects(doc["credentialSubject"])
	if !ok {
		return invalid("§4.8", "credentialSubject must be an object or a non-empty array of objects")
	}
	for i, s := range subjects {
		if len(s) == 0 {
			return invalid("§4.8", "credentialSubject[%d] is empty", i)
		}
		if err := checkID(s, fmt.Sprintf("credentialSubject[%d]'s", i)); err != nil {
			return err
		}
	}
	// §4.9 Validity Period (1.1 §4.6, §4.8: issuanceDate, required, and
	// expirationDate).
	fromName, untilName := "validFrom", "validUntil"
	if IsV1(doc) {
		fromName, untilName = "issuanceDate", "expirationDate"
		if _, ok := doc[fromName]; !ok {
			return invalid11("§4.6", "issuanceDate is required")
		}
	}
	var from, until time.Time
	for name, dst := range map[string]*time.Time{fromName: &from, untilName: &until} {
		v, ok := doc[name]
		if !ok {
			continue
		}
		s, _ := v.(string)
		t, ok := parseTime(s)
		if !ok && IsV1(doc) {
			// 1.1 takes an xsd:dateTime, whose time zone is optional.
			t, ok = parseLocalTime(s)
		}
		if !ok {
			return invalid("§4.9", "%s must be an XML Schema dateTimeStamp (with a time zone)", name)
		}
		*dst = t
	}
	if !from.IsZero() && !until.IsZero() && until.Before(from) {
		return invalid("§4.9", "%s is before %s", untilName, fromName)
	}
	v1 := IsV1(doc)
	for _, p := range []struct {
		prop, section string
		needID        bool
	}{
		{"credentialStatus", "§4.10", v1},
		{"credentialSchema", "§4.11", true},
		{"refreshService", "§5.4", v1},
		{"termsOfUse", "§5.5", false},
		{"evidence", "§5.6", false},
	} {
		if err := typed(doc, p.prop, p.section, p.needID); err != nil {
			return err
		}
	}
	return checkRelated(doc)
}

// checkRelated: §5.3 Integrity of Related Resources — each related
// resource has a URL id, unique, and a digestSRI or digestMultibase.
func checkRelated(doc map[string]any) error {
	v, ok := doc["relatedResource"]
	if !ok {
		return nil
	}
	objs, ok := asObjects(v)
	if !ok {
		return invalid("§5.3", "relatedResource must be an object or an array of objects")
	}
	seen := map[string]bool{}
	for i, o := range objs {
		id, _ := o["id"].(string)
		if !isURL(id) {
			return invalid("§5.3", "relatedResource[%d] id must be a URL", i)
		}
		if seen[id] {
			return invalid("§5.3", "relatedResource[%d] repeats the id %s", i, id)
		}
		seen[id] = true
		sri, hasSRI := o["digestSRI"].(string)
		mb, hasMB := o["digestMultibase"].(string)
		if (!hasSRI || sri == "") && (!hasMB || mb == "") {
			return invalid("§5.3", "relatedResource[%d] needs a digestSRI or a digestMultibase", i)
		}
	}
	return nil
}

// CheckPresentation checks a presentation: its context, id and type, its
// holder, and that every credential it holds is an object (an embedded
// credential is checked with Check; an enveloped one, of type
// EnvelopedVerifiableCredential, is the securing mechanism's to open).
func CheckPresentation(doc map[string]any) error {
	if err := checkContext(doc); err != nil {
		return err
	}
	if err := checkID(doc, "the presentation's"); err != nil {
		return err
	}
	if !HasType(doc, "VerifiablePresentation") {
		return invalid("§4.13", "type must include VerifiablePresentation")
	}
	switch h := doc["holder"].(type) {
	case nil:
	case string:
		if !isURL(h) {
			return invalid("§4.13", "holder %q is not a URL", h)
		}
	case map[string]any:
		if s, _ := h["id"].(string); !isURL(s) {
			return invalid("§4.13", "holder.id must be a URL")
		}
	default:
		return invalid("§4.13", "holder must be a URL or an object with an id")
	}
	v, ok := doc["verifiableCredential"]
	if !ok {
		return nil
	}
	creds, ok := asObjects(v)
	if !ok {
		return invalid("§4.13", "verifiableCredential must be an object or an array of objects")
	}
	for i, c := range creds {
		if HasType(c, "EnvelopedVerifiableCredential") {
			if s, _ := c["id"].(string); !strings.HasPrefix(s, "data:application/vc+") {
				return invalid("§4.13.1", "verifiableCredential[%d] is enveloped but its id is not a data: URL of a secured credential", i)
			}
			continue
		}
		if err := Check(c); err != nil {
			return fmt.Errorf("verifiableCredential[%d]: %w", i, err)
		}
	}
	return nil
}
