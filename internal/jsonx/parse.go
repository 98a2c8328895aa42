package jsonx

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/bits"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// Limits bounds what Parse accepts. A zero field means the default.
type Limits struct {
	// MaxBytes is the largest input accepted. Zero means DefaultMaxBytes.
	MaxBytes int
	// MaxDepth is the deepest nesting of objects and arrays accepted; a
	// scalar at top level has depth 0, `{}` has depth 1. Zero means
	// DefaultMaxDepth.
	MaxDepth int
}

// Defaults for Limits.
const (
	DefaultMaxBytes = 1 << 20 // 1 MiB: far above any credential seoulid issues
	DefaultMaxDepth = 32
)

func (l Limits) withDefaults() Limits {
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultMaxBytes
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = DefaultMaxDepth
	}
	return l
}

// ErrSyntax is the sentinel every parse error wraps.
var ErrSyntax = errors.New("invalid JSON")

// SyntaxError says what is wrong with a document and where.
type SyntaxError struct {
	Offset int    // byte offset in the input at which the problem was found
	Msg    string // what is wrong, e.g. `duplicate member "iss"`
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("invalid JSON at byte %d: %s", e.Offset, e.Msg)
}

// Unwrap makes errors.Is(err, ErrSyntax) true.
func (e *SyntaxError) Unwrap() error { return ErrSyntax }

// Parse reads one JSON value with the default limits.
func Parse(data []byte) (any, error) { return ParseWithLimits(data, Limits{}) }

// ParseWithLimits reads exactly one JSON value (surrounded by optional
// whitespace) and rejects duplicate member names, invalid UTF-8, unpaired
// surrogates, and input beyond the limits.
func ParseWithLimits(data []byte, lim Limits) (any, error) {
	lim = lim.withDefaults()
	if len(data) > lim.MaxBytes {
		return nil, &SyntaxError{Offset: lim.MaxBytes, Msg: fmt.Sprintf("document is %d bytes, more than the limit of %d", len(data), lim.MaxBytes)}
	}
	// One copy of the whole document: every string and number without
	// escapes is then a substring of it rather than an allocation of its own.
	p := parser{data: string(data), maxDepth: lim.MaxDepth}
	p.skipSpace()
	v, err := p.value(0)
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if p.pos != len(p.data) {
		return nil, p.errorf("unexpected data after the top-level value")
	}
	return v, nil
}

// ParseObject is Parse for documents that must be a JSON object.
func ParseObject(data []byte) (map[string]any, error) {
	return ParseObjectWithLimits(data, Limits{})
}

// ParseObjectWithLimits is ParseWithLimits for documents that must be a JSON object.
func ParseObjectWithLimits(data []byte, lim Limits) (map[string]any, error) {
	v, err := ParseWithLimits(data, lim)
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, &SyntaxError{Offset: 0, Msg: "expected a JSON object, got " + Describe(v)}
	}
	return m, nil
}

type parser struct {
	data     string
	pos      int
	maxDepth int
}

func (p *parser) errorf(format string, args ...any) error {
	return &SyntaxError{Offset: p.pos, Msg: fmt.Sprintf(format, args...)}
}

func (p *parser) skipSpace() {
	for p.pos < len(p.data) {
		switch p.data[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *parser) value(depth int) (any, error) {
	if p.pos >= len(p.data) {
		return nil, p.errorf("unexpected end of input")
	}
	switch c := p.data[p.pos]; {
	case c == '{':
		if depth >= p.maxDepth {
			return nil, p.errorf("nesting deeper than %d", p.maxDepth)
		}
		return p.object(depth + 1)
	case c == '[':
		if depth >= p.maxDepth {
			return nil, p.errorf("nesting deeper than %d", p.maxDepth)
		}
		return p.array(depth + 1)
	case c == '"':
		return p.string()
	case c == 't':
		return true, p.literal("true")
	case c == 'f':
		return false, p.literal("false")
	case c == 'n':
		return nil, p.literal("null")
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	default:
		return nil, p.errorf("unexpected character %q", c)
	}
}

func (p *parser) literal(word string) error {
	if len(p.data)-p.pos < len(word) || p.data[p.pos:p.pos+len(word)] != word {
		return p.errorf("invalid literal, expected %s", word)
	}
	p.pos += len(word)
	return nil
}

func (p *parser) object(depth int) (any, error) {
	p.pos++ // '{'
	m := make(map[string]any)
	p.skipSpace()
	if p.pos < len(p.data) && p.data[p.pos] == '}' {
		p.pos++
		return m, nil
	}
	for {
		p.skipSpace()
		if p.pos >= len(p.data) || p.data[p.pos] != '"' {
			return nil, p.errorf("expected a member name")
		}
		at := p.pos
		key, err := p.string()
		if err != nil {
			return nil, err
		}
		if _, dup := m[key]; dup {
			return nil, &SyntaxError{Offset: at, Msg: "duplicate member " + quoteName(key)}
		}
		p.skipSpace()
		if p.pos >= len(p.data) || p.data[p.pos] != ':' {
			return nil, p.errorf("expected ':' after member name")
		}
		p.pos++
		p.skipSpace()
		v, err := p.value(depth)
		if err != nil {
			return nil, err
		}
		m[key] = v
		p.skipSpace()
		if p.pos >= len(p.data) {
			return nil, p.errorf("unexpected end of input in object")
		}
		switch p.data[p.pos] {
		case ',':
			p.pos++
		case '}':
			p.pos++
			return m, nil
		default:
			return nil, p.errorf("expected ',' or '}' in object")
		}
	}
}

func (p *parser) array(depth int) (any, error) {
	p.pos++ // '['
	p.skipSpace()
	if p.pos < len(p.data) && p.data[p.pos] == ']' {
		p.pos++
		return make([]any, 0), nil // empty, not nil
	}
	// The first elements go to the stack, so that a short array (every
	// Disclosure is one) is allocated once, at its length.
	var small [8]any
	n := 0
	var a []any // once small is full
	for {
		p.skipSpace()
		v, err := p.value(depth)
		if err != nil {
			return nil, err
		}
		switch {
		case a != nil:
			a = append(a, v)
		case n < len(small):
			small[n] = v
			n++
		default:
			a = make([]any, n, 2*n)
			copy(a, small[:n])
			a = append(a, v)
		}
		p.skipSpace()
		if p.pos >= len(p.data) {
			return nil, p.errorf("unexpected end of input in array")
		}
		switch p.data[p.pos] {
		case ',':
			p.pos++
		case ']':
			p.pos++
			if a == nil {
				a = make([]any, n)
				copy(a, small[:n])
			}
			return a, nil
		default:
			return nil, p.errorf("expected ',' or ']' in array")
		}
	}
}

func (p *parser) number() (any, error) {
	start := p.pos
	d := p.data
	i := p.pos
	if i < len(d) && d[i] == '-' {
		i++
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case i < len(d) && d[i] >= '1' && d[i] <= '9':
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
	default:
		p.pos = i
		return nil, p.errorf("invalid number")
	}
	if i < len(d) && d[i] == '.' {
		i++
		if i >= len(d) || d[i] < '0' || d[i] > '9' {
			p.pos = i
			return nil, p.errorf("invalid number: digit expected after '.'")
		}
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		if i >= len(d) || d[i] < '0' || d[i] > '9' {
			p.pos = i
			return nil, p.errorf("invalid number: digit expected in exponent")
		}
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
	}
	p.pos = i
	return json.Number(d[start:i]), nil
}

// string reads a JSON string starting at the opening quote.
func (p *parser) string() (string, error) {
	p.pos++ // opening quote
	start := p.pos
	d := p.data
	// Fast path: no escapes, ASCII or valid UTF-8.
	i, ascii := skipPlain(d, start)
	for i < len(d) {
		c := d[i]
		if c == '"' {
			s := d[start:i]
			if !ascii && !utf8.ValidString(s) {
				p.pos = start
				return "", p.errorf("invalid UTF-8 in string")
			}
			p.pos = i + 1
			return s, nil
		}
		if c == '\\' {
			break
		}
		if c < 0x20 {
			p.pos = i
			return "", p.errorf("unescaped control character in string")
		}
		i++
	}
	if i >= len(d) {
		p.pos = i
		return "", p.errorf("unterminated string")
	}
	// Slow path with escapes.
	var small [64]byte
	buf := append(small[:0], d[start:i]...)
	for i < len(d) {
		c := d[i]
		switch {
		case c == '"':
			if !utf8.Valid(buf) {
				p.pos = start
				return "", p.errorf("invalid UTF-8 in string")
			}
			p.pos = i + 1
			return string(buf), nil
		case c < 0x20:
			p.pos = i
			return "", p.errorf("unescaped control character in string")
		case c != '\\':
			buf = append(buf, c)
			i++
			continue
		}
		// Escape sequence.
		if i+1 >= len(d) {
			p.pos = i
			return "", p.errorf("unterminated escape")
		}
		switch e := d[i+1]; e {
		case '"', '\\', '/':
			buf = append(buf, e)
			i += 2
		case 'b':
			buf = append(buf, '\b')
			i += 2
		case 'f':
			buf = append(buf, '\f')
			i += 2
		case 'n':
			buf = append(buf, '\n')
			i += 2
		case 'r':
			buf = append(buf, '\r')
			i += 2
		case 't':
			buf = append(buf, '\t')
			i += 2
		case 'u':
			r, ok := hex4(d, i+2)
			if !ok {
				p.pos = i
				return "", p.errorf("invalid \\u escape")
			}
			i += 6
			if utf16.IsSurrogate(r) {
				if r >= 0xDC00 {
					p.pos = i - 6
					return "", p.errorf("unpaired low surrogate")
				}
				r2, ok := rune(0), false
				if i+1 < len(d) && d[i] == '\\' && d[i+1] == 'u' {
					r2, ok = hex4(d, i+2)
				}
				dec := utf16.DecodeRune(r, r2)
				if !ok || dec == utf8.RuneError {
					p.pos = i - 6
					return "", p.errorf("unpaired high surrogate")
				}
				r = dec
				i += 6
			}
			buf = utf8.AppendRune(buf, r)
		default:
			p.pos = i
			if e < 0x20 || e >= 0x7f { // not to be written as it is: a line break would break the message
				return "", p.errorf("invalid escape \\ followed by byte %#02x", e)
			}
			return "", p.errorf("invalid escape \\%c", e)
		}
	}
	p.pos = i
	return "", p.errorf("unterminated string")
}

// maxQuoted bounds the quoted form of a name or value in an error message,
// so that an error stays one short line whatever the input holds.
const maxQuoted = 64

// quoteName quotes s as %q does; when the quoted form would be longer than
// maxQuoted bytes, it quotes as many whole characters of s as fit and
// marks the cut with "…" after the closing quote.
func quoteName(s string) string {
	if len(s) <= maxQuoted {
		if q := strconv.Quote(s); len(q) <= maxQuoted {
			return q
		}
	}
	b := make([]byte, 0, maxQuoted+len("…"))
	b = append(b, '"')
	for i := 0; i < len(s); {
		_, size := utf8.DecodeRuneInString(s[i:])
		q := strconv.Quote(s[i : i+size])
		if len(b)+len(q)-1 > maxQuoted { // the piece without its quotes, and the closing quote
			break
		}
		b = append(b, q[1:len(q)-1]...)
		i += size
	}
	b = append(b, '"')
	return string(b) + "…"
}

// skipPlain returns the index of the first byte at or after i that is a
// quote, a backslash or a control character, or len(d), eight bytes at a
// time as AppendString's plainString does; and whether every byte before it
// is ASCII (false may also mean "not known").
func skipPlain(d string, i int) (int, bool) {
	const (
		ones  = 0x0101010101010101
		highs = 0x8080808080808080
	)
	var high uint64
	for ; i+8 <= len(d); i += 8 {
		v := uint64(d[i]) | uint64(d[i+1])<<8 | uint64(d[i+2])<<16 | uint64(d[i+3])<<24 |
			uint64(d[i+4])<<32 | uint64(d[i+5])<<40 | uint64(d[i+6])<<48 | uint64(d[i+7])<<56
		high |= v
		// The lowest high bit set is that of the first such byte (those
		// above it may be set by the borrow, bytes of 0x80 and above never).
		if m := ((v - 0x20*ones) | (v ^ '"'*ones - ones) | (v ^ '\\'*ones - ones)) &^ v & highs; m != 0 {
			return i + bits.TrailingZeros64(m)/8, high&highs == 0
		}
	}
	for ; i < len(d); i++ {
		c := d[i]
		if c < 0x20 || c == '"' || c == '\\' {
			break
		}
		high |= uint64(c)
	}
	return i, high&highs == 0
}

func hex4(d string, at int) (rune, bool) {
	if at+4 > len(d) {
		return 0, false
	}
	var r rune
	for _, c := range []byte(d[at : at+4]) {
		r <<= 4
		switch {
		case c >= '0' && c <= '9':
			r |= rune(c - '0')
		case c >= 'a' && c <= 'f':
			r |= rune(c - 'a' + 10)
		case c >= 'A' && c <= 'F':
			r |= rune(c - 'A' + 10)
		default:
			return 0, false
		}
	}
	return r, true
}

// Describe names the JSON type of a parsed value with its article ("an
// array", "a string", "null"), for error messages.
func Describe(v any) string {
	switch t := TypeName(v); t {
	case "null":
		return t
	case "array", "object":
		return "an " + t
	default:
		return "a " + t
	}
}

// TypeName names the JSON type of a parsed value, for error messages.
func TypeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case json.Number, float64, float32, int, int64, int32, uint, uint64, uint32:
		return "number"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	default:
		return fmt.Sprintf("%T", v)
	}
}
