package sdjwtvc

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// FuzzParseTypeMetadata: a Type Metadata document from outside never makes
// the parser panic, and what it accepts passes Validate and writes back to
// JSON that parses again.
func FuzzParseTypeMetadata(f *testing.F) {
	for _, s := range []string{
		`{"vct":"urn:x:1"}`,
		`{"vct":"urn:x:1","display":[{"locale":"ko","name":"이름","rendering":{"simple":{"background_color":"#000000"}}}],"claims":[{"path":["a",null,0],"sd":"always","display":[{"locale":"en","label":"A"}]}]}`,
		`{"vct":"urn:x:1","claims":[{"path":[]}]}`,
		`{"vct":"urn:x:1","vct":"urn:y:1"}`,
		`{"vct":"urn:x:1","display":[{"locale":"en","name":"a"},{"locale":"en","name":"b"}]}`,
		`{"vct":"urn:x:1","claims":[{"path":["a"],"svg_id":"1bad"}]}`,
		`[]`, `{"vct":1}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		m, err := ParseTypeMetadata([]byte(in))
		if err != nil {
			if !errors.Is(err, ErrTypeMetadata) {
				t.Fatalf("error %v is not ErrTypeMetadata", err)
			}
			return
		}
		if err := m.Validate(); err != nil {
			t.Fatalf("accepted but invalid: %v", err)
		}
		out, err := json.Marshal(m)
		if err != nil {
			t.Fatalf("accepted %q but cannot write it: %v", in, err)
		}
		if _, err := ParseTypeMetadata(out); err != nil {
			t.Fatalf("%s does not parse again: %v", out, err)
		}
	})
}

func TestParseTypeMetadata(t *testing.T) {
	for in, want := range map[string]string{
		`{"name":"x"}`: `"vct" is missing`,
		`{"vct":"urn:x:1","display":[{"locale":"en","name":"a"},{"locale":"en","name":"b"}]}`:                               `display locale "en" appears twice`,
		`{"vct":"urn:x:1","display":[{"locale":"en"}]}`:                                                                     `display "en" has no name`,
		`{"vct":"urn:x:1","claims":[{"path":["a"],"sd":"sometimes"}]}`:                                                      `sd "sometimes"`,
		`{"vct":"urn:x:1","claims":[{"path":["a"],"svg_id":"1bad"}]}`:                                                       `svg_id`,
		`{"vct":"urn:x:1","claims":[{"path":[-1]}]}`:                                                                        `non-negative index`,
		`{"vct":"urn:x:1","vct":"urn:y:1"}`:                                                                                 `duplicate`,
		`{"vct":"urn:x:1","display":[{"locale":"en","name":"a","rendering":{"simple":{"logo":{"uri":"http://x/l.png"}}}}]}`: `neither https nor data`,
	} {
		_, err := ParseTypeMetadata([]byte(in))
		if err == nil || !errors.Is(err, ErrTypeMetadata) || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want an error containing %q", in, err, want)
		}
	}
	m, err := ParseTypeMetadata([]byte(`{"vct":"urn:x:1","extra":{"ignored":true},"claims":[{"path":["a",null],"sd":"never","mandatory":true}]}`))
	if err != nil || m.Claims[0].Path.String() != "a[*]" || !m.Claims[0].Mandatory {
		t.Fatalf("%+v %v", m, err)
	}
	if got := Integrity([]byte("{}")); got != "sha256-RBNvo1WzZ4oRRq0W9+hknpT7T8If536DEMBg9hyq/4o=" {
		t.Errorf("integrity %s", got)
	}
}
