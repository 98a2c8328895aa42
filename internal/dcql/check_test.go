package dcql

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/seoulid/seoulid/internal/jsonx"
)

func presented(t testing.TB, vct, claims string) Presentation {
	t.Helper()
	m, err := jsonx.ParseObject([]byte(claims))
	if err != nil {
		t.Fatal(err)
	}
	return Presentation{Format: FormatSDJWTVC, Type: vct, Claims: m, HolderBinding: true}
}

func TestCheckAccepts(t *testing.T) {
	q := readQuery(t, "credentials_alternatives.json")
	for name, token := range map[string]map[string][]Presentation{
		"pid":         {"pid": {presented(t, pidVCT, pidClaims)}},
		"other_pid":   {"other_pid": {presented(t, otherVCT, pidClaims)}},
		"reduced":     {"pid_reduced_cred_1": {presented(t, reducedVCT, pidClaims)}, "pid_reduced_cred_2": {presented(t, residVCT, residClaims)}},
		"with reward": {"pid": {presented(t, pidVCT, pidClaims)}, "nice_to_have": {presented(t, rewardsVCT, `{"rewards_number":1}`)}},
	} {
		t.Run(name, func(t *testing.T) {
			c, err := q.Check(token)
			if err != nil {
				t.Fatal(err)
			}
			if len(c.Accepted) != len(token) || c.Discarded != nil {
				t.Errorf("checked %+v", c)
			}
		})
	}

	t.Run("an optional presentation that fails is discarded", func(t *testing.T) {
		c, err := q.Check(map[string][]Presentation{"pid": {presented(t, pidVCT, pidClaims)}, "nice_to_have": {presented(t, rewardsVCT, `{}`)}})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(c.Accepted, map[string][]int{"pid": {0}}) || len(c.Discarded) != 1 ||
			c.Discarded[0].CredentialQuery != "nice_to_have" || pathString(c.Discarded[0].Path) != `["rewards_number"]` {
			t.Errorf("checked %+v, discarded %v", c, c.Discarded)
		}
	})

	t.Run("multiple", func(t *testing.T) {
		q := mustParse(t, `{"credentials":[{"id":"rx","format":"dc+sd-jwt","meta":{"vct_values":["urn:rx"]},"multiple":true,"claims":[{"path":["drug"]}]}]}`)
		c, err := q.Check(map[string][]Presentation{"rx": {presented(t, "urn:rx", `{"drug":"a"}`), presented(t, "urn:rx", `{}`), presented(t, "urn:rx", `{"drug":"b"}`)}})
		if err != nil || !reflect.DeepEqual(c.Accepted["rx"], []int{0, 2}) || c.Discarded[0].Presentation != 1 {
			t.Errorf("checked %+v, %v", c, err)
		}
	})

	t.Run("any claim set will do", func(t *testing.T) {
		q := readQuery(t, "claims_alternatives.json")
		_, err := q.Check(map[string][]Presentation{"pid": {presented(t, pidVCT, `{"last_name":"Doe","postal_code":"1","date_of_birth":"2000-01-01"}`)}})
		if err != nil {
			t.Error(err)
		}
	})

	t.Run("holder binding waived", func(t *testing.T) {
		q := mustParse(t, `{"credentials":[{"id":"t","format":"dc+sd-jwt","meta":{"vct_values":["urn:ticket"]},"require_cryptographic_holder_binding":false}]}`)
		p := presented(t, "urn:ticket", `{}`)
		p.HolderBinding = false
		if _, err := q.Check(map[string][]Presentation{"t": {p}}); err != nil {
			t.Error(err)
		}
	})
}

// TestCheckRefuses: each way a response falls short, with the Credential
// Query and claim it names.
func TestCheckRefuses(t *testing.T) {
	simple := readQuery(t, "simple.json")
	alts := readQuery(t, "credentials_alternatives.json")
	claimsAlts := readQuery(t, "claims_alternatives.json")
	values := readQuery(t, "value_matching_simple.json")
	good := `{"last_name":"Doe","first_name":"John","address":{"street_address":"1 Main St"}}`
	noBinding := presented(t, pidVCT, good)
	noBinding.HolderBinding = false
	for _, tc := range []struct {
		name  string
		q     *Query
		token map[string][]Presentation
		want  Mismatch // the first mismatch
		text  string
	}{
		{"empty response", simple, nil,
			Mismatch{CredentialQuery: "my_credential", Presentation: -1, CredentialSet: -1, ClaimSet: -1}, "asks for every credential query"},
		{"unknown id", simple, map[string][]Presentation{"my_credential": {presented(t, pidVCT, good)}, "extra": {presented(t, pidVCT, good)}},
			Mismatch{CredentialQuery: "extra", Presentation: -1, CredentialSet: -1, ClaimSet: -1}, "is not the id of a credential query (§8.1)"},
		{"empty array", simple, map[string][]Presentation{"my_credential": {}},
			Mismatch{CredentialQuery: "my_credential", Presentation: -1, CredentialSet: -1, ClaimSet: -1}, "empty array of presentations (§8.1)"},
		{"two without multiple", simple, map[string][]Presentation{"my_credential": {presented(t, pidVCT, good), presented(t, pidVCT, good)}},
			Mismatch{CredentialQuery: "my_credential", Presentation: -1, CredentialSet: -1, ClaimSet: -1}, "has 2 presentations, and the query does not allow multiple (§8.1)"},
		{"wrong vct", simple, map[string][]Presentation{"my_credential": {presented(t, otherVCT, good)}},
			Mismatch{CredentialQuery: "my_credential", Presentation: 0, CredentialSet: -1, ClaimSet: -1}, `presentation 0: vct "https://othercredentials.example/pid" is not among vct_values`},
		{"wrong format", simple, map[string][]Presentation{"my_credential": {{Format: "vc+sd-jwt", Type: pidVCT}}},
			Mismatch{CredentialQuery: "my_credential", Presentation: 0, CredentialSet: -1, ClaimSet: -1}, `format "vc+sd-jwt", not "dc+sd-jwt"`},
		{"no holder binding", simple, map[string][]Presentation{"my_credential": {noBinding}},
			Mismatch{CredentialQuery: "my_credential", Presentation: 0, CredentialSet: -1, ClaimSet: -1}, "has no verified holder binding"},
		{"missing claim", simple, map[string][]Presentation{"my_credential": {presented(t, pidVCT, `{"last_name":"Doe","first_name":"John"}`)}},
			Mismatch{CredentialQuery: "my_credential", Presentation: 0, CredentialSet: -1, ClaimSet: -1},
			`credential query "my_credential", presentation 0, claim ["address","street_address"]: not in the credential (§6.4.1)`},
		{"value mismatch", values, map[string][]Presentation{"my_credential": {presented(t, pidVCT, `{"last_name":"Roe","first_name":"J","address":{"street_address":"x"},"postal_code":"90210"}`)}},
			Mismatch{CredentialQuery: "my_credential", Presentation: 0, CredentialSet: -1, ClaimSet: -1}, `claim ["last_name"]: no value matches the values asked for`},
		{"no claim set complete", claimsAlts, map[string][]Presentation{"pid": {presented(t, pidVCT, `{"last_name":"Doe","locality":"x","date_of_birth":"2000-01-01"}`)}},
			Mismatch{CredentialQuery: "pid", Presentation: 0, CredentialSet: -1, ClaimSet: 0}, `claim set 0, claim ["region"]: not in the credential (§6.4.1: no claim_sets option is complete)`},
		{"required set unmet", alts, map[string][]Presentation{"pid_reduced_cred_1": {presented(t, reducedVCT, pidClaims)}},
			Mismatch{CredentialQuery: "pid", Presentation: -1, CredentialSet: 0, ClaimSet: -1}, `credential query "pid", credential set 0: no presentation answers it, and option 0 of this required set needs it (§6.4.2)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := tc.q.Check(tc.token)
			if err == nil {
				t.Fatalf("accepted: %+v", c)
			}
			var m *Mismatch
			if !errors.Is(err, ErrUnsatisfied) || !errors.As(err, &m) || !strings.Contains(err.Error(), tc.text) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("got %v\nwant an ErrUnsatisfied containing %q", err, tc.text)
			}
			var re *ResponseError
			errors.As(err, &re)
			// The first mismatch names the query; compare what it names.
			first := *re.Mismatches[0]
			if first.CredentialQuery != tc.want.CredentialQuery || first.Presentation != tc.want.Presentation ||
				first.CredentialSet != tc.want.CredentialSet || first.ClaimSet != tc.want.ClaimSet {
				t.Errorf("first mismatch %+v, want %+v", first, tc.want)
			}
		})
	}
}

func TestCheckInvalidQuery(t *testing.T) {
	if _, err := (&Query{}).Check(nil); !errors.Is(err, ErrInvalidQuery) {
		t.Errorf("got %v", err)
	}
}

// TestResponseErrorIsShort: however many mismatches, one line of bounded
// length.
func TestResponseErrorIsShort(t *testing.T) {
	q := mustParse(t, `{"credentials":[{"id":"rx","format":"dc+sd-jwt","meta":{"vct_values":["urn:rx"]},"multiple":true,"claims":[{"path":["drug"]}]}]}`)
	var many []Presentation
	for range 50 {
		many = append(many, presented(t, "urn:rx", `{}`))
	}
	_, err := q.Check(map[string][]Presentation{"rx": many})
	var re *ResponseError
	if !errors.As(err, &re) || len(re.Mismatches) != 51 || len(err.Error()) > 1000 || !strings.Contains(err.Error(), "and 46 more") {
		t.Errorf("got %d mismatches, %q", len(re.Mismatches), err)
	}
}
