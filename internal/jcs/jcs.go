package jcs

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/seoulid/seoulid/internal/jsonx"
)

// ErrNumber is returned for a number that is not finite as a double.
var ErrNumber = errors.New("jcs: number is not exactly an IEEE 754 double")

// Canonicalize parses data as one JSON value (within lim; the zero Limits
// are jsonx's defaults) and returns its canonical form.
func Canonicalize(data []byte, lim jsonx.Limits) ([]byte, error) {
	v, err := jsonx.ParseWithLimits(data, lim)
	if err != nil {
		return nil, fmt.Errorf("jcs: %w", err)
	}
	return Append(nil, v)
}

// Append appends the canonical form of v, a value as jsonx.Parse returns
// it (nil, bool, string, json.Number, []any, map[string]any; Go integers
// and float64 are taken too).
func Append(buf []byte, v any) ([]byte, error) { return appendValue(buf, v, 0) }

const maxDepth = 512

func appendValue(buf []byte, v any, depth int) ([]byte, error) {
	if depth > maxDepth {
		return buf, fmt.Errorf("jcs: value nested deeper than %d", maxDepth)
	}
	switch x := v.(type) {
	case nil:
		return append(buf, "null"...), nil
	case bool:
		return strconv.AppendBool(buf, x), nil
	case string:
		return appendString(buf, x)
	case json.Number:
		// §3.2.2.3: every number is an IEEE 754 double (I-JSON).
		f, err := strconv.ParseFloat(string(x), 64)
		if err != nil {
			return buf, fmt.Errorf("%w: %s", ErrNumber, x)
		}
		return appendNumber(buf, f)
	case float64:
		return appendNumber(buf, x)
	case int:
		return appendNumber(buf, float64(x))
	case int64:
		return appendNumber(buf, float64(x))
	case []any:
		buf = append(buf, '[')
		for i, e := range x {
			if i > 0 {
				buf = append(buf, ',')
			}
			var err error
			if buf, err = appendValue(buf, e, depth+1); err != nil {
				return buf, err
			}
		}
		return append(buf, ']'), nil
	case map[string]any:
		names := make([]string, 0, len(x))
		for k := range x {
			names = append(names, k)
		}
		// §3.2.3: by the names' UTF-16 code units, which differs from
		// UTF-8 byte order only for characters above U+FFFF.
		slices.SortFunc(names, compareUTF16)
		buf = append(buf, '{')
		for i, k := range names {
			if i > 0 {
				buf = append(buf, ',')
			}
			var err error
			if buf, err = appendString(buf, k); err != nil {
				return buf, err
			}
			buf = append(buf, ':')
			if buf, err = appendValue(buf, x[k], depth+1); err != nil {
				return buf, err
			}
		}
		return append(buf, '}'), nil
	}
	return buf, fmt.Errorf("jcs: cannot canonicalize a %T", v)
}

// appendNumber writes f as ECMAScript's Number.prototype.toString does
// (RFC 8785 §3.2.2.3), which encoding/json's float formatting follows.
func appendNumber(buf []byte, f float64) ([]byte, error) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return buf, fmt.Errorf("%w: %v", ErrNumber, f)
	}
	if f == 0 {
		return append(buf, '0'), nil // -0 too
	}
	b, err := json.Marshal(f)
	if err != nil {
		return buf, fmt.Errorf("jcs: %w", err)
	}
	return append(buf, b...), nil
}

const hex = "0123456789abcdef"

// appendString writes s as JSON.stringify does (RFC 8785 §3.2.2.2): '"',
// '\\' and the control characters escaped, the five with short forms as
// such, everything else as it is.
func appendString(buf []byte, s string) ([]byte, error) {
	if !utf8.ValidString(s) {
		return buf, errors.New("jcs: invalid UTF-8 in a string")
	}
	buf = append(buf, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			buf = append(buf, '\\', c)
		case c == '\b':
			buf = append(buf, '\\', 'b')
		case c == '\f':
			buf = append(buf, '\\', 'f')
		case c == '\n':
			buf = append(buf, '\\', 'n')
		case c == '\r':
			buf = append(buf, '\\', 'r')
		case c == '\t':
			buf = append(buf, '\\', 't')
		case c < 0x20:
			buf = append(buf, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
		default:
			buf = append(buf, c)
		}
	}
	return append(buf, '"'), nil
}

// compareUTF16 orders strings by their UTF-16 code units. UTF-8 byte
// order is the same unless a string holds a character from U+E000 up
// (lead byte 0xEE or more), where surrogate pairs sort below U+E000–U+FFFF.
func compareUTF16(a, b string) int {
	if !highChars(a) && !highChars(b) {
		return strings.Compare(a, b)
	}
	return slices.Compare(utf16.Encode([]rune(a)), utf16.Encode([]rune(b)))
}

func highChars(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0xEE {
			return true
		}
	}
	return false
}
