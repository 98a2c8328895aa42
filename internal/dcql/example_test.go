package dcql_test

import (
	"errors"
	"fmt"

	"github.com/seoulid/seoulid/internal/dcql"
	"github.com/seoulid/seoulid/internal/sdjwt"
)

// storedCredential is how a Wallet might keep a credential: DCQL sees it
// through dcql.Credential, and Match hands it back as it is.
type storedCredential struct {
	id     string
	vct    string
	claims map[string]any // the Holder's view, every Disclosure applied
}

func (c *storedCredential) Format() string         { return dcql.FormatSDJWTVC }
func (c *storedCredential) Type() string           { return c.vct }
func (c *storedCredential) Claims() map[string]any { return c.claims }

// The youth monthly rent programme asks for proof of age (age_over_19
// preferred to the birth date) and the district of residence. The Wallet
// finds which credential answers and which claims to disclose.
func Example() {
	q, err := dcql.Parse([]byte(`{
	  "credentials": [{
	    "id": "resident",
	    "format": "dc+sd-jwt",
	    "meta": {"vct_values": ["https://seoul.go.kr/vct/resident"]},
	    "claims": [
	      {"id": "adult", "path": ["age_over_19"], "values": [true]},
	      {"id": "dob", "path": ["birthdate"]},
	      {"id": "district", "path": ["address", "district"]}
	    ],
	    "claim_sets": [["adult", "district"], ["dob", "district"]]
	  }]
	}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	wallet := []dcql.Credential{&storedCredential{
		id:  "cred-7",
		vct: "https://seoul.go.kr/vct/resident",
		claims: map[string]any{
			"vct": "https://seoul.go.kr/vct/resident", "cnf": map[string]any{"jwk": map[string]any{}},
			"name": "김서연", "birthdate": "2001-04-02", "age_over_19": true,
			"address": map[string]any{"district": "Mapo-gu", "city": "Seoul"},
		},
	}}
	res, err := q.Match(wallet)
	if err != nil {
		fmt.Println(err)
		return
	}
	sel, err := res.Default()
	if err != nil {
		fmt.Println(err)
		return
	}
	chosen := sel["resident"][0]
	fmt.Println("present", chosen.Credential.(*storedCredential).id)
	for _, o := range chosen.Options {
		fmt.Println("claim set", o.ClaimSet, o.ClaimIDs, o.Disclose)
	}
	// Output:
	// present cred-7
	// claim set 0 [adult district] [age_over_19 address.district]
	// claim set 1 [dob district] [birthdate address.district]
}

// A Verifier checks what came back: here the Wallet left out the claim
// asked for, and the error says which.
func ExampleQuery_Check() {
	q, _ := dcql.Parse([]byte(`{"credentials":[{"id":"resident","format":"dc+sd-jwt",
	  "meta":{"vct_values":["https://seoul.go.kr/vct/resident"]},
	  "claims":[{"path":["address","district"]}]}]}`))

	_, err := q.Check(map[string][]dcql.Presentation{
		"resident": {{
			Format:        dcql.FormatSDJWTVC,
			Type:          "https://seoul.go.kr/vct/resident",
			Claims:        map[string]any{"address": map[string]any{"city": "Seoul"}},
			HolderBinding: true,
		}},
	})
	var m *dcql.Mismatch
	if errors.As(err, &m) {
		fmt.Println(m.CredentialQuery, m.Path)
	}
	fmt.Println(errors.Is(err, dcql.ErrUnsatisfied))
	// Output:
	// resident address.district
	// true
}

// A null in a claims path pointer selects every element of an array (§7.1).
func ExampleSelectClaims() {
	claims := map[string]any{"degrees": []any{
		map[string]any{"type": "Bachelor of Science"},
		map[string]any{"type": "Master of Science"},
	}}
	sel, _ := dcql.SelectClaims(claims, sdjwt.Path{"degrees", nil, "type"})
	for _, c := range sel {
		fmt.Println(c.Path, c.Value)
	}
	// Output:
	// degrees[0].type Bachelor of Science
	// degrees[1].type Master of Science
}

// Validate lists every problem of a query built in Go.
func ExampleQuery_Validate() {
	q := &dcql.Query{Credentials: []dcql.CredentialQuery{{
		ID:     "pid card",
		Format: dcql.FormatSDJWTVC,
		Claims: []dcql.ClaimsQuery{{Path: sdjwt.Path{"name"}, Values: []any{1.5}}},
	}}}
	var qe *dcql.QueryError
	if errors.As(q.Validate(), &qe) {
		for _, p := range qe.Problems {
			fmt.Println(p)
		}
	}
	// Output:
	// credentials[0].id: "pid card" is not a non-empty string of alphanumerics, '_' and '-' (§6.1)
	// credentials[0].meta.vct_values: is missing or empty; dc+sd-jwt needs at least one type (B.3.5)
	// credentials[0].claims[0].values[0]: is a number with a fraction or out of range, not a string, an integer or a boolean (§6.3)
}
