package programmes_test

import (
	"context"
	"errors"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/seoulid/seoulid/internal/dcql"
	"github.com/seoulid/seoulid/internal/sdjwt"
	"github.com/seoulid/seoulid/verifier/programmes"
)

// The application date of every case: the catalogue's examples are as of
// 2026-03-09.
const applied = "2026-03-09"

// ---- Seoul youth allowance 2026 -------------------------------------------

const allowance = "seoul-youth-allowance-2026"

// allowanceApplicant is eligible: 25, a Seoul resident, graduated,
// unemployed, income 75–100 % of the 2026 median, not a recipient.
func allowanceApplicant(t testing.TB) *fx {
	f := &fx{date: applied, creds: map[string]map[string]any{
		"residency":  example(t, "residency-status"),
		"enrolment":  example(t, "enrolment-status"),
		"employment": example(t, "employment-insurance-status"),
		"income":     example(t, "health-insurance-income-band"),
		"welfare":    example(t, "welfare-recipient-status"),
	}}
	f.set("employment", "insured", false)
	return f
}

// shortTerm gives the applicant insurance and the example's part-time
// contract: 20 hours a week, 2026-03-02 to 2026-08-31.
func shortTerm(f *fx) {
	f.set("employment", "insured", true)
	f.creds["contract"] = example(nil, "part-time-employment-contract")
}

func allowanceCases() []decisionCase {
	band := func(lower, upper int) func(*fx) {
		return func(f *fx) {
			b := map[string]any{"lower_pct": lower}
			if upper > 0 {
				b["upper_pct"] = upper
			}
			f.set("income", "income_band", b)
		}
	}
	return []decisionCase{
		{"eligible, unemployed", nil, eligible()},
		{"eligible, short-term work of 20 hours a week", shortTerm, eligible()},
		{"eligible, a contract of 3 months at 40 hours a week", func(f *fx) {
			shortTerm(f)
			f.set("contract", "weekly_hours", 40)
			f.set("contract", "contract_months", 3)
		}, eligible()},
		{"eligible on the 19th birthday", func(f *fx) { f.set("residency", "birthdate", "2007-03-09") }, eligible()},
		{"eligible the day before the 35th birthday", func(f *fx) { f.set("residency", "birthdate", "1991-03-10") }, eligible()},
		{"eligible, income 120–150 %", band(120, 150), eligible()},
		{"eligible, enrolment status 30 days old", func(f *fx) { f.set("enrolment", "as_of", "2026-02-07") }, eligible()},
		{"eligible, completed without a degree", func(f *fx) { f.set("enrolment", "education_status", "completed") }, eligible()},

		{"18, the day before the 19th birthday", func(f *fx) { f.set("residency", "birthdate", "2007-03-10") }, failed("age")},
		{"35 on the birthday", func(f *fx) { f.set("residency", "birthdate", "1991-03-09") }, failed("age")},
		{"not a Seoul resident", func(f *fx) {
			f.set("residency", "resident_of_seoul", false)
			f.set("residency", "sido", "경기도")
		}, failed("seoul_resident")},
		{"enrolled", func(f *fx) {
			f.set("enrolment", "enrolled", true)
			f.set("enrolment", "education_status", "enrolled")
		}, failed("not_enrolled")},
		{"on leave", func(f *fx) {
			f.set("enrolment", "on_leave", true)
			f.set("enrolment", "education_status", "on_leave")
		}, failed("not_enrolled")},
		{"insured, full-time contract of 12 months", func(f *fx) {
			shortTerm(f)
			f.set("contract", "weekly_hours", 40)
			f.set("contract", "contract_months", 12)
		}, failed("unemployed_or_short_term")},
		{"insured, 40 hours a week, no length stated", func(f *fx) {
			shortTerm(f)
			f.set("contract", "weekly_hours", 40)
			f.unset("contract", "contract_months")
		}, failed("unemployed_or_short_term")},
		{"insured, the part-time contract ended", func(f *fx) {
			shortTerm(f)
			f.set("contract", "period", map[string]any{"start": "2025-09-01", "end": "2026-02-28"})
		}, failed("unemployed_or_short_term")},
		{"insured, the part-time contract not started", func(f *fx) {
			shortTerm(f)
			f.set("contract", "period", map[string]any{"start": "2026-04-01"})
		}, failed("unemployed_or_short_term")},
		{"income 150–180 %", band(150, 180), failed("income")},
		{"income 200 % and above", band(200, 0), failed("income")},
		{"basic livelihood recipient", func(f *fx) { f.set("welfare", "basic_livelihood_recipient", true) }, failed("not_welfare_recipient")},
		{"near poverty", func(f *fx) { f.set("welfare", "near_poverty", true) }, failed("not_welfare_recipient")},
		{"too old and a recipient", func(f *fx) {
			f.set("residency", "birthdate", "1980-01-01")
			f.set("welfare", "near_poverty", true)
		}, failed("age", "not_welfare_recipient")},
		{"a failure outweighs missing evidence", func(f *fx) {
			f.set("residency", "birthdate", "1980-01-01")
			f.drop("income")
		}, want{outcome: programmes.NotEligible, missing: []string{"income"},
			criteria: map[string]programmes.Outcome{"age": programmes.Failed, "income": programmes.Undetermined}}},

		{"no residency status", func(f *fx) { f.drop("residency") }, undetermined([]string{"residency"}, "age", "seoul_resident")},
		{"no enrolment status", func(f *fx) { f.drop("enrolment") }, undetermined([]string{"enrolment"}, "not_enrolled")},
		{"no employment-insurance status", func(f *fx) { f.drop("employment") }, undetermined([]string{"employment"}, "unemployed_or_short_term")},
		{"insured, no contract", func(f *fx) { f.set("employment", "insured", true) }, undetermined([]string{"contract"}, "unemployed_or_short_term")},
		{"no income band", func(f *fx) { f.drop("income") }, undetermined([]string{"income"}, "income")},
		{"no welfare status", func(f *fx) { f.drop("welfare") }, undetermined([]string{"welfare"}, "not_welfare_recipient")},
		{"nothing presented", func(f *fx) { clear(f.creds) }, undetermined(
			[]string{"residency", "enrolment", "employment", "income", "welfare"},
			"age", "seoul_resident", "not_enrolled", "unemployed_or_short_term", "income", "not_welfare_recipient")},
		{"birth date withheld", func(f *fx) { f.unset("residency", "birthdate") }, undetermined([]string{"residency.birthdate"}, "age")},
		{"contract hours withheld", func(f *fx) {
			shortTerm(f)
			f.unset("contract", "weekly_hours")
			f.unset("contract", "contract_months")
		}, undetermined([]string{"contract.weekly_hours"}, "unemployed_or_short_term")},

		{"residency status of the day before", func(f *fx) { f.set("residency", "as_of", "2026-03-08") }, undetermined(nil, "seoul_resident")},
		{"enrolment status 31 days old", func(f *fx) { f.set("enrolment", "as_of", "2026-02-06") }, undetermined(nil, "not_enrolled")},
		{"employment status dated after the application", func(f *fx) { f.set("employment", "as_of", "2026-03-10") }, undetermined(nil, "unemployed_or_short_term")},
		{"income band against the 2025 table", func(f *fx) { f.set("income", "median_year", 2025) }, undetermined(nil, "income")},
		{"welfare status 40 days old", func(f *fx) { f.set("welfare", "as_of", "2026-01-28") }, undetermined(nil, "not_welfare_recipient")},
	}
}

func TestYouthAllowance(t *testing.T) {
	runCases(t, programme(t, allowance), allowanceApplicant, allowanceCases())
}

// TestMedianTableByDate: the table in force is chosen by the application
// date, in Korean time. An income band computed against the 2025 table
// settles an application of 31 December 2025, not one of 2 January 2026.
func TestMedianTableByDate(t *testing.T) {
	p := programme(t, allowance)
	for _, c := range []struct {
		date       string
		bandYear   int
		wantIncome programmes.Outcome
	}{
		{"2025-12-31", 2025, programmes.Passed},
		{"2026-01-02", 2025, programmes.Undetermined},
		{"2026-01-02", 2026, programmes.Passed},
		{"2025-12-31", 2026, programmes.Undetermined},
		{"2027-01-04", 2026, programmes.Undetermined}, // no 2027 table
	} {
		f := allowanceApplicant(t)
		f.date = c.date
		f.set("income", "median_year", c.bandYear)
		d, err := p.Decide(context.Background(), f.evidence(t, p))
		if err != nil {
			t.Fatal(err)
		}
		i := slices.IndexFunc(d.Criteria, func(r programmes.CriterionResult) bool { return r.ID == "income" })
		if got := d.Criteria[i]; got.Outcome != c.wantIncome {
			t.Errorf("applied %s with a %d band: income %s (%s %s), want %s", c.date, c.bandYear, got.Outcome, got.Reason.En, got.Detail, c.wantIncome)
		}
	}

	cat := catalogue(t)
	kst := time.FixedZone("KST", 9*3600)
	for _, c := range []struct {
		at   time.Time
		size int
		want int64
	}{
		{time.Date(2025, 12, 31, 12, 0, 0, 0, kst), 1, 2392013},
		{time.Date(2026, 1, 2, 9, 0, 0, 0, kst), 1, 2564238},
		{time.Date(2025, 12, 31, 15, 30, 0, 0, time.UTC), 1, 2564238}, // 1 January 2026 in Seoul
		{time.Date(2024, 6, 1, 0, 0, 0, 0, kst), 4, 5729913},
		{time.Date(2025, 6, 1, 0, 0, 0, 0, kst), 4, 6097773},
		{time.Date(2026, 6, 1, 0, 0, 0, 0, kst), 6, 8555952},
		{time.Date(2026, 6, 1, 0, 0, 0, 0, kst), 7, 8555952 + (8555952 - 7556719)},
	} {
		got, err := cat.MedianIncome(c.at, c.size)
		if err != nil || got != c.want {
			t.Errorf("MedianIncome(%v, %d) = %d, %v; want %d", c.at, c.size, got, err, c.want)
		}
	}
	if _, err := cat.MedianIncome(time.Date(2023, 6, 1, 0, 0, 0, 0, kst), 1); err == nil {
		t.Error("MedianIncome for 2023: no error, and there is no 2023 table")
	}
}

// ---- Seoul youth monthly rent ---------------------------------------------

const rent = "seoul-youth-monthly-rent"

func rentApplicant(t testing.TB) *fx {
	return &fx{date: applied, creds: map[string]map[string]any{
		"residency": example(t, "residency-status"),
		"income":    example(t, "health-insurance-income-band"),
	}}
}

func rentCases() []decisionCase {
	return []decisionCase{
		{"eligible", nil, eligible()},
		{"eligible the day before the 40th birthday", func(f *fx) { f.set("residency", "birthdate", "1986-03-10") }, eligible()},
		{"40 on the birthday", func(f *fx) { f.set("residency", "birthdate", "1986-03-09") }, failed("age")},
		{"18", func(f *fx) { f.set("residency", "birthdate", "2008-01-01") }, failed("age")},
		{"not a Seoul resident", func(f *fx) { f.set("residency", "resident_of_seoul", false) }, failed("seoul_resident")},
		{"a household of two", func(f *fx) { f.set("residency", "household_size", 2) }, failed("single_person_household")},
		{"income 150–180 %", func(f *fx) { f.set("income", "income_band", map[string]any{"lower_pct": 150, "upper_pct": 180}) }, failed("income")},
		{"no residency status", func(f *fx) { f.drop("residency") }, undetermined([]string{"residency"}, "age", "seoul_resident", "single_person_household")},
		{"no income band", func(f *fx) { f.drop("income") }, undetermined([]string{"income"}, "income")},
		{"residency status of the day before", func(f *fx) { f.set("residency", "as_of", "2026-03-08") }, undetermined(nil, "seoul_resident", "single_person_household")},
		{"income band against the 2024 table", func(f *fx) { f.set("income", "median_year", 2024) }, undetermined(nil, "income")},
	}
}

func TestYouthMonthlyRent(t *testing.T) {
	runCases(t, programme(t, rent), rentApplicant, rentCases())
}

// ---- Youth safe housing, public rental ------------------------------------

const housing = "seoul-youth-housing-public"

func housingApplicant(t testing.TB) *fx {
	f := &fx{date: applied, creds: map[string]map[string]any{
		"marriage":  example(t, "marriage-relations-certificate"),
		"local_tax": example(t, "local-tax-assessment-certificate"),
	}}
	f.set("marriage", "marital_status", "unmarried")
	f.set("local_tax", "assessments", []any{
		map[string]any{"tax_item": "resident", "levy_month": "2025-08", "taxed_object": "주민세(개인분)", "tax_due": 6000, "tax_paid": 6000},
	})
	return f
}

func assessment(item, object string) map[string]any {
	return map[string]any{"tax_item": item, "levy_month": "2025-07", "taxed_object": object, "tax_due": 100000, "tax_paid": 100000}
}

func addAssessment(f *fx, a map[string]any) {
	f.set("local_tax", "assessments", append(f.creds["local_tax"]["assessments"].([]any), a))
}

func housingCases() []decisionCase {
	house := assessment("property", "서울특별시 노원구 상계동 1234 702동 1105호 (주택)")
	land := assessment("property", "경기도 양평군 양서면 산 12 (토지)")
	car := assessment("vehicle", "123가4567 (승용, 1,598cc)")
	return []decisionCase{
		{"eligible", nil, eligible()},
		{"eligible, divorced", func(f *fx) { f.set("marriage", "marital_status", "divorced") }, eligible()},
		{"eligible, no assessment at all", func(f *fx) { f.set("local_tax", "assessments", []any{}) }, eligible()},
		{"eligible, the 2024 tax year in 2025", func(f *fx) {
			f.date = "2025-03-09"
			f.set("local_tax", "tax_year", 2024)
		}, eligible()},
		{"married", func(f *fx) { f.set("marriage", "marital_status", "married") }, failed("not_married")},
		{"40", func(f *fx) { f.set("marriage", "subject.birthdate", "1986-01-01") }, failed("age")},
		{"owns a house", func(f *fx) { addAssessment(f, house) }, failed("no_home")},
		{"owns a car", func(f *fx) { addAssessment(f, car) }, failed("no_car")},
		{"owns a house and a car", func(f *fx) {
			addAssessment(f, house)
			addAssessment(f, car)
		}, failed("no_home", "no_car")},
		{"owns land only", func(f *fx) { addAssessment(f, land) }, undetermined(nil, "no_home")},
		{"a tax year too old", func(f *fx) { f.set("local_tax", "tax_year", 2024) }, undetermined(nil, "no_home", "no_car")},
		{"no local-tax certificate", func(f *fx) { f.drop("local_tax") }, undetermined([]string{"local_tax"}, "no_home", "no_car")},
		{"no marriage certificate", func(f *fx) { f.drop("marriage") }, undetermined([]string{"marriage"}, "age", "not_married")},
	}
}

func TestYouthHousingPublic(t *testing.T) {
	runCases(t, programme(t, housing), housingApplicant, housingCases())
}

// ---- Citizen Card facility entry ------------------------------------------

const facility = "citizen-card-facility-entry"

func cardHolder(t testing.TB) *fx {
	return &fx{date: applied, params: map[string]string{"facility_id": "GWANAK-SPT-0003"},
		creds: map[string]map[string]any{"card": example(t, "seoul-citizen-card")}}
}

func facilityCases() []decisionCase {
	return []decisionCase{
		{"member and resident", nil, eligible()},
		{"at another facility", func(f *fx) { f.params = map[string]string{"facility_id": "JUNG-SPT-0001"} }, failed("member")},
		{"no memberships", func(f *fx) { f.unset("card", "facility_memberships") }, failed("member")},
		{"not a resident", func(f *fx) { f.set("card", "resident_of_seoul", false) }, failed("seoul_resident")},
		{"no card", func(f *fx) { f.drop("card") }, undetermined([]string{"card"}, "seoul_resident", "member")},
	}
}

func TestCitizenCardFacilityEntry(t *testing.T) {
	p := programme(t, facility)
	runCases(t, p, cardHolder, facilityCases())

	f := cardHolder(t)
	f.params = nil
	if _, err := p.Decide(context.Background(), f.evidence(t, p)); !errors.Is(err, programmes.ErrEvidence) {
		t.Errorf("no facility_id: %v, want ErrEvidence", err)
	}
	f.params = map[string]string{"facility_id": "X", "door": "2"}
	if _, err := p.Decide(context.Background(), f.evidence(t, p)); !errors.Is(err, programmes.ErrEvidence) {
		t.Errorf("an undeclared parameter: %v, want ErrEvidence", err)
	}
}

// ---- A clinic's request for the medication list ---------------------------

const medication = "clinic-medication-list"

func patient(t testing.TB) *fx {
	return &fx{date: applied, creds: map[string]map[string]any{"list": example(t, "medication-list")}}
}

func med(f *fx, i int) map[string]any {
	return f.creds["list"]["medications"].([]any)[i].(map[string]any)
}

func medicationCases() []decisionCase {
	return []decisionCase{
		{"eligible", nil, eligible()},
		{"eligible, a list 90 days old", func(f *fx) { f.set("list", "as_of", "2025-12-09") }, eligible()},
		{"eligible, coded by ATC ingredient only", func(f *fx) {
			med(f, 0)["product"] = map[string]any{"system": "urn:example:local", "code": "7", "display": "조제약"}
		}, eligible()},
		{"eligible, coded by EDI code only", func(f *fx) {
			for i := range f.creds["list"]["medications"].([]any) {
				delete(med(f, i), "ingredients")
			}
		}, eligible()},
		{"eligible, a stopped medication without directions", func(f *fx) {
			med(f, 0)["status"] = "stopped"
			delete(med(f, 0), "dosage")
		}, eligible()},
		{"eligible, no medication disclosed", func(f *fx) { f.unset("list", "medications") }, eligible()},
		{"a list 91 days old", func(f *fx) { f.set("list", "as_of", "2025-12-08") }, failed("current")},
		{"self-reported", func(f *fx) { f.set("list", "source", "self_reported") }, failed("institutional_source")},
		{"a medication without a standard code", func(f *fx) {
			med(f, 0)["product"] = map[string]any{"system": "urn:example:local", "code": "7", "display": "조제약"}
			delete(med(f, 0), "ingredients")
		}, failed("coded")},
		{"an active medication without directions", func(f *fx) { delete(med(f, 0), "dosage") }, failed("directions")},
		{"a list dated tomorrow", func(f *fx) { f.set("list", "as_of", "2026-03-10") }, undetermined(nil, "current")},
		{"no list", func(f *fx) { f.drop("list") }, undetermined([]string{"list"}, "current", "institutional_source", "coded", "directions")},
	}
}

func TestClinicMedicationList(t *testing.T) {
	runCases(t, programme(t, medication), patient, medicationCases())
}

// ---- Every programme ------------------------------------------------------

// programmeCases are the cases of every embedded programme.
func programmeCases() map[string]struct {
	base  func(testing.TB) *fx
	cases []decisionCase
} {
	type set = struct {
		base  func(testing.TB) *fx
		cases []decisionCase
	}
	return map[string]set{
		allowance:  {allowanceApplicant, allowanceCases()},
		rent:       {rentApplicant, rentCases()},
		housing:    {housingApplicant, housingCases()},
		facility:   {cardHolder, facilityCases()},
		medication: {patient, medicationCases()},
	}
}

// TestEveryProgrammeIsTested: each embedded programme has cases, and for
// each criterion a case where it passes, one where it fails and one where
// it is undetermined.
func TestEveryProgrammeIsTested(t *testing.T) {
	all := programmeCases()
	for _, p := range catalogue(t).Programmes() {
		set, ok := all[p.ID()]
		if !ok {
			t.Errorf("%s has no decision cases", p.ID())
			continue
		}
		for _, c := range p.Criteria() {
			seen := map[programmes.Outcome]bool{}
			for _, dc := range set.cases {
				o, listed := dc.want.criteria[c.ID]
				if !listed {
					o = programmes.Passed
				}
				seen[o] = true
			}
			for _, o := range []programmes.Outcome{programmes.Passed, programmes.Failed, programmes.Undetermined} {
				if !seen[o] {
					t.Errorf("%s: no case where %s is %s", p.ID(), c.ID, o)
				}
			}
		}
	}
}

// TestQueriesAskOnlyForWhatRulesRead checks, by evaluation, what the load
// checks on the rules' syntax: every claim a programme's DCQL query asks
// for makes a difference to some criterion in some case — withholding it
// changes an outcome.
func TestQueriesAskOnlyForWhatRulesRead(t *testing.T) {
	all := programmeCases()
	for _, p := range catalogue(t).Programmes() {
		set := all[p.ID()]
		decide := func(f *fx) []programmes.Outcome {
			d, err := p.Decide(context.Background(), f.evidence(t, p))
			if err != nil {
				t.Fatalf("%s: %v", p.ID(), err)
			}
			var out []programmes.Outcome
			for _, r := range d.Criteria {
				out = append(out, r.Outcome)
			}
			return out
		}
		for _, cq := range p.Query().Credentials {
			for _, cl := range cq.Claims {
				used := false
				for _, dc := range set.cases {
					f := set.base(t)
					if dc.edit != nil {
						dc.edit(f)
					}
					if _, ok := f.creds[cq.ID]; !ok {
						continue
					}
					with := decide(f)
					remove(f.creds[cq.ID], cl.Path)
					if !slices.Equal(with, decide(f)) {
						used = true
						break
					}
				}
				if !used {
					t.Errorf("%s asks for %s.%s, and withholding it changes no decision", p.ID(), cq.ID, cl.Path)
				}
			}
		}
	}
}

// remove deletes the claim at p (nil: in every element).
func remove(v any, p sdjwt.Path) {
	if len(p) == 0 {
		return
	}
	switch x := v.(type) {
	case map[string]any:
		k, ok := p[0].(string)
		if !ok {
			return
		}
		if len(p) == 1 {
			delete(x, k)
			return
		}
		remove(x[k], p[1:])
	case []any:
		for i, e := range x {
			if p[0] == nil || p[0] == i {
				remove(e, p[1:])
			}
		}
	}
}

// TestDecideEvidence: evidence the caller should not have passed is an
// error, not a decision.
func TestDecideEvidence(t *testing.T) {
	p := programme(t, allowance)
	good := allowanceApplicant(t).evidence(t, p)
	for _, c := range []struct {
		name string
		edit func(*programmes.Evidence)
	}{
		{"no application date", func(e *programmes.Evidence) { e.ApplicationDate = time.Time{} }},
		{"an unknown credential query", func(e *programmes.Evidence) { e.Credentials["passport"] = []map[string]any{{}} }},
		{"two presentations for one query", func(e *programmes.Evidence) {
			e.Credentials["residency"] = append(e.Credentials["residency"], e.Credentials["residency"][0])
		}},
		{"a claim that is not JSON", func(e *programmes.Evidence) {
			e.Credentials["welfare"] = []map[string]any{{"as_of": time.Now()}}
		}},
		{"a parameter the programme lacks", func(e *programmes.Evidence) { e.Parameters = map[string]string{"x": "1"} }},
	} {
		ev := programmes.Evidence{ApplicationDate: good.ApplicationDate, Credentials: map[string][]map[string]any{}}
		for k, v := range good.Credentials {
			ev.Credentials[k] = slices.Clone(v)
		}
		c.edit(&ev)
		if d, err := p.Decide(context.Background(), ev); !errors.Is(err, programmes.ErrEvidence) {
			t.Errorf("%s: %v, %v; want ErrEvidence", c.name, d, err)
		}
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := p.Decide(ctx, good); !errors.Is(err, context.Canceled) {
		t.Errorf("a cancelled context: %v", err)
	}

	// An empty list of presentations is a missing credential.
	ev := good
	ev.Credentials = map[string][]map[string]any{"residency": nil}
	d, err := p.Decide(context.Background(), ev)
	if err != nil || d.Outcome != programmes.Undetermined {
		t.Errorf("no presentations: %v %v", d, err)
	}
}

// TestUnexpectedClaimForm: a claim of another type than the rule expects
// (which the pipeline's schema check would have refused) leaves the
// criterion undetermined with the evaluation error as detail.
func TestUnexpectedClaimForm(t *testing.T) {
	p := programme(t, allowance)
	f := allowanceApplicant(t)
	f.set("residency", "birthdate", "21 August 2000")
	d, err := p.Decide(context.Background(), f.evidence(t, p))
	if err != nil {
		t.Fatal(err)
	}
	r := d.Criteria[0]
	if r.ID != "age" || r.Outcome != programmes.Undetermined || r.Detail == "" || len(r.Missing) != 0 {
		t.Errorf("age on a malformed birth date: %+v", r)
	}
	if d.Outcome != programmes.Undetermined {
		t.Errorf("outcome %s", d.Outcome)
	}
}

// held is a credential in a wallet, as DCQL matching sees it.
type held struct {
	vct    string
	claims map[string]any
}

func (h held) Format() string         { return dcql.FormatSDJWTVC }
func (h held) Type() string           { return h.vct }
func (h held) Claims() map[string]any { return h.claims }

// TestWalletAnswers: a wallet holding each case's credentials can answer
// the programme's query (internal/dcql's Match, the wallet side, with the
// optional credentials offered too), and what it discloses decides as the
// cases expect.
func TestWalletAnswers(t *testing.T) {
	for id, set := range programmeCases() {
		p := programme(t, id)
		q := p.Query()
		answered := 0
		for _, dc := range set.cases {
			f := set.base(t)
			if dc.edit != nil {
				dc.edit(f)
			}
			var wallet []dcql.Credential
			for qid, claims := range f.creds {
				withKey := maps.Clone(claims)
				withKey["cnf"] = map[string]any{"jwk": map[string]any{}}
				wallet = append(wallet, held{vct: q.CredentialQuery(qid).Meta.VCTValues[0], claims: withKey})
			}
			res, err := q.Match(wallet)
			if err != nil {
				t.Fatal(err)
			}
			if !res.Satisfied {
				// The wallet answers nothing (§6.4.2); the case must be one
				// where a credential was not presented.
				if len(dc.want.missing) == 0 {
					t.Errorf("%s/%s: the query cannot be answered", id, dc.name)
				}
				continue
			}
			ev := f.evidence(t, p)
			ev.Credentials = map[string][]map[string]any{}
			unmatched := false
			for _, cm := range res.Credentials {
				if len(cm.Candidates) > 0 {
					c := cm.Candidates[0]
					ev.Credentials[cm.ID] = []map[string]any{project(c.Credential.Claims(), c.Disclose()).(map[string]any)}
				} else if _, holds := f.creds[cm.ID]; holds {
					unmatched = true // a credential lacking a claim its query needs: not offered
				}
			}
			if unmatched {
				continue
			}
			answered++
			got, err := p.Decide(context.Background(), ev)
			if err != nil {
				t.Fatal(err)
			}
			want, err := p.Decide(context.Background(), f.evidence(t, p))
			if err != nil {
				t.Fatal(err)
			}
			if got.Outcome != want.Outcome || !slices.Equal(got.Missing, want.Missing) {
				t.Errorf("%s/%s: on what the wallet discloses %s %v, want %s %v", id, dc.name, got.Outcome, got.Missing, want.Outcome, want.Missing)
			}
		}
		if answered == 0 {
			t.Errorf("%s: no case answerable", id)
		}
	}
}

// TestDecideConcurrently: a programme is shared by the verifier's
// handlers (run with -race).
func TestDecideConcurrently(t *testing.T) {
	p := programme(t, allowance)
	ev := allowanceApplicant(t).evidence(t, p)
	errs := make(chan error, 8)
	for range 8 {
		go func() {
			for range 20 {
				d, err := p.Decide(context.Background(), ev)
				if err == nil && d.Outcome != programmes.Eligible {
					err = errors.New(string(d.Outcome))
				}
				if err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
