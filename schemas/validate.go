package schemas

import (
	"encoding/json"
	"errors"
	"fmt"
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

// looksLikeRRN reports whether s contains a resident registration number
// (주민등록번호): a birth date YYMMDD, an optional hyphen, a digit for
// century and sex, and six more digits, with no digit on either side.
// Masked forms keep the date and the sex digit ("990412-2******"), so they
// count too. It is the hot path of every validation, so it scans bytes
// rather than running a regular expression (rrnPattern in the tests is the
// same rule as one).
func looksLikeRRN(s string) bool {
	for i := 0; i+13 <= len(s); i++ {
		if !isDigit(s[i]) || (i > 0 && isDigit(s[i-1])) {
			continue
		}
		if !digits(s[i:i+6]) || !birthDate(s[i+2:i+6]) {
			continue
		}
		j := i + 6
		if s[j] == '-' {
			j++
		}
		if j+7 > len(s) || !isDigit(s[j]) {
			continue
		}
		rest := s[j+1 : j+7]
		if !digits(rest) && rest != "******" {
			continue
		}
		if end := j + 7; end == len(s) || !(isDigit(s[end]) || s[end] == '*') {
			return true
		}
	}
	return false
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

// birthDate checks MMDD: a month 01–12 and a day 01–31.
func birthDate(mmdd string) bool {
	m := int(mmdd[0]-'0')*10 + int(mmdd[1]-'0')
	d := int(mmdd[2]-'0')*10 + int(mmdd[3]-'0')
	return m >= 1 && m <= 12 && d >= 1 && d <= 31
}

// namedLikeRRN reports whether a claim name would hold a resident
// registration number: the tokens rrn or ssn, or the words for it.
func namedLikeRRN(name string) bool {
	lower := name
	for i := 0; i < len(name); i++ {
		if c := name[i]; 'A' <= c && c <= 'Z' {
			lower = strings.ToLower(name)
			break
		}
	}
	for _, w := range []string{"jumin", "resident_registration_n", "residentregistrationn", "주민등록번호", "주민번호"} {
		if strings.Contains(lower, w) {
			return true
		}
	}
	for tok := range strings.FieldsFuncSeq(lower, func(r rune) bool { return r == '_' || r == '-' }) {
		if tok == "rrn" || tok == "ssn" {
			return true
		}
	}
	return false
}

const rrnMessage = "looks like a resident registration number, which no credential may carry (PIPA Art. 24-2)"

// scanRRN reports every string or number in v shaped like a resident
// registration number, with its JSON pointer.
func scanRRN(report func(ptr, msg string), at string, v any) {
	switch x := v.(type) {
	case string:
		if looksLikeRRN(x) {
			report(at, rrnMessage)
		}
	case json.Number:
		if looksLikeRRN(string(x)) {
			report(at, rrnMessage)
		}
	case float64:
		if looksLikeRRN(strconv.FormatFloat(x, 'f', -1, 64)) {
			report(at, rrnMessage)
		}
	case int:
		if looksLikeRRN(strconv.Itoa(x)) {
			report(at, rrnMessage)
		}
	case int64:
		if looksLikeRRN(strconv.FormatInt(x, 10)) {
			report(at, rrnMessage)
		}
	case map[string]any:
		for k, s := range x {
			if namedLikeRRN(k) {
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
