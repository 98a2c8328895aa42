package jsonx

import (
	"bytes"
	"encoding/json"
	"errors"
	mrand "math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseAccepts(t *testing.T) {
	cases := []struct {
		in   string
		want any
	}{
		{`{}`, map[string]any{}},
		{` [ ] `, []any{}},
		{`"a\"b\\c\/\b\f\n\r\t"`, "a\"b\\c/\b\f\n\r\t"},
		{`"M\u00f6bius"`, "Möbius"},
		{`"Möbius"`, "Möbius"},
		{`"\ud83d\ude00"`, "😀"},
		{`-0.5e+10`, json.Number("-0.5e+10")},
		{`12345678901234567890123`, json.Number("12345678901234567890123")},
		{`{"a":[1,true,false,null,{"b":"c"}]}`, map[string]any{"a": []any{json.Number("1"), true, false, nil, map[string]any{"b": "c"}}}},
		{`{"a":1,"A":2}`, map[string]any{"a": json.Number("1"), "A": json.Number("2")}},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			got, err := Parse([]byte(c.in))
			require.NoError(t, err)
			assert.Equal(t, c.want, got)
		})
	}
}

func TestParseRejects(t *testing.T) {
	cases := []struct {
		in, msg string
	}{
		{``, "unexpected end of input"},
		{`{"a":1,"a":2}`, `duplicate member "a"`},
		{`{"a":1,"\u0061":2}`, `duplicate member "a"`},
		{`{"x":{"a":1,"a":1}}`, `duplicate member "a"`},
		{"\"\xff\"", "invalid UTF-8"},
		{`"\ud800"`, "unpaired high surrogate"},
		{`"\ud800\u0041"`, "unpaired high surrogate"},
		{`"\udc00"`, "unpaired low surrogate"},
		{"\"a\nb\"", "unescaped control character"},
		{`"\x"`, `invalid escape`},
		{`"\u12"`, `invalid \u escape`},
		{`01`, "unexpected data after"},
		{`1.`, "digit expected after '.'"},
		{`1e`, "digit expected in exponent"},
		{`-`, "invalid number"},
		{`+1`, "unexpected character"},
		{`NaN`, "unexpected character"},
		{`{"a" 1}`, "expected ':'"},
		{`{"a":1,}`, "expected a member name"},
		{`[1,]`, "unexpected character"},
		{`[1 2]`, "expected ',' or ']'"},
		{`{} {}`, "unexpected data after"},
		{`tru`, "invalid literal"},
		{"\xef\xbb\xbf{}", "unexpected character"},
		{`"abc`, "unterminated string"},
		{`"ab\`, "unterminated escape"},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			_, err := Parse([]byte(c.in))
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrSyntax)
			assert.Contains(t, err.Error(), c.msg)
		})
	}
}

func TestParseLimits(t *testing.T) {
	deep := strings.Repeat("[", 33) + strings.Repeat("]", 33)
	_, err := Parse([]byte(deep))
	require.ErrorContains(t, err, "nesting deeper than 32")

	ok := strings.Repeat("[", 32) + strings.Repeat("]", 32)
	_, err = Parse([]byte(ok))
	require.NoError(t, err)

	_, err = ParseWithLimits([]byte(`"0123456789"`), Limits{MaxBytes: 8})
	require.ErrorContains(t, err, "more than the limit of 8")

	_, err = ParseWithLimits([]byte(`[[1]]`), Limits{MaxDepth: 1})
	require.ErrorContains(t, err, "nesting deeper than 1")

	var se *SyntaxError
	_, err = Parse([]byte(`{"a":1,"a":2}`))
	require.True(t, errors.As(err, &se))
	assert.Equal(t, 7, se.Offset)
}

func TestParseObject(t *testing.T) {
	_, err := ParseObject([]byte(`[1]`))
	require.ErrorContains(t, err, "expected a JSON object, got an array")
	m, err := ParseObject([]byte(`{"k":"v"}`))
	require.NoError(t, err)
	assert.Equal(t, "v", m["k"])
}

func TestAppend(t *testing.T) {
	v := map[string]any{
		"z": []any{json.Number("1.50"), int64(-3), 2.5, 1e21, float64(7), nil, true},
		"a": "<&>\"\\\n\x01é",
		"m": map[string]any{},
		"s": []string{"x", "y"},
	}
	got, err := Marshal(v)
	require.NoError(t, err)
	assert.Equal(t, `{"a":"<&>\"\\\n\u0001é","m":{},"s":["x","y"],"z":[1.50,-3,2.5,1e+21,7,null,true]}`, string(got))

	// Whatever we write, our strict parser reads back to the same value.
	back, err := Parse(got)
	require.NoError(t, err)
	v["s"] = []any{"x", "y"} // Parse reads every array as []any
	assert.True(t, Equal(v, back), "round trip changed the value: %s", got)

	_, err = Marshal("\xff")
	require.ErrorContains(t, err, "invalid UTF-8")
	_, err = Marshal(json.Number("1x"))
	require.ErrorContains(t, err, "invalid number")
	_, err = Marshal(map[string]any{"n": func() {}})
	require.Error(t, err)

	cyc := []any{nil}
	cyc[0] = cyc
	_, err = Marshal(cyc)
	require.ErrorContains(t, err, "a cycle?")
}

func TestEqualAndInt64(t *testing.T) {
	assert.True(t, Equal(json.Number("1683000000"), int64(1683000000)))
	assert.True(t, Equal(json.Number("1.0"), json.Number("1")))
	assert.False(t, Equal(json.Number("1"), "1"))
	assert.False(t, Equal(map[string]any{"a": nil}, map[string]any{"b": nil}))
	assert.False(t, Equal([]any{1}, []any{1, 2}))

	i, ok := Int64(json.Number("1e3"))
	assert.True(t, ok)
	assert.Equal(t, int64(1000), i)
	_, ok = Int64(json.Number("1.5"))
	assert.False(t, ok)
	_, ok = Int64("1")
	assert.False(t, ok)
}

// FuzzParse checks that the parser never panics, and that whatever it
// accepts, encoding/json accepts too and reads to the same value, and our
// writer writes back to the same value.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`{}`, `[]`, `{"a":[1,2,{"b":null}]}`, `"\ud83d\ude00"`, `{"a":1,"a":2}`,
		`-0.0e-0`, `[[[[[[[[]]]]]]]]`, "\"\xff\"", `{"_sd":["abc"],"...":"x"}`,
		`["salt","name",{"nested":[true,false]}]`, `"\u0000"`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := Parse(data)
		if err != nil {
			return
		}
		var std any
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		if err := dec.Decode(&std); err != nil {
			t.Fatalf("we accepted %q, encoding/json did not: %v", data, err)
		}
		if !Equal(v, std) {
			t.Fatalf("we read %q as %#v, encoding/json as %#v", data, v, std)
		}
		out, err := Marshal(v)
		if err != nil {
			t.Fatalf("cannot write back %q: %v", data, err)
		}
		back, err := Parse(out)
		if err != nil || !Equal(v, back) {
			t.Fatalf("round trip of %q through %q failed: %v", data, out, err)
		}
	})
}

// TestPlainString checks the eight-bytes-at-a-time test of AppendString's
// fast path against a byte-by-byte one.
func TestPlainString(t *testing.T) {
	slow := func(s string) bool {
		for i := 0; i < len(s); i++ {
			if c := s[i]; c < 0x20 || c == '"' || c == '\\' {
				return false
			}
		}
		return utf8.ValidString(s)
	}
	alphabet := []byte{0, 1, 0x1f, 0x20, 0x21, '"', 0x23, '\\', 0x5b, 0x5d, 'a', 0x7f, 0x80, 0xa0, 0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xff, 0xdd, 0xa2}
	r := mrand.New(mrand.NewPCG(1, 2))
	for range 200000 {
		b := make([]byte, r.IntN(40))
		for i := range b {
			if r.IntN(4) == 0 {
				b[i] = alphabet[r.IntN(len(alphabet))]
			} else {
				b[i] = byte('a' + r.IntN(26))
			}
		}
		s := string(b)
		require.Equal(t, slow(s), plainString(s), "%q", s)
		got, err := AppendString(nil, s)
		want, wantErr := appendStringEscaped(nil, s)
		require.Equal(t, wantErr, err, "%q", s)
		require.Equal(t, string(want), string(got), "%q", s)
	}
}

// TestErrorQuotesAreCapped: a long member name is quoted in an error cut
// to about 64 bytes, so that an error stays one short line.
func TestErrorQuotesAreCapped(t *testing.T) {
	long := strings.Repeat("k", 5000)
	_, err := Parse([]byte(`{"` + long + `":1,"` + long + `":2}`))
	require.ErrorContains(t, err, `duplicate member "kkkk`)
	require.Less(t, len(err.Error()), 120)
	require.Contains(t, err.Error(), `"…`)
	_, err = Parse([]byte(`{"a":1,"a":2}`))
	require.ErrorContains(t, err, `duplicate member "a"`)
	_, err = Marshal(json.Number(strings.Repeat("9", 1000) + "x"))
	require.ErrorContains(t, err, "invalid number")
	require.Less(t, len(err.Error()), 120)
}

// TestSkipPlain checks the eight-bytes-at-a-time scan of the parser's
// string fast path against a byte-by-byte one.
func TestSkipPlain(t *testing.T) {
	alphabet := []byte{0, 1, 0x1f, 0x20, 0x21, '"', 0x23, '\\', 0x5b, 0x5d, 0x7f, 0x80, 0xa0, 0xc3, 0xe2, 0xff}
	r := mrand.New(mrand.NewPCG(3, 4))
	for range 200000 {
		b := make([]byte, r.IntN(40))
		for i := range b {
			if r.IntN(6) == 0 {
				b[i] = alphabet[r.IntN(len(alphabet))]
			} else {
				b[i] = byte('a' + r.IntN(26))
			}
		}
		from := r.IntN(len(b) + 1)
		want := from
		for ; want < len(b); want++ {
			if c := b[want]; c < 0x20 || c == '"' || c == '\\' {
				break
			}
		}
		got, ascii := skipPlain(string(b), from)
		require.Equal(t, want, got, "%q from %d", b, from)
		if ascii {
			for _, c := range b[from:want] {
				require.Less(t, c, byte(0x80), "%q from %d", b, from)
			}
		}
	}
}

// TestEscapeErrorsAreOneLine: an invalid escape of a control character
// (found by sdjwt's FuzzParse) is reported without writing it out.
func TestEscapeErrorsAreOneLine(t *testing.T) {
	for _, in := range []string{"\"\\\n\"", "\"\\\r\"", "\"\\\x00\"", "\"\\\xff\"", `"\x"`} {
		_, err := Parse([]byte(in))
		require.ErrorContains(t, err, "invalid escape")
		require.NotContains(t, err.Error(), "\n")
		require.NotContains(t, err.Error(), "\r")
	}
	_, err := Parse([]byte(`"\x"`))
	require.ErrorContains(t, err, `invalid escape \x`)
	_, err = Parse([]byte("\"\\\n\""))
	require.ErrorContains(t, err, `invalid escape \ followed by byte 0x0a`)
}

func TestRaw(t *testing.T) {
	b, err := Marshal(map[string]any{"b": Raw(`{"x":[1,2]}`), "a": 1})
	if err != nil || string(b) != `{"a":1,"b":{"x":[1,2]}}` {
		t.Fatalf("%s %v", b, err)
	}
	if _, err := Marshal([]any{Raw(nil)}); err == nil {
		t.Error("an empty Raw was written")
	}
}
