package schemas_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/seoulid/seoulid/internal/keys"
	"github.com/seoulid/seoulid/internal/sdjwtvc"
	"github.com/seoulid/seoulid/schemas"
)

// A district office issues a residency status credential: the catalogue
// checks the claims, sets the validity and says which claims the citizen
// may withhold.
func Example() {
	residency, err := schemas.Default().Lookup("urn:seoulid:vct:residency-status:1")
	if err != nil {
		fmt.Println(err)
		return
	}
	issuedAt := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	claims := map[string]any{
		"name": "정하은", "birthdate": "2001-03-14", "as_of": "2026-11-22",
		"resident_of_seoul": true, "sido": "서울특별시", "district": "관악구",
		"resident_since": "2021-02-26", "household_size": 1,
	}
	cred, err := residency.Credential("did:example:gwanak-gu", issuedAt, claims)
	if err != nil {
		fmt.Println(err)
		return
	}
	office, _ := keys.Generate(keys.EdDSA)
	if _, err := sdjwtvc.Issue(context.Background(), office, cred, sdjwtvc.IssueOptions{}); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(residency.Name(schemas.Korean), "valid until", cred.Expiry.Format("2006-01-02"))
	fmt.Println("disclosable:", cred.Disclosable)
	// Output:
	// 거주 사실 확인 valid until 2026-12-22
	// disclosable: [name birthdate resident_of_seoul sido district resident_since household_size]
}

// Validation reports every violation with its JSON pointer.
func ExampleType_Validate() {
	card, _ := schemas.Default().Lookup("urn:seoulid:vct:seoul-citizen-card:1")
	err := card.Validate(map[string]any{
		"name": "이정민", "birthdate": "2001-05-17", "age_over_14": true, "age_over_19": "yes",
		"age_over_65": false, "resident_of_seoul": true, "rrn": "010517-4234567",
	})
	var ve *schemas.ValidationError
	if errors.As(err, &ve) {
		for _, v := range ve.Violations {
			fmt.Println(v)
		}
	}
	// Output:
	// /age_over_19: got string, want boolean
	// /rrn: is not a claim of this type
	// /rrn: is named like a resident registration number, which no credential may carry (PIPA Art. 24-2)
	// /rrn: looks like a resident registration number, which no credential may carry (PIPA Art. 24-2)
}

// A verifier checks what a holder disclosed: withheld claims are fine,
// wrong ones are not.
func ExampleType_ValidateDisclosed() {
	card, _ := schemas.Default().Lookup("urn:seoulid:vct:seoul-citizen-card:1")
	fmt.Println(card.ValidateDisclosed(map[string]any{
		"iss": "did:example:seoul", "vct": card.VCT, "age_over_19": true,
	}))
	// Output:
	// <nil>
}

// The OpenID4VCI 1.0 entry an issuer serves for a type.
func ExampleType_CredentialConfiguration() {
	meds, _ := schemas.Default().Lookup("urn:seoulid:vct:medication-list:1")
	cfg := meds.CredentialConfiguration(schemas.IssuerProfile{SigningAlgs: []string{"ES256"}})
	fmt.Println(meds.ConfigurationID(), cfg.Format, cfg.VCT)
	for _, d := range cfg.CredentialMetadata.Display {
		fmt.Println(d.Locale, d.Name)
	}
	// Output:
	// medication-list-v1 dc+sd-jwt urn:seoulid:vct:medication-list:1
	// ko 복용 약 목록
	// en Medication list
}

// The sensitive claims of a type, which a wallet asks separate consent for.
func ExampleType_SensitiveClaims() {
	t, _ := schemas.Default().Lookup("urn:seoulid:vct:disability-certificate:1")
	for _, c := range t.SensitiveClaims() {
		fmt.Println(c.Path, "—", c.Label[schemas.Korean])
	}
	// Output:
	// disability_type — 장애유형
	// severity — 장애정도
}
