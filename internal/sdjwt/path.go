package sdjwt

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/seoulid/seoulid/internal/jsonx"
)

// Path names a claim: a list whose elements are an object member name
// (string), an array index (int, from 0), or nil for every element of an
// array. It is the claims path pointer of OpenID4VP 1.0 §7.
type Path []any

// MaxPathLength bounds a textual claim path.
const MaxPathLength = 1024

// ParsePath reads a claim path written with dots and brackets:
//
//	address.locality        -> ["address", "locality"]
//	nationalities[0]        -> ["nationalities", 0]
//	nationalities[*]        -> ["nationalities", nil]
//	degrees[1].type         -> ["degrees", 1, "type"]
//	["vct#integrity"]       -> ["vct#integrity"]   (a name with special characters)
//
// Names in plain form may use any characters but '.', '[', ']' and '"';
// other names are written as a JSON string in brackets.
func ParsePath(s string) (Path, error) {
	if s == "" {
		return nil, fmt.Errorf("empty claim path")
	}
	if len(s) > MaxPathLength {
		return nil, fmt.Errorf("claim path longer than %d bytes", MaxPathLength)
	}
	if !utf8.ValidString(s) {
		return nil, fmt.Errorf("claim path %q is not UTF-8", s)
	}
	var p Path
	i := 0
	expectName := true // a bare name may start here
	for i < len(s) {
		switch c := s[i]; {
		case c == '[':
			j := strings.IndexByte(s[i:], ']')
			if j < 0 {
				return nil, fmt.Errorf("claim path %q: '[' without ']'", s)
			}
			inner := s[i+1 : i+j]
			if strings.HasPrefix(inner, `"`) {
				end, name, err := quotedName(s[i+1:])
				if err != nil {
					return nil, fmt.Errorf("claim path %q: %w", s, err)
				}
				if i+1+end >= len(s) || s[i+1+end] != ']' {
					return nil, fmt.Errorf("claim path %q: quoted name must be followed by ']'", s)
				}
				p = append(p, name)
				i += 1 + end + 1
			} else {
				switch {
				case inner == "*" || inner == "":
					p = append(p, nil)
				default:
					n, err := strconv.Atoi(inner)
					if err != nil || n < 0 || (len(inner) > 1 && inner[0] == '0') {
						return nil, fmt.Errorf("claim path %q: %q is not an array index (0, 1, … or *)", s, inner)
					}
					p = append(p, n)
				}
				i += j + 1
			}
			expectName = false
		case c == '.':
			if expectName || i+1 >= len(s) {
				return nil, fmt.Errorf("claim path %q: empty name", s)
			}
			i++
			expectName = true
			if s[i] == '[' {
				return nil, fmt.Errorf("claim path %q: '.' before '['", s)
			}
		default:
			if !expectName {
				return nil, fmt.Errorf("claim path %q: '.' or '[' expected at byte %d", s, i)
			}
			j := i
			for j < len(s) && s[j] != '.' && s[j] != '[' {
				if s[j] == ']' || s[j] == '"' {
					return nil, fmt.Errorf("claim path %q: unexpected %q in a name", s, s[j])
				}
				j++
			}
			p = append(p, s[i:j])
			i = j
			expectName = false
		}
	}
	if expectName {
		return nil, fmt.Errorf("claim path %q ends with '.'", s)
	}
	return p, nil
}

// quotedName reads a JSON string at the start of s and returns the index
// just past it and its value.
func quotedName(s string) (int, string, error) {
	esc := false
	for i := 1; i < len(s); i++ {
		switch {
		case esc:
			esc = false
		case s[i] == '\\':
			esc = true
		case s[i] == '"':
			name, err := strconv.Unquote(s[:i+1])
			if err != nil {
				return 0, "", fmt.Errorf("bad quoted name %s", s[:i+1])
			}
			return i + 1, name, nil
		}
	}
	return 0, "", fmt.Errorf("unterminated quoted name")
}

// ParsePaths reads a comma-separated list of claim paths.
func ParsePaths(s string) ([]Path, error) {
	var out []Path
	for _, part := range splitPaths(s) {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		p, err := ParsePath(part)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// splitPaths splits on commas outside quoted names.
func splitPaths(s string) []string {
	var parts []string
	inQuote, esc, start := false, false, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case esc:
			esc = false
		case inQuote && c == '\\':
			esc = true
		case c == '"':
			inQuote = !inQuote
		case c == ',' && !inQuote:
			parts = append(parts, s[start:i])
			start = i + 1
		}
	}
	return append(parts, s[start:])
}

// String writes the path in the form ParsePath reads.
func (p Path) String() string {
	var b strings.Builder
	for i, e := range p {
		switch v := e.(type) {
		case string:
			if plainName(v) {
				if i > 0 {
					b.WriteByte('.')
				}
				b.WriteString(v)
			} else {
				b.WriteString("[" + strconv.Quote(v) + "]")
			}
		case int:
			b.WriteString("[" + strconv.Itoa(v) + "]")
		case nil:
			b.WriteString("[*]")
		default:
			fmt.Fprintf(&b, "[?%v]", v)
		}
	}
	return b.String()
}

func plainName(s string) bool {
	return s != "" && utf8.ValidString(s) && !strings.ContainsAny(s, `.[]"`)
}

// child returns a new path with e appended, never sharing p's backing array.
func (p Path) child(e any) Path {
	c := make(Path, len(p)+1)
	copy(c, p)
	c[len(p)] = e
	return c
}

// Covers reports whether pattern p (whose nil elements stand for any array
// index) selects the concrete path c or one of its ancestors: whether
// disclosing what p asks for may reveal c.
func (p Path) Covers(c Path) bool { return p.prefixOf(c) }

// prefixOf reports whether pattern p selects a prefix of concrete path c.
func (p Path) prefixOf(c Path) bool {
	if len(p) > len(c) {
		return false
	}
	for i, e := range p {
		if e == nil {
			if _, isIndex := c[i].(int); !isIndex {
				return false
			}
			continue
		}
		if e != c[i] {
			return false
		}
	}
	return true
}

func (p Path) validate() error {
	if len(p) == 0 {
		return fmt.Errorf("empty claim path")
	}
	for _, e := range p {
		switch v := e.(type) {
		case string, nil:
		case int:
			if v < 0 {
				return fmt.Errorf("claim path %s has a negative index", p)
			}
		default:
			return fmt.Errorf("claim path element %v (%T) is not a name, index or nil", e, e)
		}
	}
	return nil
}

// MaxPathElements bounds a claim path read from JSON.
const MaxPathElements = 64

// MarshalJSON writes the path as the JSON array of OpenID4VP 1.0 §7: names
// as strings, indexes as numbers, nil as null.
func (p Path) MarshalJSON() ([]byte, error) {
	if err := p.validate(); err != nil {
		return nil, err
	}
	return jsonx.Marshal([]any(p))
}

// UnmarshalJSON reads a claims path pointer (OpenID4VP 1.0 §7): a non-empty
// array of strings, nulls and non-negative integers, strictly (no duplicate
// keys, no fractions, at most MaxPathElements elements).
func (p *Path) UnmarshalJSON(data []byte) error {
	v, err := jsonx.ParseWithLimits(data, jsonx.Limits{MaxBytes: 64 << 10, MaxDepth: 2})
	if err != nil {
		return fmt.Errorf("claim path: %w", err)
	}
	arr, ok := v.([]any)
	if !ok {
		return fmt.Errorf("claim path is %s, not an array", jsonx.Describe(v))
	}
	if len(arr) == 0 || len(arr) > MaxPathElements {
		return fmt.Errorf("claim path has %d elements; it needs 1 to %d", len(arr), MaxPathElements)
	}
	out := make(Path, len(arr))
	for i, e := range arr {
		switch v := e.(type) {
		case string, nil:
			out[i] = v
		default:
			n, ok := jsonx.Int64(v)
			if !ok || n < 0 || n > math.MaxInt32 {
				return fmt.Errorf("claim path element %d is %s, not a name, a non-negative index or null", i, jsonx.Describe(e))
			}
			out[i] = int(n)
		}
	}
	*p = out
	return nil
}
