package dcql

import (
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

func readQuery(t testing.TB, name string) *Query {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	q, err := Parse(raw)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return q
}

// TestSpecExamples parses every DCQL query of OpenID4VP 1.0 (testdata/,
// see its README) and checks what each says.
func TestSpecExamples(t *testing.T) {
	t.Run("simple", func(t *testing.T) {
		q := readQuery(t, "simple.json")
		c := q.Credentials[0]
		if len(q.Credentials) != 1 || c.ID != "my_credential" || c.Format != FormatSDJWTVC ||
			!reflect.DeepEqual(c.Meta.VCTValues, []string{"https://credentials.example.com/identity_credential"}) ||
			len(c.Claims) != 3 || pathString(c.Claims[2].Path) != `["address","street_address"]` ||
			c.Multiple || !c.HolderBindingRequired() || q.CredentialSets != nil {
			t.Errorf("decoded %+v", q)
		}
	})
	t.Run("simple_mdoc", func(t *testing.T) {
		q := readQuery(t, "simple_mdoc.json")
		c := q.Credentials[0]
		if c.Format != FormatMdoc || c.Meta.DoctypeValue != "org.iso.7367.1.mVRC" || pathString(c.Claims[1].Path) != `["org.iso.18013.5.1","first_name"]` {
			t.Errorf("decoded %+v", c)
		}
	})
	t.Run("multi_credentials", func(t *testing.T) {
		q := readQuery(t, "multi_credentials.json")
		if len(q.Credentials) != 2 || q.Credentials[0].ID != "pid" || q.Credentials[1].Format != FormatMdoc {
			t.Errorf("decoded %+v", q)
		}
	})
	t.Run("credentials_alternatives", func(t *testing.T) {
		q := readQuery(t, "credentials_alternatives.json")
		s := q.CredentialSets
		if len(q.Credentials) != 5 || len(s) != 2 || !s[0].IsRequired() || s[1].IsRequired() ||
			!reflect.DeepEqual(s[0].Options, [][]string{{"pid"}, {"other_pid"}, {"pid_reduced_cred_1", "pid_reduced_cred_2"}}) {
			t.Errorf("decoded %+v", q)
		}
	})
	t.Run("complex_mdoc", func(t *testing.T) {
		q := readQuery(t, "complex_mdoc.json")
		if len(q.Credentials) != 4 || q.Credentials[2].Meta.DoctypeValue != "org.iso.23220.photoid.1" ||
			q.Credentials[0].Claims[0].ID != "given_name" || len(q.CredentialSets) != 2 || q.CredentialSets[1].IsRequired() {
			t.Errorf("decoded %+v", q)
		}
	})
	t.Run("claims_alternatives", func(t *testing.T) {
		q := readQuery(t, "claims_alternatives.json")
		c := q.Credentials[0]
		if len(c.Claims) != 5 || !reflect.DeepEqual(c.ClaimSets, [][]string{{"a", "c", "d", "e"}, {"a", "b", "e"}}) {
			t.Errorf("decoded %+v", c)
		}
	})
	t.Run("value_matching_simple", func(t *testing.T) {
		q := readQuery(t, "value_matching_simple.json")
		c := q.Credentials[0]
		if !reflect.DeepEqual(c.Claims[0].Values, []any{"Doe"}) || !reflect.DeepEqual(c.Claims[3].Values, []any{"90210", "90211"}) {
			t.Errorf("decoded %+v", c)
		}
	})
	for _, name := range []string{"dcql_jwt_vc.json", "dcql_ldp_vc.json"} {
		t.Run(name, func(t *testing.T) {
			q := readQuery(t, name)
			if !reflect.DeepEqual(q.Credentials[0].Meta.TypeValues, [][]string{{"IDCredential"}}) {
				t.Errorf("decoded %+v", q.Credentials[0].Meta)
			}
		})
	}
}

// TestInlineSpecExamples parses the queries the text of OpenID4VP 1.0
// shows inline: in the request object passed by value (§5.4) and in the
// request for an encrypted response (§8.3).
func TestInlineSpecExamples(t *testing.T) {
	for name, doc := range map[string]string{
		"§5.4": `{
    "credentials": [
      {
        "id": "some_identity_credential",
        "format": "dc+sd-jwt",
        "meta": {
          "vct_values": [ "https://credentials.example.com/identity_credential" ]
        },
        "claims": [
            {"path": ["last_name"]},
            {"path": ["first_name"]}   
        ]
      }
    ]
  }`,
		"§8.3": `{
  "credentials": [
   {
    "id": "my_credential",
    "format": "dc+sd-jwt",
    "meta": {
      "vct_values": ["https://credentials.example.com/identity_credential"]
    },
    "claims": [
      {"path": ["last_name"]},
      {"path": ["first_name"]},
      {"path": ["address", "postal_code"]}
     ]
    }
   ]
 }`,
	} {
		if _, err := Parse([]byte(doc)); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestRoundTrip: every example written with encoding/json parses back to
// the same query.
func TestRoundTrip(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.json")
	if len(files) < 9 {
		t.Fatalf("only %d examples", len(files))
	}
	for _, f := range files {
		q := readQuery(t, filepath.Base(f))
		out, err := json.Marshal(q)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		var back Query
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatalf("%s: %s does not parse back: %v", f, out, err)
		}
		if !reflect.DeepEqual(q, &back) {
			t.Errorf("%s: %+v became %+v", f, q, back)
		}
	}
}

// TestUnknownMembers: members the spec does not define are ignored (§6),
// and the meta of a format this package does not know is kept as it is.
func TestUnknownMembers(t *testing.T) {
	q, err := Parse([]byte(`{"credentials":[{"id":"x","format":"vc+sd-jwt","meta":{"vct_values":["urn:a"],"z":{"deep":[1]}},
		"future":true,"claims":[{"path":["a"],"note":"hi","intent_to_retain":"not for this format"}]}],
		"credential_sets":[{"options":[["x"]],"purpose":"to check your age"}],"extension":{"a":1}}`))
	if err != nil {
		t.Fatal(err)
	}
	c := q.Credentials[0]
	if c.Meta.VCTValues != nil || !reflect.DeepEqual(c.Meta.Other["vct_values"], []any{"urn:a"}) || c.Claims[0].IntentToRetain != nil ||
		q.CredentialSets[0].Purpose != "to check your age" {
		t.Errorf("decoded %+v", q)
	}
	out, _ := json.Marshal(q)
	if !strings.Contains(string(out), `"meta":{"vct_values":["urn:a"],"z":{"deep":[1]}}`) {
		t.Errorf("meta not kept: %s", out)
	}
}

func TestDefaults(t *testing.T) {
	q, err := Parse([]byte(`{"credentials":[{"id":"a","format":"dc+sd-jwt","meta":{"vct_values":["urn:a"]},"multiple":true,"require_cryptographic_holder_binding":false}],
		"credential_sets":[{"options":[["a"]],"required":false}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if !q.Credentials[0].Multiple || q.Credentials[0].HolderBindingRequired() || q.CredentialSets[0].IsRequired() {
		t.Errorf("decoded %+v", q)
	}
}

const vct = `"meta":{"vct_values":["urn:a"]}`

// TestParseRefusals: every rule Parse enforces, each with the member it
// names and the section it cites.
func TestParseRefusals(t *testing.T) {
	cq := func(members string) string { return `{"credentials":[{` + members + `}]}` }
	sd := func(more string) string { return cq(`"id":"a","format":"dc+sd-jwt",` + vct + more) }
	for _, tc := range []struct {
		name, doc, want string
	}{
		{"not JSON", `{`, "invalid JSON"},
		{"duplicate member", `{"credentials":[],"credentials":[]}`, `duplicate member "credentials"`},
		{"array", `[]`, "is an array, not an object"},
		{"no credentials", `{}`, `"credentials" is missing (§6)`},
		{"credentials not array", `{"credentials":{}}`, "credentials: is an object, not an array"},
		{"credentials empty", `{"credentials":[]}`, "credentials: is empty; a query asks for at least one credential (§6)"},
		{"credential not object", `{"credentials":[1]}`, "credentials[0]: is a number, not an object"},
		{"no id", cq(`"format":"dc+sd-jwt",` + vct), `credentials[0]: "id" is missing (§6.1)`},
		{"id not string", cq(`"id":1,"format":"dc+sd-jwt",` + vct), "credentials[0].id: is a number, not a string"},
		{"id empty", cq(`"id":"","format":"dc+sd-jwt",` + vct), `credentials[0].id: "" is not a non-empty string of alphanumerics`},
		{"id with space", cq(`"id":"a b","format":"dc+sd-jwt",` + vct), `"a b" is not a non-empty string of alphanumerics, '_' and '-' (§6.1)`},
		{"id not ASCII", cq(`"id":"신분증","format":"dc+sd-jwt",` + vct), `is not a non-empty string of alphanumerics`},
		{"id twice", `{"credentials":[{"id":"a","format":"dc+sd-jwt",` + vct + `},{"id":"a","format":"dc+sd-jwt",` + vct + `}]}`, `credentials[1].id: "a" is the id of an earlier credential query; ids are unique (§6.1)`},
		{"no format", cq(`"id":"a",` + vct), `"format" is missing (§6.1)`},
		{"format empty", cq(`"id":"a","format":"",` + vct), "credentials[0].format: is empty"},
		{"no meta", cq(`"id":"a","format":"dc+sd-jwt"`), `"meta" is missing (§6.1)`},
		{"meta not object", cq(`"id":"a","format":"dc+sd-jwt","meta":[]`), "credentials[0].meta: is an array, not an object"},
		{"no vct_values", cq(`"id":"a","format":"dc+sd-jwt","meta":{}`), "vct_values: is missing or empty; dc+sd-jwt needs at least one type (B.3.5)"},
		{"vct_values empty", cq(`"id":"a","format":"dc+sd-jwt","meta":{"vct_values":[]}`), "is missing or empty"},
		{"vct_values not strings", cq(`"id":"a","format":"dc+sd-jwt","meta":{"vct_values":[1]}`), "meta.vct_values[0]: is a number, not a string"},
		{"vct empty", cq(`"id":"a","format":"dc+sd-jwt","meta":{"vct_values":[""]}`), `vct_values[0]: "" is not a type identifier`},
		{"vct not a URI", cq(`"id":"a","format":"dc+sd-jwt","meta":{"vct_values":["://nothing"]}`), `"://nothing" is not a type identifier`},
		{"mdoc without doctype", cq(`"id":"a","format":"mso_mdoc","meta":{}`), "doctype_value: is missing or empty; mso_mdoc needs a doctype (B.2.3)"},
		{"mdoc doctype not string", cq(`"id":"a","format":"mso_mdoc","meta":{"doctype_value":["x"]}`), "doctype_value: is an array, not a string"},
		{"mdoc path of three", cq(`"id":"a","format":"mso_mdoc","meta":{"doctype_value":"d"},"claims":[{"path":["ns","a","b"]}]`), `claims[0].path: ["ns","a","b"] is not two strings`},
		{"mdoc path with null", cq(`"id":"a","format":"mso_mdoc","meta":{"doctype_value":"d"},"claims":[{"path":["ns",null]}]`), "as mso_mdoc needs (§7.2.1)"},
		{"mdoc intent_to_retain", cq(`"id":"a","format":"mso_mdoc","meta":{"doctype_value":"d"},"claims":[{"path":["ns","a"],"intent_to_retain":1}]`), "intent_to_retain: is a number, not a boolean"},
		{"w3c without type_values", cq(`"id":"a","format":"ldp_vc","meta":{}`), "type_values: is missing or empty; ldp_vc needs at least one set of types (B.1.1)"},
		{"w3c empty type set", cq(`"id":"a","format":"jwt_vc_json","meta":{"type_values":[[]]}`), "type_values[0]: is empty (B.1.1)"},
		{"w3c type_values flat", cq(`"id":"a","format":"jwt_vc_json","meta":{"type_values":["IDCredential"]}`), "type_values[0]: is a string, not an array"},
		{"multiple not boolean", sd(`,"multiple":"yes"`), "credentials[0].multiple: is a string, not a boolean"},
		{"holder binding not boolean", sd(`,"require_cryptographic_holder_binding":0`), "require_cryptographic_holder_binding: is a number, not a boolean"},
		{"trusted_authorities empty", sd(`,"trusted_authorities":[]`), "trusted_authorities: is empty"},
		{"trusted authority without type", sd(`,"trusted_authorities":[{"values":["x"]}]`), `"type" is missing (§6.1.1)`},
		{"trusted authority without values", sd(`,"trusted_authorities":[{"type":"aki","values":[]}]`), "trusted_authorities[0].values: is empty; it has at least one value (§6.1.1)"},
		{"trusted authority empty value", sd(`,"trusted_authorities":[{"type":"aki","values":[""]}]`), "trusted_authorities[0].values[0]: is empty (§6.1.1)"},
		{"claims empty", sd(`,"claims":[]`), "credentials[0].claims: is empty; when present it names at least one claim (§6.1)"},
		{"claim not object", sd(`,"claims":["a"]`), "claims[0]: is a string, not an object"},
		{"claim without path", sd(`,"claims":[{"id":"x"}]`), `claims[0]: "path" is missing (§6.3)`},
		{"path empty", sd(`,"claims":[{"path":[]}]`), "claims[0].path: is empty; a claims path pointer has at least one element (§7)"},
		{"path not array", sd(`,"claims":[{"path":"a.b"}]`), "claims[0].path: is a string, not an array"},
		{"path negative", sd(`,"claims":[{"path":["a",-1]}]`), "path[1]: is a number, not a string, null or a non-negative integer (§7)"},
		{"path fraction", sd(`,"claims":[{"path":["a",1.5]}]`), "path[1]: is a number, not a string, null or a non-negative integer (§7)"},
		{"path boolean", sd(`,"claims":[{"path":[true]}]`), "path[0]: is a boolean, not a string"},
		{"path object", sd(`,"claims":[{"path":[{}]}]`), "path[0]: is an object, not a string"},
		{"path too long", sd(`,"claims":[{"path":[` + strings.Repeat(`"a",`, sdjwt.MaxPathElements) + `"a"]}]`), "elements, more than 64"},
		{"claim id empty", sd(`,"claims":[{"id":"","path":["a"]}]`), "claims[0].id: is empty (§6.3)"},
		{"claim id bad", sd(`,"claims":[{"id":"a.b","path":["a"]}]`), `"a.b" is not a string of alphanumerics, '_' and '-' (§6.3)`},
		{"claim id twice", sd(`,"claims":[{"id":"x","path":["a"]},{"id":"x","path":["b"]}]`), `claims[1].id: "x" is the id of an earlier claim of this credential query (§6.3)`},
		{"same claim twice", sd(`,"claims":[{"path":["a",null]},{"path":["a",null]}]`), `claims[1].path: ["a",null] is also the path of claims[0]; a query points at a claim once (§6.1)`},
		{"values empty", sd(`,"claims":[{"path":["a"],"values":[]}]`), "claims[0].values: is empty"},
		{"values not array", sd(`,"claims":[{"path":["a"],"values":"x"}]`), "claims[0].values: is a string, not an array"},
		{"value null", sd(`,"claims":[{"path":["a"],"values":[null]}]`), "values[0]: is null, not a string, an integer or a boolean (§6.3)"},
		{"value fraction", sd(`,"claims":[{"path":["a"],"values":[1.5]}]`), "values[0]: is a number with a fraction or out of range, not a string"},
		{"value object", sd(`,"claims":[{"path":["a"],"values":[{"a":1}]}]`), "values[0]: is an object, not a string"},
		{"claim_sets without claims", sd(`,"claim_sets":[["x"]]`), "claim_sets: is present without claims (§6.4.1)"},
		{"claim_sets empty", sd(`,"claims":[{"id":"x","path":["a"]}],"claim_sets":[]`), "claim_sets: is empty"},
		{"claim_sets flat", sd(`,"claims":[{"id":"x","path":["a"]}],"claim_sets":["x"]`), "claim_sets[0]: is a string, not an array"},
		{"claim_sets unknown id", sd(`,"claims":[{"id":"x","path":["a"]}],"claim_sets":[["x","y"]]`), `claim_sets[0][1]: "y" is not the id of a claim of this credential query (§6.1)`},
		{"claim without id under claim_sets", sd(`,"claims":[{"id":"x","path":["a"]},{"path":["b"]}],"claim_sets":[["x"]]`), "claims[1].id: is missing, and claim_sets needs it (§6.3)"},
		{"credential_sets not array", `{"credentials":[{"id":"a","format":"dc+sd-jwt",` + vct + `}],"credential_sets":{}}`, "credential_sets: is an object, not an array"},
		{"credential_sets empty", `{"credentials":[{"id":"a","format":"dc+sd-jwt",` + vct + `}],"credential_sets":[]}`, "credential_sets: is empty"},
		{"no options", `{"credentials":[{"id":"a","format":"dc+sd-jwt",` + vct + `}],"credential_sets":[{}]}`, `credential_sets[0]: "options" is missing (§6.2)`},
		{"options empty", `{"credentials":[{"id":"a","format":"dc+sd-jwt",` + vct + `}],"credential_sets":[{"options":[]}]}`, "credential_sets[0].options: is empty; a credential set has at least one option (§6.2)"},
		{"option empty", `{"credentials":[{"id":"a","format":"dc+sd-jwt",` + vct + `}],"credential_sets":[{"options":[[]]}]}`, "credential_sets[0].options[0]: is empty; an option names at least one credential query (§6.2)"},
		{"option unknown id", `{"credentials":[{"id":"a","format":"dc+sd-jwt",` + vct + `}],"credential_sets":[{"options":[["a","b"]]}]}`, `credential_sets[0].options[0][1]: "b" is not the id of a credential query (§6.2)`},
		{"required not boolean", `{"credentials":[{"id":"a","format":"dc+sd-jwt",` + vct + `}],"credential_sets":[{"options":[["a"]],"required":"no"}]}`, "credential_sets[0].required: is a string, not a boolean"},
		{"too large", `{"credentials":[],"x":"` + strings.Repeat("a", MaxQueryBytes) + `"}`, "more than the limit"},
		{"too deep", `{"credentials":[],"x":` + strings.Repeat("[", 20) + strings.Repeat("]", 20) + `}`, "nesting deeper than 16"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.doc))
			if err == nil {
				t.Fatalf("accepted %s", tc.doc)
			}
			if !errors.Is(err, ErrInvalidQuery) || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("got %v\nwant an ErrInvalidQuery on one line containing %q", err, tc.want)
			}
		})
	}
}

// TestValidateListsEveryProblem: one error, every problem in it.
func TestValidateListsEveryProblem(t *testing.T) {
	_, err := Parse([]byte(`{"credentials":[{"id":"a b","format":"dc+sd-jwt","meta":{},"claims":[]}],"credential_sets":[{"options":[["c"]]}]}`))
	var qe *QueryError
	if !errors.As(err, &qe) {
		t.Fatalf("got %v", err)
	}
	var where []string
	for _, p := range qe.Problems {
		where = append(where, p.Where)
	}
	want := []string{"credentials[0].id", "credentials[0].meta.vct_values", "credentials[0].claims", "credential_sets[0].options[0][0]"}
	if !reflect.DeepEqual(where, want) {
		t.Errorf("problems at %q, want %q", where, want)
	}
}

// TestValidateGoBuilt covers what only a query built in Go can get wrong.
func TestValidateGoBuilt(t *testing.T) {
	good := func() *Query {
		return &Query{Credentials: []CredentialQuery{{
			ID: "pid", Format: FormatSDJWTVC, Meta: Meta{VCTValues: []string{"urn:seoul:pid"}},
			Claims: []ClaimsQuery{{ID: "n", Path: sdjwt.Path{"name"}}, {ID: "b", Path: sdjwt.Path{"birthdate"}, Values: []any{1, int64(2), "x", true}}},
		}}}
	}
	if err := good().Validate(); err != nil {
		t.Fatal(err)
	}
	for want, mutate := range map[string]func(q *Query){
		"no query":                               func(q *Query) { *q = Query{} },
		"doctype_value: is a member of mso_mdoc": func(q *Query) { q.Credentials[0].Meta.DoctypeValue = "d" },
		"type_values: is a member of":            func(q *Query) { q.Credentials[0].Meta.TypeValues = [][]string{{"x"}} },
		"vct_values: is a member of dc+sd-jwt":   func(q *Query) { q.Credentials[0].Format = "other" },
		"path: element 1 is negative (§7)":       func(q *Query) { q.Credentials[0].Claims[0].Path = sdjwt.Path{"a", -1} },
		"path: element 0 is a int64":             func(q *Query) { q.Credentials[0].Claims[0].Path = sdjwt.Path{int64(1)} },
		"path: is empty":                         func(q *Query) { q.Credentials[0].Claims[0].Path = nil },
		"intent_to_retain: is a parameter of mso_mdoc only (B.2.4)": func(q *Query) {
			yes := true
			q.Credentials[0].Claims[0].IntentToRetain = &yes
		},
		"values[0]: is a number with a fraction": func(q *Query) { q.Credentials[0].Claims[1].Values = []any{0.5} },
		"values[0]: is an array":                 func(q *Query) { q.Credentials[0].Claims[1].Values = []any{[]any{}} },
	} {
		q := good()
		mutate(q)
		if want == "no query" {
			q = nil
		}
		err := q.Validate()
		if err == nil || !errors.Is(err, ErrInvalidQuery) || !strings.Contains(err.Error(), want) {
			t.Errorf("got %v, want an error containing %q", err, want)
		}
	}
}

// TestSelectClaims runs the claims path pointer example of §7.3, and the
// refusals of §7.1.1.
func TestSelectClaims(t *testing.T) {
	cred, err := jsonx.ParseObject([]byte(`{
  "name": "Arthur Dent",
  "address": {
    "street_address": "42 Market Street",
    "locality": "Milliways",
    "postal_code": "12345"
  },
  "degrees": [
    {
      "type": "Bachelor of Science",
      "university": "University of Betelgeuse"
    },
    {
      "type": "Master of Science",
      "university": "University of Betelgeuse"
    }
  ],
  "nationalities": ["British", "Betelgeusian"]
}`))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path sdjwt.Path
		want string // the selected claims as JSON [[path, value], …]
	}{
		{sdjwt.Path{"name"}, `[[["name"],"Arthur Dent"]]`},
		{sdjwt.Path{"address"}, `[[["address"],{"locality":"Milliways","postal_code":"12345","street_address":"42 Market Street"}]]`},
		{sdjwt.Path{"address", "street_address"}, `[[["address","street_address"],"42 Market Street"]]`},
		{sdjwt.Path{"degrees", nil, "type"}, `[[["degrees",0,"type"],"Bachelor of Science"],[["degrees",1,"type"],"Master of Science"]]`},
		{sdjwt.Path{"nationalities", 1}, `[[["nationalities",1],"Betelgeusian"]]`},
		{sdjwt.Path{"degrees", nil}, `[[["degrees",0],{"type":"Bachelor of Science","university":"University of Betelgeuse"}],[["degrees",1],{"type":"Master of Science","university":"University of Betelgeuse"}]]`},
	} {
		sel, err := SelectClaims(cred, tc.path)
		if err != nil {
			t.Errorf("%s: %v", pathString(tc.path), err)
			continue
		}
		var got []any
		for _, c := range sel {
			got = append(got, []any{[]any(c.Path), c.Value})
		}
		b, _ := jsonx.Marshal(got)
		if string(b) != tc.want {
			t.Errorf("%s selected %s, want %s", pathString(tc.path), b, tc.want)
		}
	}
	for _, tc := range []struct {
		path sdjwt.Path
		want string
	}{
		{sdjwt.Path{"missing"}, `["missing"] selects nothing`},
		{sdjwt.Path{"name", "first"}, `["name","first"]: element 1 is applied to a string, not an object (§7.1.1)`},
		{sdjwt.Path{"address", nil}, `element 1 is applied to an object, not an array`},
		{sdjwt.Path{"address", 0}, `element 1 is applied to an object, not an array`},
		{sdjwt.Path{"nationalities", 2}, `selects nothing`},
		{sdjwt.Path{"nationalities", nil, "x"}, `element 2 is applied to a string, not an object`},
		{sdjwt.Path{"degrees", nil, "grade"}, `selects nothing`},
		{sdjwt.Path{"degrees", -1}, `element 1 is a negative index`},
		{sdjwt.Path{1.5}, `element 0 is a float64, not a name`},
		{sdjwt.Path{}, `an empty claims path pointer`},
	} {
		_, err := SelectClaims(cred, tc.path)
		if !errors.Is(err, ErrNoClaim) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: got %v, want ErrNoClaim containing %q", tc.path, err, tc.want)
		}
	}
}

// ParseValue refuses a query nested deeper than Parse allows before
// reading it, and otherwise refuses what Parse refuses: here values that
// are arrays (§6.3), k arrays deep inside a query already six levels deep.
func TestParseValueDepth(t *testing.T) {
	deep := func(k int) []byte {
		inner := strings.Repeat("[", k) + strings.Repeat("]", k)
		return []byte(`{"credentials":[{"id":"a","format":"dc+sd-jwt","meta":{"vct_values":["x"]},"claims":[{"path":["a"],"values":[` + inner + `]}]}]}`)
	}
	for k := 1; k <= 14; k++ {
		_, perr := Parse(deep(k))
		v, err := jsonx.ParseWithLimits(deep(k), jsonx.Limits{MaxDepth: 64})
		if err != nil {
			t.Fatal(err)
		}
		_, verr := ParseValue(v)
		if perr == nil || verr == nil || !errors.Is(verr, ErrInvalidQuery) {
			t.Fatalf("nesting %d: Parse %v, ParseValue %v", 6+k, perr, verr)
		}
		if tooDeep := strings.Contains(verr.Error(), "nested deeper"); tooDeep != (6+k > maxDepth) {
			t.Errorf("nesting %d: ParseValue %v", 6+k, verr)
		}
	}
}
