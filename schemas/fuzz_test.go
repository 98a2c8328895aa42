package schemas

import (
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/seoulid/seoulid/internal/jsonx"
)

// FuzzValidate: claims from outside never make validation panic; the
// answer is nil or a *ValidationError whose violations all have a pointer
// that starts with "/" (or is empty, for the whole object) and one line.
func FuzzValidate(f *testing.F) {
	for _, t := range Default().Types()[:5] {
		f.Add(string(t.ExampleJSON()))
	}
	for _, s := range []string{`{}`, `{"name":null}`, `{"members":[{}]}`, `{"address":{"sido":1}}`, `{"rrn":"990412-2345678"}`, `{"a":[[[[[]]]]]}`} {
		f.Add(s)
	}
	types := Default().Types()
	f.Fuzz(func(t *testing.T, in string) {
		claims, err := jsonx.ParseObject([]byte(in))
		if err != nil {
			return
		}
		for _, ty := range types[:3] {
			for _, check := range []func(map[string]any) error{ty.Validate, ty.ValidateDisclosed} {
				err := check(claims)
				if err == nil {
					continue
				}
				var ve *ValidationError
				if !errors.As(err, &ve) || len(ve.Violations) == 0 {
					t.Fatalf("%s: %v is not a ValidationError with violations", ty.Slug, err)
				}
				for _, v := range ve.Violations {
					if (v.Pointer != "" && !strings.HasPrefix(v.Pointer, "/")) || strings.Contains(v.Message, "\n") {
						t.Fatalf("%s: bad violation %+v", ty.Slug, v)
					}
				}
			}
		}
	})
}

// rrnPattern is looksLikeRRN's rule as a regular expression: the oracle of
// FuzzLooksLikeRRN and the byte scanner of TestNoResidentRegistrationNumber.
var rrnPattern = regexp.MustCompile(`(^|[^0-9])[0-9]{2}(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])-?[0-9]([0-9]{6}|\*{6})($|[^0-9*])`)

// FuzzLooksLikeRRN: the byte scanner and the regular expression agree.
func FuzzLooksLikeRRN(f *testing.F) {
	for _, s := range []string{"990412-2345678", "9904122345678", "x990412-2******y", "99041223456789", "1990412-2345678", "990432-2345678", "991312-2345678", "990412-234567", "990412-2345678*", "12-990412-2345678", "990412--2345678", "990412-2*****"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := looksLikeRRN(s), rrnPattern.MatchString(s); got != want {
			t.Fatalf("looksLikeRRN(%q) = %v, the pattern says %v", s, got, want)
		}
	})
}
