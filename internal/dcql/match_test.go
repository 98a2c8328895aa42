package dcql

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/seoulid/seoulid/internal/jsonx"
	"github.com/seoulid/seoulid/internal/keys"
	"github.com/seoulid/seoulid/internal/sdjwt"
	"github.com/seoulid/seoulid/internal/sdjwtvc"
)

// cred is a Wallet's credential for the tests.
type cred struct {
	name, format, typ string
	claims            map[string]any
	authority         string // the trusted authority value that certifies its issuer, if any
}

func (c *cred) Format() string         { return c.format }
func (c *cred) Type() string           { return c.typ }
func (c *cred) Claims() map[string]any { return c.claims }

// authCred is a cred that knows its trusted authority.
type authCred struct{ *cred }

func (c authCred) MatchesAuthority(typ string, values []string) bool {
	for _, v := range values {
		if typ == "aki" && v == c.authority {
			return true
		}
	}
	return false
}

var cnf = map[string]any{"jwk": map[string]any{"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}}

// sdjwtCred makes a dc+sd-jwt credential with a cnf claim from JSON claims.
func sdjwtCred(t testing.TB, name, vct, claims string) *cred {
	t.Helper()
	m, err := jsonx.ParseObject([]byte(claims))
	if err != nil {
		t.Fatal(err)
	}
	m["cnf"] = cnf
	m["vct"] = vct
	return &cred{name: name, format: FormatSDJWTVC, typ: vct, claims: m}
}

func mustParse(t testing.TB, doc string) *Query {
	t.Helper()
	q, err := Parse([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	return q
}

func names(cs []Candidate) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Credential.(*cred).name)
	}
	return out
}

func paths(ps []sdjwt.Path) []string {
	out := []string{}
	for _, p := range ps {
		out = append(out, pathString(p))
	}
	return out
}

func match(t testing.TB, q *Query, creds ...Credential) *Result {
	t.Helper()
	r, err := q.Match(creds)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

const (
	pidVCT      = "https://credentials.example.com/identity_credential"
	otherVCT    = "https://othercredentials.example/pid"
	reducedVCT  = "https://credentials.example.com/reduced_identity_credential"
	residVCT    = "https://cred.example/residence_credential"
	rewardsVCT  = "https://company.example/company_rewards"
	pidClaims   = `{"given_name":"John","family_name":"Doe","address":{"street_address":"123 Main St","locality":"Anytown"}}`
	residClaims = `{"postal_code":"90210","locality":"Anytown","region":"Anystate"}`
)

// TestMatchCredentialsAlternatives runs the credential set example of
// Appendix D: pid, or other_pid, or both reduced credentials; optionally
// nice_to_have.
func TestMatchCredentialsAlternatives(t *testing.T) {
	q := readQuery(t, "credentials_alternatives.json")

	t.Run("the reduced pair", func(t *testing.T) {
		r := match(t, q,
			sdjwtCred(t, "reduced", reducedVCT, pidClaims),
			sdjwtCred(t, "residence", residVCT, residClaims),
			sdjwtCred(t, "rewards", rewardsVCT, `{"given_name":"John"}`), // no rewards_number
		)
		if !r.Satisfied {
			t.Fatal("not satisfied")
		}
		opts := r.Sets[0].Options
		if opts[0].Satisfiable || opts[1].Satisfiable || !opts[2].Satisfiable || r.Sets[1].Satisfiable() || r.Sets[1].Required {
			t.Errorf("sets %+v", r.Sets)
		}
		sel, err := r.Default()
		if err != nil {
			t.Fatal(err)
		}
		if len(sel) != 2 || names(sel["pid_reduced_cred_1"])[0] != "reduced" || names(sel["pid_reduced_cred_2"])[0] != "residence" {
			t.Errorf("default selection %+v", sel)
		}
		if got := paths(sel["pid_reduced_cred_1"][0].Disclose()); !reflect.DeepEqual(got, []string{`["family_name"]`, `["given_name"]`}) {
			t.Errorf("disclose %v", got)
		}
	})

	t.Run("pid and other_pid: a choice, pid first", func(t *testing.T) {
		r := match(t, q,
			sdjwtCred(t, "other", otherVCT, pidClaims),
			sdjwtCred(t, "pid", pidVCT, pidClaims),
			sdjwtCred(t, "rewards", rewardsVCT, `{"rewards_number":7}`),
		)
		opts := r.Sets[0].Options
		if !r.Satisfied || !opts[0].Satisfiable || !opts[1].Satisfiable || opts[2].Satisfiable || !r.Sets[1].Satisfiable() {
			t.Errorf("sets %+v", r.Sets)
		}
		sel, _ := r.Default()
		if len(sel) != 1 || names(sel["pid"])[0] != "pid" {
			t.Errorf("default selection %+v", sel)
		}
		if got := paths(sel["pid"][0].Disclose()); !reflect.DeepEqual(got, []string{`["given_name"]`, `["family_name"]`, `["address","street_address"]`}) {
			t.Errorf("disclose %v", got)
		}
	})

	t.Run("half of the reduced pair", func(t *testing.T) {
		r := match(t, q, sdjwtCred(t, "reduced", reducedVCT, pidClaims))
		if r.Satisfied {
			t.Fatal("satisfied")
		}
		_, err := r.Default()
		if !errors.Is(err, ErrUnsatisfiable) || !strings.Contains(err.Error(), "credential_sets[0]") {
			t.Errorf("got %v", err)
		}
	})
}

// TestMatchClaimsAlternatives runs the claim_sets example of Appendix D:
// last_name and date_of_birth, with locality and region preferred to
// postal_code.
func TestMatchClaimsAlternatives(t *testing.T) {
	q := readQuery(t, "claims_alternatives.json")
	both := sdjwtCred(t, "both", pidVCT, `{"last_name":"Doe","postal_code":"90210","locality":"Anytown","region":"Anystate","date_of_birth":"1980-01-01"}`)
	postal := sdjwtCred(t, "postal", pidVCT, `{"last_name":"Doe","postal_code":"90210","date_of_birth":"1980-01-01"}`)
	neither := sdjwtCred(t, "neither", pidVCT, `{"last_name":"Doe","locality":"Anytown","date_of_birth":"1980-01-01"}`)
	r := match(t, q, both, postal, neither)
	cands := r.Credentials[0].Candidates
	if !reflect.DeepEqual(names(cands), []string{"both", "postal"}) {
		t.Fatalf("candidates %v", names(cands))
	}
	if o := cands[0].Options; len(o) != 2 || o[0].ClaimSet != 0 || o[1].ClaimSet != 1 ||
		!reflect.DeepEqual(paths(o[0].Disclose), []string{`["last_name"]`, `["locality"]`, `["region"]`, `["date_of_birth"]`}) ||
		!reflect.DeepEqual(o[0].ClaimIDs, []string{"a", "c", "d", "e"}) {
		t.Errorf("options of both: %+v", o)
	}
	if o := cands[1].Options; len(o) != 1 || o[0].ClaimSet != 1 ||
		!reflect.DeepEqual(paths(o[0].Disclose), []string{`["last_name"]`, `["postal_code"]`, `["date_of_birth"]`}) {
		t.Errorf("options of postal: %+v", o)
	}
}

// TestMatchValues runs the value matching example of Appendix D.
func TestMatchValues(t *testing.T) {
	q := readQuery(t, "value_matching_simple.json")
	base := `"first_name":"John","address":{"street_address":"123 Main St"}`
	for _, tc := range []struct {
		claims string
		match  bool
	}{
		{`{"last_name":"Doe","postal_code":"90210",` + base + `}`, true},
		{`{"last_name":"Doe","postal_code":"90211",` + base + `}`, true},
		{`{"last_name":"Doe","postal_code":"90212",` + base + `}`, false},
		{`{"last_name":"Roe","postal_code":"90210",` + base + `}`, false},
		{`{"last_name":"Doe","postal_code":90210,` + base + `}`, false}, // a number is not the string "90210"
		{`{"last_name":"Doe",` + base + `}`, false},
	} {
		r := match(t, q, sdjwtCred(t, "x", pidVCT, tc.claims))
		if got := len(r.Credentials[0].Candidates) == 1; got != tc.match || r.Satisfied != tc.match {
			t.Errorf("%s: match %v, want %v", tc.claims, got, tc.match)
		}
	}
}

// TestMatchComplexMdoc runs the mdoc example of Appendix D with an mDL
// that has no address: the required set is met, the optional one is not.
func TestMatchComplexMdoc(t *testing.T) {
	q := readQuery(t, "complex_mdoc.json")
	mdl := &cred{name: "mdl", format: FormatMdoc, typ: "org.iso.18013.5.1.mDL", claims: map[string]any{
		"org.iso.18013.5.1": map[string]any{"given_name": "Jane", "family_name": "Doe", "portrait": "…"},
	}}
	r := match(t, q, mdl)
	if !r.Satisfied || !r.Sets[0].Options[0].Satisfiable || r.Sets[0].Options[1].Satisfiable || r.Sets[1].Satisfiable() {
		t.Errorf("sets %+v", r.Sets)
	}
	sel, err := r.Default()
	if err != nil || len(sel) != 1 || len(sel["mdl-id"]) != 1 {
		t.Errorf("default %+v, %v", sel, err)
	}
	if got := paths(sel["mdl-id"][0].Disclose()); len(got) != 3 || got[2] != `["org.iso.18013.5.1","portrait"]` {
		t.Errorf("disclose %v", got)
	}
}

// TestMatchRules covers each reason a credential is not a candidate.
func TestMatchRules(t *testing.T) {
	simple := readQuery(t, "simple.json")
	full := `{"last_name":"Doe","first_name":"John","address":{"street_address":"1 Main St"}}`
	t.Run("holder binding", func(t *testing.T) {
		c := sdjwtCred(t, "x", pidVCT, full)
		delete(c.claims, "cnf")
		if r := match(t, simple, c); r.Satisfied {
			t.Error("a credential without cnf answers a query that requires holder binding (B.3)")
		}
		no := false
		q := readQuery(t, "simple.json")
		q.Credentials[0].RequireCryptographicHolderBinding = &no
		if r := match(t, q, c); !r.Satisfied {
			t.Error("holder binding waived, and still no match")
		}
	})
	t.Run("vct", func(t *testing.T) {
		if r := match(t, simple, sdjwtCred(t, "x", otherVCT, full)); r.Satisfied {
			t.Error("matched another vct")
		}
	})
	t.Run("format", func(t *testing.T) {
		c := sdjwtCred(t, "x", pidVCT, full)
		c.format = "vc+sd-jwt"
		if r := match(t, simple, c); r.Satisfied {
			t.Error("matched another format")
		}
	})
	t.Run("missing claim", func(t *testing.T) {
		if r := match(t, simple, sdjwtCred(t, "x", pidVCT, `{"last_name":"Doe","first_name":"John","address":{}}`)); r.Satisfied {
			t.Error("matched without address.street_address")
		}
	})
	t.Run("wrong kind on the path", func(t *testing.T) {
		if r := match(t, simple, sdjwtCred(t, "x", pidVCT, `{"last_name":"Doe","first_name":"John","address":"1 Main St"}`)); r.Satisfied {
			t.Error("matched through a string")
		}
	})
	t.Run("no claims asked for", func(t *testing.T) {
		q := mustParse(t, `{"credentials":[{"id":"a","format":"dc+sd-jwt","meta":{"vct_values":["`+pidVCT+`"]}}]}`)
		r := match(t, q, sdjwtCred(t, "x", pidVCT, full))
		if !r.Satisfied {
			t.Fatal("not satisfied")
		}
		if d := r.Credentials[0].Candidates[0].Disclose(); d == nil || len(d) != 0 {
			t.Errorf("disclose %v, want an empty list", d)
		}
	})
	t.Run("trusted authorities", func(t *testing.T) {
		q := mustParse(t, `{"credentials":[{"id":"a","format":"dc+sd-jwt","meta":{"vct_values":["`+pidVCT+`"]},
			"trusted_authorities":[{"type":"aki","values":["s9tIpPmhxdiuNkHMEWNpYim8S8Y"]}]}]}`)
		trusted := authCred{sdjwtCred(t, "trusted", pidVCT, full)}
		trusted.authority = "s9tIpPmhxdiuNkHMEWNpYim8S8Y"
		untrusted := authCred{sdjwtCred(t, "untrusted", pidVCT, full)}
		unknown := sdjwtCred(t, "unknown", pidVCT, full) // cannot tell: not filtered
		r := match(t, q, untrusted, trusted, unknown, nil)
		var got []string
		for _, c := range r.Credentials[0].Candidates {
			switch x := c.Credential.(type) {
			case authCred:
				got = append(got, x.name)
			case *cred:
				got = append(got, x.name)
			}
		}
		if !reflect.DeepEqual(got, []string{"trusted", "unknown"}) {
			t.Errorf("candidates %v", got)
		}
	})
	t.Run("unknown format", func(t *testing.T) {
		q := mustParse(t, `{"credentials":[{"id":"a","format":"x-custom","meta":{}},{"id":"b","format":"x-custom","meta":{"k":1}}]}`)
		c := &cred{name: "c", format: "x-custom", claims: map[string]any{}}
		r := match(t, q, c)
		if len(r.Credentials[0].Candidates) != 1 || len(r.Credentials[1].Candidates) != 0 || r.Satisfied {
			t.Errorf("result %+v", r)
		}
	})
	t.Run("invalid query", func(t *testing.T) {
		if _, err := (&Query{}).Match(nil); !errors.Is(err, ErrInvalidQuery) {
			t.Errorf("got %v", err)
		}
	})
}

// TestMatchWildcardWithValues: a null over an array with values discloses
// only the elements whose value matches.
func TestMatchWildcardWithValues(t *testing.T) {
	q := mustParse(t, `{"credentials":[{"id":"d","format":"dc+sd-jwt","meta":{"vct_values":["urn:diploma"]},
		"claims":[{"path":["degrees",null,"type"],"values":["Master of Science"]},{"path":["degrees",1,"type"]}]}]}`)
	c := sdjwtCred(t, "x", "urn:diploma", `{"degrees":[{"type":"Bachelor of Science"},{"type":"Master of Science"},{"type":"Master of Science"}]}`)
	r := match(t, q, c)
	if !r.Satisfied {
		t.Fatal("not satisfied")
	}
	// The Bachelor is not disclosed; the second claims query overlaps the
	// first, and each path appears once.
	want := []string{`["degrees",1,"type"]`, `["degrees",2,"type"]`}
	if got := paths(r.Credentials[0].Candidates[0].Disclose()); !reflect.DeepEqual(got, want) {
		t.Errorf("disclose %v, want %v", got, want)
	}
}

// TestMatchSelectsDisclosures goes from a query to an SD-JWT presentation:
// the paths Match gives select exactly the Disclosures of the claims asked
// for, and what the Verifier receives passes Check.
func TestMatchSelectsDisclosures(t *testing.T) {
	ctx := context.Background()
	issuer, _ := keys.Generate(keys.ES256)
	holder, _ := keys.Generate(keys.EdDSA)
	sd, err := sdjwtvc.Issue(ctx, issuer, sdjwtvc.Credential{
		VCT: "urn:seoul:resident", Issuer: "did:example:mapo", Holder: holder.Public(),
		Claims: map[string]any{
			"name": "김서연", "birthdate": "2001-04-02", "age_over_19": true,
			"address":  map[string]any{"district": "Mapo-gu", "city": "Seoul"},
			"programs": []any{"youth_rent", "youth_allowance", "housing"},
		},
		Disclosable: []sdjwt.Path{{"name"}, {"birthdate"}, {"age_over_19"}, {"address"}, {"address", "district"}, {"address", "city"}, {"programs", nil}},
	}, sdjwtvc.IssueOptions{Decoys: 3})
	if err != nil {
		t.Fatal(err)
	}
	view, err := sd.UnverifiedHolderView()
	if err != nil {
		t.Fatal(err)
	}
	wallet := &cred{name: "resident", format: FormatSDJWTVC, typ: "urn:seoul:resident", claims: view.Claims}

	q := mustParse(t, `{"credentials":[{"id":"resident","format":"dc+sd-jwt","meta":{"vct_values":["urn:seoul:resident"]},
		"claims":[{"id":"age","path":["age_over_19"],"values":[true]},{"id":"dob","path":["birthdate"]},
		          {"id":"district","path":["address","district"]},{"id":"rent","path":["programs",null],"values":["youth_rent"]}],
		"claim_sets":[["age","district","rent"],["dob","district","rent"]]}]}`)
	r := match(t, q, wallet)
	sel, err := r.Default()
	if err != nil {
		t.Fatal(err)
	}
	chosen := sel["resident"][0]
	pres, err := sd.Select(chosen.Disclose()...)
	if err != nil {
		t.Fatal(err)
	}
	got, err := pres.UnverifiedHolderView()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := jsonx.Marshal(map[string]any{"age_over_19": got.Claims["age_over_19"], "address": got.Claims["address"], "programs": got.Claims["programs"],
		"name": got.Claims["name"], "birthdate": got.Claims["birthdate"]})
	if want := `{"address":{"district":"Mapo-gu"},"age_over_19":true,"birthdate":null,"name":null,"programs":["youth_rent"]}`; string(b) != want {
		t.Errorf("the Verifier receives %s, want %s", b, want)
	}
	checked, err := q.Check(map[string][]Presentation{"resident": {{Format: FormatSDJWTVC, Type: "urn:seoul:resident", Claims: got.Claims, HolderBinding: true}}})
	if err != nil || !reflect.DeepEqual(checked.Accepted, map[string][]int{"resident": {0}}) {
		t.Errorf("Check: %+v, %v", checked, err)
	}
}
