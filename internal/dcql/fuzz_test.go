package dcql

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/seoulid/seoulid/internal/jsonx"
	"github.com/seoulid/seoulid/internal/sdjwt"
)

var hostileQueries = []string{
	``, `null`, `{}`, `[]`, `{"credentials":null}`, `{"credentials":[{}]}`, `{"credentials":[null]}`,
	`{"credentials":[{"id":"a","format":"dc+sd-jwt","meta":{"vct_values":["a"]},"claims":[{"path":[null,null,null]}]}]}`,
	`{"credentials":[{"id":"a","format":"dc+sd-jwt","meta":{"vct_values":["a"]},"claims":[{"path":[1e400]}]}]}`,
	`{"credentials":[{"id":"a","format":"dc+sd-jwt","meta":{"vct_values":["a"]},"claims":[{"path":["a"],"values":[1e400,-0,1E2]}]}]}`,
	`{"credentials":[{"id":"a","format":"dc+sd-jwt","meta":{"vct_values":["a"]},"claims":[{"id":"x","path":["a"]}],"claim_sets":[[],["x","x"]]}]}`,
	`{"credentials":[{"id":"a","format":"mso_mdoc","meta":{"doctype_value":"d","vct_values":[1]}}],"credential_sets":[{"options":[["a","a"]],"purpose":{"x":[]}}]}`,
	`{"credentials":[{"id":"a","format":"ldp_vc","meta":{"type_values":[["a"],[""]]}}]}`,
	`{"credentials":[{"id":"\u0000","format":"\ud800"}]}`,
	`{"credentials":[{"id":"a","format":"dc+sd-jwt","meta":{"vct_values":["a"]}}],"credential_sets":[{"options":[["a"]],"required":null}]}`,
}

// FuzzParse: Parse never panics and refuses with an ErrInvalidQuery on one
// line; what it accepts passes Validate, writes back and parses to the same
// query, and can be matched and checked.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.json")
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range hostileQueries {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		q, err := Parse(in)
		// ParseValue on the same JSON, parsed without Parse's depth
		// limit, decides alike and reads the same query.
		if v, perr := jsonx.ParseWithLimits(in, jsonx.Limits{MaxBytes: MaxQueryBytes, MaxDepth: 64}); perr == nil {
			qv, verr := ParseValue(v)
			if (err == nil) != (verr == nil) {
				t.Fatalf("Parse: %v; ParseValue: %v", err, verr)
			}
			if err == nil {
				a, _ := json.Marshal(q)
				b, _ := json.Marshal(qv)
				if !bytes.Equal(a, b) {
					t.Fatalf("Parse read %s, ParseValue %s", a, b)
				}
			}
		}
		if err != nil {
			if !errors.Is(err, ErrInvalidQuery) || strings.Contains(err.Error(), "\n") || len(err.Error()) > 4096 {
				t.Fatalf("refusal %q", err)
			}
			return
		}
		if err := q.Validate(); err != nil {
			t.Fatalf("accepted, then invalid: %v", err)
		}
		out, err := json.Marshal(q)
		if err != nil {
			t.Fatalf("accepted %q, cannot write it: %v", in, err)
		}
		back, err := Parse(out)
		if err != nil {
			t.Fatalf("%q was written as %q, which does not parse: %v", in, out, err)
		}
		if !reflect.DeepEqual(q, back) {
			t.Fatalf("%q: %+v came back as %+v", in, q, back)
		}
		// Matching and checking an accepted query never fail or panic.
		c := &cred{format: FormatSDJWTVC, claims: map[string]any{"a": []any{map[string]any{"b": "x"}}}}
		if _, err := q.Match([]Credential{c}); err != nil {
			t.Fatal(err)
		}
		token := map[string][]Presentation{}
		for _, cq := range q.Credentials {
			token[cq.ID] = []Presentation{{Format: cq.Format, Claims: c.claims}}
		}
		if _, err := q.Check(token); err != nil && !errors.Is(err, ErrUnsatisfied) {
			t.Fatal(err)
		}
	})
}

// FuzzSelectClaims: processing a pointer never panics; every claim it
// selects has a concrete path that selects exactly that claim again.
func FuzzSelectClaims(f *testing.F) {
	f.Add([]byte(`{"a":[{"b":1},{"b":2},{"c":3}],"d":{"e":[[1,2],[3]]}}`), []byte(`["a",null,"b"]`))
	f.Add([]byte(`{"a":[{"b":1},{"b":2}]}`), []byte(`["a",1]`))
	f.Add([]byte(`{"d":{"e":[[1,2],[3]]}}`), []byte(`["d","e",null,null]`))
	f.Add([]byte(`{"a":"x"}`), []byte(`["a","b"]`))
	f.Add([]byte(`{}`), []byte(`[null]`))
	f.Fuzz(func(t *testing.T, claimsJSON, pathJSON []byte) {
		claims, err := jsonx.ParseObject(claimsJSON)
		if err != nil {
			return
		}
		var p sdjwt.Path
		if err := p.UnmarshalJSON(pathJSON); err != nil {
			return
		}
		sel, err := SelectClaims(claims, p)
		if err != nil {
			if !errors.Is(err, ErrNoClaim) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("refusal %q", err)
			}
			return
		}
		for _, c := range sel {
			if len(c.Path) != len(p) {
				t.Fatalf("%v selected %v", p, c.Path)
			}
			again, err := SelectClaims(claims, c.Path)
			if err != nil || len(again) != 1 || !jsonx.Equal(again[0].Value, c.Value) {
				t.Fatalf("%v selected %v, which selects %v, %v", p, c.Path, again, err)
			}
		}
	})
}
