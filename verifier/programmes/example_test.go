package programmes_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing/fstest"
	"time"

	"github.com/seoulid/seoulid/verifier/programmes"
)

// A youth applies for the 2026 Seoul youth allowance. The verifier
// pipeline has accepted the presentations; the programme decides on their
// disclosed claims. She is insured under employment insurance and did not
// present her part-time contract, so that criterion cannot be decided.
func Example() {
	cat, err := programmes.Load()
	if err != nil {
		fmt.Println(err)
		return
	}
	p, err := cat.Lookup("seoul-youth-allowance-2026")
	if err != nil {
		fmt.Println(err)
		return
	}
	applied := time.Date(2026, 3, 9, 14, 0, 0, 0, time.FixedZone("KST", 9*3600))
	d, err := p.Decide(context.Background(), programmes.Evidence{
		ApplicationDate: applied,
		Credentials: map[string][]map[string]any{
			"residency":  {{"birthdate": "2000-08-21", "as_of": "2026-03-09", "resident_of_seoul": true}},
			"enrolment":  {{"as_of": "2026-03-09", "enrolled": false, "on_leave": false, "education_status": "graduated"}},
			"employment": {{"as_of": "2026-03-09", "insured": true}},
			"income":     {{"median_year": 2026, "income_band": map[string]any{"lower_pct": 75, "upper_pct": 100}}},
			"welfare":    {{"as_of": "2026-03-09", "basic_livelihood_recipient": false, "near_poverty": false}},
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(d.Outcome, d.Missing)
	for _, c := range d.Criteria {
		fmt.Printf("%-24s %-12s %s\n", c.ID, c.Outcome, c.Reason.En)
	}
	// Output:
	// undetermined [contract]
	// age                      passed       Aged 19 to 34 (international age) on the application date.
	// seoul_resident           passed       Registered as a Seoul resident on the application date.
	// not_enrolled             passed       Neither enrolled nor on leave; the highest education was graduated, completed or left.
	// unemployed_or_short_term undetermined Cannot be decided without: Part-time employment contract
	// income                   passed       The household income, from the health-insurance premium, is at most 150% of the standard median income.
	// not_welfare_recipient    passed       Neither a basic livelihood security recipient nor in the near-poverty group.
}

// The purpose a verifier registers on the ledger for a programme, in the
// JSON of the registry's purposes (seoulid registry trust verifier
// --purposes): the claims per credential type are exactly what the
// programme's query asks for.
func ExampleProgramme_Purpose() {
	cat, err := programmes.Load()
	if err != nil {
		fmt.Println(err)
		return
	}
	p, _ := cat.Lookup("citizen-card-facility-entry")
	out, _ := json.MarshalIndent(p.Purpose(), "", "  ")
	fmt.Println(string(out))
	// Output:
	// {
	//   "id": "citizen-card-facility-entry",
	//   "description": {
	//     "ko": "공공시설 입장·이용 시 서울 거주와 해당 시설 회원 여부 확인",
	//     "en": "Checking Seoul residence and membership of the facility at a public facility's entrance"
	//   },
	//   "legal_basis": "서울특별시 및 자치구 공공시설 이용 조례, 서울시민카드 이용약관; 개인정보 보호법 제15조제1항제1호 (정보주체의 동의) [KNOW]",
	//   "retention": "P0D",
	//   "claims": [
	//     {
	//       "vct": "urn:seoulid:vct:seoul-citizen-card:1",
	//       "paths": [
	//         [
	//           "resident_of_seoul"
	//         ],
	//         [
	//           "facility_memberships",
	//           null,
	//           "facility_id"
	//         ]
	//       ]
	//     }
	//   ]
	// }
}

// The standard median income in force on a date: the table changes on 1
// January, Korean time.
func ExampleCatalogue_MedianIncome() {
	cat, err := programmes.Load()
	if err != nil {
		fmt.Println(err)
		return
	}
	kst := time.FixedZone("KST", 9*3600)
	for _, day := range []time.Time{time.Date(2025, 12, 31, 0, 0, 0, 0, kst), time.Date(2026, 1, 2, 0, 0, 0, 0, kst)} {
		krw, _ := cat.MedianIncome(day, 1)
		fmt.Println(day.Format(time.DateOnly), krw, krw*150/100)
	}
	// Output:
	// 2025-12-31 2392013 3588019
	// 2026-01-02 2564238 3846357
}

// A deployment overrides an embedded programme from its own directory; a
// file that breaks a rule is refused with every problem named.
func ExampleLoadFS() {
	_, err := programmes.LoadFS(fstest.MapFS{"mine.json": {Data: []byte(`{
	  "id": "my-programme", "version": "1",
	  "name": {"ko": "시범 사업", "en": "A pilot"},
	  "purpose": {"id": "my-programme", "description": {"ko": "시범", "en": "A pilot"}, "legal_basis": "consent", "retention": "30 days"},
	  "query": {"credentials": [{"id": "card", "format": "dc+sd-jwt",
	    "meta": {"vct_values": ["urn:seoulid:vct:seoul-citizen-card:1"]},
	    "claims": [{"path": ["resident_of_seoul"]}, {"path": ["birthdate"]}]}]},
	  "criteria": [{"id": "adult", "label": {"ko": "성인", "en": "Adult"}, "needs": ["card"],
	    "rule": "credentials.card.age_over_19 == true",
	    "reasons": {"passed": {"ko": "성인", "en": "Adult"}, "failed": {"ko": "미성년", "en": "Minor"}},
	    "basis": "[RECON]"}]
	}`)}}, programmes.Config{})
	fmt.Println(err)
	// Output:
	// programmes: invalid programmes:
	//   mine.json: purpose.retention: "30 days" is not an ISO 8601 duration of one unit, like P30D, P6M or P1Y
	//   mine.json: criteria[0]: reads card.age_over_19, which the query does not ask for
	//   mine.json: query.credentials[0].claims[0]: asks for resident_of_seoul, which no rule reads; ask only for what the rules use
	//   mine.json: query.credentials[0].claims[1]: asks for birthdate, which no rule reads; ask only for what the rules use
}
