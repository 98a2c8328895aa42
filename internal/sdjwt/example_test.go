package sdjwt_test

import (
	"context"
	"fmt"

	"github.com/seoulid/seoulid/internal/keys"
	"github.com/seoulid/seoulid/internal/sdjwt"
)

// Issue an SD-JWT with a recursive disclosure, present one member of it,
// and verify what arrives.
func Example() {
	ctx := context.Background()
	issuer, _ := keys.Generate(keys.ES256)
	paths, _ := sdjwt.ParsePaths("address,address.district,address.postal_code")
	issued, err := sdjwt.Issue(ctx, issuer, map[string]any{
		"iss":     "https://mapo.seoul.go.kr",
		"address": map[string]any{"district": "Mapo-gu", "postal_code": "04001", "city": "Seoul"},
	}, sdjwt.IssueOptions{Disclosable: paths, Decoys: 2})
	if err != nil {
		fmt.Println(err)
		return
	}

	district, _ := sdjwt.ParsePath("address.district")
	presentation, _ := issued.Select(district)

	got, err := sdjwt.Verify(ctx, presentation.String(), sdjwt.VerifyOptions{
		Algorithms: []keys.Algorithm{keys.ES256},
		IssuerKey:  sdjwt.StaticKey(issuer.Public()),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(issued.Disclosures), "disclosures issued,", len(presentation.Disclosures), "presented")
	fmt.Println(got.Claims["address"])
	// Output:
	// 3 disclosures issued, 2 presented
	// map[city:Seoul district:Mapo-gu]
}

// A verifier refuses a presentation whose disclosure was tampered with, and
// says why in one line.
func ExampleVerify_tampered() {
	ctx := context.Background()
	issuer, _ := keys.Generate(keys.EdDSA)
	issued, _ := sdjwt.Issue(ctx, issuer, map[string]any{"given_name": "서연"},
		sdjwt.IssueOptions{Disclosable: []sdjwt.Path{{"given_name"}}})
	forged, _ := sdjwt.Parse(issued.String())
	other, _ := sdjwt.Issue(ctx, issuer, map[string]any{"given_name": "민준"},
		sdjwt.IssueOptions{Disclosable: []sdjwt.Path{{"given_name"}}})
	forged.Disclosures = other.Disclosures // a disclosure from another credential

	_, err := forged.Verify(ctx, sdjwt.VerifyOptions{
		Algorithms: []keys.Algorithm{keys.EdDSA},
		IssuerKey:  sdjwt.StaticKey(issuer.Public()),
	})
	fmt.Println(err)
	// Output: sdjwt: disclosure 1 is not referenced by any digest
}
