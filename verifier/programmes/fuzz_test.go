package programmes

import (
	"context"
	"io/fs"
	"sync"
	"testing"
	"time"

	"github.com/seoulid/seoulid/schemas"
)

var fuzzEnv = sync.OnceValues(func() (*loader, error) {
	sub, err := fs.Sub(defaults, "defaults")
	if err != nil {
		return nil, err
	}
	l := &loader{cfg: Config{Types: schemas.Default(), Now: time.Now}}
	tables := l.tables(sub, "defaults/")
	if tables == nil {
		return nil, &LoadError{Problems: l.problems}
	}
	l.env, err = newEnv(tables)
	return l, err
})

// FuzzLoad feeds programme files to the loader: whatever the input, it
// returns a programme or problems, never panics, and a programme it
// returns can state its purpose and decide on no evidence.
func FuzzLoad(f *testing.F) {
	files, err := fs.Glob(defaults, "defaults/*.json")
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range files {
		data, err := fs.ReadFile(defaults, name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, s := range []string{
		``, `null`, `[]`, `{}`, `{"id": 1}`, `{"id": "a", "id": "b"}`,
		`{"id":"x","version":"1","name":{"ko":"가","en":"a"},"purpose":{"id":"x","description":{"ko":"가","en":"a"},"legal_basis":"b","retention":"P1D"},` +
			`"query":{"credentials":[{"id":"c","format":"dc+sd-jwt","meta":{"vct_values":["urn:seoulid:vct:seoul-citizen-card:1"]},"claims":[{"path":["resident_of_seoul"]}]}]},` +
			`"criteria":[{"id":"r","label":{"ko":"가","en":"a"},"needs":["c"],"rule":"credentials.c.resident_of_seoul == true","reasons":{"passed":{"ko":"가","en":"a"},"failed":{"ko":"가","en":"a"}},"basis":"[RECON]"}]}`,
		`{"criteria":[{"rule":"credentials.c.x.all(a, credentials.c.x.all(b, credentials.c.x.all(c, a == b)))"}]}`,
		`{"criteria":[{"rule":"` + string(make([]byte, 5000)) + `"}]}`,
		`{"criteria":[{"rule":"((((((((((((((((((((((((((((((((((((((((((((((((((1))))))))))))))))))))))))))))))))))))))))))))))))))) == 1"}]}`,
		`{"query":{"credentials":[{"id":"c","format":"mso_mdoc","meta":{"doctype_value":"x"},"claims":[{"path":["a","b"]}]}]}}`,
		`{"criteria":[{"rule":"credentials.c[0][1]['x'].y == params.p", "undetermined_if": "has(credentials.c.z)"}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := fuzzEnv()
		if err != nil {
			t.Fatal(err)
		}
		l.problems = nil
		p := l.programme("fuzz.json", data)
		if p == nil {
			if len(l.problems) == 0 {
				t.Fatal("no programme and no problem")
			}
			return
		}
		if len(l.problems) != 0 {
			t.Fatalf("a programme with problems: %v", l.problems)
		}
		_ = p.Purpose()
		_ = p.Query()
		params := map[string]string{}
		for _, d := range p.Parameters() {
			params[d.Name] = "x"
		}
		d, err := p.Decide(context.Background(), Evidence{ApplicationDate: time.Now(), Parameters: params})
		if err != nil {
			t.Fatalf("Decide on no evidence: %v", err)
		}
		if len(d.Criteria) != len(p.criteria) {
			t.Fatalf("%d criteria decided of %d", len(d.Criteria), len(p.criteria))
		}
	})
}
