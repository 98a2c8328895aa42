package schemas

import (
	"errors"
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
