package schemas

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// ErrInvalidClaims marks claims that do not fit their type.
var ErrInvalidClaims = errors.New("claims do not fit the credential type")

// Violation is one way claims break their type's schema.
type Violation struct {
	// Pointer is the JSON pointer (RFC 6901) of the offending value: for a
	// missing claim, where it should be; for a claim that is not allowed,
	// the claim itself.
	Pointer string `json:"pointer"`
	Message string `json:"message"`
}

func (v Violation) String() string {
	p := v.Pointer
	if p == "" {
		p = "/"
	}
	return p + ": " + v.Message
}

// ValidationError lists every violation of one set of claims. errors.Is
// matches ErrInvalidClaims.
type ValidationError struct {
	VCT        string
	Violations []Violation
}

func (e *ValidationError) Error() string {
	parts := make([]string, len(e.Violations))
	for i, v := range e.Violations {
		parts[i] = v.String()
	}
	return fmt.Sprintf("claims do not fit %s: %s", e.VCT, strings.Join(parts, "; "))
}

// Is makes errors.Is(err, ErrInvalidClaims) true.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalidClaims }

// Validate checks a credential's claims — the claims an issuer puts in,
// without the registered ones (iss, iat, cnf, vct…) — against the type's
// schema, and checks that no value is shaped like a resident registration
// number. Values are JSON values as encoding/json or jsonx produce them
// (map[string]any, []any, string, bool, nil, json.Number, float64, int).
// It returns nil or a *ValidationError with every violation.
func (t *Type) Validate(claims map[string]any) error {
	return t.validate(t.full, claims)
}

// ValidateDisclosed checks the claims a holder disclosed: like Validate,
// except that any claim may be missing (it may have been withheld) and the
// registered claims of SD-JWT VC (iss, iat, vct, cnf, status…), present in
// a verified payload, are ignored.
func (t *Type) ValidateDisclosed(claims map[string]any) error {
	rest := make(map[string]any, len(claims))
	for k, v := range claims {
		if !slices.Contains(registered, k) && k != "sub" {
			rest[k] = v
		}
	}
	return t.validate(t.disclosed, rest)
}

var printer = message.NewPrinter(language.English)

func (t *Type) validate(s *jsonschema.Schema, claims map[string]any) error {
	var out []Violation
	if claims == nil {
		claims = map[string]any{}
	}
	if err := s.Validate(claims); err != nil {
		var ve *jsonschema.ValidationError
		if !errors.As(err, &ve) {
			out = append(out, Violation{Message: err.Error()})
		} else {
			out = appendLeaves(out, ve)
		}
	}
	scanRRN(func(ptr, msg string) { out = append(out, Violation{Pointer: ptr, Message: msg}) }, "", claims)
	if len(out) == 0 {
		return nil
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Pointer < out[j].Pointer })
	out = slices.Compact(out)
	return &ValidationError{VCT: t.VCT, Violations: out}
}

// appendLeaves flattens a validation error tree to its leaves, the errors
// that name a concrete problem.
func appendLeaves(out []Violation, e *jsonschema.ValidationError) []Violation {
	if len(e.Causes) > 0 {
		for _, c := range e.Causes {
			out = appendLeaves(out, c)
		}
		return out
	}
	at := pointer(e.InstanceLocation)
	switch k := e.ErrorKind.(type) {
	case *kind.Required:
		for _, m := range k.Missing {
			out = append(out, Violation{Pointer: at + "/" + escape(m), Message: "is required but missing"})
		}
		return out
	case *kind.AdditionalProperties:
		for _, p := range k.Properties {
			out = append(out, Violation{Pointer: at + "/" + escape(p), Message: "is not a claim of this type"})
		}
		return out
	case *kind.Group, *kind.Schema, *kind.Reference:
		return out
	}
	return append(out, Violation{Pointer: at, Message: e.ErrorKind.LocalizedString(printer)})
}

func pointer(loc []string) string {
	var b strings.Builder
	for _, s := range loc {
		b.WriteByte('/')
		b.WriteString(escape(s))
	}
	return b.String()
}

func escape(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

// rrnValue matches a resident registration number (주민등록번호): a birth
// date YYMMDD, an optional hyphen, a digit 1–8 for century and sex (9 and 0
// were the 1800s) and six more digits. Masked forms keep the date and the
// sex digit ("990412-2******"), so they match too.
var rrnValue = regexp.MustCompile(`(^|[^0-9])[0-9]{2}(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])-?[0-9]([0-9]{6}|\*{6})($|[^0-9*])`)

const rrnMessage = "looks like a resident registration number, which no credential may carry (PIPA Art. 24-2)"

// scanRRN reports every string or number in v shaped like a resident
// registration number, with its JSON pointer.
func scanRRN(report func(ptr, msg string), at string, v any) {
	switch x := v.(type) {
	case string:
		if rrnValue.MatchString(x) {
			report(at, rrnMessage)
		}
	case json.Number:
		if rrnValue.MatchString(string(x)) {
			report(at, rrnMessage)
		}
	case float64:
		if rrnValue.MatchString(strconv.FormatFloat(x, 'f', -1, 64)) {
			report(at, rrnMessage)
		}
	case int:
		if rrnValue.MatchString(strconv.Itoa(x)) {
			report(at, rrnMessage)
		}
	case int64:
		if rrnValue.MatchString(strconv.FormatInt(x, 10)) {
			report(at, rrnMessage)
		}
	case map[string]any:
		for k, s := range x {
			if rrnName.MatchString(k) {
				report(at+"/"+escape(k), "is named like a resident registration number, which no credential may carry (PIPA Art. 24-2)")
			}
			scanRRN(report, at+"/"+escape(k), s)
		}
	case []any:
		for i, s := range x {
			scanRRN(report, at+"/"+strconv.Itoa(i), s)
		}
	}
}
