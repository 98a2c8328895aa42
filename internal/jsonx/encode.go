package jsonx

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Raw is JSON text that Append writes as it is: a value encoded once and
// written into many documents. Append does not check it; it must be one
// valid JSON value (from Marshal, say).
type Raw []byte

// Marshal is Append to a new buffer.
func Marshal(v any) ([]byte, error) { return Append(make([]byte, 0, 128), v) }

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
	case Raw:
		if len(x) == 0 {
			return buf, fmt.Errorf("jsonx: an empty Raw value")
		}
		return append(buf, x...), nil
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
			return buf, fmt.Errorf("jsonx: invalid number %s", quoteName(string(x)))
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
		// Written out here rather than in a function of its own: escape
		// analysis then sees buf only flow to the result, so that a
		// caller's stack buffer stays on the stack.
		// The members in name order: taken once from the map (no look-up
		// per member after), and sorted by insertion when they are few.
		var small [16]member
		members := small[:0]
		for k, e := range x {
			members = append(members, member{k, e})
		}
		if len(members) > 16 {
			slices.SortFunc(members, func(a, b member) int { return strings.Compare(a.name, b.name) })
		} else {
			for i := 1; i < len(members); i++ {
				m, j := members[i], i
				for ; j > 0 && members[j-1].name > m.name; j-- {
					members[j] = members[j-1]
				}
				members[j] = m
			}
		}
		buf = append(buf, '{')
		for i, m := range members {
			if i > 0 {
				buf = append(buf, ',')
			}
			var err error
			if buf, err = AppendString(buf, m.name); err != nil {
				return buf, err
			}
			buf = append(buf, ':')
			if buf, err = appendValue(buf, m.value, depth+1); err != nil {
				return buf, err
			}
		}
		return append(buf, '}'), nil
	default:
		b, err := json.Marshal(x)
		if err != nil {
			return buf, fmt.Errorf("jsonx: %w", err)
		}
		return append(buf, b...), nil
	}
}

// member is an object member being written.
type member struct {
	name  string
	value any
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
	if plainString(s) {
		buf = append(buf, '"')
		buf = append(buf, s...)
		return append(buf, '"'), nil
	}
	return appendStringEscaped(buf, s)
}

// appendStringEscaped is AppendString without its fast path: byte by byte,
// escaping what needs it.
func appendStringEscaped(buf []byte, s string) ([]byte, error) {
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

// plainString reports whether s is valid UTF-8 with nothing to escape (no
// quote, backslash or control character), eight bytes at a time.
func plainString(s string) bool {
	const (
		ones  = 0x0101010101010101
		highs = 0x8080808080808080
	)
	i := 0
	var high uint64 // the high bits of every byte: zero for ASCII
	for ; i+8 <= len(s); i += 8 {
		v := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
			uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
		// A byte below 0x20, or equal to '"' or '\\', sets its high bit
		// here (bytes of 0x80 and above aside, which ^v masks out).
		special := (v - 0x20*ones) | (v ^ '"'*ones - ones) | (v ^ '\\'*ones - ones)
		if special&^v&highs != 0 {
			return false
		}
		high |= v
	}
	for ; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c == '"' || c == '\\' {
			return false
		}
		high |= uint64(c)
	}
	return high&highs == 0 || utf8.ValidString(s)
}

func validNumber(s string) bool {
	p := parser{data: s}
	_, err := p.number()
	return err == nil && p.pos == len(s)
}
