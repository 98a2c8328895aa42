package jsonx

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"unicode/utf8"
)

// Marshal is Append to a new buffer.
func Marshal(v any) ([]byte, error) { return Append(nil, v) }

// Append appends the JSON encoding of v to buf. It handles the shapes Parse
// produces (and the Go integer and float types) without reflection, writes
// object members sorted by name, does not escape HTML characters, and
// refuses invalid UTF-8 and non-finite numbers. Other types go through
// encoding/json.
func Append(buf []byte, v any) ([]byte, error) {
	return appendValue(buf, v, 0)
}

// maxEncodeDepth guards against cycles in caller-built values.
const maxEncodeDepth = 256

func appendValue(buf []byte, v any, depth int) ([]byte, error) {
	if depth > maxEncodeDepth {
		return buf, fmt.Errorf("jsonx: value nested deeper than %d (a cycle?)", maxEncodeDepth)
	}
	switch x := v.(type) {
	case nil:
		return append(buf, "null"...), nil
	case bool:
		if x {
			return append(buf, "true"...), nil
		}
		return append(buf, "false"...), nil
	case string:
		return AppendString(buf, x)
	case json.Number:
		if !validNumber(string(x)) {
			return buf, fmt.Errorf("jsonx: invalid number %q", string(x))
		}
		return append(buf, x...), nil
	case int:
		return strconv.AppendInt(buf, int64(x), 10), nil
	case int64:
		return strconv.AppendInt(buf, x, 10), nil
	case int32:
		return strconv.AppendInt(buf, int64(x), 10), nil
	case uint:
		return strconv.AppendUint(buf, uint64(x), 10), nil
	case uint64:
		return strconv.AppendUint(buf, x, 10), nil
	case uint32:
		return strconv.AppendUint(buf, uint64(x), 10), nil
	case float64:
		return appendFloat(buf, x)
	case float32:
		return appendFloat(buf, float64(x))
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
	case []string:
		buf = append(buf, '[')
		for i, e := range x {
			if i > 0 {
				buf = append(buf, ',')
			}
			var err error
			if buf, err = AppendString(buf, e); err != nil {
				return buf, err
			}
		}
		return append(buf, ']'), nil
	case map[string]any:
		return appendObject(buf, x, depth)
	default:
		b, err := json.Marshal(x)
		if err != nil {
			return buf, fmt.Errorf("jsonx: %w", err)
		}
		return append(buf, b...), nil
	}
}

func appendObject(buf []byte, m map[string]any, depth int) ([]byte, error) {
	var small [16]string
	keys := small[:0]
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	buf = append(buf, '{')
	for i, k := range keys {
		if i > 0 {
			buf = append(buf, ',')
		}
		var err error
		if buf, err = AppendString(buf, k); err != nil {
			return buf, err
		}
		buf = append(buf, ':')
		if buf, err = appendValue(buf, m[k], depth+1); err != nil {
			return buf, err
		}
	}
	return append(buf, '}'), nil
}

func appendFloat(buf []byte, f float64) ([]byte, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return buf, fmt.Errorf("jsonx: %v cannot be encoded as JSON", f)
	}
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return strconv.AppendInt(buf, int64(f), 10), nil
	}
	b, err := json.Marshal(f) // encoding/json's ES6-style float formatting
	if err != nil {
		return buf, fmt.Errorf("jsonx: %w", err)
	}
	return append(buf, b...), nil
}

const hexDigits = "0123456789abcdef"

// AppendString appends s as a JSON string. It escapes only what RFC 8259
// requires (quote, backslash, control characters) and refuses invalid UTF-8.
func AppendString(buf []byte, s string) ([]byte, error) {
	buf = append(buf, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			buf = append(buf, s[start:i]...)
			switch c {
			case '"', '\\':
				buf = append(buf, '\\', c)
			case '\n':
				buf = append(buf, '\\', 'n')
			case '\r':
				buf = append(buf, '\\', 'r')
			case '\t':
				buf = append(buf, '\\', 't')
			default:
				buf = append(buf, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			return buf, fmt.Errorf("jsonx: invalid UTF-8 in string at byte %d", i)
		}
		i += size
	}
	buf = append(buf, s[start:]...)
	return append(buf, '"'), nil
}

func validNumber(s string) bool {
	p := parser{data: []byte(s)}
	_, err := p.number()
	return err == nil && p.pos == len(s)
}
