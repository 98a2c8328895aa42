package jcs

import (
	"errors"
	"testing"

	"github.com/seoulid/seoulid/internal/jsonx"
)

// RFC 8785's examples: §3.2.2 (the sample), §3.2.3 (sorting) and the
// number table of Appendix B.
func TestCanonicalize(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		// §3.2.2.
		{`{
  "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
  "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
  "literals": [null, true, false]
}`, `{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}`},
		// §3.2.3: sorted by UTF-16 code units.
		{`{"\u20ac": "Euro Sign", "\r": "Carriage Return", "\ufb33": "Hebrew Letter Dalet With Dagesh", "1": "One",
		  "\ud83d\ude00": "Emoji: Grinning Face", "\u0080": "Control", "\u00f6": "Latin Small Letter O With Diaeresis"}`,
			"{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u0080\":\"Control\",\"\u00f6\":\"Latin Small Letter O With Diaeresis\",\"\u20ac\":\"Euro Sign\",\"\U0001F600\":\"Emoji: Grinning Face\",\"\ufb33\":\"Hebrew Letter Dalet With Dagesh\"}"},
		// Appendix B.
		{`[0, -0, 1e-7, 1e21, 1e20, 9007199254740992, -1.5, 5e-324, 1.7976931348623157e308, 0.1, 12345678901234567890]`,
			`[0,0,1e-7,1e+21,100000000000000000000,9007199254740992,-1.5,5e-324,1.7976931348623157e+308,0.1,12345678901234567000]`},
		{"\"\\b\\f\\u0001\"", `"\b\f\u0001"`},
	} {
		got, err := Canonicalize([]byte(c.in), jsonx.Limits{})
		if err != nil {
			t.Errorf("%s: %v", c.in, err)
			continue
		}
		if string(got) != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.in, got, c.want)
		}
	}
}

func TestRefused(t *testing.T) {
	for _, in := range []string{
		`1e400`,         // not finite
		`{"a":1,"a":2}`, // duplicate names
		"\"\xff\"",      // invalid UTF-8
		`[1,2`,          // not JSON
	} {
		if got, err := Canonicalize([]byte(in), jsonx.Limits{}); err == nil {
			t.Errorf("%s canonicalized to %s", in, got)
		}
	}
	if _, err := Canonicalize([]byte(`1e400`), jsonx.Limits{}); !errors.Is(err, ErrNumber) {
		t.Errorf("1e400: %v, want ErrNumber", err)
	}
}

func FuzzCanonicalize(f *testing.F) {
	for _, s := range []string{`{"b":[1,2.5,"x"],"a":null}`, `"\u0000"`, `1e-7`, `{"\ud83d\ude00":1,"\ufb33":2}`, `[[[[[]]]]]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		out, err := Canonicalize(data, jsonx.Limits{MaxBytes: 1 << 16})
		if err != nil {
			return
		}
		// The canonical form is JSON, and its own canonical form.
		again, err := Canonicalize(out, jsonx.Limits{})
		if err != nil {
			t.Fatalf("the canonical form %q does not parse: %v", out, err)
		}
		if string(again) != string(out) {
			t.Fatalf("not idempotent: %q then %q", out, again)
		}
	})
}
